BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
    $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds'; HeartbeatDelay = 0 }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'db 01'; Datastore = 'shared ds'; LockFailures = 1 }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 3; Name = 'vCLS (1)'; Datastore = ''; GuestId = 'crxSys1Guest' }))
    $sim[1].SetInventory([VmBoot.EsxiSim.SimVm[]]@(1..2 | ForEach-Object { [VmBoot.EsxiSim.SimVm]@{ Vmid = $_; Name = "app$_"; Datastore = 'shared ds' } }))
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }
    # Nothing listens there: a host that never comes back.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:dead = "127.0.0.1:$($listener.LocalEndpoint.Port)"; $listener.Stop()
    $script:plan = New-BootPlan -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 60 }, @{ Name = 'rest'; All = $true } -RetryDelay 1
}

AfterAll { $sim.Dispose() }

Describe 'Invoke-BootPlan' {
    It 'prints the order with -WhatIf, each VM on the host that has it now, and starts nothing' {
        $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$plan = New-BootPlan -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 60; TcpHost = 'vcsa01.lab'; TcpPort = 443 }, @{ Name = 'rest'; All = `$true }
Invoke-BootPlan -Plan `$plan -Server '$($servers[0])', '$($servers[1])', '$dead' -Credential `$c -KnownHostsPath '$knownHosts' -ConnectTimeout 5 -WhatIf
"@
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
        $output | Should -Match 'What if: Run the boot plan on .* in this order:'
        $output | Should -Match "Stage 1 'vcenter': power on 'vcsa01' on esx01\."
        $output | Should -Match "then, before stage 2 starts on any host: their guest heartbeats \(at most 60 s for each VM\), then vcsa01.lab:443 to answer \(at most 10 min; checked from this machine\)"
        $output | Should -Match "Stage 2 'rest': power on 'db 01' on esx01, 'app1' on esx02, 'app2' on esx02\."
        $output | Should -Match ([regex]::Escape($dead) + ': not answering now')
        $output | Should -Not -Match 'vCLS'
        foreach ($h in $sim.Hosts) { $h.Inventory | ForEach-Object { $h.PowerState($_.Vmid) | Should -Be 'off' } }
    }

    It 'runs Test-EsxiHost''s boot checks with -WhatIf: a failing one is an error naming it, maintenance mode a warning only when the plan stays in it' {
        $h = $sim[1]
        $h.Lockdown = 'normal'
        $h.VpxUser = $false
        $h.MaintenanceMode = $true
        try {
            $stay = New-BootPlan -Stage @{ Name = 'all'; All = $true } -MaintenanceMode Stay
            Invoke-BootPlan -Plan $stay -Server $servers[1] @connect -WhatIf -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'HostCheckFailed,VmBoot.Commands.InvokeBootPlanCommand'
            "$($failed[0])" | Should -Match "fails Test-EsxiHost's 'hostd-user' check \(root and vpxuser refused\)"
            ($warned -join "`n") | Should -Match "'maintenance-mode' check: on; every power-on is refused"
            $exit = New-BootPlan -Stage @{ Name = 'all'; All = $true } -MaintenanceMode Exit
            Invoke-BootPlan -Plan $exit -Server $servers[1] @connect -WhatIf -ErrorAction SilentlyContinue -WarningVariable warnedAgain -WarningAction SilentlyContinue
            ($warnedAgain -join "`n") | Should -Not -Match 'maintenance-mode'
        }
        finally {
            $h.Lockdown = 'off'
            $h.VpxUser = $true
            $h.MaintenanceMode = $false
        }
        $h.Inventory | ForEach-Object { $h.PowerState($_.Vmid) | Should -Be 'off' }
    }

    It 'boots the reachable hosts in stage order, reports the dead one, and writes a log Get-BootLog and Export-BootReport read' {
        $log = Join-Path $TestDrive 'cluster boot.log'
        $events = Invoke-BootPlan -Plan $plan -Server ($servers + $dead) @connect -LogPath $log -HostTimeout 3 -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RemoteHostUnreachable,*'
        $failed[0].TargetObject | Should -Be $dead
        $failed[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $events[0].PSObject.TypeNames[0..1] | Should -Be @('VmBoot.BootLogEvent#Remote', 'VmBoot.BootLogEvent')
        ($events | Out-String -Width 200) | Should -Match '\+00:00:\d\d esx01\s+power-on\s+vcsa01\s+ok'
        # At 80 columns the result and the reason still show: a retried power-on says why, wrapped, not cut off.
        $narrow = $events | Out-String -Width 80
        $narrow | Should -Match 'power-on\s+db 01\s+retry'
        $retryReason = ($events | Where-Object { $_.VmName -eq 'db 01' -and $_.Result -eq 'retry' }).Message
        $retryReason | Should -Not -BeNullOrEmpty
        ($narrow -replace '\s+', ' ') | Should -Match ([regex]::Escape(($retryReason -split '\s+')[0]))
        ($events | Format-Table -View Timeline | Out-String -Width 250) | Should -Match 'esx01\s+1 vcenter\s+power-on\s+vcsa01 \(1\)\s+ok'
        $events[-1].Action | Should -Be 'boot-end'
        $events[-1].Result | Should -Be 'done'
        foreach ($h in $sim.Hosts) { $h.Inventory | Where-Object { -not $_.Name.StartsWith('vCLS') } | ForEach-Object { $h.PowerState($_.Vmid) | Should -Be 'on' } }
        $sim[0].PowerState(3) | Should -Be 'off'
        $retry = $events | Where-Object { $_.VmName -eq 'db 01' -and $_.Result -eq 'retry' }
        $retry.Attempt | Should -Be 1
        $green = $events | Where-Object Action -EQ 'gate-heartbeat'
        $green.Result | Should -Be 'green'
        $rest = $events | Where-Object { $_.Action -eq 'power-on' -and $_.Stage -eq 2 }
        $rest | ForEach-Object { $_.Time | Should -BeGreaterOrEqual $green.Time }

        $read = Get-BootLog -LiteralPath $log
        $read.Count | Should -Be $events.Count
        $read[0].Source | Should -Be $log
        $summary = Get-BootLog -LiteralPath $log -Summary
        ($summary.HostName | Sort-Object) | Should -Be @(@($dead, 'esx01', 'esx02', "$([Environment]::MachineName) (runner)") | Sort-Object)
        ($summary | Where-Object HostName -EQ 'esx01').PoweredOn | Should -Be 2
        ($summary | Where-Object HostName -EQ 'esx02').PoweredOn | Should -Be 2
        $report = Join-Path $TestDrive 'cluster.html'
        $read | Export-BootReport -LiteralPath $report
        Get-Content -LiteralPath $report -Raw | Should -Match 'data-host="esx02"'
    }

    It 'starts nothing twice when run again, and never retries a refused login' {
        $before = $sim.Hosts | ForEach-Object { ($_.ReadText('/.sim/events.log') -split "`n" | Where-Object { $_ -match "`tpower.on`t" }).Count }
        $wrong = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $sim[1].ResetFailedLogins()
        $events = Invoke-BootPlan -Plan $plan -Server $servers[0] @connect -Confirm:$false
        $null = Invoke-BootPlan -Plan $plan -Server $servers[1] -Credential $wrong -KnownHostsPath $knownHosts -HostTimeout 60 -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        ($events | Where-Object Action -EQ 'power-on').Result | Sort-Object -Unique | Should -Be 'already-on'
        $after = $sim.Hosts | ForEach-Object { ($_.ReadText('/.sim/events.log') -split "`n" | Where-Object { $_ -match "`tpower.on`t" }).Count }
        $after | Should -Be $before
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'SshAuthenticationFailed,*'
        $refused[0].TargetObject | Should -Be $servers[1]
        $sim[1].FailedLogins | Should -Be 1
    }

    It 'stops on Ctrl+C, says where in the log, and leaves no connection open' {
        $log = Join-Path $TestDrive 'stopped.log'
        $ps = [powershell]::Create()
        # Two invocations, not one batch: PowerShell's batch runner touches the runspace after a stop.
        $null = $ps.AddScript("Import-Module '$env:VMBOOT_TEST_MODULE'").Invoke()
        $ps.Commands.Clear()
        $null = $ps.AddCommand('Invoke-BootPlan').AddParameters(@{
                Plan = $plan; Server = @($servers[0], $dead); Credential = $credential; KnownHostsPath = $knownHosts; LogPath = $log; HostTimeout = 600; Confirm = $false })
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not ((Test-Path -LiteralPath $log) -and (Get-Content -LiteralPath $log -Raw) -match "`twait-hostd`t") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $ps.Stop()
        try { $null = $ps.EndInvoke($async) } catch [System.Management.Automation.PipelineStoppedException] { }
        $ps.Runspace.Dispose()
        $ps.Dispose()
        $last = (Get-Content -LiteralPath $log)[-1] -split "`t"
        $last[2] | Should -Be 'boot-end'
        $last[6] | Should -Be 'stopped'
        $last[8] | Should -Match 'stopped by the user while waiting for the hosts'
        $port = $sim[0].Port
        Start-Sleep -Milliseconds 300
        @(ss -Htn state established "( dport = :$port )").Count | Should -Be 0
    }

    It 'has a connection check that sees a connection held open' {
        # The check above asserts zero; here the same check sees one that is there, and then none.
        $session = New-EsxiSession -Server $servers[0] -Credential $credential -KnownHostsPath $knownHosts
        try { @(ss -Htn state established "( dport = :$($sim[0].Port) )").Count | Should -Be 1 }
        finally { $session | Remove-EsxiSession }
        Start-Sleep -Milliseconds 300
        @(ss -Htn state established "( dport = :$($sim[0].Port) )").Count | Should -Be 0
    }
}
