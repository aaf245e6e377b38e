BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
    $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(4)
    foreach ($i in 0..3) {
        $vms = @([VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = "app$i"; Datastore = 'shared ds' })
        if ($i -eq 0) { $vms += [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'vcsa01'; Datastore = 'shared ds' } }
        $sim[$i].SetInventory([VmBoot.EsxiSim.SimVm[]]$vms)
    }
    # The admin's own line, which must survive.
    foreach ($h in $sim.Hosts) { $null = $h.RunAsHost("sed -i '/^exit 0`$/i esxcli network firewall refresh' /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1") }
    $script:knownHosts = Join-Path $TestDrive 'known_hosts'
    $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
    $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
    $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }
    $script:bootScript = Get-EsxiVmList -Server $servers @connect | New-BootScript -FirstStage 'vcsa*' -StageDelay 30 -LogDatastore 'shared ds'
}

AfterAll { $sim.Dispose() }

Describe 'Install-BootScript' {
    It 'says in one line per host what -WhatIf would do, the diff with -Verbose, and changes nothing' {
        $before = $sim[0].ReadBytes('/etc/rc.local.d/local.sh')
        $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
`$script = Get-EsxiVmList -Server '$($servers[0])' -Credential `$c -KnownHostsPath '$knownHosts' | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds'
`$script | Install-BootScript -Server '$($servers[0])' -Credential `$c -KnownHostsPath '$knownHosts' -WhatIf
'--- verbose'
`$script | Install-BootScript -Server '$($servers[0])' -Credential `$c -KnownHostsPath '$knownHosts' -WhatIf -Verbose
"@
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally { Remove-Item Env:VMBOOT_TEST_PASSWORD }
        $plain, $verbose = $output -split '--- verbose'
        $plain | Should -Match "What if: Install the VmBoot boot script on $([regex]::Escape($servers[0])): VmBoot block added, the host's own \d+ line\(s\) kept; Secure Boot Disabled; maintenance mode off"
        $plain | Should -Not -Match '@@ -\d+,\d+ \+\d+,\d+ @@'
        $verbose | Should -Match '\+# >>> VmBoot managed block >>>'
        $verbose | Should -Match '@@ -\d+,\d+ \+\d+,\d+ @@'
        $sim[0].ReadBytes('/etc/rc.local.d/local.sh') | Should -Be $before
    }

    It 'shows the whole diff with -WhatIf where the host''s own lines would change' {
        $before = $sim[3].ReadText('/etc/rc.local.d/local.sh')
        # No 'exit 0' to put the block before: the script's own end changes too.
        $sim[3].WriteText('/etc/rc.local.d/local.sh', "#!/bin/sh`necho admin line`n")
        $child = @"
Import-Module '$env:VMBOOT_TEST_MODULE'
`$c = [pscredential]::new('$($sim.UserName)', (ConvertTo-SecureString `$env:VMBOOT_TEST_PASSWORD -AsPlainText -Force))
Get-EsxiVmList -Server '$($servers[3])' -Credential `$c -KnownHostsPath '$knownHosts' | New-BootScript -FirstStage 'vcsa*' |
    Install-BootScript -Server '$($servers[3])' -Credential `$c -KnownHostsPath '$knownHosts' -WhatIf
