# One plan schema: a plan New-BootPlan accepts exports and imports unchanged, and a value the YAML refuses
# New-BootPlan refuses with the same message, naming the key as each was given it (after.tcp.port in YAML,
# TcpPort to New-BootPlan). Random cases from a fixed seed, so a failure repeats.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force

    # Each number of the plan: how New-BootPlan takes it, and how the same value is written in YAML.
    $script:numbers = @(
        @{ Parameter = 'MinimumDelay'; YamlKey = 'readiness.minimumDelay'; Yaml = { param($v) "readiness:`n  minimumDelay: $v`n" } }
        @{ Parameter = 'ReadinessTimeout'; YamlKey = 'readiness.timeout'; Yaml = { param($v) "readiness:`n  timeout: $v`n" } }
        @{ Parameter = 'Retries'; YamlKey = 'powerOn.retries'; Yaml = { param($v) "powerOn:`n  retries: $v`n" } }
        @{ Parameter = 'RetryDelay'; YamlKey = 'powerOn.retryDelay'; Yaml = { param($v) "powerOn:`n  retryDelay: $v`n" } }
        @{ Stage = @{ }; Key = 'Pause'; YamlKey = 'pause'; Yaml = { param($v) "    pause: $v`n" } }
        @{ Stage = @{ }; Key = 'Parallel'; YamlKey = 'parallel'; Yaml = { param($v) "    parallel: $v`n" } }
        @{ Stage = @{ }; Key = 'ShutdownTimeout'; YamlKey = 'shutdownTimeout'; Yaml = { param($v) "    shutdownTimeout: $v`n" } }
        @{ Stage = @{ }; Key = 'Delay'; YamlKey = 'after.delay'; Yaml = { param($v) "    after:`n      delay: $v`n" } }
        @{ Stage = @{ }; Key = 'Heartbeat'; YamlKey = 'after.heartbeat.timeout'; Yaml = { param($v) "    after:`n      heartbeat: { timeout: $v }`n" } }
        @{ Stage = @{ TcpHost = 'vc.lab' }; Key = 'TcpPort'; YamlKey = 'after.tcp.port'; Yaml = { param($v) "    after:`n      tcp: { host: vc.lab, port: $v }`n" } }
        @{ Stage = @{ TcpHost = 'vc.lab' }; Key = 'TcpTimeout'; YamlKey = 'after.tcp.timeout'; Yaml = { param($v) "    after:`n      tcp: { host: vc.lab, timeout: $v }`n" } }
        @{ Stage = @{ RescanDatastores = 'nas ds' }; Key = 'RescanTimeout'; YamlKey = 'after.rescan.timeout'; Yaml = { param($v) "    after:`n      rescan: { datastores: [nas ds], timeout: $v }`n" } }
    )
    # Edges of every range, beyond them, and values that are no whole number.
    $script:values = @(-100000, -5, -1, 0, 1, 2, 64, 65, 80, 443, 600, 3600, 3601, 65535, 65536, 86400, 86401, 2147483647, 'soon', '5.5', '1e3')

    function Get-Message($ErrorRecord) {
        # Import-BootPlan says where (file:line:column: ); the reason after it is what New-BootPlan says.
        ($ErrorRecord.Exception.Message -replace '^.*?:\d+:\d+: ', '')
    }
}

