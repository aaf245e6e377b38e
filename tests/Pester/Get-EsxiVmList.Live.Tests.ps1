BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(16)
    foreach ($i in 0..15) {
        $vms = foreach ($n in 1..($i + 2)) { [VmBoot.EsxiSim.SimVm]@{ Vmid = $n; Name = "vm$i-$n"; Datastore = 'shared ds' } }
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]](@($vms) + [VmBoot.EsxiSim.SimVm]@{ Vmid = 50; Name = 'vCLS (1)'; Datastore = 'local' }))
    }
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    # What PowerCLI's Get-VMHost emits, as far as binding is concerned: a VMHostImpl with a Name.
    function New-VMHostStandIn([string] $Name) {
        [pscustomobject]@{ PSTypeName = 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl'; Name = $Name; ConnectionState = 'Connected'; PowerState = 'PoweredOn' }
    }
}

AfterAll {
    Get-EsxiSession | Remove-EsxiSession
    $sim.Dispose()
}

Describe 'Get-EsxiVmList -Server' {
    It 'reads one host over SSH, with keyboard-interactive password login' {
        $vms = Get-EsxiVmList -Server $servers[0] -Credential $credential -KnownHostsPath $knownHosts
        $vms.Name | Should -Be @('vm0-1', 'vm0-2', 'vCLS (1)')
        $vms.Server | Sort-Object -Unique | Should -Be $servers[0]
        ($vms | Where-Object Name -EQ 'vCLS (1)').IsVcls | Should -BeTrue
    }

    It 'takes PowerCLI VMHost objects from the pipeline by property name, 16 hosts in parallel' {
        $vms = $servers | ForEach-Object { New-VMHostStandIn $_ } |
            Get-EsxiVmList -Credential $credential -KnownHostsPath $knownHosts -ThrottleLimit 4
        $vms.Count | Should -Be ((2..17 | Measure-Object -Sum).Sum + 16)
        foreach ($i in 0..15) {
            @($vms | Where-Object Name -Like "vm$i-*").Count | Should -Be ($i + 2)
        }
    }

    It 'reports a refused login as a non-terminating error naming the host, never retries, and the other hosts still answer' {
        $sim[3].ResetFailedLogins()
        $bad = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'not the password' -AsPlainText -Force))
        $vms = Get-EsxiVmList -Server $servers[3] -Credential $bad -KnownHostsPath $knownHosts -ErrorVariable loginErrors -ErrorAction SilentlyContinue
        $vms | Should -BeNullOrEmpty
        $loginErrors.Count | Should -Be 1
        $loginErrors[0].FullyQualifiedErrorId | Should -Be 'SshAuthenticationFailed,VmBoot.Commands.GetEsxiVmListCommand'
        $loginErrors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $loginErrors[0].TargetObject | Should -Be $servers[3]
        $loginErrors[0].ToString() | Should -Not -Match 'not the password'
        $sim[3].FailedLogins | Should -Be 1

        $mixed = Get-EsxiVmList -Server $servers[4], "127.0.0.1:1", $servers[5] -Credential $credential -KnownHostsPath $knownHosts -ErrorVariable mixedErrors -ErrorAction SilentlyContinue
        $mixed.Count | Should -Be (7 + 8)
        $mixedErrors[0].FullyQualifiedErrorId | Should -Be 'SshConnectionRefused,VmBoot.Commands.GetEsxiVmListCommand'
    }

    It 'refuses an unknown host key with its fingerprint, and records it with -AcceptNewHostKey' {
        $fresh = Join-Path $TestDrive 'fresh_known_hosts'
        Get-EsxiVmList -Server $servers[6] -Credential $credential -KnownHostsPath $fresh -ErrorVariable keyErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $keyErrors[0].FullyQualifiedErrorId | Should -Be 'SshHostKeyUnknown,VmBoot.Commands.GetEsxiVmListCommand'
        $keyErrors[0].ToString() | Should -Match 'SHA256:'
        (Get-EsxiVmList -Server $servers[6] -Credential $credential -KnownHostsPath $fresh -AcceptNewHostKey).Count | Should -Be 9
        (Get-Content -LiteralPath $fresh).Count | Should -Be 1
    }

    It 'tells what it does per host with -Verbose and keeps secrets out of it' {
        $verbose = Get-EsxiVmList -Server $servers[1] -Credential $credential -KnownHostsPath $knownHosts -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "$([regex]::Escape($servers[1])): connected"
        ($verbose.Message -join "`n") | Should -Not -Match ([regex]::Escape($sim.Password))
    }

    It 'stops promptly on Ctrl+C while a host hangs' {
        $sim[9].HangCommand('vim-cmd')
        try {
            $shell = [powershell]::Create()
            $null = $shell.AddScript("Import-Module '$env:VMBOOT_TEST_MODULE'; Get-EsxiVmList -Server '$($servers[9])' -Credential `$args[0] -KnownHostsPath '$knownHosts'").AddArgument($credential)
            $pending = $shell.BeginInvoke()
            Start-Sleep -Seconds 2
            $pending.IsCompleted | Should -BeFalse
            # Waits for the event, not a clock: without cancellation the stop would end only with the 120 s command timeout.
            $stopping = $shell.BeginStop($null, $null)
            $stopping.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(60)) | Should -BeTrue -Because 'Stop must not wait out the command timeout'
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            @($shell.Streams.Error | Where-Object { $_.FullyQualifiedErrorId -like 'SshCommandTimeout*' }).Count | Should -Be 0
        }
        finally {
            $shell.Dispose()
            $sim[9].ClearFaults()
        }
    }

    It 'asks for a credential or key instead of guessing' {
        { Get-EsxiVmList -Server $servers[0] -KnownHostsPath $knownHosts -ErrorAction Stop } | Should -Throw -ErrorId 'CredentialRequired,VmBoot.Commands.GetEsxiVmListCommand'
    }
}

