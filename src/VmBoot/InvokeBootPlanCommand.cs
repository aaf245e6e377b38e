using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using VmBoot.Probe;
using VmBoot.Remote;

namespace VmBoot.Commands
{
    /// <summary>
    /// Boots a cluster from outside its hosts: runs a boot plan over SSH from the machine PowerShell runs on (the
    /// vMA replacement), for hosts that cannot run local.sh (Secure Boot, hardening) or as well as it.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Invoke-BootPlan.md", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true)]
    [OutputType(typeof(BootLogEvent))]
    public sealed class InvokeBootPlanCommand : RemoteRunCmdlet
    {
        /// <summary>Seconds a host may take to answer SSH after the start; a host still silent then is reported and left out.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int HostTimeout { get; set; } = 900;

        /// <inheritdoc />
        protected override string Activity => "Booting the cluster";

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var plan = Plan.Read(this);
            var remoteTargets = RemoteTargets();
            var options = new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(HostTimeout), ThrottleLimit = ThrottleLimit };
            string hostList = string.Join(", ", remoteTargets.Select(t => t.Label));
            if (IsWhatIf())
            {
                CheckHosts(plan, remoteTargets);
                // What would happen, in order, as far as the hosts answer now.
                var warnings = new List<string>();
                var preview = new RemoteBootRunner(plan, remoteTargets, options, SystemBootClock.Instance, new RemoteRunReporter { Warning = warnings.Add });
                if (Preview(preview.PreviewAsync) is { } lines)
                {
                    ShouldProcess($"Run the boot plan on {hostList}, in this order:\n" + string.Join("\n", lines), "", "");
                    warnings.ForEach(WriteWarning);
                }

                return;
            }

            if (!ShouldProcessOrExplain($"Run the boot plan ({plan.Stages.Count} stage(s)) on {hostList}: wait for the hosts, then power on the plan's VMs stage by stage",
                    $"Power on the VMs of the boot plan's {plan.Stages.Count} stage(s) on {hostList}?", "Invoke-BootPlan"))
            {
                return;
            }

            Run((reporter, token) => new RemoteBootRunner(plan, remoteTargets, options, SystemBootClock.Instance, reporter).RunAsync(token));
        }

        // Test-EsxiHost's checks that concern a boot from outside, per host: a Fail is an error naming the check, a Warn a
        // warning. A host that does not answer now is left to the preview, which says so.
        private void CheckHosts(BootPlan plan, List<RemoteTarget> remoteTargets) => RunOnWorker("checks", writer =>
        {
            var checks = remoteTargets.Select(target => Task.Run(() => HostProbe.ForRemoteBootAsync(target, plan, writer.Token))).ToList();
            foreach (var (target, checking) in remoteTargets.Zip(checks, (t, c) => (t, c)))
            {
                try
                {
                    foreach (var check in checking.GetAwaiter().GetResult().Where(c => c.Result != CheckResult.Pass))
                    {
                        string text = $"{target.Label} fails Test-EsxiHost's '{check.Name}' check ({check.Observed}): {check.Meaning}";
                        if (check.Result == CheckResult.Fail)
                        {
                            writer.Error(ErrorRecords.Create("HostCheckFailed", ErrorCategory.InvalidOperation, target.Label, text));
                        }
                        else
                        {
                            writer.Warning($"{target.Label}: Test-EsxiHost's '{check.Name}' check: {check.Observed}; {check.Meaning}");
                        }
                    }
                }
                catch (Exception e) when (e is Ssh.EsxiSshException || e is VSphere.VSphereApiException)
                {
                    writer.Verbose($"{target.Label}: Test-EsxiHost's checks were not run: {e.Message}");
                }
            }
        });
    }
}
