# Test-EsxiHost on the simulator's hosts: every profile meets every assumption, each check catches the host change
# meant to break it, and the probe changes nothing on a host.
BeforeDiscovery {
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:profiles = [VmBoot.EsxiSim.EsxiProfile]::All | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sims = @{}
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    foreach ($esxi in [VmBoot.EsxiSim.EsxiProfile]::All) {
        $sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(1, $esxi)
        $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds' }
            [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'app 01'; Datastore = 'shared ds' }))
        $sim[0].SetRunning(1)
        $sim.KnownHostsLines | Add-Content -LiteralPath $knownHosts
        $sims[$esxi.Name] = $sim
    }
    $any = $sims['8.0 U3']
    $script:credential = [pscredential]::new($any.UserName, (ConvertTo-SecureString $any.Password -AsPlainText -Force))
    $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }
    function Get-Server($Sim) { "$($Sim[0].Address):$($Sim[0].Port)" }
    function Get-Check($Result, [string] $Name) { @($Result.Checks | Where-Object Name -EQ $Name) }
    # One check's result and what the host showed (-Like when the observation has wildcards).
    function Assert-Check($Result, [string] $Name, [string] $Outcome, [string] $Observed) {
        $check = Get-Check $Result $Name
        $check.Result | Should -Be $Outcome -Because "$Name observed '$($check.Observed)'"
        $check.Observed | Should -BeLike $Observed
    }
    # Every file of the host's own, with its mode and content hash (not /proc, /dev or the simulator's bookkeeping).
    function Get-HostState($SimHost) {
        Get-ChildItem -LiteralPath $SimHost.Root -Force | Where-Object Name -NotIn 'proc', 'dev', '.sim' |
            ForEach-Object { if ($_.PSIsContainer) { Get-ChildItem -LiteralPath $_.FullName -Recurse -File -Force } else { $_ } } |
            Sort-Object FullName | ForEach-Object {
                $what = if ($_.LinkType) { "-> $($_.LinkTarget)" } else { (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash }
                "$($_.FullName.Substring($SimHost.Root.Length)) $($_.UnixFileMode) $what"
            }
    }
}

AfterAll { foreach ($sim in $sims.Values) { $sim.Dispose() } }

