# Stand-ins shaped exactly like PowerCLI's objects where VmBoot reads them: the same type names (PSTypeNames),
# property names and nesting (Get-VM's UniversalVirtualMachineImpl with ExtensionData = VMware.Vim.VirtualMachine,
# Get-Cluster's ClusterImpl with ExtensionData.ConfigurationEx = VMware.Vim.ClusterConfigInfoEx), and the vSphere
# API's enum strings (ClusterDasVmSettingsRestartPriority, ClusterVmReadinessReadyCondition). No PowerCLI module
# is loaded anywhere in these tests: VmBoot must work without it.

function New-MoRef([string] $Type, [string] $Value) {
    [pscustomobject]@{ PSTypeName = 'VMware.Vim.ManagedObjectReference'; Type = $Type; Value = $Value }
}

function New-StandInVm {
    param([string] $Name, [string] $Id, [string] $VmPathName, [string] $VMHost = 'esx01', [string] $GuestId = 'otherGuest64', [string] $Notes = '')
    $extension = [pscustomobject]@{
        PSTypeName = 'VMware.Vim.VirtualMachine'
        MoRef      = New-MoRef 'VirtualMachine' $Id
        Config     = [pscustomobject]@{
            PSTypeName = 'VMware.Vim.VirtualMachineConfigInfo'
            GuestId    = $GuestId
            Version    = 'vmx-19'
            Files      = [pscustomobject]@{ PSTypeName = 'VMware.Vim.VirtualMachineFileInfo'; VmPathName = $VmPathName }
        }
    }
    $vm = [pscustomobject]@{
        Name              = $Name
        Id                = "VirtualMachine-$Id"
        PowerState        = 'PoweredOff'
        Notes             = $Notes
        GuestId           = $GuestId
        HardwareVersion   = 'vmx-19'
        VMHost            = [pscustomobject]@{ PSTypeName = 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl'; Name = $VMHost }
        HARestartPriority = 'ClusterRestartPriority'
        ExtensionData     = $extension
    }
    $vm.PSTypeNames.Insert(0, 'VMware.VimAutomation.ViCore.Types.V1.Inventory.VirtualMachine')
    $vm.PSTypeNames.Insert(0, 'VMware.VimAutomation.ViCore.Impl.V1.VM.UniversalVirtualMachineImpl')
    $vm
}

# -Overrides @{ 'vm-1' = @{ Priority = 'high'; Timeout = 300 } }; -Readiness @{ 'vm-1' = @{ Condition = 'guestHbStatusGreen'; Delay = 10 } }
# -Groups @{ db = 'vm-1','vm-2' }; -Rules @(@{ Name = 'db first'; VmGroup = 'app'; DependsOnVmGroup = 'db'; Enabled = $true })
function New-StandInCluster {
    param(
        [string] $Name = 'Prod', [string] $DefaultPriority = 'medium', [int] $DefaultTimeout = 600,
        [string] $DefaultReadiness = 'none', [int] $DefaultDelay = 0,
        [hashtable] $Overrides = @{}, [hashtable] $Readiness = @{}, [hashtable] $Groups = @{}, [object[]] $Rules = @()
    )
    $dasVmConfig = foreach ($id in $Overrides.Keys) {
        [pscustomobject]@{
            PSTypeName  = 'VMware.Vim.ClusterDasVmConfigInfo'
            Key         = New-MoRef 'VirtualMachine' $id
            DasSettings = [pscustomobject]@{
                PSTypeName             = 'VMware.Vim.ClusterDasVmSettings'
                RestartPriority        = $Overrides[$id].Priority
                RestartPriorityTimeout = if ($Overrides[$id].ContainsKey('Timeout')) { $Overrides[$id].Timeout } else { -1 }
            }
        }
    }
    $vmOrchestration = foreach ($id in $Readiness.Keys) {
        [pscustomobject]@{
            PSTypeName  = 'VMware.Vim.ClusterVmOrchestrationInfo'
            Vm          = New-MoRef 'VirtualMachine' $id
            VmReadiness = [pscustomobject]@{
                PSTypeName     = 'VMware.Vim.ClusterVmReadiness'
                ReadyCondition = $Readiness[$id].Condition
                PostReadyDelay = if ($Readiness[$id].ContainsKey('Delay')) { $Readiness[$id].Delay } else { -1 }
            }
        }
    }
    $group = @(
        foreach ($groupName in $Groups.Keys) {
            [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterVmGroup'; Name = $groupName; Vm = @($Groups[$groupName] | ForEach-Object { New-MoRef 'VirtualMachine' $_ }) }
        }
        # Host groups are in the same list in the API; they say nothing about start order.
        [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterHostGroup'; Name = 'rack A'; Host = @(New-MoRef 'HostSystem' 'host-1') }
    )
    $rule = @(
        foreach ($r in $Rules) {
            [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterDependencyRuleInfo'; Name = $r.Name; Enabled = $r.Enabled; Mandatory = $false; VmGroup = $r.VmGroup; DependsOnVmGroup = $r.DependsOnVmGroup }
        }
        [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterAntiAffinityRuleSpec'; Name = 'keep dcs apart'; Enabled = $true; Vm = @(New-MoRef 'VirtualMachine' 'vm-1') }
    )
    $config = [pscustomobject]@{
        PSTypeName      = 'VMware.Vim.ClusterConfigInfoEx'
        DasConfig       = [pscustomobject]@{
            PSTypeName        = 'VMware.Vim.ClusterDasConfigInfo'
            Enabled           = $true
            DefaultVmSettings = [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterDasVmSettings'; RestartPriority = $DefaultPriority; RestartPriorityTimeout = $DefaultTimeout }
        }
        DasVmConfig     = @($dasVmConfig)
        Orchestration   = [pscustomobject]@{
            PSTypeName         = 'VMware.Vim.ClusterOrchestrationInfo'
            DefaultVmReadiness = [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterVmReadiness'; ReadyCondition = $DefaultReadiness; PostReadyDelay = $DefaultDelay }
        }
        VmOrchestration = @($vmOrchestration)
        Group           = $group
        Rule            = $rule
    }
    $cluster = [pscustomobject]@{
        Name              = $Name
        HAEnabled         = $true
        HARestartPriority = (Get-Culture).TextInfo.ToTitleCase($DefaultPriority)
        ExtensionData     = [pscustomobject]@{ PSTypeName = 'VMware.Vim.ClusterComputeResource'; MoRef = New-MoRef 'ClusterComputeResource' 'domain-c8'; ConfigurationEx = $config }
    }
    $cluster.PSTypeNames.Insert(0, 'VMware.VimAutomation.ViCore.Types.V1.Inventory.Cluster')
    $cluster.PSTypeNames.Insert(0, 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.ClusterImpl')
    $cluster
}
