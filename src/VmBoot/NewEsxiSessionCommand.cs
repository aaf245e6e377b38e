using System.Management.Automation;
using VmBoot.Ssh;

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
        protected override void ProcessRecord()
        {
            foreach (string server in Server)
            {
                var options = ConnectionOptions(server);
                WriteVerbose($"{server}: connecting to {options.Server}:{options.Port} as {options.UserName}");
                try
                {
                    var session = new EsxiSession(SessionStore.NextId(), EsxiConnection.Open(options, default), options.UserName);
                    SessionStore.Add(session);
                    WriteObject(session);
                }
                catch (EsxiSshException e)
                {
                    WriteError(ErrorRecords.FromSsh(e));
                }
            }
        }
    }
}
