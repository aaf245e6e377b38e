# The cmdlets over the vSphere API against govmomi's simulator (tests/VSphereSim), one process per host: inventories
# from parallel hosts, certificate pinning before any password, a refused login, the parameters of one protocol
# refused with the other's, and a power event (Invoke-BootPlan, then Stop-EsxiCluster to the hosts' power-off)
# with no SSH anywhere.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $script:password = 'Sim-vSphere-1!'
    $script:credential = [pscredential]::new('root', (ConvertTo-SecureString $password -AsPlainText -Force))

    . (Join-Path $PSScriptRoot 'VSphereSimHost.ps1')
    function Start-VSphereHost([object[]] $Vms, [string] $HostName = 'localhost') { Start-VSphereSimHost -Vms $Vms -HostName $HostName -Password $password }

    $script:hosts = @(
        Start-VSphereHost @(@{ name = 'vcsa01'; poweredOn = $true }, @{ name = 'dc01 (primary)' })
        Start-VSphereHost @(@{ name = 'db 01' }, @{ name = 'vCLS (1)'; managedBy = 'com.vmware.vim.eam' })
        Start-VSphereHost @(@{ name = 'app/01' })
    )
    $script:servers = $hosts.Server
}

AfterAll { Stop-VSphereSimHost $hosts }

