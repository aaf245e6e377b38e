using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VmBoot.Install;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Ssh;
using VmBoot.VSphere;

namespace VmBoot.Commands
{
    /// <summary>
    /// Installs a boot script on ESXi hosts: preflight (Secure Boot refused), the host's own local.sh kept
    /// with VmBoot's block merged in, a backup, an in-place verified write (rolled back on failure), auto-backup.sh,
    /// and a check that /bootbank now holds it. -WhatIf says in one line per host what would change. With -EnableSsh,
    /// SSH is started through each host's vSphere API for the install and put back as it was found afterwards.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "BootScript", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Install-BootScript.md", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(InstallResult))]
    public sealed class InstallBootScriptCommand : VSphereCapableCmdlet
    {
        private readonly Dictionary<string, HostTarget> targets = new Dictionary<string, HostTarget>();
        private BootScript? script;

        /// <summary>The script from New-BootScript; only its managed block is installed.</summary>
        [Parameter(ValueFromPipeline = true)]
        public BootScript? BootScript { get; set; }

        /// <summary>Or a plan (a plan, a plan file or New-BootPlan's parameters as a hashtable): the hosts' live inventory is read and the script generated here.</summary>
        [Parameter]
        [PlanArgumentTransformation]
        public PlanArgument? Plan { get; set; }

        /// <summary>Install even where Secure Boot is on (the script will not run there), and re-save an unchanged script.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// Where SSH is stopped (ESXi's default, and the STIG's), start it through the host's vSphere API for the install
        /// and put it back as it was found afterwards (running state and policy), also after a failure or Ctrl+C.
        /// Needs -Credential (the API logs in with a password); certificates are checked as with -Protocol VSphereApi.
        /// </summary>
        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter EnableSsh { get; set; }

        /// <summary>The port of each host's vSphere API for -EnableSsh: 443 unless something stands in front of hostd.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 65535)]
        public int ApiPort { get; set; } = 443;

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

            if (ParameterSetName == ServerSet)
            {
                CheckApiParameters(EnableSsh, "-EnableSsh", sshToo: true);
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
            if (!EnableSsh)
            {
                StartHostWork(hosts, (connection, writer) => Install(connection, writer, ready));
                FinishHostWork();
                return;
            }

            foreach (var target in hosts)
            {
                StartHostWork(target.Label, writer => WithSshStarted(target, writer, connection => Install(connection, writer, ready)));
            }

            FinishHostWork();
        }

        /// <summary>The host's API options for -EnableSsh: the same host as -Server, on -ApiPort.</summary>
        private VimConnectionOptions ApiOptionsFor(HostTarget target) => ApiOptions(SplitHostPort(target.Label, Port).Host, ApiPort);

        /// <summary>
        /// Starts SSH through the API where it is stopped, runs <paramref name="work"/> over SSH, and always puts SSH back
        /// as it was found: a failure to put it back is an error of its own, naming the host.
        /// </summary>
        private void WithSshStarted(HostTarget target, HostFanOut.HostWriter writer, Action<EsxiConnection> work)
        {
            var options = ApiOptionsFor(target);
            using (var window = SshServiceWindow.OpenAsync(options, writer.Token).GetAwaiter().GetResult())
            {
                writer.Verbose($"SSH ({SshServiceWindow.ServiceKey}) found {window.FoundState} on {window.Server}");
                if (!window.WasRunning && !ShouldProcessFromWorker(writer,
                        $"Start SSH ({SshServiceWindow.ServiceKey}) on {window.Server} through the vSphere API for the install, and stop it again afterwards (found {window.FoundState})",
                        $"Start SSH on {window.Server} for the install (it is stopped again afterwards)?",
                        "Install-BootScript"))
                {
                    return;
                }

                try
                {
                    if (window.StartAsync(writer.Token).GetAwaiter().GetResult())
                    {
                        writer.Verbose($"SSH started on {window.Server} through the vSphere API");
                    }

                    using (var connection = EsxiConnection.Open(target.Options!, writer.Token))
                    {
                        writer.Verbose($"connected as {target.Options!.UserName}");
                        work(connection);
                    }
                }
                finally
                {
                    // Also after Ctrl+C: the pipeline's token is cancelled, so putting SSH back gets its own time.
                    try
                    {
                        using (var restoring = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                        {
                            writer.Verbose(window.RestoreAsync(restoring.Token).GetAwaiter().GetResult());
                        }
                    }
                    catch (Exception e) when (e is VSphereApiException || e is OperationCanceledException)
                    {
                        writer.Error(ErrorRecords.Create("SshNotRestored", ErrorCategory.InvalidResult, window.Server,
                            $"SSH on {window.Server} could not be put back as it was found ({window.FoundState}): {e.Message} "
                            + "Check it in the Host Client (Manage > Services > TSM-SSH) or with PowerCLI's Get-VMHostService, and stop it there.", e));
                    }
                }
            }
        }

        private void Install(EsxiConnection connection, HostFanOut.HostWriter writer, BootScript bootScript)
        {
            // Test-EsxiHost's checks that concern the script, before anything is read for writing: a Fail stops this host.
            foreach (var check in Probe.HostProbe.ForInstall(connection, writer.Token))
            {
                if (check.Result == CheckResult.Fail && !Force)
                {
                    throw new InstallException(connection.Name, "HostCheckFailed",
                        $"{connection.Name} fails Test-EsxiHost's '{check.Name}' check ({check.Observed}): {check.Meaning} Nothing was changed. -Force installs anyway.");
                }

                if (check.Result != CheckResult.Pass)
                {
                    writer.Warning($"Test-EsxiHost's '{check.Name}' check: {check.Observed}; {check.Meaning}");
                }
            }

            var plan = BootScriptInstaller.Prepare(connection, bootScript, writer.Token);
            writer.Verbose($"{plan.EsxiVersion}; secureBoot.py -s: {plan.SecureBootStatus}; maintenance mode {(plan.MaintenanceMode ? "on" : "off")}; "
                + $"execInstalledOnly {(plan.ExecInstalledOnly ? "on (local.sh still runs: ESXi runs it through /bin/sh)" : "off")}; local.sh mode {plan.LocalShMode}; "
                + (plan.Unchanged ? "local.sh already up to date" : "local.sh changes"));
            if (plan.SecureBootRefusal is string refusal && !Force)
            {
                throw new InstallException(connection.Name, "SecureBootEnabled", refusal + " -Force installs anyway.");
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

        /// <summary>With -EnableSsh the inventory comes through the API: SSH is started only for the install itself.</summary>
        private List<EsxiVm> ReadApiInventories(List<HostTarget> hosts)
        {
            var inventory = new List<EsxiVm>();
            foreach (var target in hosts)
            {
                StartApiInventory(ApiOptionsFor(target), inventory.Add);
            }

            FinishHostWork();
            return inventory;
        }

        private BootScript? GenerateFromLiveInventory(List<HostTarget> hosts)
        {
            var bootPlan = Plan!.Read(this);

            var inventory = EnableSsh ? ReadApiInventories(hosts) : ReadInventories(hosts);
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
