using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>
    /// Generates /etc/rc.local.d/local.sh from a boot plan and the cluster's inventory (piped from
    /// Get-EsxiVmList), or from piped VMs with -FirstStage.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/New-BootScript.md", DefaultParameterSetName = PlanSet, SupportsShouldProcess = true)]
    [OutputType(typeof(BootScript))]
    public sealed class NewBootScriptCommand : PSCmdlet
    {
        private const string PlanSet = "Plan";
        private const string FirstStageSet = "FirstStage";
        private readonly List<EsxiVm> inventory = new List<EsxiVm>();

        /// <summary>A plan (from Import-BootPlan or New-BootPlan), the path of a plan file, or New-BootPlan's parameters as a hashtable.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PlanSet)]
        [ValidateNotNull]
        [PlanArgumentTransformation]
        public PlanArgument Plan { get; set; } = null!;

        /// <summary>The VMs of every host the script will run on (Get-EsxiVmList output, or PowerCLI's Get-VM).</summary>
        [Parameter(ValueFromPipeline = true)]
        [Alias("Inventory")]
        [AllowEmptyCollection]
        [EsxiVmInput]
        public EsxiVm[]? InputObject { get; set; }

        /// <summary>Shorthand: name wildcards of the VMs to start first (vCenter); the other piped VMs follow.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FirstStageSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[] FirstStage { get; set; } = null!;

        /// <summary>Shorthand: seconds between the first stage and the rest.</summary>
        [Parameter(ParameterSetName = FirstStageSet)]
        [ValidateRange(0, 86400)]
        public int StageDelay { get; set; } = 120;

        /// <summary>Shorthand: seconds to wait at boot before anything (readiness is checked after it).</summary>
        [Parameter(ParameterSetName = FirstStageSet)]
        [ValidateRange(0, 86400)]
        public int InitialDelay { get; set; }

        /// <summary>Shorthand: the datastore for the boot log.</summary>
        [Parameter(ParameterSetName = FirstStageSet)]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string? LogDatastore { get; set; }

        /// <summary>An existing local.sh (its text, or a file path) to merge into; its own lines are kept.</summary>
        [Parameter]
        public string? BaseScript { get; set; }

        /// <summary>Also write the script to this file.</summary>
        [Parameter]
        public string? Path { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                inventory.AddRange(InputObject);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            // VMs piped from PowerCLI's Get-VM become what tab completion offers next, as Get-EsxiVmList's do.
            InventoryCache.Set(inventory);
            var plan = ParameterSetName == FirstStageSet ? ShorthandPlan() : Plan.Read(this);

            if (inventory.Count == 0)
            {
                ThrowTerminatingError(ErrorRecords.Create("InventoryRequired", ErrorCategory.InvalidArgument, null,
                    "New-BootScript resolves the plan's selectors against the cluster's VMs: pipe them in, e.g. Get-EsxiVmList -Server esx01,esx02 -Credential $c | New-BootScript -Plan ./boot.yml"));
            }

            // The same inventory piped twice would list every VM twice: keep each (host, vmx file) once, and say so.
            var distinct = inventory.GroupBy(v => (v.Server, v.File)).Select(g => g.First()).ToList();
            if (distinct.Count < inventory.Count)
            {
                WriteWarning($"{inventory.Count - distinct.Count} VM(s) were given more than once (the same host and vmx file); each is counted once.");
            }

            BootScript script;
            try
            {
                script = BootScriptGenerator.Create(plan, distinct, ReadBaseScript(), ModuleVersion);
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.FromPlan(e));
                return;
            }
            catch (FormatException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(ManagedBlock.MarkersDamaged, ErrorCategory.InvalidData, BaseScript, e.Message, e));
                return;
            }

            foreach (string warning in script.Warnings)
            {
                WriteWarning(warning);
            }

            if (Path != null)
            {
                string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
                if (ShouldProcess(file, "Write boot script"))
                {
                    File.WriteAllText(file, script.Content, new UTF8Encoding(false));
                }
            }

            WriteObject(script);
        }

        internal static string ModuleVersion => typeof(NewBootScriptCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        private BootPlan ShorthandPlan() => new BootPlan
        {
            Log = { Datastore = LogDatastore },
            Readiness = { MinimumDelay = InitialDelay },
            Stages =
            {
                new BootStage { Name = "first", Select = { NameLike = new List<string>(FirstStage) }, After = { Delay = StageDelay } },
                new BootStage { Name = "rest", Select = { All = true } },
            },
        };

        private string? ReadBaseScript()
        {
            if (BaseScript == null || BaseScript.IndexOf('\n') >= 0)
            {
                return BaseScript;
            }

            string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(BaseScript);
            if (!File.Exists(file))
            {
                ThrowTerminatingError(ErrorRecords.NotAFile(file));
            }

            return File.ReadAllText(file);
        }
    }
}
