# PowerCLI in the pipeline: Get-VM objects as inventory, and plans from the cluster's own HA restart order.
# Stand-ins only (PowerCliStandIns.ps1): PowerCLI is not installed here, which is also what the last tests check.
BeforeAll {
    Import-Module $env:VMBOOT_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'PowerCliStandIns.ps1')

    function Get-MixedCluster {
        $script:vms = @(
            New-StandInVm -Name 'vcsa01' -Id 'vm-1' -VmPathName '[shared ds] vcsa01/vcsa01.vmx' -VMHost 'esx01'
            New-StandInVm -Name 'dc01' -Id 'vm-2' -VmPathName '[shared ds] dc01/dc01.vmx' -VMHost 'esx02'
            New-StandInVm -Name 'db01' -Id 'vm-3' -VmPathName '[shared ds] db01/db01.vmx' -VMHost 'esx01'
            New-StandInVm -Name 'app01' -Id 'vm-4' -VmPathName '[shared ds] app01/app01.vmx' -VMHost 'esx02'
            New-StandInVm -Name 'web/front 100%' -Id 'vm-5' -VmPathName '[shared ds] web%2ffront 100%25/web%2ffront 100%25.vmx' -VMHost 'esx02'
            New-StandInVm -Name 'scratch' -Id 'vm-6' -VmPathName '[local] scratch/scratch.vmx' -VMHost 'esx01'
            New-StandInVm -Name 'test01' -Id 'vm-7' -VmPathName '[shared ds] test01/test01.vmx' -VMHost 'esx01'
            New-StandInVm -Name 'vCLS-11111111-2222-3333-4444-555555555555' -Id 'vm-8' -VmPathName '[] /var/run/crx/infra/vCLS/vCLS.vmx' -VMHost 'esx01' -GuestId 'crxSys1Guest'
        )
        New-StandInCluster -DefaultPriority 'medium' -DefaultTimeout 600 -DefaultReadiness 'poweredOn' `
            -Overrides @{
                'vm-1' = @{ Priority = 'highest'; Timeout = 900 }
                'vm-2' = @{ Priority = 'highest' }
                'vm-3' = @{ Priority = 'high'; Timeout = 300 }
                'vm-4' = @{ Priority = 'high' }
                'vm-5' = @{ Priority = 'clusterRestartPriority' }
                'vm-6' = @{ Priority = 'disabled' }
                'vm-7' = @{ Priority = 'lowest' }
            } `
            -Readiness @{
                'vm-1' = @{ Condition = 'guestHbStatusGreen'; Delay = 30 }
                'vm-3' = @{ Condition = 'appHbStatusGreen' }
                'vm-4' = @{ Condition = 'useClusterDefault' }
            } `
            -Groups @{ databases = 'vm-3'; apps = 'vm-4'; web = 'vm-5' } `
            -Rules @(
                @{ Name = 'apps need databases'; VmGroup = 'apps'; DependsOnVmGroup = 'databases'; Enabled = $true }
                @{ Name = 'web needs apps'; VmGroup = 'web'; DependsOnVmGroup = 'apps'; Enabled = $true }
                @{ Name = 'switched off'; VmGroup = 'databases'; DependsOnVmGroup = 'web'; Enabled = $false }
            )
    }
}

