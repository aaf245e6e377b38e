# No password, passphrase or private key material in anything VmBoot writes or returns: every stream
# (verbose and debug included), error messages, returned objects serialized, the generated script,
# the hosts' files, boot logs and the HTML report.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
    foreach ($i in 0, 1) { $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@([VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = "vcsa0$i"; Datastore = 'shared ds' })) }
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:passphrase = 'pass-' + [guid]::NewGuid().ToString('n')
    $script:key = Join-Path $TestDrive 'id_ecdsa'
    ssh-keygen -q -t ecdsa -N $passphrase -f $key | Out-Null
    $sim[1].AuthorizeKey((Get-Content -Raw -LiteralPath "$key.pub"))
    $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    # What must never show: the password, the passphrase, and the private key's encrypted part. An
    # OpenSSH key file begins with its public key, which is public (authorized_keys holds it): only the
    # lines after it are secret.
    $body = @(Get-Content -LiteralPath $key | Where-Object { $_ -notmatch '^-----' })
    $hex = [Convert]::ToHexString([Convert]::FromBase64String(-join $body))
    $publicHex = [Convert]::ToHexString([Convert]::FromBase64String(((Get-Content -LiteralPath "$key.pub") -split ' ')[1]))
    $publicEnd = ($hex.IndexOf($publicHex) + $publicHex.Length) / 2
    $publicEnd | Should -BeGreaterThan 50
    $offset = 0; $privateLines = foreach ($line in $body) { if ($offset * 3 / 4 -ge $publicEnd -and $line.Length -ge 16) { $line }; $offset += $line.Length }
    @($privateLines).Count | Should -BeGreaterThan 1
    $script:secrets = @($sim.Password, $passphrase) + @($privateLines)

    # Everything a user could see of what a command wrote or returned: its text, an error's every part, an object
    # as JSON and as CLIXML.
    function ConvertTo-SearchText([object[]] $Captured) {
        foreach ($item in $Captured) {
            $item | Out-String -Width 400
            if ($item -is [System.Management.Automation.ErrorRecord]) {
                "$($item.FullyQualifiedErrorId) $($item.Exception) $($item.Exception.InnerException) $($item.ErrorDetails) $($item.TargetObject)"
            }
            elseif ($item -isnot [System.Management.Automation.InformationalRecord]) {
                $item | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
                $clixml = Join-Path $TestDrive 'object.xml'
                $item | Export-Clixml -LiteralPath $clixml -Depth 4
                Get-Content -Raw -LiteralPath $clixml
            }
        }
    }
}

AfterAll { $sim.Dispose() }

