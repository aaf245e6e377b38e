using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;
using VmBoot.Probe;
using VmBoot.VSphere;

namespace VmBoot.Commands
{
    /// <summary>
    /// Checks, strictly read-only, every assumption VmBoot makes about each host (version, the commands it runs,
    /// getallvms, where faults go, Secure Boot, local.sh, auto-backup.sh, maintenance mode, hostd's user, a plan's
    /// datastores): one result per host, one row per check, before a power cut finds the difference.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EsxiHost", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Test-EsxiHost.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(HostProbeResult))]
    public sealed class TestEsxiHostCommand : VSphereCapableCmdlet
    {
        private BootPlan? plan;
        private string? captureFolder;

        /// <summary>A plan (a plan, a plan file or New-BootPlan's parameters as a hashtable): its datastores are checked too.</summary>
        [Parameter]
        [PlanArgumentTransformation]
        public PlanArgument? Plan { get; set; }

        /// <summary>
        /// A folder to save each host's raw answers in (HOST.txt: every command, its exit status, stdout and stderr), to
        /// attach to a bug report. VM names, notes and datastore names are replaced by placeholders unless -KeepNames.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CapturePath { get; set; }

        /// <summary>
        /// Ssh (the default): every check. VSphereApi: what hostd answers without a shell (version, VMs, guests, maintenance
        /// and lockdown mode, SSH's service, vSAN, the plan's datastores), where SSH is off.
        /// </summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet(SshProtocol, VSphereApiProtocol)]
        public string Protocol { get; set; } = SshProtocol;

        /// <summary>Keep VM names, notes and datastore names in the capture.</summary>
        [Parameter]
        public SwitchParameter KeepNames { get; set; }

        /// <inheritdoc />
        protected override string Activity => "Checking hosts against VmBoot's assumptions";

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (Plan != null)
            {
                plan = Plan.Read(this);
            }

            if (CapturePath != null)
            {
                captureFolder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CapturePath);
            }
        }

        // host:port as a file name anywhere: the colon and IPv6 brackets become '_'.
        private static string FileNameOf(string server) => string.Concat(server.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '_'));

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            bool api = ParameterSetName == ServerSet && CheckProtocolParameters(Protocol);
            if ((api || ApiSessions.Any()) && CapturePath != null)
            {
                ThrowTerminatingError(ErrorRecords.Create("ProtocolMismatch", ErrorCategory.InvalidArgument, CapturePath,
                    "-CapturePath saves a shell's answers: use it with -Protocol Ssh (the vSphere API's answers are not captured)."));
            }

            foreach (var session in ApiSessions)
            {
                StartHostWork(session.Server, writer => ProbeThroughApi(session.Api!, writer));
            }

            if (api)
            {
                foreach (string server in Server)
                {
                    StartApiWork(ApiOptions(server, ApiDefaultPort), ProbeThroughApi);
                }

                return;
            }

            StartHostWork(CurrentTargets().Where(t => t.Session?.Api == null), (connection, writer) =>
            {
                var capture = CapturePath == null ? null : new ProbeCapture(connection.Name);
                var result = HostProbe.Run(connection, plan, writer.Token, capture == null ? null : capture.Record);
                if (capture != null)
                {
                    string file = System.IO.Path.Combine(captureFolder!, FileNameOf(connection.Name) + ".txt");
                    capture.Save(file, KeepNames, result.EsxiVersion);
                    writer.Verbose($"saved the host's answers in {file}");
                }

                Emit(result, writer);
            });
        }

        private void ProbeThroughApi(VimClient client, HostFanOut.HostWriter writer)
            => Emit(HostApiProbe.RunAsync(client, plan, writer.Token).GetAwaiter().GetResult(), writer);

        private static void Emit(HostProbeResult result, HostFanOut.HostWriter writer)
        {
            foreach (var check in result.Checks)
            {
                writer.Verbose($"{check.Name}: {check.Result} ({check.Observed})");
            }

            writer.Output(result);
        }

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();
    }
}