Describe 'ConvertTo-BootPlan' {
    It 'orders stages as HA does: priorities highest first, dependencies within a priority split it, gates from readiness' {
        $cluster = Get-MixedCluster
        $plan = $vms | ConvertTo-BootPlan -Cluster $cluster -LogDatastore 'shared ds' -WarningVariable said -WarningAction SilentlyContinue
        $plan.PSObject.TypeNames[0] | Should -Be 'VmBoot.BootPlan'
        $plan.Stages.Name | Should -Be @('HA highest', 'HA high', 'HA high, step 2', 'HA medium', 'HA lowest')
        $plan.Stages[0].Select.Names | Should -Be @('dc01', 'vcsa01')
        $plan.Stages[1].Select.Names | Should -Be @('db01')
        $plan.Stages[2].Select.Names | Should -Be @('app01')
        # Cluster default (medium) for clusterRestartPriority; the name escaped as getallvms prints it.
        $plan.Stages[3].Select.Names | Should -Be @('web%2ffront 100%25')
        $plan.Stages[4].Select.Names | Should -Be @('test01') -Because 'lowest comes last'
        # Guest heartbeats green -> a heartbeat gate with the priority's timeout, and the post-ready delay.
        $plan.Stages[0].After.Heartbeat | Should -BeTrue
        $plan.Stages[0].After.HeartbeatTimeout | Should -Be 900
        $plan.Stages[0].After.Delay | Should -Be 30
        # Application heartbeats: waited for as guest heartbeats, with a warning.
        $plan.Stages[1].After.Heartbeat | Should -BeTrue
        $plan.Stages[1].After.HeartbeatTimeout | Should -Be 300
        ($said.Message -join "`n") | Should -Match "'db01' is ready for HA when its application heartbeats are green"
        # Powered on (the cluster default here) -> no gate.
        $plan.Stages[2].After.Heartbeat | Should -BeFalse
        ($said.Message -join "`n") | Should -Match "'scratch' has HA restart priority disabled: left out"
        $plan.Stages.Select.Names | Should -Not -Contain 'scratch'
        $plan.Stages.Select.Names | Should -Not -BeLike 'vCLS*'
    }

    It 'puts the lowest priority last and disabled VMs after it only when asked' {
        $cluster = Get-MixedCluster
        $plan = $vms | ConvertTo-BootPlan -Cluster $cluster -IncludeDisabled -WarningAction SilentlyContinue
        $plan.Stages.Name[-2..-1] | Should -Be @('HA lowest', 'HA disabled')
        $plan.Stages[-1].Select.Names | Should -Be @('scratch')
    }

    It 'writes where each stage came from as a comment, and the plan imports back' {
        $cluster = Get-MixedCluster
        $file = Join-Path $TestDrive 'ha.yml'
        $vms | ConvertTo-BootPlan -Cluster $cluster -LogDatastore 'shared ds' -WarningAction SilentlyContinue | Export-BootPlan -Path $file
        $text = Get-Content -LiteralPath $file -Raw
        $text | Should -Match "(?m)^# vSphere HA restart priority highest \(cluster Prod\)\n- name: ""HA highest"""
        $text | Should -Match "(?m)^# vSphere HA restart priority high \(cluster Prod\), after the VMs they depend on by rule\(s\) 'apps need databases'\n- name: ""HA high, step 2"""
        (Import-BootPlan -Path $file).Stages.Name | Should -Be @('HA highest', 'HA high', 'HA high, step 2', 'HA medium', 'HA lowest')
    }

    It 'refuses a dependency cycle, naming its rules' {
        $vmA = New-StandInVm -Name 'a' -Id 'vm-1' -VmPathName '[ds] a/a.vmx'
        $vmB = New-StandInVm -Name 'b' -Id 'vm-2' -VmPathName '[ds] b/b.vmx'
        $vmC = New-StandInVm -Name 'c' -Id 'vm-3' -VmPathName '[ds] c/c.vmx'
        $cluster = New-StandInCluster -Groups @{ ga = 'vm-1'; gb = 'vm-2'; gc = 'vm-3' } -Rules @(
            @{ Name = 'a after b'; VmGroup = 'ga'; DependsOnVmGroup = 'gb'; Enabled = $true }
            @{ Name = 'b after c'; VmGroup = 'gb'; DependsOnVmGroup = 'gc'; Enabled = $true }
            @{ Name = 'c after a'; VmGroup = 'gc'; DependsOnVmGroup = 'ga'; Enabled = $true })
        { $vmA, $vmB, $vmC | ConvertTo-BootPlan -Cluster $cluster -ErrorAction Stop } |
            Should -Throw -ErrorId 'HaOrderContradiction,VmBoot.Commands.ConvertToBootPlanCommand' -ExpectedMessage "*rules 'a after b', 'b after c', 'c after a'*cycle*"
    }

    It 'refuses a higher priority that depends on a lower one, as vSphere HA does' {
        $vmA = New-StandInVm -Name 'a' -Id 'vm-1' -VmPathName '[ds] a/a.vmx'
        $vmB = New-StandInVm -Name 'b' -Id 'vm-2' -VmPathName '[ds] b/b.vmx'
        $cluster = New-StandInCluster -Overrides @{ 'vm-1' = @{ Priority = 'high' }; 'vm-2' = @{ Priority = 'low' } } -Groups @{ ga = 'vm-1'; gb = 'vm-2' } -Rules @(
            @{ Name = 'a needs b'; VmGroup = 'ga'; DependsOnVmGroup = 'gb'; Enabled = $true })
        { $vmA, $vmB | ConvertTo-BootPlan -Cluster $cluster -ErrorAction Stop } |
            Should -Throw -ErrorId 'HaOrderContradiction,*' -ExpectedMessage "Rule 'a needs b': 'a' (high) depends on 'b' (low)*"
    }

    It 'follows a dependency chain across priorities without splitting' {
        $vmA = New-StandInVm -Name 'a' -Id 'vm-1' -VmPathName '[ds] a/a.vmx'
        $vmB = New-StandInVm -Name 'b' -Id 'vm-2' -VmPathName '[ds] b/b.vmx'
        $cluster = New-StandInCluster -Overrides @{ 'vm-1' = @{ Priority = 'low' }; 'vm-2' = @{ Priority = 'high' } } -Groups @{ ga = 'vm-1'; gb = 'vm-2' } -Rules @(
            @{ Name = 'a needs b'; VmGroup = 'ga'; DependsOnVmGroup = 'gb'; Enabled = $true })
        ($vmA, $vmB | ConvertTo-BootPlan -Cluster $cluster).Stages.Name | Should -Be @('HA high', 'HA low')
    }
}

