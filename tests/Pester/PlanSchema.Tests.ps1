# One plan schema: a plan New-BootPlan accepts exports and imports unchanged, and a value the YAML refuses
# New-BootPlan refuses with the same message. Random cases from a fixed seed, so a failure repeats.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force

    # Each number of the plan: how New-BootPlan takes it, and how the same value is written in YAML.
    $script:numbers = @(
        @{ Parameter = 'MinimumDelay'; Yaml = { param($v) "readiness:`n  minimumDelay: $v`n" } }
        @{ Parameter = 'ReadinessTimeout'; Yaml = { param($v) "readiness:`n  timeout: $v`n" } }
        @{ Parameter = 'Retries'; Yaml = { param($v) "powerOn:`n  retries: $v`n" } }
        @{ Parameter = 'RetryDelay'; Yaml = { param($v) "powerOn:`n  retryDelay: $v`n" } }
        @{ Stage = @{ }; Key = 'Pause'; Yaml = { param($v) "    pause: $v`n" } }
        @{ Stage = @{ }; Key = 'Parallel'; Yaml = { param($v) "    parallel: $v`n" } }
        @{ Stage = @{ }; Key = 'ShutdownTimeout'; Yaml = { param($v) "    shutdownTimeout: $v`n" } }
        @{ Stage = @{ }; Key = 'Delay'; Yaml = { param($v) "    after:`n      delay: $v`n" } }
        @{ Stage = @{ }; Key = 'Heartbeat'; Yaml = { param($v) "    after:`n      heartbeat: { timeout: $v }`n" } }
        @{ Stage = @{ TcpHost = 'vc.lab' }; Key = 'TcpPort'; Yaml = { param($v) "    after:`n      tcp: { host: vc.lab, port: $v }`n" } }
        @{ Stage = @{ TcpHost = 'vc.lab' }; Key = 'TcpTimeout'; Yaml = { param($v) "    after:`n      tcp: { host: vc.lab, timeout: $v }`n" } }
        @{ Stage = @{ RescanDatastores = 'nas ds' }; Key = 'RescanTimeout'; Yaml = { param($v) "    after:`n      rescan: { datastores: [nas ds], timeout: $v }`n" } }
    )
    # Edges of every range, beyond them, and values that are no whole number.
    $script:values = @(-100000, -5, -1, 0, 1, 2, 64, 65, 80, 443, 600, 3600, 3601, 65535, 65536, 86400, 86401, 2147483647, 'soon', '5.5', '1e3')

    function Get-Message($ErrorRecord) {
        # Import-BootPlan says where (file:line:column: ); the reason after it is what New-BootPlan says.
        ($ErrorRecord.Exception.Message -replace '^.*?:\d+:\d+: ', '')
    }
}

Describe 'One plan schema for YAML and New-BootPlan' {
    It 'agrees on 400 random plans: accepted ones round-trip, refused ones get the same message' {
        $random = [Random]::new(20261126)
        $folder = Join-Path $TestDrive 'plans'
        $null = New-Item -ItemType Directory -Path $folder
        $accepted = 0; $refused = 0
        foreach ($case in 1..400) {
            $number = $numbers[$random.Next($numbers.Count)]
            $value = if ($random.Next(3) -eq 0) { $random.Next(-70000, 70000) } else { $values[$random.Next($values.Count)] }
            # New-BootPlan's own parameters are [int]: text never reaches the plan (PowerShell's binder answers it).
            if (-not $number.Stage -and $value -is [string]) { $value = $random.Next(-70000, 70000) }
            $first = @{ Name = 'first'; All = $true }
            $parameters = @{ LogDatastore = 'shared ds' }
            $top = ''; $stage = ''
            if ($number.Stage) {
                foreach ($key in $number.Stage.Keys) { $first[$key] = $number.Stage[$key] }
                $first[$number.Key] = $value
                $stage = & $number.Yaml $value
            }
            else {
                $parameters[$number.Parameter] = $value
                $top = & $number.Yaml $value
            }
            $yaml = "version: 1`nlog: { datastore: shared ds }`n$($top)stages:`n  - name: first`n    select: { all: true }`n$($stage)  - name: second`n    select: { all: true }`n"
            $file = Join-Path $folder "case$case.yml"
            Set-Content -LiteralPath $file -Value $yaml -NoNewline

            $fromYaml = $null; $yamlError = $null; $built = $null; $builtError = $null
            try { $fromYaml = Import-BootPlan -LiteralPath $file -ErrorAction Stop } catch { $yamlError = $_ }
            try { $built = New-BootPlan @parameters -Stage $first, @{ Name = 'second'; All = $true } -ErrorAction Stop } catch { $builtError = $_ }

            $because = "case $case, $($number.Parameter)$($number.Key) = '$value'"
            if ($yamlError) {
                $builtError | Should -Not -BeNullOrEmpty -Because "$because was refused by the YAML: $(Get-Message $yamlError)"
                $builtError.FullyQualifiedErrorId | Should -BeLike 'BootPlanInvalid,*'
                "$builtError" | Should -BeExactly (Get-Message $yamlError) -Because $because
                $refused++
                continue
            }

            $builtError | Should -BeNullOrEmpty -Because "$because was accepted by the YAML"
            $out = Join-Path $folder "case$case.out.yml"
            $built | Export-BootPlan -LiteralPath $out
            $back = Import-BootPlan -LiteralPath $out
            $again = Join-Path $folder "case$case.again.yml"
            $back | Export-BootPlan -LiteralPath $again
            Get-Content -LiteralPath $again -Raw | Should -BeExactly (Get-Content -LiteralPath $out -Raw) -Because $because
            # The YAML's own plan is the same plan.
            $fromYamlOut = Join-Path $folder "case$case.yaml.yml"
            $fromYaml | Export-BootPlan -LiteralPath $fromYamlOut
            Get-Content -LiteralPath $fromYamlOut -Raw | Should -BeExactly (Get-Content -LiteralPath $out -Raw) -Because $because
            $accepted++
        }
        # Both kinds of case came up often enough to mean something.
        $accepted | Should -BeGreaterThan 80
        $refused | Should -BeGreaterThan 80
    }

    It 'refuses New-BootPlan''s out-of-range values it used to export and then fail to import, all of them at once' {
        $refused = { New-BootPlan -Stage @{ Name = 'a'; All = $true; TcpHost = 'vc'; TcpPort = 99999; Pause = -3 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'BootPlanInvalid,VmBoot.Commands.NewBootPlanCommand' -PassThru
        # What the user sees is the error's message: every problem, one line each.
        $lines = "$refused" -split "`n"
        $lines[0] | Should -Be 'stage 1: pause is -3, out of range (0 to 3600)'
        $lines[1] | Should -Match '^stage 1: .*port is 99999, out of range \(1 to 65535\)$'
    }
}
