using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VmBoot.Ha;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>
    /// Builds a boot plan from a cluster's vSphere HA settings (restart priorities, orchestration readiness,
    /// VM-to-VM dependency rules) and its VMs, read from PowerCLI's Get-Cluster and Get-VM by property name.
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/ConvertTo-BootPlan.md")]
    [OutputType(typeof(BootPlan))]
    public sealed class ConvertToBootPlanCommand : PSCmdlet
    {
        private readonly List<object> vms = new List<object>();

        /// <summary>The cluster (Get-Cluster): its HA defaults, per-VM overrides, VM groups and dependency rules.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public PSObject Cluster { get; set; } = null!;

        /// <summary>The cluster's VMs (Get-VM), from the pipeline.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [Alias("VM")]
        [AllowEmptyCollection]
        public PSObject[] InputObject { get; set; } = null!;

        /// <summary>The datastore for the boot log.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string? LogDatastore { get; set; }

        /// <summary>Datastores that must be mounted before the first stage.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string[]? Datastore { get; set; }

        /// <summary>A host that boots in maintenance mode: Stay (start nothing) or Exit (leave it, then start).</summary>
        [Parameter]
        [ValidateSet("Stay", "Exit")]
        public string MaintenanceMode { get; set; } = "Stay";

        /// <summary>Also start VMs whose HA restart priority is disabled, in a last stage.</summary>
        [Parameter]
        public SwitchParameter IncludeDisabled { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (var item in InputObject)
            {
                if (PowerCliObjects.IsVm(item))
                {
                    vms.Add(item);
                }
                else
                {
                    WriteError(ErrorRecords.Create("InputNotPowerCliVm", ErrorCategory.InvalidType, item,
                        $"ConvertTo-BootPlan takes PowerCLI VMs (Get-VM): '{item}' has no ExtensionData.Config.Files.VmPathName."));
                }
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var cluster = PowerCliObjects.ToHaCluster(Cluster, out var settings, out var readiness);
            var haVms = vms.Select(vm =>
            {
                string id = PowerCliObjects.Id(vm);
                settings.TryGetValue(id, out var das);
                readiness.TryGetValue(id, out var ready);
                return new HaVm { Id = id, Vm = PowerCliObjects.ToEsxiVm(vm), Priority = das.Priority, Timeout = das.Timeout, Readiness = ready.Readiness, PostReadyDelay = ready.Delay };
            }).ToList();
            InventoryCache.Set(haVms.Select(v => v.Vm).ToList());
            var template = new BootPlan
            {
                Log = { Datastore = LogDatastore },
                Readiness = { Datastores = Datastore?.ToList() ?? new List<string>(), MaintenanceMode = MaintenanceMode == "Exit" ? MaintenanceModePolicy.Exit : MaintenanceModePolicy.Stay },
            };
            var warnings = new List<string>();
            BootPlan plan;
            try
            {
                plan = HaBootPlanBuilder.Build(cluster, haVms, template, IncludeDisabled, warnings);
                BootPlanValidator.Validate(plan);
            }
            catch (HaPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(HaPlanException.Id, ErrorCategory.InvalidData, Cluster, e.Message, e));
                return;
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(BootPlanException.Id, ErrorCategory.InvalidData, Cluster, e.Message, e));
                return;
            }

            foreach (string warning in warnings)
            {
                WriteWarning(warning);
            }

            WriteObject(plan);
        }
    }
}