Describe 'PowerCLI VMs as inventory' {
    It 'New-BootScript takes Get-VM objects: names escaped, vmx files and hosts from ExtensionData and VMHost' {
        $cluster = Get-MixedCluster
        $script = $vms | New-BootScript -FirstStage 'vcsa*' -LogDatastore 'shared ds' -WarningAction SilentlyContinue
        $script.Preview.Name | Should -Contain 'web%2ffront 100%25'
        ($script.Preview | Where-Object Name -EQ 'vcsa01').Server | Should -Be 'esx01'
        $script.Preview.Name | Should -Not -BeLike 'vCLS*'
        $script.Content | Should -Match ([regex]::Escape("`t[shared ds] web%2ffront 100%25/web%2ffront 100%25.vmx`tweb%2ffront 100%25"))
    }

    It 'offers their names to tab completion afterwards' {
        $null = Get-MixedCluster
        $null = $vms | New-BootScript -FirstStage 'vcsa*' -WarningAction SilentlyContinue
        $line = 'New-BootScript -FirstStage db'
        $completed = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completed | Should -Contain 'db01'
    }

    It 'never calls or loads PowerCLI, even where a module of its name could be loaded, and refuses a non-PowerCLI object by name' {
        # A module named as PowerCLI's, whose cmdlets leave a mark when called and which marks its own import: were
        # VmBoot to call Get-VM or Get-Cluster, or import PowerCLI, auto-loading would find this one. Assembly
        # requests for PowerCLI's are recorded too.
        $modules = Join-Path $TestDrive 'modules'
        $fake = New-Item -ItemType Directory -Path (Join-Path $modules 'VMware.VimAutomation.Core') -Force
        $mark = Join-Path $TestDrive 'powercli-used'
        @"
New-Item -ItemType File -Path '$mark' -Force | Out-Null
function Get-VM { New-Item -ItemType File -Path '$mark' -Force | Out-Null }
function Get-Cluster { New-Item -ItemType File -Path '$mark' -Force | Out-Null }
function Get-VMHost { New-Item -ItemType File -Path '$mark' -Force | Out-Null }
"@ | Set-Content -LiteralPath (Join-Path $fake 'VMware.VimAutomation.Core.psm1')
        New-ModuleManifest -Path (Join-Path $fake 'VMware.VimAutomation.Core.psd1') -RootModule 'VMware.VimAutomation.Core.psm1' -FunctionsToExport Get-VM, Get-Cluster, Get-VMHost
        $requested = [System.Collections.Concurrent.ConcurrentBag[string]]::new()
        $handler = [ResolveEventHandler] { param($sender, $request) if ($request.Name -like 'VMware.*') { $requested.Add($request.Name) }; $null }
        $saved = $env:PSModulePath
        [AppDomain]::CurrentDomain.add_AssemblyResolve($handler)
        try {
            $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
            $cluster = Get-MixedCluster
            $plan = @($vms[0], [pscustomobject]@{ Name = 'not a vm' }) | ConvertTo-BootPlan -Cluster $cluster -ErrorVariable refused -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $null = $vms | New-BootScript -FirstStage 'vcsa*' -WarningAction SilentlyContinue
        }
        finally {
            [AppDomain]::CurrentDomain.remove_AssemblyResolve($handler)
            $env:PSModulePath = $saved
        }
        $refused[0].FullyQualifiedErrorId | Should -Be 'InputNotPowerCliVm,VmBoot.Commands.ConvertToBootPlanCommand'
        $plan.Stages[0].Select.Names | Should -Be @('vcsa01')
        $mark | Should -Not -Exist
        Get-Module VMware.* | Should -BeNullOrEmpty
        $requested | Should -BeNullOrEmpty
        # The mark is seen when PowerCLI's name is used: the check can fail.
        Import-Module (Join-Path $fake 'VMware.VimAutomation.Core.psd1')
        try { $mark | Should -Exist } finally { Remove-Module VMware.VimAutomation.Core }
    }
}