Describe 'Secrets' {
    It 'appear in no stream, error, returned object, script, host file, log or report' {
        $password = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
        $keyOnly = [pscredential]::new($sim.UserName, [securestring]::new())
        $withKey = @{ Credential = $keyOnly; KeyFilePath = $key; KeyPassphrase = (ConvertTo-SecureString $passphrase -AsPlainText -Force); KnownHostsPath = $knownHosts }
        $withPassword = @{ Credential = $password; KnownHostsPath = $knownHosts }
        $report = Join-Path $TestDrive 'report.html'
        $DebugPreference = 'Continue'
        $captured = & {
            $session = New-EsxiSession -Server $servers[0] @withPassword -Verbose
            $session
            $vms = @($session | Get-EsxiVmList -Verbose) + @(Get-EsxiVmList -Server $servers[1] @withKey -Verbose)
            $vms
            $script = $vms | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds' -Verbose
            $script
            $script | Install-BootScript -Server $servers[1] @withKey -WhatIf -Verbose
            $script | Install-BootScript -Session $session -Confirm:$false -Verbose
            $script | Install-BootScript -Server $servers[1] @withKey -Confirm:$false -Verbose
            Get-BootScript -Server $servers[1] @withKey -Verbose
            Test-BootScript -Session $session -Plan $script.Plan -Verbose
            foreach ($h in $sim.Hosts) { $null = $h.PowerCycle() }
            Get-BootLog -Session $session -Verbose | Export-BootReport -LiteralPath $report -Verbose -PassThru
            Get-BootLog -Server $servers[1] @withKey -Summary -Verbose
            # Failures: a wrong password, a wrong passphrase, an unknown host key.
            $wrong = [pscredential]::new($sim.UserName, (ConvertTo-SecureString "$($sim.Password)x" -AsPlainText -Force))
            Get-EsxiVmList -Server $servers[0] -Credential $wrong -KnownHostsPath $knownHosts -ErrorAction Continue -Verbose
            Get-EsxiVmList -Server $servers[1] -Credential $keyOnly -KeyFilePath $key -KeyPassphrase (ConvertTo-SecureString 'nope' -AsPlainText -Force) -KnownHostsPath $knownHosts -ErrorAction Continue
            Get-EsxiVmList -Server $servers[1] @withPassword -KnownHostsPath (Join-Path $TestDrive 'empty') -ErrorAction Continue
            $session | Remove-EsxiSession -Verbose
        } *>&1
        $sim[0].ResetFailedLogins()

        $errors = @($captured | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -BeGreaterOrEqual 3
        $texts = [System.Collections.Generic.List[string]]::new()
        $texts.AddRange([string[]]@(ConvertTo-SearchText $captured))
        foreach ($h in $sim.Hosts) {
            $texts.Add($h.ReadText('/etc/rc.local.d/local.sh'))
            $texts.Add($h.PersistedLocalSh())
            $texts.Add($h.RunAsHost('cat /vmfs/volumes/shared\ ds/vmboot/*.log /vmfs/volumes/shared\ ds/vmboot/backup/* 2>/dev/null; true'))
        }
        $texts.Add((Get-Content -Raw -LiteralPath $report))
        $texts.Add((Get-Content -Raw -LiteralPath $knownHosts))
        $all = $texts -join "`n"
        $all.Length | Should -BeGreaterThan 20000
        $all | Should -Match 'SshAuthenticationFailed'
        $all | Should -Match 'VmBoot managed block'
        foreach ($secret in $secrets) { $all.Contains($secret) | Should -BeFalse -Because 'a secret must never be written out' }
    }

    It 'of the vSphere API (the password, a PowerCLI session) appear in no stream, error, returned object, log or pin file' {
        . (Join-Path $PSScriptRoot 'VSphereSimHost.ps1')
        $apiPassword = 'api-' + [guid]::NewGuid().ToString('n')
        $apiHost = Start-VSphereSimHost -Vms @(@{ name = 'vcsa01'; tools = $true }) -HostName 'esx41' -Password $apiPassword
        try {
            $secret = Get-VSphereSimSessionSecret -SimHost $apiHost -Password $apiPassword
            $pins = Join-Path $TestDrive 'api-pins'
            $log = Join-Path $TestDrive 'api-run.log'
            $api = @{ Server = $apiHost.Server; Protocol = 'VSphereApi'; KnownCertificatesPath = $pins }
            $credential = [pscredential]::new('root', (ConvertTo-SecureString $apiPassword -AsPlainText -Force))
            $DebugPreference = 'Continue'
            $captured = & {
                Get-EsxiVmList @api -Credential $credential -AcceptNewCertificate -Verbose
                Get-EsxiVmList @api -SessionSecret $secret -Verbose
                Invoke-BootPlan @api -Credential $credential -Plan (New-BootPlan -Stage @{ Name = 'all'; All = $true }) -LogPath $log -Confirm:$false -Verbose
                Get-BootLog @api -SessionSecret $secret -Verbose -ErrorAction Continue
                # Failures: a wrong password, a session the host does not know.
                Get-EsxiVmList @api -Credential ([pscredential]::new('root', (ConvertTo-SecureString "$($apiPassword)x" -AsPlainText -Force))) -ErrorAction Continue -Verbose
                Get-EsxiVmList @api -SessionSecret "$($secret.Trim('"'))x" -ErrorAction Continue -Verbose
            } *>&1
            @($captured | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -BeGreaterOrEqual 3
            $all = (@(ConvertTo-SearchText $captured) + (Get-Content -Raw -LiteralPath $pins) + (Get-Content -Raw -LiteralPath $log)) -join "`n"
            $all | Should -Match 'VSphereLoginFailed'
            $all | Should -Match 'VSphereSessionExpired'
            $all | Should -Match 'vcsa01'
            foreach ($value in $apiPassword, $secret.Trim('"')) { $all.Contains($value) | Should -BeFalse -Because 'a secret must never be written out' }
        }
        finally { Stop-VSphereSimHost $apiHost }
    }
}
