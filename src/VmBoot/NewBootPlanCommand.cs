using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>Builds a boot plan from parameters; stages are hashtables (see the help for their keys).</summary>
    [Cmdlet(VerbsCommon.New, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/New-BootPlan.md")]
    [OutputType(typeof(BootPlan))]
    public sealed class NewBootPlanCommand : PSCmdlet
    {
        /// <summary>Stages in order, as hashtables of the stage keys' PowerShell names (PlanKeys: Name, Names, TcpPort ...).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public Hashtable[] Stage { get; set; } = null!;

        /// <summary>The datastore for /vmfs/volumes/&lt;datastore&gt;/vmboot/&lt;hostname&gt;.log.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string? LogDatastore { get; set; }

        /// <summary>A full log path instead ({hostname} is replaced at boot).</summary>
        [Parameter]
        public string? LogPath { get; set; }

        /// <summary>Datastores that must be mounted before the first stage.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string[]? Datastore { get; set; }

        // Ranges are the plan schema's (checked with the plan, as for YAML); defaults are the model's.

        /// <summary>Seconds to wait at boot before checking anything.</summary>
        [Parameter]
        public int MinimumDelay { get; set; } = new BootReadiness().MinimumDelay;

        /// <summary>Seconds allowed for hostd and datastores.</summary>
        [Parameter]
        public int ReadinessTimeout { get; set; } = new BootReadiness().Timeout;

        /// <summary>Retries of a failed power-on.</summary>
        [Parameter]
        public int Retries { get; set; } = new PowerOnPolicy().Retries;

        /// <summary>Seconds before the first retry, doubled each time.</summary>
        [Parameter]
        public int RetryDelay { get; set; } = new PowerOnPolicy().RetryDelay;

        /// <summary>A host that boots in maintenance mode: Stay (start nothing) or Exit (leave it, then start).</summary>
        [Parameter]
        [ValidateSet("Stay", "Exit")]
        public string MaintenanceMode { get; set; } = "Stay";

        /// <summary>Skip VMware's vSAN cluster shutdown and restart steps on vSAN nodes (plan key vsan: false).</summary>
        [Parameter]
        public SwitchParameter SkipVsan { get; set; }

        /// <summary>Name wildcards of VMs never started.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? ExcludeNameLike { get; set; }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            // The bound parameters are the plan's keys by their PowerShell names (PlanKeys): the engine reads them as it
            // reads a hashtable given to -Plan, and checks the plan with the same words.
            var parameters = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var bound in MyInvocation.BoundParameters.Where(p => !CommonParameters.Contains(p.Key)))
            {
                parameters[bound.Key] = PlanArgument.Plain(bound.Value);
            }

            try
            {
                WriteObject(BootPlanDictionary.Read(parameters));
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.FromPlan(e, built: true));
            }
        }
    }
}