Describe 'Drift against HA' {
    BeforeAll {
        Add-Type -LiteralPath $env:VMBOOT_TEST_SIMULATOR
        $script:sim = [VmBoot.EsxiSim.EsxiSimulator]::Start(2)
        $sim[0].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'vcsa01'; Datastore = 'shared ds' }
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 2; Name = 'db01'; Datastore = 'shared ds' }))
        $sim[1].SetInventory([VmBoot.EsxiSim.SimVm[]]@(
                [VmBoot.EsxiSim.SimVm]@{ Vmid = 1; Name = 'app01'; Datastore = 'shared ds' }))
        foreach ($h in $sim.Hosts) { $h.AddDatastore('shared ds') }
        $script:knownHosts = Join-Path $TestDrive 'known_hosts'
        $sim.KnownHostsLines | Set-Content -LiteralPath $knownHosts
        $credential = [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
        $script:connect = @{ Credential = $credential; KnownHostsPath = $knownHosts }
        $script:servers = $sim.Hosts | ForEach-Object { "$($_.Address):$($_.Port)" }
        # What Get-VM would return for the same cluster.
        $script:haVms = @(
            New-StandInVm -Name 'vcsa01' -Id 'vm-1' -VmPathName '[shared ds] vcsa01/vcsa01.vmx' -VMHost $servers[0]
            New-StandInVm -Name 'db01' -Id 'vm-2' -VmPathName '[shared ds] db01/db01.vmx' -VMHost $servers[0]
            New-StandInVm -Name 'app01' -Id 'vm-3' -VmPathName '[shared ds] app01/app01.vmx' -VMHost $servers[1])
        function script:Get-HaPlan([hashtable] $Overrides, [object[]] $Rules = @()) {
            $cluster = New-StandInCluster -Overrides $Overrides -Groups @{ db = 'vm-2'; app = 'vm-3' } -Rules $Rules
            $haVms | ConvertTo-BootPlan -Cluster $cluster -LogDatastore 'shared ds' -WarningAction SilentlyContinue
        }
        $script:installedPlan = Get-HaPlan @{ 'vm-1' = @{ Priority = 'highest' }; 'vm-2' = @{ Priority = 'high' } }
        $null = Install-BootScript -Server $servers -Plan $installedPlan @connect -Confirm:$false
    }

    AfterAll { $sim.Dispose() }

    It 'is compliant while HA is unchanged, and says which host drifted when a priority or a rule changes' {
        Test-BootScript -Server $servers -Plan (Get-HaPlan @{ 'vm-1' = @{ Priority = 'highest' }; 'vm-2' = @{ Priority = 'high' } }) @connect -Quiet | Should -BeTrue

        $priorityChanged = Test-BootScript -Server $servers -Plan (Get-HaPlan @{ 'vm-1' = @{ Priority = 'highest' }; 'vm-2' = @{ Priority = 'low' } }) @connect
        $priorityChanged.UpToDate | Sort-Object -Unique | Should -BeFalse
        ($priorityChanged[0].Problems -join ' ') | Should -Match 'differs from what the plan gives'

        $ruleAdded = Get-HaPlan @{ 'vm-1' = @{ Priority = 'highest' }; 'vm-2' = @{ Priority = 'high' } } -Rules @(@{ Name = 'app after db'; VmGroup = 'app'; DependsOnVmGroup = 'db'; Enabled = $true })
        $ruleAdded.Stages.Name | Should -Contain 'HA medium'
        Test-BootScript -Server $servers -Plan $ruleAdded @connect -Quiet | Should -BeTrue -Because 'app01 (medium) already starts after db01 (high)'
        $sameRank = Get-HaPlan @{ 'vm-1' = @{ Priority = 'highest' }; 'vm-2' = @{ Priority = 'medium' } } -Rules @(@{ Name = 'app after db'; VmGroup = 'app'; DependsOnVmGroup = 'db'; Enabled = $true })
        $sameRank.Stages.Name | Should -Be @('HA highest', 'HA medium', 'HA medium, step 2')
        Test-BootScript -Server $servers -Plan $sameRank @connect -Quiet | Should -BeFalse
    }
}