Describe 'One plan schema for YAML and New-BootPlan' {
    It 'agrees on 400 random plans: accepted ones round-trip, refused ones get the same message in their own words' {
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
                $inPowerShell = if ($number.Parameter) { "-$($number.Parameter)" } else { $number.Key }
                "$builtError" | Should -BeExactly ((Get-Message $yamlError).Replace($number.YamlKey, $inPowerShell)) -Because $because
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
        $lines[0] | Should -Be 'stage 1: Pause is -3, out of range (0 to 3600)'
        $lines[1] | Should -Be 'stage 1: TcpPort is 99999, out of range (1 to 65535)'
    }

    It 'names keys as New-BootPlan takes them, and reports every stage''s problems at once' {
        $refused = { New-BootPlan -Stage @{ Name = 'a'; Nmes = 'x'; Heartbeat = 'soon' }, @{ Name = 'b'; All = 'yes' }, @{ Name = 'c' } -LogDatastore ds -LogPath /x -Retries 101 -ErrorAction Stop } |
            Should -Throw -ErrorId 'BootPlanInvalid,VmBoot.Commands.NewBootPlanCommand' -PassThru
        $lines = "$refused" -split "`n"
        $lines | Should -Contain "stage 1: unknown key 'Nmes'; a stage takes Name, Description, All, Names, NameLike, NameMatch, Datastores, VmxPaths, Tags, ExcludeAll, ExcludeNames, ExcludeNameLike, ExcludeNameMatch, ExcludeDatastores, ExcludeVmxPaths, ExcludeTags, Pause, Parallel, ShutdownTimeout, Delay, Heartbeat, TcpHost, TcpPort, TcpTimeout, RescanDatastores, RescanTimeout"
        $lines | Should -Contain "stage 1: Heartbeat: expected a whole number, not 'soon'"
        $lines | Should -Contain "stage 2: All is `$true or `$false, not 'yes'"
        $lines | Should -Contain '-Retries is 101, out of range (0 to 100)'
        $lines | Should -Contain 'give -LogDatastore or -LogPath, not both'
        $lines | Should -Contain "stage 'c' selects nothing; give Names, NameLike, NameMatch, Datastores, VmxPaths or Tags, or All = `$true for the rest"
        # None of YAML's words where New-BootPlan's were given.
        "$refused" | Should -Not -Match 'after\.|all: true|log\.datastore|powerOn\.'
    }
}

Describe 'One reader for plans given in PowerShell' {
    BeforeAll {
        $examples = Join-Path (Get-Module VmBoot).ModuleBase 'Examples'
        $script:inventory = @(Get-EsxiVmList -Path "$examples/esx01-getallvms.txt" -HostName esx01)
        $script:parameters = @{ LogDatastore = 'shared ds'; Retries = 5; Stage = @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 300; Description = 'vCenter first: nothing else starts the rest' }, @{ Name = 'rest'; All = $true } }
    }

    It 'takes New-BootPlan''s parameters as a hashtable for -Plan, giving the plan New-BootPlan gives' {
        $byHashtable = $inventory | New-BootScript -Plan $parameters
        $byCmdlet = $inventory | New-BootScript -Plan (New-BootPlan @parameters)
        $byHashtable.Content | Should -BeExactly $byCmdlet.Content
        $byHashtable.Content | Should -Match "Stage 1 'vcenter' \(vCenter first: nothing else starts the rest\):"
    }

    It 'refuses a bad hashtable as New-BootPlan does, and what is no plan at all with its own error id' {
        $bad = @{ Retry = 5; Stage = @{ Name = 'a'; All = $true; Description = "two`nlines" } }
        $refused = { $inventory | New-BootScript -Plan $bad -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'BootPlanInvalid,VmBoot.Commands.NewBootScriptCommand' -PassThru
        $refused.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$refused" | Should -Match "unknown key 'Retry'; a plan takes Stage, LogDatastore"
        "$refused" | Should -Match 'stage 1: Description is one line'
        { $inventory | New-BootScript -Plan 42 -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'PlanTypeInvalid,VmBoot.Commands.NewBootScriptCommand'
    }

    It 'has a row of the plan-key table for every New-BootPlan parameter (about_VmBoot_BootPlan, KEYS, is the table)' {
        $keys = [regex]::Match((Get-Help about_VmBoot_BootPlan | Out-String), '(?s)  KEYS\n(.*?)\n  MISTAKES').Groups[1].Value
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $parameters = (Get-Command New-BootPlan).Parameters.Keys | Where-Object { $_ -notin $common }
        $parameters.Count | Should -BeGreaterThan 8
        foreach ($name in $parameters) { $keys | Should -Match "(?<![\w-])-$name(?![\w-])" -Because "-$name must be a key of the plan" }
    }
}