Describe 'ESXi sessions' {
    It 'opens, reuses, lists and removes sessions' {
        $sessions = New-EsxiSession -Server $servers[0..2] -Credential $credential -KnownHostsPath $knownHosts
        $sessions.Count | Should -Be 3
        $sessions[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.EsxiSession'
        $sessions.State | Sort-Object -Unique | Should -Be 'Opened'
        (Get-EsxiSession).Count | Should -Be 3

        $before = $sim[0].Clock
        ($sessions | Get-EsxiVmList).Count | Should -Be (3 + 4 + 5)
        (Get-EsxiVmList -Session ($sessions | Where-Object Server -EQ $servers[0])).Name | Should -Contain 'vm0-1'

        Get-EsxiSession -Id $sessions[1].Id | Remove-EsxiSession
        (Get-EsxiSession).Id | Should -Not -Contain $sessions[1].Id
        $sessions[1].State | Should -Be 'Closed'
        Get-EsxiSession | Remove-EsxiSession
        Get-EsxiSession | Should -BeNullOrEmpty
    }

    It 'keeps sessions per runspace' {
        $mine = New-EsxiSession -Server $servers[7] -Credential $credential -KnownHostsPath $knownHosts
        $other = [powershell]::Create()
        try {
            $null = $other.AddScript("Import-Module '$env:VMBOOT_TEST_MODULE'; @(Get-EsxiSession).Count")
            $other.Invoke()[0] | Should -Be 0
        }
        finally { $other.Dispose() }
        (Get-EsxiSession).Id | Should -Contain $mine.Id
        $mine | Remove-EsxiSession
    }

    It 'leaves no connection open when <Command> is stopped after <Delay> ms' -ForEach @(
        @{ Command = 'New-EsxiSession'; Delay = 150 }, @{ Command = 'New-EsxiSession'; Delay = 400 }
        @{ Command = 'Get-EsxiVmList'; Delay = 150 }, @{ Command = 'Get-EsxiVmList'; Delay = 400 }
    ) {
        function Get-OpenConnectionCount {
            $ports = $sim.Hosts.Port
            @(ss -Htnp state established | Where-Object { $_ -match "pid=$PID," -and $_ -match ':(\d+)\s+users' -and [int]$Matches[1] -in $ports }).Count
        }
        $baseline = Get-OpenConnectionCount
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$env:VMBOOT_TEST_MODULE'; $Command -Server `$args[1] -Credential `$args[0] -KnownHostsPath '$knownHosts' -ThrottleLimit 16").AddArgument($credential).AddArgument($servers)
            $null = $shell.BeginInvoke()
            Start-Sleep -Milliseconds $Delay
            $shell.Stop()
            $shell.Commands.Clear()
            $claimed = $shell.AddScript('@(Get-EsxiSession).Count').Invoke()[0]
            # Logins under way when it stopped may still finish; each must then be closed, not left open.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-OpenConnectionCount) - $baseline -ne $claimed -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 250 }
            (Get-OpenConnectionCount) - $baseline | Should -Be $claimed
            $shell.Commands.Clear()
            $null = $shell.AddScript('Get-EsxiSession | Remove-EsxiSession').Invoke()
            (Get-OpenConnectionCount) | Should -Be $baseline
        }
        finally { $shell.Dispose() }
    }

    It 'supports -WhatIf on Remove-EsxiSession' {
        $session = New-EsxiSession -Server $servers[8] -Credential $credential -KnownHostsPath $knownHosts
        $session | Remove-EsxiSession -WhatIf
        $session.State | Should -Be 'Opened'
        $session | Remove-EsxiSession
        $session.State | Should -Be 'Closed'
    }
}
