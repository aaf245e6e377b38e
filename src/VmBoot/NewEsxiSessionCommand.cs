using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>Opens SSH sessions to ESXi hosts, kept for this runspace and reused by -Session.</summary>
    [Cmdlet(VerbsCommon.New, "EsxiSession", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(EsxiSession))]
    public sealed class NewEsxiSessionCommand : EsxiHostCmdlet
    {
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
                writer.OnPipeline(() =>
                {
                    SessionStore.Add(session);
                    WriteObject(session);
                });
            },
            keepOpen: true);

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();
    }
}
