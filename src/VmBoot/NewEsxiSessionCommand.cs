using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>Opens sessions to ESXi hosts (SSH, or the vSphere API), kept for this runspace and reused by -Session.</summary>
    [Cmdlet(VerbsCommon.New, "EsxiSession", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/New-EsxiSession.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(EsxiSession))]
    public sealed class NewEsxiSessionCommand : VSphereCapableCmdlet, IDisposable
    {
        private readonly object gate = new object();
        private readonly List<EsxiSession> unclaimed = new List<EsxiSession>();
        private bool disposed;
        /// <summary>Ssh (the default) or VSphereApi: a logged-in session of each host's vSphere API, which Get-EsxiVmList, Get-BootLog, Invoke-BootPlan and Stop-EsxiCluster use.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet(SshProtocol, VSphereApiProtocol)]
        public string Protocol { get; set; } = SshProtocol;

        /// <inheritdoc />
        protected override string Activity => UsesApi(Protocol) ? "Opening vSphere API sessions" : "Opening SSH sessions";

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (ParameterSetName == SessionSet)
            {
                ThrowTerminatingError(ErrorRecords.Create("SessionParameterNotSupported", ErrorCategory.InvalidArgument, null,
                    "New-EsxiSession opens sessions from -Server; pass existing sessions straight to the other cmdlets."));
            }
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (CheckProtocolParameters(Protocol))
            {
                foreach (string server in Server)
                {
                    var options = ApiOptions(server, ApiDefaultPort);
                    StartHostWork(options.Name, writer =>
                    {
                        var client = VSphere.VimClient.OpenAsync(options, writer.Token).GetAwaiter().GetResult();
                        writer.Verbose(LoggedIn(client));
                        Hand(new EsxiSession(SessionStore.NextId(), client), writer);
                    });
                }

                return;
            }

            StartHostWork((connection, writer) => Hand(new EsxiSession(SessionStore.NextId(), connection), writer), keepOpen: true);
        }

        // The session goes to the runspace on the pipeline thread; one the pipeline never takes (Ctrl+C) is closed.
        private void Hand(EsxiSession session, HostFanOut.HostWriter writer)
        {
            lock (gate)
            {
                if (disposed)
                {
                    session.Dispose();
                    return;
                }

                unclaimed.Add(session);
            }

            writer.OnPipeline(() =>
            {
                lock (gate)
                {
                    unclaimed.Remove(session);
                }

                SessionStore.Add(session);
                WriteObject(session);
            });
        }

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();

        /// <summary>Closes sessions that opened but never reached the runspace (the pipeline was stopped).</summary>
        public void Dispose()
        {
            lock (gate)
            {
                disposed = true;
                foreach (var session in unclaimed)
                {
                    session.Dispose();
                }

                unclaimed.Clear();
            }
        }
    }
}
