# Hosts that misbehave: each fault ends in its error id, names the host, leaves it byte for byte as it
# was (local.sh and /bootbank), and the other hosts of the same call succeed.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(16)
    foreach ($i in 0..15) {
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]@(1..3 | ForEach-Object { [VmBoot.EsxiSim.SimVm]@{ Vmid = $_; Name = "vm$i-$_"; Datastore = 'shared ds' } }))
    }
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:servers = [string[]]($sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" })
    $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts; CommandTimeout = 4; ThrottleLimit = 16 }
    $script:inventory = Get-EsxiVmList -Server $servers @connect

    function Get-HostState([int] $Index) {
        [pscustomobject]@{
            LocalSh = [Convert]::ToBase64String($sim[$Index].ReadBytes('/etc/rc.local.d/local.sh'))
            Bootbank = [Convert]::ToBase64String($sim[$Index].ReadBytes('/bootbank/state.tgz'))
            Listing = $sim[$Index].RunAsHost('ls -la --full-time /etc/rc.local.d/ /etc/ | grep -v " \.\.\?$"')
        }
    }

    function Assert-Faults($Errors, [hashtable] $Expected, [string] $CommandName) {
        @($Errors).Count | Should -Be $Expected.Count
        foreach ($index in $Expected.Keys) {
            $mine = @($Errors | Where-Object { "$($_.TargetObject)" -eq $servers[$index] -or "$($_.TargetObject)" -eq $Expected[$index].Target })
            $mine.Count | Should -Be 1 -Because "host $index has one error"
            $mine[0].FullyQualifiedErrorId | Should -Be "$($Expected[$index].Id),VmBoot.Commands.$CommandName"
        }
    }

    function Break-Host([int] $Index, [string] $Fault) {
        switch ($Fault) {
            'hung command' { $sim[$Index].HangCommand('secureBoot.py'); $sim[$Index].HangCommand('vim-cmd') }
            'changed host key' { $sim[$Index].ChangeHostKey() }
            'full file system' { $sim[$Index].FillFilesystem('/etc') }
            'dropped connection' { $sim[$Index].DropConnectionIn('hostname'); $sim[$Index].DropConnectionIn('vim-cmd') }
            'locked account' {
                $wrong = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
                foreach ($try in 1..5) { $null = Get-EsxiVmList -Server $servers[$Index] -Credential $wrong -KnownHostsPath $knownHosts -ErrorAction SilentlyContinue }
                $sim[$Index].FailedLogins | Should -Be 5
            }
        }
    }

    function Repair-Host([int] $Index) {
        $sim[$Index].ClearFaults()
        $sim[$Index].ResetFailedLogins()
        $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    }
}

AfterAll { $sim.Dispose() }

Describe 'Install-BootScript on 16 hosts, 4 of them faulty' {
    It '<Name>: installs on the 12 good hosts, fails on the 4 with their error ids, leaves those unchanged' -ForEach @(
        @{ Name = 'hang, host key, full disk, drop'; Delay = 30; Faults = @{
                12 = @{ Fault = 'hung command'; Id = 'SshCommandTimeout' }
                13 = @{ Fault = 'changed host key'; Id = 'SshHostKeyChanged' }
                14 = @{ Fault = 'full file system'; Id = 'WriteFailed' }
                15 = @{ Fault = 'dropped connection'; Id = 'SshConnectionLost' } } }
        @{ Name = 'refused connection, locked account'; Delay = 45; Faults = @{
                12 = @{ Fault = 'refused connection'; Id = 'SshConnectionRefused'; Target = '127.0.0.1:1' }
                13 = @{ Fault = 'locked account'; Id = 'SshAuthenticationFailed' }
                14 = @{ Fault = 'hung command'; Id = 'SshCommandTimeout' }
                15 = @{ Fault = 'dropped connection'; Id = 'SshConnectionLost' } } }
    ) {
        $script = $inventory | New-BootScript -FirstStage 'vm0-1' -StageDelay $Delay -LogDatastore 'shared ds'
        $before = @{}
        foreach ($i in $Faults.Keys) { $before[$i] = Get-HostState $i; Break-Host $i $Faults[$i].Fault }
        $targets = $servers.Clone()
        foreach ($i in $Faults.Keys) { if ($Faults[$i].Target) { $targets[$i] = $Faults[$i].Target } }
        try {
            $results = $script | Install-BootScript -Server $targets @connect -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        finally { foreach ($i in $Faults.Keys) { Repair-Host $i } }

        @($results | Where-Object { $_.Changed -and $_.Persisted }).Count | Should -Be 12
        ($results.Server | Sort-Object) | Should -Be ($servers[0..11] | Sort-Object)
        Assert-Faults $failed $Faults 'InstallBootScriptCommand'
        foreach ($i in $Faults.Keys) {
            $after = Get-HostState $i
            $after.LocalSh | Should -Be $before[$i].LocalSh -Because "$($Faults[$i].Fault) leaves local.sh as it was"
            $after.Bootbank | Should -Be $before[$i].Bootbank -Because "$($Faults[$i].Fault) leaves /bootbank as it was"
            $after.Listing | Should -Be $before[$i].Listing -Because "$($Faults[$i].Fault) leaves no file behind"
        }
        foreach ($e in $failed) { $e.ToString() | Should -Not -Match ([regex]::Escape($sim.Password)) }
    }
}

Describe 'Live inventory of 16 hosts, 4 of them faulty' {
    It 'reads the 12 good hosts and names each faulty one with its error id' {
        $faults = @{
            12 = @{ Fault = 'hung command'; Id = 'SshCommandTimeout' }
            13 = @{ Fault = 'changed host key'; Id = 'SshHostKeyChanged' }
            14 = @{ Fault = 'locked account'; Id = 'SshAuthenticationFailed' }
            15 = @{ Fault = 'dropped connection'; Id = 'SshConnectionLost' }
        }
        $before = @{}
        foreach ($i in $faults.Keys) { $before[$i] = Get-HostState $i; Break-Host $i $faults[$i].Fault }
        try { $vms = Get-EsxiVmList -Server $servers @connect -ErrorVariable failed -ErrorAction SilentlyContinue }
        finally { foreach ($i in $faults.Keys) { Repair-Host $i } }
        $vms.Count | Should -Be 36
        ($vms.Server | Sort-Object -Unique) | Should -Be ($servers[0..11] | Sort-Object)
        Assert-Faults $failed $faults 'GetEsxiVmListCommand'
        foreach ($i in $faults.Keys) { (Get-HostState $i).LocalSh | Should -Be $before[$i].LocalSh }
    }

    It 'still reads a host whose file system is full, and refuses a closed port' {
        Break-Host 14 'full file system'
        try { $vms = Get-EsxiVmList -Server $servers[14], '127.0.0.1:1' @connect -ErrorVariable failed -ErrorAction SilentlyContinue }
        finally { Repair-Host 14 }
        $vms.Count | Should -Be 3
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'SshConnectionRefused,VmBoot.Commands.GetEsxiVmListCommand'
        $failed[0].TargetObject | Should -Be '127.0.0.1:1'
    }
}
