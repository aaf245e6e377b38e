using System.Management.Automation;
using VmBoot.Plans;
using VmBoot.Probe;

namespace VmBoot.Commands
{
    /// <summary>
    /// Checks, strictly read-only, every assumption VmBoot makes about each host (version, the commands it runs,
    /// getallvms, where faults go, Secure Boot, local.sh, auto-backup.sh, maintenance mode, hostd's user, a plan's
    /// datastores): one result per host, one row per check, before a power cut finds the difference.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EsxiHost", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Test-EsxiHost.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(HostProbeResult))]
    public sealed class TestEsxiHostCommand : EsxiHostCmdlet
    {
        private BootPlan? plan;

        /// <summary>A plan (object or file): its datastores are checked too.</summary>
        [Parameter]
        public object? Plan { get; set; }

        /// <inheritdoc />
        protected override string Activity => "Checking hosts against VmBoot's assumptions";

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (Plan != null)
            {
                plan = ImportBootPlanCommand.FromParameter(this, Plan);
            }
        }

        /// <inheritdoc />
        protected override void ProcessRecord() => StartHostWork((connection, writer) =>
        {
            var result = HostProbe.Run(connection, plan, writer.Token);
            foreach (var check in result.Checks)
            {
                writer.Verbose($"{check.Name}: {check.Result} ({check.Observed})");
            }

            writer.Output(result);
        });

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();
    }
}
