using System.Linq;
using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>Closes ESXi sessions and forgets them.</summary>
    [Cmdlet(VerbsCommon.Remove, "EsxiSession", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Remove-EsxiSession.md", DefaultParameterSetName = "Session", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class RemoveEsxiSessionCommand : PSCmdlet
    {
        /// <summary>Sessions to close.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Session", ValueFromPipeline = true)]
        [ValidateNotNull]
        public EsxiSession[] Session { get; set; } = null!;

        /// <summary>Ids of sessions to close.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Id")]
        public int[] Id { get; set; } = null!;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var targets = ParameterSetName == "Id"
                ? SessionStore.Current().Where(s => Id.Contains(s.Id)).ToArray()
                : Session;
            if (ParameterSetName == "Id")
            {
                foreach (int missing in Id.Where(id => targets.All(s => s.Id != id)))
                {
                    WriteError(ErrorRecords.Create("SessionNotFound", ErrorCategory.ObjectNotFound, missing, $"No ESXi session with id {missing} in this runspace."));
                }
            }

            foreach (var session in targets)
            {
                if (ShouldProcess(session.ToString(), "Close the SSH session"))
                {
                    SessionStore.Remove(session);
                }
            }
        }
    }
}