Describe 'Get-EsxiVmList -Protocol VSphereApi' {
    It 'refuses every unknown certificate with its thumbprint, one error per host, sending no password' {
        $pins = Join-Path $TestDrive 'unknown-pins'
        $wrong = [pscredential]::new('root', (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $vms = Get-EsxiVmList -Server $servers -Protocol VSphereApi -Credential $wrong -KnownCertificatesPath $pins -ErrorVariable failed -ErrorAction SilentlyContinue
        $vms | Should -BeNullOrEmpty
        $failed.Count | Should -Be 3
        # Had the password been sent, these would be VSphereLoginFailed.
        $failed.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'VSphereCertificateUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        $failed.CategoryInfo.Category | Sort-Object -Unique | Should -Be 'SecurityError'
        foreach ($h in $hosts) {
            $one = @($failed | Where-Object TargetObject -EQ $h.Server)
            $one.Count | Should -Be 1
            "$($one[0])" | Should -BeLike "*SHA256:$($h.Thumbprint)*"
        }
        Test-Path -LiteralPath $pins | Should -BeFalse
    }

    It 'reads three hosts in parallel once their certificates are pinned, as EsxiVm objects naming their host' {
        $pins = Join-Path $TestDrive 'pins'
        $vms = Get-EsxiVmList -Server $servers -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins -AcceptNewCertificate -ThrottleLimit 3
        $vms.Count | Should -Be 5
        $vms[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.EsxiVm'
        ($vms | Where-Object Server -EQ $servers[0]).Name | Sort-Object | Should -Be @('dc01 (primary)', 'vcsa01')
        ($vms | Where-Object Name -EQ 'vcsa01').PowerState | Should -Be 'poweredOn'
        ($vms | Where-Object IsVcls).Name | Should -Be 'vCLS (1)'
        ($vms | Where-Object Server -EQ $servers[2]).Name | Should -Be 'app%2f01'
        (Get-Content -LiteralPath $pins).Count | Should -Be 3

        # Pinned: the next call needs no switch and adds nothing.
        (Get-EsxiVmList -Server $servers[1] -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins).Count | Should -Be 2
        (Get-Content -LiteralPath $pins).Count | Should -Be 3
    }

    It 'says a refused login once, for that host only, and the others still answer' {
        $pins = Join-Path $TestDrive 'login-pins'
        $hosts | ForEach-Object { "$($_.Server) SHA256:$($_.Thumbprint)" } | Set-Content -LiteralPath $pins
        $wrong = [pscredential]::new('root', (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $first = Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -Credential $wrong -KnownCertificatesPath $pins -ErrorVariable failed -ErrorAction SilentlyContinue
        $first | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'VSphereLoginFailed,VmBoot.Commands.GetEsxiVmListCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($failed[0])" | Should -BeLike '*Exception Users*'
        (Get-EsxiVmList -Server $servers[1], $servers[2] -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins).Count | Should -Be 3
    }

    It 'leaves out a VM hostd cannot read (its datastore not mounted), with a warning naming the host and its vmid' {
        $late = Start-VSphereHost @(@{ name = 'vcsa01' }, @{ name = 'on the nas'; inaccessible = $true })
        try {
            $pins = Join-Path $TestDrive 'late-pins'
            $vms = Get-EsxiVmList -Server $late.Server -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins -AcceptNewCertificate -WarningVariable said -WarningAction SilentlyContinue
            @($vms).Name | Should -Be 'vcsa01'
            $said.Count | Should -Be 1
            "$($said[0])" | Should -BeLike "$($late.Server)*: VM * is not listed: hostd cannot read its configuration*datastore is not mounted*"
        }
        finally { Stop-VSphereSimHost @($late) }
    }

    It 'refuses SSH''s parameters with the API, and the API''s with SSH, before connecting' {
        { Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -Credential $credential -KeyFilePath ~/.ssh/id_ecdsa -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-EsxiVmList -Server $servers[0] -Protocol VSphereApi -ErrorAction Stop } |
            Should -Throw -ErrorId 'CredentialRequired,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-EsxiVmList -Server $servers[0] -Credential $credential -AcceptNewCertificate -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.GetEsxiVmListCommand'
    }

    It 'opens vSphere API sessions that the inventory, the boot log and a run use, and the shell cmdlets refuse' {
        $pins = Join-Path $TestDrive 'session-pins'
        $hosts | ForEach-Object { "$($_.Server) SHA256:$($_.Thumbprint)" } | Set-Content -LiteralPath $pins
        $sessions = New-EsxiSession -Server $servers -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins
        $sessions.Count | Should -Be 3
        $sessions.Protocol | Sort-Object -Unique | Should -Be 'VSphereApi'
        $sessions.State | Sort-Object -Unique | Should -Be 'Opened'
        (Get-EsxiSession).Id | Should -Contain $sessions[2].Id
        ($sessions | Format-Table | Out-String) | Should -Match 'VSphereApi'
        try {
            ($sessions | Get-EsxiVmList).Count | Should -Be 5
            $events = Invoke-BootPlan -Session $sessions -Plan (New-BootPlan -Stage @{ Name = 'all'; All = $true }) -Confirm:$false
            ($events | Where-Object { $_.Action -eq 'power-on' -and $_.Result -eq 'ok' }).VmName | Sort-Object | Should -Be @('app%2f01', 'db 01', 'dc01 (primary)')
            # Still open after the run, which was not theirs to log out.
            ($sessions | Get-EsxiVmList | Where-Object PowerState -EQ 'poweredOn').Name | Sort-Object | Should -Be @('app%2f01', 'db 01', 'dc01 (primary)', 'vcsa01')
            $null = Get-BootLog -Session $sessions[0] -ErrorVariable noLog -ErrorAction SilentlyContinue
            $noLog[0].FullyQualifiedErrorId | Should -Be 'BootLogNotFound,VmBoot.Commands.GetBootLogCommand'
            $null = Get-BootScript -Session $sessions[0] -ErrorVariable shell -ErrorAction SilentlyContinue
            $shell[0].FullyQualifiedErrorId | Should -Be 'SessionNeedsSsh,VmBoot.Commands.GetBootScriptCommand'
            $shell[0].TargetObject | Should -Be $sessions[0].Server
        }
        finally { $sessions | Remove-EsxiSession }
        $sessions.State | Sort-Object -Unique | Should -Be 'Closed'
    }
}

Describe 'The power event over the vSphere API' {
    BeforeAll {
        $script:cluster = @(
            Start-VSphereHost @(@{ name = 'vcsa'; tools = $true }, @{ name = 'app 01'; tools = $true }) -HostName 'esx11'
            Start-VSphereHost @(@{ name = 'db01'; tools = $true }, @{ name = 'vCLS (2)'; managedBy = 'com.vmware.vim.eam' }) -HostName 'esx12'
        )
        $script:clusterPins = Join-Path $TestDrive 'cluster-pins'
        $cluster | ForEach-Object { "$($_.Server) SHA256:$($_.Thumbprint)" } | Set-Content -LiteralPath $clusterPins
        $script:planFile = Join-Path $TestDrive 'api-plan.yml'
        @"
version: 1
readiness: { maintenanceMode: exit }
stages:
  - name: vcenter
    select: { names: [vcsa] }
    after: { heartbeat: { timeout: 60 } }
  - name: rest
    select: { all: true }
    shutdownTimeout: 30
"@ | Set-Content -LiteralPath $planFile
        $script:api = @{ Protocol = 'VSphereApi'; Credential = $credential; KnownCertificatesPath = $clusterPins }
    }

    AfterAll {
        foreach ($h in $cluster) { if (-not $h.Process.HasExited) { $h.Process.Kill($true) } }
    }

    It 'boots the cluster in stage order with Invoke-BootPlan, vCLS never started' {
        $events = Invoke-BootPlan -Plan $planFile -Server $cluster.Server @api -HostTimeout 60 -Confirm:$false
        ($events | Where-Object Action -EQ 'power-on').VmName | Sort-Object | Should -Be @('app 01', 'db01', 'vcsa')
        $gate = @($events | Where-Object { $_.Action -eq 'gate-heartbeat' -and $_.VmName -eq 'vcsa' })
        $gate.Result | Should -Be 'green'
        @($events | Where-Object { $_.Action -eq 'power-on' -and $_.Stage -eq 2 -and $_.Time -lt $gate[0].Time }) | Should -BeNullOrEmpty
        $vms = Get-EsxiVmList -Server $cluster.Server @api
        ($vms | Where-Object PowerState -EQ 'poweredOn').Name | Sort-Object | Should -Be @('app 01', 'db01', 'vcsa')
        ($vms | Where-Object Name -EQ 'vCLS (2)').PowerState | Should -Be 'poweredOff'
    }

    It 'says what Stop-EsxiCluster would do with -WhatIf, and changes nothing' {
        # What if: lines go to the host, so the call runs in a child pwsh whose output is read.
        $child = @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('root', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
Stop-EsxiCluster -Plan '$planFile' -Server '$($cluster[0].Server)', '$($cluster[1].Server)' -Protocol VSphereApi -Credential `$c -KnownCertificatesPath '$clusterPins' -PowerOffHost -WhatIf
"@
        $env:VMBOOT_TEST_PASSWORD = $password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
        $output | Should -Match "stage 1 'vcenter': shut down 'vcsa'"
        $output | Should -Match 'enter maintenance mode, power the host off \(ShutdownHost_Task\)'
        (Get-EsxiVmList -Server $cluster.Server @api | Where-Object PowerState -EQ 'poweredOn').Count | Should -Be 3
    }

    It 'shuts the cluster down in reverse with Stop-EsxiCluster and powers the hosts off' {
        $events = Stop-EsxiCluster -Plan $planFile -Server $cluster.Server @api -PowerOffHost -Deadline 600 -Confirm:$false
        $vcsa = @($events | Where-Object { $_.VmName -eq 'vcsa' -and $_.Action -eq 'shutdown' -and $_.Result -eq 'off' })
        $vcsa.Count | Should -Be 1
        @($events | Where-Object { $_.Action -eq 'shutdown' -and $_.Result -eq 'off' -and $_.VmName -ne 'vcsa' -and $_.Time -gt $vcsa[0].Time }) | Should -BeNullOrEmpty
        ($events | Where-Object { $_.Action -eq 'host-off' -and $_.Result -eq 'off' }).HostName | Sort-Object | Should -Be @('esx11', 'esx12')
        foreach ($h in $cluster) { $h.Process.WaitForExit(10000) | Should -BeTrue }
    }
}


Describe 'PowerCLI sessions reused over the vSphere API' {
    BeforeAll {
        # Two hosts on one port, as real hosts all answer on 443: piped VIServer objects bring only a Name.
        $probe = [System.Net.Sockets.TcpListener]::new([ipaddress]'127.0.0.2', 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $script:viPort = $port
        $script:viHosts = @(
            Start-VSphereSimHost -Vms @(@{ name = 'vcsa'; tools = $true }, @{ name = 'web 01'; tools = $true }) -HostName 'esx21' -Password $password -Listen "127.0.0.2:$port"
            Start-VSphereSimHost -Vms @(@{ name = 'db 01'; tools = $true }) -HostName 'esx22' -Password $password -Listen "127.0.0.3:$port"
        )
        $script:viPins = Join-Path $TestDrive 'vi-pins'
        $viHosts | ForEach-Object { "$($_.Server) SHA256:$($_.Thumbprint)" } | Set-Content -LiteralPath $viPins
        # What Connect-VIServer esx21, esx22 would have left in $DefaultVIServers.
        $script:viServers = foreach ($h in $viHosts) { New-StandInVIServer -Name ([uri]"https://$($h.Server)").Host -SessionSecret (Get-VSphereSimSessionSecret -SimHost $h -Password $password) }
        $script:viPlan = New-BootPlan -Stage @{ Name = 'vcenter'; Names = 'vcsa'; Heartbeat = 60 }, @{ Name = 'rest'; All = $true; ShutdownTimeout = 30 }
    }

    AfterAll { Stop-VSphereSimHost $viHosts }

    It 'reads the hosts piped from Connect-VIServer through their own sessions: no password, and the sessions stay open' {
        $out = $viServers | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $viPins -Verbose 4>&1
        $vms = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $vms.Name | Sort-Object | Should -Be @('db 01', 'vcsa', 'web 01')
        ($vms | Where-Object Name -EQ 'db 01').Server | Should -Be $viHosts[1].Server
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'reusing the PowerCLI session of root' }).Count | Should -Be 2
        # Not logged out: PowerCLI's sessions still work.
        @($viServers | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $viPins).Count | Should -Be 3
    }

    It 'runs the power event through them: Invoke-BootPlan, then Stop-EsxiCluster' {
        $booted = $viServers | Invoke-BootPlan -Plan $viPlan -Port $viPort -KnownCertificatesPath $viPins -HostTimeout 60 -Confirm:$false
        ($booted | Where-Object { $_.Action -eq 'power-on' -and $_.Result -eq 'ok' }).VmName | Sort-Object | Should -Be @('db 01', 'vcsa', 'web 01')
        $stopped = $viServers | Stop-EsxiCluster -Plan $viPlan -Port $viPort -KnownCertificatesPath $viPins -Confirm:$false
        ($stopped | Where-Object { $_.Action -eq 'shutdown' -and $_.Result -eq 'off' }).VmName | Sort-Object | Should -Be @('db 01', 'vcsa', 'web 01')
        ($viServers | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $viPins).PowerState | Sort-Object -Unique | Should -Be 'poweredOff'
    }

    It 'says when a PowerCLI session has expired, and logs in with -Credential instead' {
        $stale = New-StandInVIServer -Name $viServers[0].Name -SessionSecret '"52c0ffee-dead-beef-0000-000000000000"'
        $null = $stale | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $viPins -ErrorVariable expired -ErrorAction SilentlyContinue
        $expired.Count | Should -Be 1
        $expired[0].FullyQualifiedErrorId | Should -Be 'VSphereSessionExpired,VmBoot.Commands.GetEsxiVmListCommand'
        $expired[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $expired[0].TargetObject | Should -Be $viHosts[0].Server
        $out = $stale | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $viPins -Credential $credential -Verbose 4>&1
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 2
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'logged in as root'
    }

    It 'checks the certificate before the session goes out, and refuses a session where it cannot be used' {
        $none = Join-Path $TestDrive 'no-vi-pins'
        $null = $viServers[0] | Get-EsxiVmList -Port $viPort -KnownCertificatesPath $none -ErrorVariable unknown -ErrorAction SilentlyContinue
        $unknown[0].FullyQualifiedErrorId | Should -Be 'VSphereCertificateUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        { $viServers[0] | Get-EsxiVmList -Protocol Ssh -Port $viPort } | Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.GetEsxiVmListCommand'
        { Get-EsxiVmList -Server $viServers.Name -SessionSecret $viServers[0].SessionSecret -Port $viPort } | Should -Throw -ErrorId 'SessionSecretNeedsOneServer,VmBoot.Commands.GetEsxiVmListCommand'
    }
}

Describe 'A host certificate a CA vouches for' {
    BeforeAll {
        # A host whose certificate a CA signed for the name localhost. The CA is trusted only in child processes
        # (OpenSSL's SSL_CERT_FILE, which .NET on Linux reads for its trusted roots): this process trusts it not.
        $script:caHost = Start-VSphereSimHost -Vms @(@{ name = 'vcsa' }) -HostName 'esx31' -Password $password -Flag '-ca-signed'
        $script:caFile = Join-Path $TestDrive 'test-ca.pem'
        Set-Content -LiteralPath $caFile -Value $caHost.CaPem -NoNewline
        function Invoke-Trusting([string] $Server, [string] $Pins) {
            $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('root', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$vms = Get-EsxiVmList -Server '$Server' -Protocol VSphereApi -Credential `$c -KnownCertificatesPath '$Pins' -ErrorVariable failed -ErrorAction SilentlyContinue
[pscustomobject]@{ Vms = @(`$vms.Name); Errors = @(`$failed.FullyQualifiedErrorId) } | ConvertTo-Json -Compress
"@
            $env:VMBOOT_TEST_PASSWORD = $password
            $env:SSL_CERT_FILE = $caFile
            try { dotnet pwsh -NoProfile -NonInteractive -Command $child | Select-Object -Last 1 | ConvertFrom-Json }
            finally { Remove-Item Env:VMBOOT_TEST_PASSWORD, Env:SSL_CERT_FILE }
        }
    }

    AfterAll { Stop-VSphereSimHost $caHost }

    It 'passes without a pin where the CA is trusted and the name matches, and pins nothing' {
        $pins = Join-Path $TestDrive 'ca-pins'
        $run = Invoke-Trusting -Server "localhost:$($caHost.Port)" -Pins $pins
        $run.Errors | Should -BeNullOrEmpty
        $run.Vms | Should -Be 'vcsa'
        Test-Path -LiteralPath $pins | Should -BeFalse
    }

    It 'is unknown under a name it was not issued for, and where the CA is not trusted' {
        $pins = Join-Path $TestDrive 'ca-pins-2'
        (Invoke-Trusting -Server "127.0.0.1:$($caHost.Port)" -Pins $pins).Errors | Should -Be 'VSphereCertificateUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        $null = Get-EsxiVmList -Server "localhost:$($caHost.Port)" -Protocol VSphereApi -Credential $credential -KnownCertificatesPath $pins -ErrorVariable untrusted -ErrorAction SilentlyContinue
        $untrusted[0].FullyQualifiedErrorId | Should -Be 'VSphereCertificateUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        Test-Path -LiteralPath $pins | Should -BeFalse
    }
}