"@
        $env:VMBOOT_TEST_PASSWORD = $sim.Password
        try { $output = dotnet pwsh -NoProfile -NonInteractive -Command $child 2>&1 | Out-String }
        finally {
            Remove-Item Env:VMBOOT_TEST_PASSWORD
            $sim[3].WriteText('/etc/rc.local.d/local.sh', $before)
        }
        $output | Should -Match "the host's own lines change too"
        $output | Should -Match '\+exit 0'
    }

    It 'installs on every host, keeps the admin''s lines, backs up, persists and explains auto-backup' {
        $results = $bootScript | Install-BootScript -Server $servers[0..2] @connect -Confirm:$false
        $results.Count | Should -Be 3
        $results[0].PSObject.TypeNames[0] | Should -Be 'VmBoot.InstallResult'
        foreach ($result in $results) {
            $result.Changed | Should -BeTrue
            $result.Persisted | Should -BeTrue
            $result.AutoBackup.OnlyExpectedChanges | Should -BeTrue
            $result.BackupPath | Should -BeLike '/vmfs/volumes/shared ds/vmboot/backup/esx0?-local.sh.*'
        }
        foreach ($h in $sim.Hosts[0..2]) {
            $live = $h.ReadText('/etc/rc.local.d/local.sh')
            $live | Should -Match '(?m)^esxcli network firewall refresh$'
            $live | Should -Match '(?m)^# >>> VmBoot managed block >>>$'
            $live | Should -Match 'exit 0\n\z'
            $h.PersistedLocalSh() | Should -BeExactly $live
            # Written in place: the stock sticky mode stays, and ESXi's marker tells auto-backup.sh to save it.
            $h.RunAsHost('ls -l /etc/rc.local.d/local.sh') | Should -Match '^-rwxr-xr-t'
            $h.HasMarker('/etc/rc.local.d/local.sh') | Should -BeTrue
            $h.RunAsHost('ls -a /etc/rc.local.d/ /etc/') | Should -Not -Match 'vmboot-local.sh.new'
        }
        $backup = $results | Where-Object Server -EQ $servers[1] | Select-Object -ExpandProperty BackupPath
        $sim[1].ReadText($backup) | Should -Not -Match 'VmBoot managed block'
    }

    It 'hands its auto-backup run to Test-AutoBackupDiff' {
        $h = $sim[2]
        # In place, as vi does: sed -i would replace the files, which auto-backup.sh may never save.
        $null = $h.RunAsHost("sed 's|^esxcli network firewall refresh$|esxcli network firewall refresh # checked|' /etc/rc.local.d/local.sh > /tmp/edit && cat /tmp/edit > /etc/rc.local.d/local.sh && /sbin/auto-backup.sh")
        $null = $h.RunAsHost("sed 's|<ntpd>off</ntpd>|<ntpd>automatic</ntpd>|' /etc/vmware/hostd/hostsvc.xml > /tmp/edit && cat /tmp/edit > /etc/vmware/hostd/hostsvc.xml")
        $other = Get-EsxiVmList -Server $servers @connect | New-BootScript -FirstStage 'vcsa*' -StageDelay 45 -LogDatastore 'shared ds'
        $result = $other | Install-BootScript -Server $servers[2] @connect -Confirm:$false -WarningVariable saidElse -WarningAction SilentlyContinue
        $changes = $result | Test-AutoBackupDiff
        $changes.Path | Sort-Object | Should -Be @('/etc/rc.local.d/local.sh', '/etc/vmware/hostd/hostsvc.xml')
        ($result | Test-AutoBackupDiff -Quiet) | Should -BeFalse
        ($saidElse.Message -join "`n") | Should -Match 'also saved /etc/vmware/hostd/hostsvc.xml'
        ($bootScript | Install-BootScript -Server $servers[2] @connect -Confirm:$false).Changed | Should -BeTrue
    }

    It 'does nothing the second time: no write, no auto-backup' {
        $state = $sim[1].ReadBytes('/bootbank/state.tgz')
        $again = $bootScript | Install-BootScript -Server $servers[1] @connect -Confirm:$false
        $again.Changed | Should -BeFalse
        $again.Persisted | Should -BeTrue
        $again.AutoBackupOutput | Should -BeNullOrEmpty
        $sim[1].ReadBytes('/bootbank/state.tgz') | Should -Be $state
    }

    It 'writes, backs up and saves an unchanged script again with -Force' {
        $before = $sim[1].ReadText('/etc/rc.local.d/local.sh')
        $output = $bootScript | Install-BootScript -Server $servers[1] @connect -Force -Confirm:$false -Verbose 4>&1
        $steps = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $forced = $output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $forced.PSObject.TypeNames[0] | Should -Be 'VmBoot.InstallResult'
        # -Verbose tells each step, naming the host.
        ($steps -join "`n") | Should -Match "(?s)$([regex]::Escape($servers[1])): backed up local.sh to .*uploaded \d+ bytes.*verified.*wrote it into /etc/rc.local.d/local.sh in place.*saved: sealed state.*a second auto-backup.sh run found nothing left to save"
        $forced.Changed | Should -BeTrue
        $forced.Persisted | Should -BeTrue
        $forced.BackupPath | Should -BeLike '/vmfs/volumes/shared ds/vmboot/backup/esx02-local.sh.*'
        $sim[1].ReadText($forced.BackupPath) | Should -BeExactly $before
        $sim[1].ReadText('/etc/rc.local.d/local.sh') | Should -BeExactly $before
    }

    It 'refuses a Secure Boot host, naming it, and goes on with the others' {
        $sim[3].SecureBoot = $true
        try {
            $before = $sim[3].ReadBytes('/etc/rc.local.d/local.sh')
            $results = $bootScript | Install-BootScript -Server $servers[3], $servers[2] @connect -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -Be 'SecureBootEnabled,VmBoot.Commands.InstallBootScriptCommand'
            $refused[0].ToString() | Should -Match ([regex]::Escape($servers[3]))
            $refused[0].ToString() | Should -Match 'never runs /etc/rc.local.d/local.sh'
            $results.Server | Should -Be $servers[2]
            $sim[3].ReadBytes('/etc/rc.local.d/local.sh') | Should -Be $before
        }
        finally { $sim[3].SecureBoot = $false }
    }

    It 'never retries a refused login and still installs elsewhere' {
        $sim[3].ResetFailedLogins()
        $bad = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'nope' -AsPlainText -Force))
        $bootScript | Install-BootScript -Server $servers[3] -Credential $bad -KnownHostsPath $knownHosts -Confirm:$false -ErrorVariable denied -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $denied[0].FullyQualifiedErrorId | Should -Be 'SshAuthenticationFailed,VmBoot.Commands.InstallBootScriptCommand'
        $sim[3].FailedLogins | Should -Be 1
    }

    It 'shows what is installed with Get-BootScript' {
        $installed = Get-BootScript -Server $servers[0..1] @connect
        $installed.Count | Should -Be 2
        $installed.Installed | Sort-Object -Unique | Should -BeTrue
        $installed.Persisted | Sort-Object -Unique | Should -BeTrue -Because ($installed.PersistenceEvidence -join '; ')
        $installed[0].Plan.Stages.Name | Should -Be @('first', 'rest')
    }

    It 'says when a host is in maintenance mode now, and what its script would do' {
        $sim[0].MaintenanceMode = $true
        try {
            $installed = Get-BootScript -Server $servers[0] @connect -WarningVariable told -WarningAction SilentlyContinue
            $installed.MaintenanceMode | Should -BeTrue
            ($told.Message -join ' ') | Should -Match 'maintenance mode now.*starts nothing'
            $drift = Test-BootScript -Server $servers[0] -Plan $bootScript.Plan @connect
            $drift.MaintenanceMode | Should -BeTrue
            ($drift.Problems -join ' ') | Should -Match 'maintenance mode now: after a power cut it would start nothing'
        }
        finally { $sim[0].MaintenanceMode = $false }
        (Test-BootScript -Server $servers[0] -Plan $bootScript.Plan @connect).MaintenanceMode | Should -BeFalse
    }

    It 'checks drift against the plan for scheduled tasks' {
        $report = Test-BootScript -Server $servers -Plan $bootScript.Plan @connect
        ($report | Where-Object { $_.Server -in $servers[0..2] }).Compliant | Sort-Object -Unique | Should -BeTrue
        Test-BootScript -Server $servers[0..2] -Plan $bootScript.Plan @connect -Quiet | Should -BeFalse

        $sim[1].SetInventory([VmBoot.EsxiSim.SimVm[]]@([VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'app1'; Datastore = 'shared ds' }, [VmBoot.EsxiSim.SimVm]@{ Vmid = 9; Name = 'new vm'; Datastore = 'shared ds' }))
        $drifted = Test-BootScript -Server $servers -Plan $bootScript.Plan @connect | Where-Object Server -EQ $servers[1]
        $drifted.Compliant | Should -BeFalse
        $drifted.UpToDate | Should -BeFalse
        ($drifted.Problems -join ' ') | Should -Match 'run Install-BootScript again'

        $planWithoutRest = New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'first'; NameLike = 'vcsa*' }
        $unplanned = Test-BootScript -Server $servers[1] -Plan $planWithoutRest @connect
        $unplanned.UnplannedVms | Sort-Object | Should -Be @('app1', 'new vm')
    }

    It 'removes only its block with Uninstall-BootScript and persists that' {
        $removed = Uninstall-BootScript -Server $servers[2] @connect -Confirm:$false
        $removed.Changed | Should -BeTrue
        $removed.Persisted | Should -BeTrue
        $live = $sim[2].ReadText('/etc/rc.local.d/local.sh')
        $live | Should -Not -Match 'VmBoot managed block'
        $live | Should -Match '(?m)^esxcli network firewall refresh # checked$'
        $live | Should -Match 'exit 0
\z'
        (Get-BootScript -Server $servers[2] @connect).Installed | Should -BeFalse
        (Uninstall-BootScript -Server $servers[2] @connect -Confirm:$false).Changed | Should -BeFalse
    }

    It 'installs from -Plan on hosts piped from PowerCLI''s Get-VMHost, reading their inventory itself' {
        $planFile = Join-Path $TestDrive 'boot.yml'
        New-BootPlan -LogDatastore 'shared ds' -Stage @{ Name = 'vcenter'; NameLike = 'vcsa*'; Heartbeat = 120 }, @{ Name = 'rest'; All = $true } | Export-BootPlan -Path $planFile
        $vmHosts = $servers[0..1] | ForEach-Object { [pscustomobject]@{ PSTypeName = 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl'; Name = $_ } }
        $results = $vmHosts | Install-BootScript -Plan $planFile @connect -Confirm:$false
        $results.Server | Sort-Object | Should -Be ($servers[0..1] | Sort-Object)
        $results.Changed | Sort-Object -Unique | Should -BeTrue
        (Get-BootScript -Server $servers[0] @connect).Plan.Stages.Name | Should -Be @('vcenter', 'rest')
        Test-BootScript -Server $servers[0..1] -Plan $planFile @connect -Quiet | Should -BeTrue
    }

    It 'never leaves a partial local.sh when the connection drops at any point' {
        $h = $sim[3]
        $old = $h.ReadBytes('/etc/rc.local.d/local.sh')
        $oldState = $h.ReadBytes('/bootbank/state.tgz')
        $cutDuringInstall = 0
        foreach ($limit in 6000, 9000, 12000, 15000, 18000, 21000, 24000, 27000, 30000, 33000, 36000) {
            $proxy = $h.DropConnectionAfterBytes($limit)
            try {
                $through = Join-Path $TestDrive "known_hosts_$limit"
                $h.KnownHostsLines -replace "\]:$($h.Port) ", "]:$($proxy.Port) " | Set-Content -LiteralPath $through
                $result = $bootScript | Install-BootScript -Server "127.0.0.1:$($proxy.Port)" -Credential $credential -KnownHostsPath $through -Confirm:$false -ErrorVariable cut -ErrorAction SilentlyContinue
            }
            finally { $proxy.Dispose() }
            $now = $h.ReadBytes('/etc/rc.local.d/local.sh')
            if ($result.Changed) { break }
            if ($cut.Count -gt 0 -and $cut[0].FullyQualifiedErrorId -like 'SshConnectionLost,*') { $cutDuringInstall++ }
            # Atomic: the old file, byte for byte, and the old saved state, as long as nothing succeeded.
            if ([Convert]::ToBase64String($now) -eq [Convert]::ToBase64String($old)) {
                $h.ReadBytes('/bootbank/state.tgz') | Should -Be $oldState
            }
            else {
                [Text.Encoding]::UTF8.GetString($now) | Should -Match '(?s)^#!/bin/sh.*# <<< VmBoot managed block <<<\nexit 0\n\z'
            }
            # A cut upload may leave a file in /tmp, never anything ESXi runs at boot.
            $h.RunAsHost('ls -a /etc/rc.local.d/') | Should -Not -Match 'vmboot'
        }
        $cutDuringInstall | Should -BeGreaterThan 0
    }
}
