using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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
            var plan = ValidPlan();
            if (plan == null)
            {
                return;
            }

            var remoteTargets = RemoteTargets();
            var options = new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(HostTimeout), ThrottleLimit = ThrottleLimit };
            string hostList = string.Join(", ", remoteTargets.Select(t => t.Label));
            if (IsWhatIf())
            {
                // What would happen, in order, as far as the hosts answer now.
                var warnings = new List<string>();
                var preview = new RemoteBootRunner(plan, remoteTargets, options, SystemBootClock.Instance, new RemoteBootReporter { Warning = warnings.Add });
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
    }
}
