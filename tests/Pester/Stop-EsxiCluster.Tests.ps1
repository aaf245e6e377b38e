BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1)
    # Guests that go down at once (the host's clock moves only with its commands), one without VMware Tools.
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds'; ShutdownSeconds = 0 }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'app 1'; Datastore = 'shared ds'; Tools = $false }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 3; Name = 'vCLS (1)'; Datastore = ''; GuestId = 'crxSys1Guest' }))
    1..3 | ForEach-Object { $sim[0].SetRunning($_) }
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:server = "$($sim[0].Address):$($sim[0].Port)"
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:dead = "127.0.0.1:$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $script:plan = New-BootPlan -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; ShutdownTimeout = 60 }, @{ Name = 'rest'; All = $true; ShutdownTimeout = 30 }
}

AfterAll { $sim.Dispose() }

Describe 'Stop-EsxiCluster' {
    It 'lists the order per host with -WhatIf and touches nothing' {
        $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$plan = New-BootPlan -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; ShutdownTimeout = 60 }, @{ Name = 'rest'; All = `$true; ShutdownTimeout = 30 }
Stop-EsxiCluster -Plan `$plan -Server '$server', '$dead' -Credential `$c -KnownHostsPath '$knownHosts' -ConnectTimeout 5 -PowerOffHost -WhatIf
"@
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
        $output | Should -Match 'What if: Shut down .* in the reverse order of the boot plan:'
        $output | Should -Match "1\. stage 2 'rest': shut down 'app 1' \(power off hard after 30 s\)"
        $output | Should -Match "2\. stage 1 'vcenter': shut down 'vcsa01' \(power off hard after 60 s\)"
        $output | Should -Match '3\. power off its 1 vCLS VM\(s\), enter maintenance mode, power the host off'
        $output | Should -Match ([regex]::Escape($dead) + ': not reachable now')
        $output | Should -Match 'readiness.maintenanceMode'
        1..3 | ForEach-Object { $sim[0].PowerState($_) | Should -Be 'on' }
    }

    It 'shuts the VMs down last stage first, reports the unreachable host, and logs a shutdown Get-BootLog reads' {
        $log = Join-Path $TestDrive 'power event.log'
        $events = Stop-EsxiCluster -Plan $plan -Server $server, $dead -Credential $credential -KnownHostsPath $knownHosts -ConnectTimeout 5 -LogPath $log -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SshConnectionRefused,*'
        $failed[0].TargetObject | Should -Be $dead
        $noTools = $events | Where-Object { $_.VmName -eq 'app 1' }
        $noTools.Action | Should -Be 'power-off'
        $noTools.Result | Should -Be 'ok'
        $noTools.Stage | Should -Be 2
        $vcsa = $events | Where-Object { $_.VmName -eq 'vcsa01' }
        $vcsa.Result | Should -Be @('requested', 'off')
        $vcsa[0].Time | Should -BeGreaterOrEqual $noTools.Time
        $sim[0].PowerState(1) | Should -Be 'off'
        $sim[0].PowerState(2) | Should -Be 'off'
        # Without -PowerOffHost the host and its vCLS VM stay up.
        $sim[0].PowerState(3) | Should -Be 'on'
        $sim[0].IsUp | Should -BeTrue
        $events[-1].Action | Should -Be 'shutdown-end'

        $summary = Get-BootLog -LiteralPath $log -Summary | Where-Object HostName -EQ 'esx01'
        $summary.IsShutdown | Should -BeTrue
        $summary.PoweredOff | Should -Be 2
        $summary.Completed | Should -BeTrue
        $report = Join-Path $TestDrive 'power event.html'
        Get-BootLog -LiteralPath $log | Export-BootReport -LiteralPath $report
        Get-Content -LiteralPath $report -Raw | Should -Match '<h2>Shutdown at '
    }

    It 'leaves what is off alone when run again' {
        $events = Stop-EsxiCluster -Plan $plan -Server $server -Credential $credential -KnownHostsPath $knownHosts -Confirm:$false
        $events | Where-Object { $_.VmName -in 'vcsa01', 'app 1' } | Should -BeNullOrEmpty
        $events[-1].Result | Should -Be 'done'
    }

    It 'never touches the management VM, and keeps its host on with -KeepManagementHost' {
        1..2 | ForEach-Object { $sim[0].SetRunning($_) }
        $plan = New-BootPlan -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; ShutdownTimeout = 60 }, @{ Name = 'rest'; All = $true; ShutdownTimeout = 30 } -MaintenanceMode exit
        $events = Stop-EsxiCluster -Plan $plan -Server $server -Credential $credential -KnownHostsPath $knownHosts -PowerOffHost -ManagementVm 'vcsa01' -KeepManagementHost -Confirm:$false
        $events | Where-Object VmName -EQ 'vcsa01' | Should -BeNullOrEmpty
        ($events | Where-Object VmName -EQ 'app 1').Result | Should -Be 'ok'
        $kept = $events | Where-Object Action -EQ 'host-off'
        $kept.Result | Should -Be 'kept'
        $sim[0].PowerState(1) | Should -Be 'on'
        $sim[0].IsUp | Should -BeTrue
        $sim[0].MaintenanceMode | Should -BeFalse
    }
}
