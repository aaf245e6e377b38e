using System.Management.Automation;
using VmBoot.Install;

namespace VmBoot.Commands
{
    /// <summary>Shows the VmBoot block installed on hosts, its plan, whether /bootbank holds it, and Secure Boot.</summary>
    [Cmdlet(VerbsCommon.Get, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Get-BootScript.md", DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(InstalledBootScript))]
    public sealed class GetBootScriptCommand : EsxiHostCmdlet
    {
        /// <inheritdoc />
        protected override string Activity => "Reading installed boot scripts";

        /// <inheritdoc />
        protected override void ProcessRecord() => StartHostWork((connection, writer) =>
        {
            var installed = BootScriptInstaller.Inspect(connection, writer.Token);
            foreach (string warning in installed.Warnings)
            {
                writer.Warning(warning);
            }

            writer.Output(installed);
        });

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();
    }
}
