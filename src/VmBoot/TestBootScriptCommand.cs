using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VmBoot.Install;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>
    /// For scheduled tasks: is the plan's script installed on each host, identical, persisted and runnable,
    /// and does every VM on the host belong to a stage or an exclude?
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Test-BootScript.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(BootScriptDrift), typeof(bool))]
    public sealed class TestBootScriptCommand : EsxiHostCmdlet
    {
        private readonly Dictionary<string, HostTarget> targets = new Dictionary<string, HostTarget>();

        /// <summary>The plan (a plan, a plan file or New-BootPlan's parameters as a hashtable) the hosts should follow.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        [PlanArgumentTransformation]
        public PlanArgument Plan { get; set; } = null!;

        /// <summary>Return only $true when every host is compliant.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override string Activity => "Checking boot scripts against the plan";

        /// <inheritdoc />
        protected override void ProcessRecord() => GatherTargets(targets);

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var plan = Plan.Read(this);

            var inventory = ReadInventories(targets.Values);
            var expected = BootScriptGenerator.Create(plan, inventory, null, NewBootScriptCommand.ModuleVersion);
            foreach (string warning in expected.Warnings)
            {
                WriteWarning(warning);
            }

            if (FailedHosts.Count > 0)
            {
                WriteWarning($"The inventory of {FailedHostNames} could not be read: the expected script lacks its VMs, so the other hosts may show as not up to date.");
            }

            var reports = new List<BootScriptDrift>();
            StartHostWork(targets.Values.Where(t => !FailedHosts.ContainsKey(t.Label)), (connection, writer) =>
            {
                var drift = BootScriptDrift.Check(connection.Name, BootScriptInstaller.Inspect(connection, writer.Token), expected, plan);
                writer.OnPipeline(() => reports.Add(drift));
                if (!Quiet)
                {
                    writer.Output(drift);
                }
            });
            FinishHostWork();

            // A host that could not be checked is not compliant: a nightly check must fail on it, not skip it.
            foreach (var (label, error) in FailedHosts.OrderBy(f => f.Key, System.StringComparer.Ordinal).Select(f => (f.Key, f.Value)))
            {
                var notChecked = BootScriptDrift.NotChecked(label, error.ErrorDetails?.Message ?? error.Exception.Message);
                reports.Add(notChecked);
                if (!Quiet)
                {
                    WriteObject(notChecked);
                }
            }

            if (Quiet)
            {
                WriteObject(reports.Count == targets.Count && reports.All(r => r.Compliant));
            }
        }
    }
}
