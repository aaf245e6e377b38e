BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    $fixtures = Join-Path $PSScriptRoot '../fixtures'
    $example = Join-Path $fixtures 'boot-plan.example.yml'
}

Describe 'Import-BootPlan and Export-BootPlan' {
    It 'reads the commented example plan' {
        $plan = Import-BootPlan -Path $example
        $plan.PSObject.TypeNames[0] | Should -Be 'VmBoot.BootPlan'
        $plan.Stages.Name | Should -Be @('infra', 'everything else')
        $plan.Stages[0].After.TcpHost | Should -Be 'vcsa01.example.com'
        ($plan | Format-Table | Out-String) | Should -Match 'infra > everything else'
    }

    It 'names file, line and column of a mistake' {
        $bad = Join-Path $TestDrive 'bad.yml'
        Set-Content -LiteralPath $bad -Value "version: 1`nstages:`n  - name: a`n    selekt: { all: true }"
        Import-BootPlan -LiteralPath $bad -ErrorVariable planErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $planErrors[0].FullyQualifiedErrorId | Should -Be 'BootPlanInvalid,VmBoot.Commands.ImportBootPlanCommand'
        $planErrors[0].CategoryInfo.Category | Should -Be 'ParserError'
        $planErrors[0].ToString() | Should -BeLike "$($bad):4:5: unknown key 'selekt'*"
    }

    It 'round-trips through Export-BootPlan' {
        $target = Join-Path $TestDrive 'copy.yml'
        Import-BootPlan -Path $example | Export-BootPlan -Path $target
        $again = Import-BootPlan -Path $target
        $again.Stages.Name | Should -Be @('infra', 'everything else')
        $second = Join-Path $TestDrive 'copy2.yml'
        $again | Export-BootPlan -LiteralPath $second
        Get-Content -LiteralPath $second -Raw | Should -BeExactly (Get-Content -LiteralPath $target -Raw)
    }

    It 'writes nothing with -WhatIf and refuses to clobber with -NoClobber' {
        $target = Join-Path $TestDrive 'whatif.yml'
        Import-BootPlan -Path $example | Export-BootPlan -Path $target -WhatIf
        Test-Path -LiteralPath $target | Should -BeFalse
        Set-Content -LiteralPath $target -Value 'keep me'
        # Terminating, with PowerShell's own id, as Export-Csv -NoClobber and Export-BootReport -NoClobber.
        { Import-BootPlan -Path $example | Export-BootPlan -Path $target -NoClobber } |
            Should -Throw -ErrorId 'NoClobber,VmBoot.Commands.ExportBootPlanCommand'
        Get-Content -LiteralPath $target | Should -Be 'keep me'
    }
}

Describe 'New-BootPlan' {
    It 'builds a plan from hashtables' {
        $plan = New-BootPlan -LogDatastore 'shared ds' -Datastore 'shared ds' -Stage @{ Name = 'infra'; NameLike = 'vcsa*'; Heartbeat = 300; TcpHost = 'vcsa01.lab'; TcpPort = 443 }, @{ Name = 'rest'; All = $true; Pause = 5 }
        $plan.Stages.Count | Should -Be 2
        $plan.Stages[0].After.HeartbeatTimeout | Should -Be 300
        $plan.Stages[1].Select.All | Should -BeTrue
        $plan.Log.Datastore | Should -Be 'shared ds'
        $plan.Vsan | Should -BeTrue
        $skip = New-BootPlan -Stage @{ Name = 'all'; All = $true } -SkipVsan
        $skip.Vsan | Should -BeFalse
        $file = Join-Path $TestDrive 'no-vsan.yml'
        $skip | Export-BootPlan -Path $file
        Get-Content -LiteralPath $file | Should -Contain 'vsan: false'
        (Import-BootPlan -Path $file).Vsan | Should -BeFalse
    }

    It 'refuses unknown stage keys' {
        { New-BootPlan -Stage @{ Name = 'a'; Nmae = 'x' } -ErrorAction Stop } | Should -Throw -ErrorId 'BootPlanInvalid,VmBoot.Commands.NewBootPlanCommand'
    }
}