Describe 'Test-EsxiHost' {
    It 'finds every assumption met on a simulated ESXi <Name>' -ForEach $profiles {
        $result = Test-EsxiHost -Server (Get-Server $sims[$Name]) @connect
        $result.PSObject.TypeNames[0] | Should -Be 'VmBoot.HostProbeResult'
        $result.Profile | Should -Be $Name.Substring(0, 3)
        $result.Checks.Name | Should -Be @('version', 'commands', 'getallvms', 'getallvms-layout', 'guest', 'fault-stream', 'secure-boot', 'exec-installed-only', 'encryption', 'local-sh', 'boot-script', 'auto-backup', 'maintenance-mode', 'hostd-user', 'vsan')
        @($result.Checks | Where-Object Result -EQ 'Fail') | Should -BeNullOrEmpty -Because (($result.Checks | Where-Object Result -EQ 'Fail' | ForEach-Object { "$($_.Name): $($_.Observed)" }) -join '; ')
        $result.Passed | Should -BeTrue
        # Nothing is installed yet: the one warning.
        (Get-Check $result 'boot-script').Result | Should -Be 'Warn'
        (Get-Check $result 'getallvms').Observed | Should -Be '2 VM(s)'
        (Get-Check $result 'fault-stream').Observed | Should -BeLike 'on stderr*'
        (Get-Check $result 'guest').Observed | Should -BeLike "VM 1: heartbeat '*', toolsRunningStatus there"
        (Get-Check $result 'getallvms-layout').Observed | Should -Be 'same text, widths in characters'
        (Get-Check $result 'encryption').Observed | Should -Be $(if ($Name -eq '6.7') { 'no such command (before 7.0 U2)' } else { 'Mode TPM' })
        (Get-Check $result 'vsan').Observed | Should -Be 'not a vSAN member'
    }

    It 'warns of a getallvms laid out otherwise than the facts say, an 8.0 host without configuration encryption, and a vSAN member' {
        $h = $sims['8.0 U3'][0]
        $table = Join-Path $h.Root '.sim/getallvms/all.txt'
        $facts = Get-Content -Raw -LiteralPath $table
        # Rows by Vmid as numbers rather than as text would still parse; here the two rows are swapped.
        $lines = $facts -split "`n"
        Set-Content -LiteralPath $table -Value (@($lines[0], $lines[2], $lines[1]) + $lines[3..($lines.Count - 1)] -join "`n") -NoNewline
        $encrypted = Join-Path $h.Root '.sim/profile/encrypted'
        Set-Content -LiteralPath $encrypted -Value '0' -NoNewline
        $h.VsanNode = 'NORMAL'
        try { $result = Test-EsxiHost -Server (Get-Server $sims['8.0 U3']) @connect }
        finally {
            Set-Content -LiteralPath $table -Value $facts -NoNewline
            Set-Content -LiteralPath $encrypted -Value '1' -NoNewline
            $h.VsanNode = $null
        }
        Assert-Check $result 'getallvms' Pass '2 VM(s)'
        Assert-Check $result 'getallvms-layout' Warn "line 2 differs: the host printed '2 *app 01*', VmBoot expected '1 *vcsa01*'"
        Assert-Check $result 'encryption' Warn 'no such command on 8.0'
        Assert-Check $result 'vsan' Warn 'vSAN NORMAL node, health HEALTHY'
        (Get-Check $result 'vsan').Meaning | Should -Match 'Stop-EsxiCluster and Invoke-BootPlan run VMware''s vSAN steps'
    }

    It 'changes nothing on the host' {
        $h = $sims['7.0 U3'][0]
        $before = Get-HostState $h
        $before.Count | Should -BeGreaterThan 20
        $null = Test-EsxiHost -Server (Get-Server $sims['7.0 U3']) @connect -Plan (New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'all'; All = $true })
        Get-HostState $h | Should -Be $before
        $h.PowerState(1) | Should -Be 'on'
        $h.PowerState(2) | Should -Be 'off'
        $h.MaintenanceMode | Should -BeFalse
    }

    It 'fails Secure Boot, saying the boot script will not run' {
        $h = $sims['8.0 U3'][0]
        $h.SecureBoot = $true
        try { $check = Get-Check (Test-EsxiHost -Server (Get-Server $sims['8.0 U3']) @connect) 'secure-boot' }
        finally { $h.SecureBoot = $false }
        $check.Result | Should -Be 'Fail'
        $check.Observed | Should -Be 'Enabled'
        $check.Meaning | Should -Match 'the boot script will not run here'
    }

    It 'warns of a local.sh without the sticky bit, and of maintenance mode; fails lockdown without vpxuser' {
        $h = $sims['6.7'][0]
        $null = $h.RunAsHost('chmod 755 /etc/rc.local.d/local.sh')
        $h.MaintenanceMode = $true
        $h.Lockdown = 'normal'
        $h.VpxUser = $false
        try { $result = Test-EsxiHost -Server (Get-Server $sims['6.7']) @connect }
        finally {
            $null = $h.RunAsHost('chmod 1755 /etc/rc.local.d/local.sh')
            $h.MaintenanceMode = $false
            $h.Lockdown = 'off'
            $h.VpxUser = $true
        }
        (Get-Check $result 'local-sh').Result | Should -Be 'Warn'
        (Get-Check $result 'local-sh').Observed | Should -Be 'mode 755'
        (Get-Check $result 'maintenance-mode').Result | Should -Be 'Warn'
        (Get-Check $result 'hostd-user').Result | Should -Be 'Fail'
        (Get-Check $result 'hostd-user').Observed | Should -Be 'root and vpxuser refused'
        $result.Passed | Should -BeFalse
    }

    It 'says vpxuser is used under lockdown mode, a plan''s missing datastore, and a TCP gate no ruleset lets through' {
        $h = $sims['6.7'][0]
        $h.Lockdown = 'normal'
        $plan = New-BootPlan -LogDatastore 'not here' -Stage @{ Name = 'vc'; NameLike = 'vcsa*'; TcpHost = '192.0.2.10'; TcpPort = 9443 }, @{ Name = 'dc'; NameLike = 'dc*'; TcpHost = '192.0.2.10'; TcpPort = 443 }, @{ Name = 'rest'; All = $true }
        try { $result = Test-EsxiHost -Server (Get-Server $sims['6.7']) @connect -Plan $plan -WarningAction SilentlyContinue }
        finally { $h.Lockdown = 'off' }
        (Get-Check $result 'hostd-user').Observed | Should -Match '^vpxuser'
        # The VMs are read as vpxuser, as the executors will read them.
        (Get-Check $result 'getallvms').Result | Should -Be 'Pass'
        (Get-Check $result 'hostd-user').Result | Should -Be 'Warn'
        $datastore = Get-Check $result 'datastore'
        $datastore.Expected | Should -Match "'not here'"
        $datastore.Result | Should -Be 'Warn'
        $gates = Get-Check $result 'tcp-gate'
        $gates.Count | Should -Be 2
        ($gates | Where-Object Expected -Match 'TCP 9443').Result | Should -Be 'Warn'
        ($gates | Where-Object Expected -Match 'TCP 443 ').Result | Should -Be 'Pass'
    }

    It 'passes the installed and saved boot script, and fails one that was never saved' {
        # 6.7's saved state can be read back, so a local.sh that differs from it shows.
        $server = Get-Server $sims['6.7']
        $null = Get-EsxiVmList -Server $server @connect | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds' | Install-BootScript -Server $server @connect -Confirm:$false
        (Get-Check (Test-EsxiHost -Server $server @connect) 'boot-script').Result | Should -Be 'Pass'
        # Edited in place afterwards, without auto-backup.sh: the next boot would bring the saved one back.
        $null = $sims['6.7'][0].RunAsHost("sed -i 's/^exit 0$/# edited\nexit 0/' /etc/rc.local.d/local.sh")
        $check = Get-Check (Test-EsxiHost -Server $server @connect) 'boot-script'
        $check.Result | Should -Be 'Fail'
        $check.Observed | Should -BeLike 'installed, not saved*'
    }

    It 'fails when a command VmBoot runs is missing' {
        $h = $sims['7.0 U3'][0]
        # An applet the host image lacks (as 6.7 lacks tr): the probe names it. Taken from outside the host.
        $applet = Join-Path $h.Root 'bin/sha256sum'
        [IO.File]::Move($applet, "$applet.hidden")
        try { $check = Get-Check (Test-EsxiHost -Server (Get-Server $sims['7.0 U3']) @connect) 'commands' }
        finally { [IO.File]::Move("$applet.hidden", $applet) }
        $check.Result | Should -Be 'Fail'
        $check.Observed | Should -Be 'missing: sha256sum'
    }

    It 'shows one line per host, and the checks grouped by host' {
        $results = Test-EsxiHost -Server ($sims.Values | ForEach-Object { Get-Server $_ }) @connect
        $results.Count | Should -Be 3
        ($results | Format-Table | Out-String -Width 200) | Should -Match 'boot-script: Warn'
        ($results[0].Checks | Format-Table | Out-String -Width 200) | Should -Match 'Server: '
    }

    It 'stops Install-BootScript on a host that fails a check concerning the script, naming it, unless -Force' {
        $h = $sims['7.0 U3'][0]
        $server = Get-Server $sims['7.0 U3']
        $script = Get-EsxiVmList -Server $server @connect | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds'
        $before = $h.ReadText('/etc/rc.local.d/local.sh')
        $h.Lockdown = 'normal'
        $h.VpxUser = $false
        try {
            $null = $script | Install-BootScript -Server $server @connect -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -Be 'HostCheckFailed,VmBoot.Commands.InstallBootScriptCommand'
            "$($refused[0])" | Should -Match "fails Test-EsxiHost's 'hostd-user' check \(root and vpxuser refused\)"
            $h.ReadText('/etc/rc.local.d/local.sh') | Should -Be $before
            $forced = $script | Install-BootScript -Server $server @connect -Confirm:$false -Force -WarningVariable told -WarningAction SilentlyContinue
            $forced.Changed | Should -BeTrue
            ($told -join "`n") | Should -Match "'hostd-user' check"
        }
        finally {
            $h.Lockdown = 'off'
            $h.VpxUser = $true
        }
    }

    It 'warns Install-BootScript on a vSAN node that the cluster''s recovery is not the boot script''s' {
        $h = $sims['8.0 U3'][0]
        $server = Get-Server $sims['8.0 U3']
        $h.VsanNode = 'NORMAL'
        try {
            $result = Get-EsxiVmList -Server $server @connect | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds' |
                Install-BootScript -Server $server @connect -Confirm:$false -WarningVariable told -WarningAction SilentlyContinue
        }
        finally { $h.VsanNode = $null }
        $result.Changed | Should -BeTrue
        ($told -join "`n") | Should -Match "'vsan' check: vSAN NORMAL node, health HEALTHY; .*Invoke-BootPlan run VMware's vSAN steps over SSH; the host's own boot script cannot"
        $null = Uninstall-BootScript -Server $server @connect -Confirm:$false
    }

    It 'saves what the host answered for a bug report, names replaced unless -KeepNames' {
        $sim = $sims['8.0 U3']
        $server = Get-Server $sim
        $folder = Join-Path $TestDrive 'capture'
        $null = Test-EsxiHost -Server $server @connect -CapturePath $folder
        $file = Join-Path $folder "127.0.0.1_$($sim[0].Port).txt"
        $text = Get-Content -Raw -LiteralPath $file
        $text | Should -Match '### command: vim-cmd vmsvc/getallvms'
        $text | Should -Match '### command: /usr/lib/vmware/secureboot/bin/secureBoot.py -s'
        $text | Should -Match '\[datastore-1\] vm-1/vm-1\.vmx'
        $text | Should -Not -Match 'vcsa01|app 01|shared ds'
        $text | Should -Match ([regex]::Escape($sim[0].Profile.Version))

        $null = Test-EsxiHost -Server $server @connect -CapturePath $folder -KeepNames
        Get-Content -Raw -LiteralPath $file | Should -Match '\[shared ds\] vcsa01/vcsa01\.vmx'
    }

    It 'replays a capture as a simulator host that answers as the captured host did (<Names>)' -ForEach @(@{ Names = 'names kept'; Keep = $true }, @{ Names = 'names replaced'; Keep = $false }) {
        $sim = $sims['7.0 U3']
        $folder = Join-Path $TestDrive "replay-$Keep"
        $plan = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vc'; NameLike = 'vcsa*'; TcpHost = '192.0.2.10'; TcpPort = 443 }, @{ Name = 'rest'; All = $true }
        $original = Test-EsxiHost -Server (Get-Server $sim) @connect -Plan $plan -CapturePath $folder -KeepNames:$Keep
        $capture = Get-ChildItem -LiteralPath $folder -Filter *.txt
        $replayed = [VmBoot.EsxiSim.EsxiSimulator]::Replay($capture.FullName)
        try {
            $replayKnownHosts = Join-Path $TestDrive "replay-$Keep-known_hosts"
            $replayed.KnownHostsLines | Set-Content -LiteralPath $replayKnownHosts
            # With names replaced, the plan names the datastore as the capture does.
            $replayPlan = if ($Keep) { $plan } else { New-BootPlan -LogDatastore 'datastore-1' -Stage @{ Name = 'vc'; NameLike = 'vcsa*'; TcpHost = '192.0.2.10'; TcpPort = 443 }, @{ Name = 'rest'; All = $true } }
            $again = Test-EsxiHost -Server (Get-Server $replayed) -Credential $credential -KnownHostsPath $replayKnownHosts -Plan $replayPlan
            $again.EsxiVersion | Should -Be $original.EsxiVersion
            $again.Checks.Count | Should -Be $original.Checks.Count
            foreach ($i in 0..($original.Checks.Count - 1)) {
                "$($again.Checks[$i].Name): $($again.Checks[$i].Result) $($again.Checks[$i].Observed)" | Should -Be "$($original.Checks[$i].Name): $($original.Checks[$i].Result) $($original.Checks[$i].Observed)"
            }
            # Another cmdlet asking the same command gets the captured table, placeholders and all.
            $vms = Get-EsxiVmList -Server (Get-Server $replayed) -Credential $credential -KnownHostsPath $replayKnownHosts
            $vms.Name | Should -Be $(if ($Keep) { 'vcsa01', 'app 01' } else { 'vm-1', 'vm-2' })
        }
        finally { $replayed.Dispose() }
    }
}

