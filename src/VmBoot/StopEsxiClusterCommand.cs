using System;
using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;
using VmBoot.Remote;

namespace VmBoot.Commands
{
    /// <summary>
    /// Shuts a cluster down over SSH in the reverse order of its boot plan, with or without vCenter: guests through
    /// VMware Tools, a hard power-off after each stage's timeout, a deadline for the UPS's runtime, then optionally
    /// the hosts (the management VM's host last). The UPS half of what Invoke-BootPlan and local.sh do.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "EsxiCluster", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Stop-EsxiCluster.md", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(BootLogEvent))]
    public sealed class StopEsxiClusterCommand : RemoteRunCmdlet
    {
        /// <summary>Seconds from the start by which the hosts must be down (the UPS's remaining runtime).</summary>
        [Parameter]
        [ValidateRange(30, 86400)]
        public int Deadline { get; set; }

        /// <summary>Power the hosts off once their VMs are down (maintenance mode, then esxcli system shutdown poweroff).</summary>
        [Parameter]
        public SwitchParameter PowerOffHost { get; set; }

        /// <summary>VMs never shut down (the one this runs in, the UPS agent); their host goes last, and they with it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ExactVmNameCompleter))]
        public string[]? ManagementVm { get; set; }

        /// <summary>With -PowerOffHost: leave the management VM's host on.</summary>
        [Parameter]
        public SwitchParameter KeepManagementHost { get; set; }

        /// <summary>Seconds the guests of running VMs in no stage get to shut down (they go first).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int OtherVmTimeout { get; set; } = BootStage.DefaultShutdownTimeout;

        /// <inheritdoc />
        protected override string Activity => "Shutting the cluster down";

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var plan = Plan.Read(this);

            var remoteTargets = RemoteTargets();
            var options = new RemoteShutdownOptions
            {
                Deadline = MyInvocation.BoundParameters.ContainsKey(nameof(Deadline)) ? TimeSpan.FromSeconds(Deadline) : (TimeSpan?)null,
                PowerOffHosts = PowerOffHost,
                ManagementVms = ManagementVm ?? Array.Empty<string>(),
                KeepManagementHost = KeepManagementHost,
                OtherVmTimeout = OtherVmTimeout,
                ThrottleLimit = ThrottleLimit,
            };
            if (options.DeadlineProblem() is string deadlineProblem)
            {
                ThrowTerminatingError(ErrorRecords.Create("DeadlineTooShort", ErrorCategory.InvalidArgument, Deadline, deadlineProblem + " Nothing was done."));
            }

            if (PowerOffHost && plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Stay)
            {
                WriteWarning("The hosts are put in maintenance mode before they power off, and this plan keeps a host that boots in it there "
                    + "(readiness.maintenanceMode: stay): nothing would start at the next boot. Set readiness.maintenanceMode to exit.");
            }

            string hostList = string.Join(", ", remoteTargets.Select(t => t.Label));
            if (IsWhatIf())
            {
                var preview = new RemoteShutdownRunner(plan, remoteTargets, options, SystemBootClock.Instance, new RemoteRunReporter());
                if (Preview(preview.PreviewAsync) is { } lines)
                {
                    ShouldProcess($"Shut down {hostList} in the reverse order of the boot plan:\n" + string.Join("\n", lines), "", "");
                }

                return;
            }

            string what = PowerOffHost ? "shut down every VM (last stage first), then power off the hosts" : "shut down every VM (last stage first)";
            if (!ShouldProcessOrExplain($"Shut down {hostList}: {what}", $"Shut down every VM on {hostList}{(PowerOffHost ? " and power the hosts off" : "")}?", "Stop-EsxiCluster"))
            {
                return;
            }

            Run((reporter, token) => new RemoteShutdownRunner(plan, remoteTargets, options, SystemBootClock.Instance, reporter).RunAsync(token));
        }
    }
}