Describe 'New-BootScript' {
    BeforeAll {
        $inventory = Get-EsxiVmList -LiteralPath "$fixtures/cluster-host.txt"
    }

    It 'generates a two-stage script from piped VMs with -FirstStage' {
        $script = $inventory | New-BootScript -FirstStage 'vcsa*' -StageDelay 60 -LogDatastore 'shared-ds01'
        $script.PSObject.TypeNames[0] | Should -Be 'VmBoot.BootScript'
        $script.Content | Should -Match '(?m)^# >>> VmBoot managed block >>>$'
        $script.Content | Should -Match '(?m)^exit 0\n\z'
        ($script.Preview | Where-Object Stage -EQ 1).Name | Should -Be 'vcsa01'
        ($script.Preview | Where-Object Stage -EQ 2).Name | Sort-Object | Should -Be (@('dc01 (primary)', 'app%2fdb', 'web   [old') | Sort-Object)
        $script.Preview.Name | Should -Not -Contain 'vCLS (1)'
    }

    It 'keeps the admin''s own lines byte for byte and replaces only its block when run again' {
        $base = "#!/bin/sh`n# my own line`nesxcli network firewall refresh`n`nexit 0`n"
        $first = $inventory | New-BootScript -FirstStage 'vcsa*' -BaseScript $base -LogDatastore 'shared-ds01'
        $first.Content.StartsWith("#!/bin/sh`n# my own line`nesxcli network firewall refresh`n`n") | Should -BeTrue
        $second = $inventory | New-BootScript -FirstStage 'dc*' -BaseScript $first.Content -LogDatastore 'shared-ds01'
        ($second.Content -split '# >>> VmBoot managed block >>>')[0] | Should -BeExactly (($first.Content -split '# >>> VmBoot managed block >>>')[0])
        ([regex]::Matches($second.Content, 'VmBoot managed block >>>')).Count | Should -Be 1
        ($second.Preview | Where-Object Stage -EQ 1).Name | Should -Be 'dc01 (primary)'
    }

    It 'takes -Plan as a path, reads -BaseScript from a file and writes -Path' {
        $base = Join-Path $TestDrive 'local.sh'
        Set-Content -LiteralPath $base -Value "#!/bin/sh`nexit 0" -NoNewline
        $out = Join-Path $TestDrive 'new-local.sh'
        $script = $inventory | New-BootScript -Plan $example -BaseScript $base -Path $out -WarningAction SilentlyContinue
        Get-Content -LiteralPath $out -Raw | Should -BeExactly $script.Content
        $script.Plan.Stages.Count | Should -Be 2
    }

    It 'asks for the inventory it needs' {
        { New-BootScript -Plan $example -ErrorAction Stop } | Should -Throw -ErrorId 'InventoryRequired,VmBoot.Commands.NewBootScriptCommand'
    }

    It 'warns when a stage explicitly selects vCLS' {
        $plan = New-BootPlan -LogDatastore 'shared-ds01' -Stage @{ Name = 'oops'; NameLike = 'vCLS*' }, @{ Name = 'rest'; All = $true }
        $null = $inventory | New-BootScript -Plan $plan -WarningVariable warned -WarningAction SilentlyContinue
        ($warned.Message -join "`n") | Should -Match 'vCLS VMs are never started'
    }
}

Describe 'From live inventory to a cold boot, through the module' {
    BeforeAll {
        Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
        $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
        $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds'; HeartbeatDelay = 60 },
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'vCLS (1)'; Datastore = 'local' }))
        $sim[1].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 7; Name = 'app 1'; Datastore = 'shared ds' },
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 8; Name = '`reboot`'; Datastore = 'shared ds' }))
        $sim[1].AddDatastore('shared ds')
        $knownHosts = Join-Path $TestDrive 'known_hosts'
        $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
        $script:credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
        $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
    }

    AfterAll { $sim.Dispose() }

    It 'starts vCenter first, then the rest, on each host' {
        $script = Get-EsxiVmList -Server $servers -Credential $credential -KnownHostsPath $knownHosts |
            New-BootScript -FirstStage 'vcsa*' -StageDelay 30 -LogDatastore 'shared ds'
        $script.Preview.Count | Should -Be 3
        $timelines = foreach ($h in $sim.Hosts) {
            $h.WriteText('/etc/rc.local.d/local.sh', $script.Content)
            $null = $h.RunAsHost('chmod 755 /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1')
            $h.PowerCycle(40, 60, 0, 1, 2)
        }
        ($timelines[0].Events | Where-Object Result -EQ 'PoweredOn').Name | Should -Be 'vcsa01'
        ($timelines[1].Events | Where-Object Result -EQ 'PoweredOn').Name | Sort-Object | Should -Be @('`reboot`', 'app 1')
        $sim[0].PowerState(2) | Should -Be 'off'
        $log = $sim[1].ReadText('/vmfs/volumes/shared ds/vmboot/esx02.log')
        $log | Should -Match "`tboot-end`t"
    }
}
