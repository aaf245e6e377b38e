using System.Linq;
using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>Lists this runspace's ESXi sessions.</summary>
    [Cmdlet(VerbsCommon.Get, "EsxiSession", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Get-EsxiSession.md", DefaultParameterSetName = "All")]
    [OutputType(typeof(EsxiSession))]
    public sealed class GetEsxiSessionCommand : PSCmdlet
    {
        /// <summary>Only sessions to these hosts (wildcards allowed).</summary>
        [Parameter(Position = 0, ParameterSetName = "Server", ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "ComputerName", "VMHost")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string[]? Server { get; set; }

        /// <summary>Only sessions with these ids.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Id")]
        public int[] Id { get; set; } = null!;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var sessions = SessionStore.Current();
            if (Id != null)
            {
                sessions = sessions.Where(s => Id.Contains(s.Id)).ToList();
            }
            else if (Server != null)
            {
                var patterns = Server.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
                sessions = sessions.Where(s => patterns.Any(p => p.IsMatch(s.Server))).ToList();
            }

            WriteObject(sessions, enumerateCollection: true);
        }
    }
}
