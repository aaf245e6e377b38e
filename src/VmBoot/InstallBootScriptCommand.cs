using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VmBoot.Install;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>
    /// Installs a boot script on ESXi hosts: preflight (Secure Boot refused), the host's own local.sh kept
    /// with VmBoot's block merged in, a backup, an in-place verified write (rolled back on failure), auto-backup.sh,
    /// and a check that /bootbank now holds it. -WhatIf says in one line per host what would change.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Install-BootScript.md", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(InstallResult))]
    public sealed class InstallBootScriptCommand : EsxiHostCmdlet
    {
        private readonly Dictionary<string, HostTarget> targets = new Dictionary<string, HostTarget>();
        private BootScript? script;

        /// <summary>The script from New-BootScript; only its managed block is installed.</summary>
        [Parameter(ValueFromPipeline = true)]
        public BootScript? BootScript { get; set; }

        /// <summary>Or a plan (object or file): the hosts' live inventory is read and the script generated here.</summary>
        [Parameter]
        public object? Plan { get; set; }

        /// <summary>Install even where Secure Boot is on (the script will not run there), and re-save an unchanged script.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override string Activity => "Installing the boot script";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (BootScript != null && Plan != null)
            {
                ThrowTerminatingError(ErrorRecords.Create("BootScriptAndPlan", ErrorCategory.InvalidArgument, Plan,
                    "Give either a script (piped from New-BootScript) or -Plan, not both: it is not clear which one to install."));
            }

            script = BootScript ?? script;
            GatherTargets(targets);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (script == null && Plan == null)
            {
                ThrowTerminatingError(ErrorRecords.Create("BootScriptRequired", ErrorCategory.InvalidArgument, null,
                    "Pipe a script from New-BootScript, or give -Plan (a plan or a plan file) to generate one from the hosts' live inventory."));
            }

            var hosts = targets.Values.ToList();
            if (script == null)
            {
                script = GenerateFromLiveInventory(hosts);
                if (script == null)
                {
                    return;
                }
            }

            var ready = script;
            StartHostWork(hosts, (connection, writer) => Install(connection, writer, ready));
            FinishHostWork();
        }

        private void Install(Ssh.EsxiConnection connection, HostFanOut.HostWriter writer, BootScript bootScript)
        {
            var plan = BootScriptInstaller.Prepare(connection, bootScript, writer.Token);
            writer.Verbose($"{plan.EsxiVersion}; secureBoot.py -s: {plan.SecureBootStatus}; maintenance mode {(plan.MaintenanceMode ? "on" : "off")}; "
                + $"execInstalledOnly {(plan.ExecInstalledOnly ? "on (local.sh still runs: ESXi runs it through /bin/sh)" : "off")}; local.sh mode {plan.LocalShMode}; "
                + (plan.Unchanged ? "local.sh already up to date" : "local.sh changes"));
            if (plan.SecureBoot && !Force)
            {
                string why = plan.SecureBootStatus == "Enabled" ? "Secure Boot is enabled" : $"secureBoot.py -s answered '{plan.SecureBootStatus}', not 'Disabled'";
                throw new InstallException(connection.Name, "SecureBootEnabled",
                    $"{why} on {connection.Name}: ESXi never runs /etc/rc.local.d/local.sh unless Secure Boot is reported Disabled, so this boot script would never start anything. " +
                    "Disable Secure Boot in the host's firmware, or start the VMs another way (PowerCLI from a management VM). -Force installs anyway.");
            }

            string unchanged = plan.Persisted ? "unchanged; saving it again" : $"unchanged but not saved ({plan.PersistenceEvidence}); writing it in place and saving it";
            // One line per host; the whole diff only where the admin's own lines change (and with -Verbose).
            string change = plan.Unchanged ? unchanged : plan.OwnLinesChange ? $"{plan.Summary}\n{plan.Diff}" : plan.Summary;
            if (!plan.Unchanged && !plan.OwnLinesChange)
            {
                writer.Verbose($"local.sh would change:\n{plan.Diff}");
            }

            if ((!plan.Unchanged || Force || !plan.Persisted) && !ShouldProcessFromWorker(writer,
                    $"Install the VmBoot boot script on {connection.Name}: {change}",
                    $"Install the VmBoot boot script on {connection.Name} (local.sh is rewritten and saved to /bootbank)?",
                    "Install-BootScript"))
            {
                return;
            }

            var result = BootScriptInstaller.Apply(connection, plan, writer.Token, rewrite: Force, step: writer.Verbose);
            foreach (string warning in result.Warnings)
            {
                writer.Warning(warning);
            }

            writer.Output(result);
        }

        private BootScript? GenerateFromLiveInventory(List<HostTarget> hosts)
        {
            var bootPlan = ImportBootPlanCommand.FromParameter(this, Plan!);
            if (bootPlan == null)
            {
                return null;
            }

            var inventory = ReadInventories(hosts);
            if (FailedHosts.Count > 0)
            {
                // The script is generated from every host's VMs: one missing would go missing from every host's script.
                string missing = FailedHostNames;
                ThrowTerminatingError(ErrorRecords.Create("InventoryIncomplete", ErrorCategory.ResourceUnavailable, missing,
                    $"Nothing was installed: the inventory of {missing} could not be read (the error above says why), so the script generated from the cluster's inventory would lack its VMs. "
                    + "Fix the host, or leave it out of -Server."));
            }

            try
            {
                var generated = BootScriptGenerator.Create(bootPlan, inventory, null, NewBootScriptCommand.ModuleVersion);
                foreach (string warning in generated.Warnings)
                {
                    WriteWarning(warning);
                }

                return generated;
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.FromPlan(e));
                return null;
            }
        }
    }
}
