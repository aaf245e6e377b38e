using System.Management.Automation;
using VmBoot.Install;

namespace VmBoot.Commands
{
    /// <summary>Removes only VmBoot's block from local.sh (the admin's lines stay), written in place, and persists it.</summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Uninstall-BootScript.md", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(InstallResult))]
    public sealed class UninstallBootScriptCommand : EsxiHostCmdlet
    {
        /// <inheritdoc />
        protected override string Activity => "Removing the boot script";

        /// <inheritdoc />
        protected override void ProcessRecord() => StartHostWork((connection, writer) =>
        {
            var plan = BootScriptInstaller.PrepareRemoval(connection, writer.Token);
            if (plan.Unchanged)
            {
                writer.Verbose("no VmBoot block installed; nothing to remove");
                writer.Output(BootScriptInstaller.Unchanged(plan));
                return;
            }
            else if (!ShouldProcessFromWorker(writer, $"Remove the VmBoot block from local.sh on {connection.Name}:\n{plan.Diff}",
                         $"Remove the VmBoot block from local.sh on {connection.Name} (then saved to /bootbank)?", "Uninstall-BootScript"))
            {
                return;
            }

            var result = BootScriptInstaller.Apply(connection, plan, writer.Token, step: writer.Verbose);
            foreach (string warning in result.Warnings)
            {
                writer.Warning(warning);
            }

            writer.Output(result);
        });

        /// <inheritdoc />
        protected override void EndProcessing() => FinishHostWork();
    }
}
