using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>Opens SSH sessions to ESXi hosts, kept for this runspace and reused by -Session.</summary>
    [Cmdlet(VerbsCommon.New, "EsxiSession", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/New-EsxiSession.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(EsxiSession))]
    public sealed class NewEsxiSessionCommand : EsxiHostCmdlet, IDisposable
    {
        private readonly object gate = new object();
        private readonly List<EsxiSession> unclaimed = new List<EsxiSession>();
        private bool disposed;
        /// <inheritdoc />
        protected override string Activity => "Opening SSH sessions";

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
        protected override void ProcessRecord() => StartHostWork(
            (connection, writer) =>
            {
                var session = new EsxiSession(SessionStore.NextId(), connection);
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
            },
            keepOpen: true);

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