Describe 'Test-EsxiHost -Protocol VSphereApi' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'VSphereSimHost.ps1')
        $script:apiPassword = 'api-secret'
        $script:apiCredential = [pscredential]::new('root', (ConvertTo-SecureString $apiPassword -AsPlainText -Force))
        $script:pins = Join-Path $TestDrive 'known_certificates'
        $vms = @(@{ name = 'vcsa01'; poweredOn = $true; tools = $true }, @{ name = 'app 01' }, @{ name = 'vCLS (1)'; guestId = 'crxSys1Guest'; managedBy = 'com.vmware.vim.eam' })
        $script:plain = Start-VSphereSimHost -Vms $vms -Password $apiPassword -HostName 'esx01'
        # A host changed to break what can be broken through the API: a release VmBoot was not tested on, lockdown
        # mode (the service account an Exception User), SSH running and starting with the host, vSAN.
        $script:changed = Start-VSphereSimHost -Vms $vms -Password $apiPassword -HostName 'esx02' -User 'svc-vmboot' `
            -Flag '-full-name', 'VMware ESXi 9.0.0 build-24755229', '-lockdown', '-exception-users', 'svc-vmboot', '-ssh-running', '-ssh-policy', 'on', '-vsan'
        $script:api = @{ Protocol = 'VSphereApi'; KnownCertificatesPath = $pins; AcceptNewCertificate = $true }
    }

    AfterAll { Stop-VSphereSimHost $plain, $changed }

    It 'answers what hostd can tell, and names the shell''s checks as not checked' {
        $result = Test-EsxiHost -Server $plain.Server -Credential $apiCredential @api -Plan (New-BootPlan -LogDatastore $plain.Datastore -Stage @{ Name = 'all'; All = $true })
        $result.Checks.Name | Should -Be @('version', 'inventory', 'guest', 'maintenance-mode', 'lockdown', 'ssh-service', 'vsan', 'datastore', 'shell-checks')
        $result.Profile | Should -Be '8.0'
        @($result.Checks | Where-Object Result -NE 'Pass').Name | Should -Be @('shell-checks')
        (Get-Check $result 'inventory').Observed | Should -Be '3 VM(s), 1 vCLS'
        (Get-Check $result 'guest').Observed | Should -BeLike "VM *: heartbeat 'green', toolsRunningStatus 'guestToolsRunning'"
        (Get-Check $result 'ssh-service').Observed | Should -Be "stopped, policy 'off'"
        (Get-Check $result 'lockdown').Observed | Should -Be 'lockdownDisabled'
        (Get-Check $result 'vsan').Observed | Should -Be 'not a vSAN member'
        (Get-Check $result 'datastore').Observed | Should -Be 'mounted'
        (Get-Check $result 'shell-checks').Meaning | Should -Match 'Test-EsxiHost -Protocol Ssh'
        # Read-only: the guest still runs, the other VM is still off, SSH is as it was.
        $again = Test-EsxiHost -Server $plain.Server -Credential $apiCredential @api
        (Get-Check $again 'guest').Observed | Should -Be (Get-Check $result 'guest').Observed
        (Get-Check $again 'ssh-service').Observed | Should -Be "stopped, policy 'off'"
        $state = Get-EsxiVmList -Server $plain.Server -Credential $apiCredential @api
        ($state | Where-Object Name -EQ 'app 01').PowerState | Should -Be 'poweredOff'
    }

    It 'warns of an untested release, lockdown mode, SSH that starts with the host, vSAN and a plan''s missing datastore' {
        $service = [pscredential]::new('svc-vmboot', (ConvertTo-SecureString $apiPassword -AsPlainText -Force))
        $result = Test-EsxiHost -Server $changed.Server -Credential $service @api -Plan (New-BootPlan -LogDatastore 'not here' -Stage @{ Name = 'all'; All = $true })
        Assert-Check $result 'version' Warn 'VMware ESXi 9.0.0 build-24755229'
        $result.Profile | Should -Be '8.0 (assumed for 9.0.0)'
        Assert-Check $result 'lockdown' Warn 'lockdownNormal; svc-vmboot was let in'
        Assert-Check $result 'ssh-service' Warn "running, policy 'on'"
        (Get-Check $result 'ssh-service').Meaning | Should -Match 'STIG'
        Assert-Check $result 'vsan' Warn 'vSAN member'
        Assert-Check $result 'datastore' Warn 'not mounted'
        $result.Passed | Should -BeTrue
    }

    It 'refuses -CapturePath over the API before connecting' {
        { Test-EsxiHost -Server $plain.Server -Credential $apiCredential @api -CapturePath (Join-Path $TestDrive 'nothing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProtocolMismatch,VmBoot.Commands.TestEsxiHostCommand'
        Join-Path $TestDrive 'nothing' | Should -Not -Exist
    }
}
