using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.Plans;
using VmBoot.Vsan;

namespace VmBoot.Remote
{
    /// <summary>How an ordered shutdown goes.</summary>
    public sealed class RemoteShutdownOptions
    {
        /// <summary>Time between two looks at guests still shutting down, and at hosts still answering.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The log's name for the machine the shutdown runs on.</summary>
        public string RunnerName { get; set; } = Environment.MachineName + " (runner)";

        /// <summary>How many hosts are worked on at once (a step each); the others wait for a free slot.</summary>
        public int ThrottleLimit { get; set; } = 8;

        /// <summary>
        /// Time from the start until the hosts must be down (the UPS's remaining runtime), or null for none. Graceful
        /// waits end <see cref="HostPowerOffTime"/> before it, and everything still on is powered off hard.
        /// </summary>
        public TimeSpan? Deadline { get; set; }

        /// <summary>What the hosts need at the end (maintenance mode, power-off) and is kept free before the deadline.</summary>
        public TimeSpan HostPowerOffTime { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Seconds the guests of VMs in no stage get to shut down (they go first).</summary>
        public int OtherVmTimeout { get; set; } = BootStage.DefaultShutdownTimeout;

        /// <summary>Power the hosts off once their VMs are down.</summary>
        public bool PowerOffHosts { get; set; }

        /// <summary>
        /// VMs this shutdown must not touch (the one it runs in, the UPS agent): never shut down; the host running one
        /// is powered off last, and the VM goes down with it.
        /// </summary>
        public ICollection<string> ManagementVms { get; set; } = new List<string>();

        /// <summary>Leave the management VM's host on (its VMs other than the management VM are still shut down).</summary>
        public bool KeepManagementHost { get; set; }

        /// <summary>How long a host may keep answering after its power-off was accepted before the log says so.</summary>
        public TimeSpan HostDownTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The least time the VMs are given before a deadline's hard power-off.</summary>
        public static readonly TimeSpan MinimumVmTime = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Why <see cref="Deadline"/> cannot be kept, or null: with <see cref="PowerOffHosts"/> the hosts' share comes off
        /// it first, and a deadline that leaves the VMs less than <see cref="MinimumVmTime"/> would power them off hard at once.
        /// </summary>
        public string? DeadlineProblem()
        {
            if (!(Deadline is TimeSpan deadline) || !PowerOffHosts || deadline - HostPowerOffTime >= MinimumVmTime)
            {
                return null;
            }

            return $"A {deadline.TotalSeconds:0} s deadline with the hosts powered off leaves the VMs {Math.Max(0, (deadline - HostPowerOffTime).TotalSeconds):0} s: "
                + $"{HostPowerOffTime.TotalSeconds:0} s of it are kept for the hosts (maintenance mode, power-off), so every VM would be powered off hard at once. "
                + $"Give a deadline of at least {(HostPowerOffTime + MinimumVmTime).TotalSeconds:0} s, or start the shutdown earlier (on battery, not at low battery).";
        }
    }

    /// <summary>
    /// The boot plan in reverse, over SSH or the vSphere API, with or without vCenter: VMs in no stage first, then the stages from the
    /// last to the first, each stage finished on every host before the next begins. A guest shuts down through
    /// VMware Tools, polled, and is powered off hard after its stage's shutdownTimeout (or at once without Tools); a
    /// deadline cuts every wait short. Then, optionally, the hosts: maintenance mode and the host's power-off, the
    /// management VM's host last. It writes the same log events as the boot, so one report shows both.
    /// </summary>
    public sealed class RemoteShutdownRunner : RemoteRun
    {
        /// <summary>The stage number the log gives VMs in no stage (they go first).</summary>
        public const int OtherVmsStage = 0;

        private const string OtherVmsStageName = "VMs in no stage";
        private readonly BootPlan plan;
        private readonly RemoteShutdownOptions options;
        private readonly HashSet<string> managementVms;
        private readonly HashSet<RemoteHost> reached = new HashSet<RemoteHost>();
        private readonly HashSet<RemoteHost> poweredOff = new HashSet<RemoteHost>();
        private DateTime? hardBy;
        private bool deadlineReached;

        /// <summary>Prepares a shutdown of <paramref name="targets"/> in the reverse order of <paramref name="plan"/> (validated).</summary>
        public RemoteShutdownRunner(BootPlan plan, IEnumerable<RemoteTarget> targets, RemoteShutdownOptions options, IBootClock clock, RemoteRunReporter reporter)
            : base(targets, options.RunnerName, options.PollInterval, options.ThrottleLimit, clock, reporter)
        {
            this.plan = plan;
            this.options = options;
            managementVms = new HashSet<string>(options.ManagementVms, StringComparer.OrdinalIgnoreCase);
            where = "connecting to the hosts";
        }

        /// <inheritdoc />
        private protected override string StartAction => BootEvents.ShutdownStart;

        /// <summary>Shuts the cluster down. Cancelling stops it between two steps, logs where, and returns.</summary>
        public async Task<RemoteRunResult> RunAsync(CancellationToken cancellationToken)
        {
            runStarted = Second(clock.UtcNow);
            hardBy = runStarted + GracefulFor;
            string deadlineText = options.Deadline is TimeSpan d ? $"; deadline in {d.TotalSeconds:0} s" : "";
            Log(null, StartAction, detail: $"ordered shutdown from {options.RunnerName}: plan with {plan.Stages.Count} stage(s) in reverse on {hosts.Count} host(s){deadlineText}");
            return await RunSteps(async () =>
            {
                var running = await Connect(cancellationToken).ConfigureAwait(false);
                if (VsanProblem(await ReadVsanNodes(cancellationToken).ConfigureAwait(false)) is string problem)
                {
                    Log(null, BootEvents.VsanPrepare, result: "failed", detail: problem + "; nothing was shut down");
                    var nodes = hosts.Where(h => h.Vsan != null).ToList();
                    Fail(new RemoteHostFailure(string.Join(", ", nodes.Select(n => n.Target.Label)), VsanNotPreparableId, $"The vSAN cluster cannot be powered off with VMware's procedure: {problem}. Nothing was shut down."));
                    return;
                }

                var phases = Phases(running);
                for (int i = 0; i < phases.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await ShutDownPhase(phases[i], i, phases.Count, cancellationToken).ConfigureAwait(false);
                }

                if (options.PowerOffHosts)
                {
                    await PowerOffHosts(cancellationToken).ConfigureAwait(false);
                }

                // A host powered off is done too; one lost on the way is not.
                foreach (var host in hosts.Where(h => reached.Contains(h) && (h.State != RemoteHostState.Failed || poweredOff.Contains(h))))
                {
                    Log(host, BootEvents.ShutdownEnd, result: "done");
                }
            }, BootEvents.ShutdownEnd, Summary, "VMs already off are left alone", cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// What a shutdown would do now, per host and in order, read-only: each host is asked once for its VMs and
        /// their power states. One line per step.
        /// </summary>
        public async Task<List<string>> PreviewAsync(CancellationToken cancellationToken)
        {
            var lines = new List<string>();
            List<RunningVm> running;
            List<RemoteHost> vsanNodes;
            try
            {
                running = await Connect(cancellationToken, preview: true).ConfigureAwait(false);
                vsanNodes = await ReadVsanNodes(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                CloseAll();
            }

            if (VsanProblem(vsanNodes) is string problem)
            {
                lines.Add($"The vSAN cluster ({Names(vsanNodes)}) cannot be powered off with VMware's procedure: {problem}. Nothing would be shut down.");
                return lines;
            }

            var phases = Phases(running);
            foreach (var host in hosts.OrderBy(h => h.Name, StringComparer.Ordinal))
            {
                if (host.State != RemoteHostState.Ready)
                {
                    lines.Add(host.State == RemoteHostState.Blocked ? $"{host.Name}: {host.LastRefusal}; nothing there would be shut down."
                        : $"{host.Name}: not reachable now ({host.LastRefusal}); it would be reported and skipped.");
                    continue;
                }

                lines.Add($"{host.Name}:");
                int step = 0;
                foreach (var phase in phases)
                {
                    var vms = phase.Vms.Where(v => v.Host == host).ToList();
                    if (vms.Count > 0)
                    {
                        lines.Add($"  {++step}. {PhaseLabel(phase)}: shut down {string.Join(", ", vms.Select(v => $"'{v.Vm.Name}'"))} (power off hard after {phase.Timeout} s)");
                    }
                }

                var kept = running.Where(v => v.Host == host && managementVms.Contains(v.Vm.Name)).Select(v => $"'{v.Vm.Name}'").ToList();
                var vcls = running.Where(v => v.Host == host && v.Vm.IsVcls).ToList();
                if (kept.Count > 0)
                {
                    lines.Add($"  management VM {string.Join(", ", kept)}: left running.");
                }

                if (options.PowerOffHosts)
                {
                    string vclsText = vcls.Count > 0 ? $"power off its {vcls.Count} vCLS VM(s), " : "";
                    lines.Add(kept.Count > 0 && options.KeepManagementHost ? "  the host stays on (it runs the management VM)."
                        : kept.Count > 0 ? $"  {++step}. last of all hosts: {vclsText}power the host off outside maintenance mode ({host.Control.PowerOffMethod(true)}), the management VM with it."
                        : $"  {++step}. {vclsText}enter maintenance mode{(host.Vsan != null ? " without moving vSAN data (-m noAction)" : "")}, power the host off ({host.Control.PowerOffMethod(false)}).");
                }
                else if (vcls.Count > 0)
                {
                    lines.Add($"  its {vcls.Count} vCLS VM(s) are left running (they go down with the host).");
                }
            }

            if (vsanNodes.Count > 0)
            {
                lines.Add($"The vSAN cluster ({Names(vsanNodes)}), after every VM and before any host goes down, as VMware's procedure says: "
                    + $"its vCLS VMs powered off, {VsanProcedure.SetIgnore(true)} on every node, then {VsanProcedure.Helper("prepare")} on {vsanNodes.First(n => !n.Vsan!.Witness).Name} only.");
            }

            if (options.Deadline is TimeSpan deadline)
            {
                lines.Add($"Deadline: {deadline.TotalSeconds:0} s from the start; from {GracefulFor!.Value.TotalSeconds:0} s every VM still on is powered off hard.");
            }

            return lines;
        }

        // A VM running on a reachable host when the shutdown began.
        private sealed class RunningVm
        {
            internal RunningVm(RemoteHost host, EsxiVm vm)
            {
                Host = host;
                Vm = vm;
            }

            internal RemoteHost Host { get; }

            internal EsxiVm Vm { get; }
        }

        // What goes down together: VMs in no stage, then each stage from the last.
        private sealed class Phase
        {
            internal Phase(int stage, string name, int timeout, List<RunningVm> vms)
            {
                Stage = stage;
                Name = name;
                Timeout = timeout;
                Vms = vms;
            }

            internal int Stage { get; }

            internal string Name { get; }

            internal int Timeout { get; }

            internal List<RunningVm> Vms { get; }
        }

        private static string PhaseLabel(Phase phase) => phase.Stage == OtherVmsStage ? OtherVmsStageName : $"stage {phase.Stage} '{phase.Name}'";

        // Every host once (a shutdown does not wait for hosts): its VMs and which of them run.
        private async Task<List<RunningVm>> Connect(CancellationToken cancellationToken, bool preview = false)
        {
            Progress("Connecting", $"{hosts.Count} host(s)", 0);
            var answers = await ForEachHost(hosts, host =>
            {
                if (host.TryConnect(cancellationToken) is RemoteHostException e)
                {
                    host.State = RemoteHostState.Failed;
                    host.LastRefusal = e.Message;
                    if (!preview)
                    {
                        LogHostStart(host);
                        Log(host, BootEvents.WaitSsh, result: "failed", detail: $"not reachable: {e.Message}; skipped");
                        Fail(new RemoteHostFailure(host.Target.Label, e.ErrorId, $"{e.Message} The shutdown went on without it: its VMs and the host itself are still on.", e.InnerException) { IsSecurity = e.IsSecurity });
                    }

                    return null;
                }

                host.State = RemoteHostState.Ready;

                if (!preview)
                {
                    LogHostStart(host);
                }

                string? refusal = host.Control.HostdRefusal(cancellationToken, out bool switched, out _);
                if (refusal != null)
                {
                    host.State = RemoteHostState.Blocked;
                    host.LastRefusal = $"hostd refuses: {refusal}";
                    if (!preview)
                    {
                        Log(host, BootEvents.VimUser, result: "failed", detail: $"hostd refuses ({refusal}): nothing on this host can be shut down or powered off");
                        reporter.Warning($"{host.Name}: hostd refuses ({refusal}); its VMs and the host are left on.");
                    }

                    return new List<RunningVm>();
                }

                if (switched && !preview)
                {
                    Log(host, BootEvents.VimUser, result: "vpxuser", detail: "root is refused (lockdown mode): using vpxuser");
                }

                return RunningOn(host, cancellationToken).Select(v => new RunningVm(host, v)).ToList();
            }, cancellationToken).ConfigureAwait(false);

            // Reached: connected and read (null: it could not be connected to).
            reached.UnionWith(answers.Where(a => a.Value != null).Select(a => a.Key));
            return answers.Values.Where(v => v != null).SelectMany(v => v!).ToList();
        }

        // The host's VMs that run now: its inventory, then their power states.
        private List<EsxiVm> RunningOn(RemoteHost host, CancellationToken cancellationToken)
        {
            var vms = host.ReadInventory(cancellationToken, reporter.Verbose);
            var states = host.Control.PowerStates(vms.Select(v => v.Vmid).ToList(), cancellationToken);
            return vms.Where(v => states.TryGetValue(v.Vmid, out string? s) && s == "Powered on").ToList();
        }

        // The plan decides a VM's stage; a VM in none (or excluded from the plan) goes first; vCLS and management VMs are never shut down.
        private List<Phase> Phases(List<RunningVm> running)
        {
            var candidates = running.Where(v => !v.Vm.IsVcls && !managementVms.Contains(v.Vm.Name)).ToList();
            var resolution = BootPlanResolver.Resolve(plan, candidates.Select(v => v.Vm));
            var stageOf = resolution.Items.ToDictionary(i => i.Vm, i => i.Stage);
            var phases = new List<Phase>
            {
                new Phase(OtherVmsStage, OtherVmsStageName, options.OtherVmTimeout, candidates.Where(v => !stageOf.ContainsKey(v.Vm)).ToList()),
            };
            for (int number = plan.Stages.Count; number >= 1; number--)
            {
                var stage = plan.Stages[number - 1];
                phases.Add(new Phase(number, stage.Name, stage.ShutdownTimeout, candidates.Where(v => stageOf.TryGetValue(v.Vm, out int s) && s == number).ToList()));
            }

            foreach (var phase in phases)
            {
                stageNames[phase.Stage] = phase.Name;
            }

            return phases;
        }

        private bool PastDeadline => hardBy is DateTime by && clock.UtcNow >= by;

        // From the start until the deadline ends graceful waits: the hosts' share is kept for them.
        private TimeSpan? GracefulFor => options.Deadline - (options.PowerOffHosts ? options.HostPowerOffTime : TimeSpan.Zero);

        private async Task ShutDownPhase(Phase phase, int index, int count, CancellationToken cancellationToken)
        {
            string status = $"{index + 1} of {count}: {PhaseLabel(phase)}";
            int percent = index * 100 / (count + (options.PowerOffHosts ? 1 : 0));
            where = $"shutting down {PhaseLabel(phase)}";
            var active = hosts.Where(h => h.State == RemoteHostState.Ready).ToList();
            Log(null, BootEvents.StageStart, stage: phase.Stage);
            foreach (var host in active)
            {
                Log(host, BootEvents.StageStart, stage: phase.Stage);
            }

            var started = clock.UtcNow;
            var pending = phase.Vms.Where(v => v.Host.State == RemoteHostState.Ready).GroupBy(v => v.Host).ToDictionary(g => g.Key, g => g.ToList());
            List<RemoteHost> StillOn() => pending.Keys.Where(h => h.State == RemoteHostState.Ready && pending[h].Count > 0).ToList();
            CheckDeadline();
            if (!deadlineReached && pending.Count > 0)
            {
                Progress(status, "asking the guests to shut down: " + string.Join(", ", pending.Values.SelectMany(v => v).Select(v => $"'{v.Vm.Name}' on {v.Host.Name}")), percent);
                await ForEachHost(pending.Keys.ToList(), host => RequestShutdown(host, phase, pending[host], cancellationToken), cancellationToken).ConfigureAwait(false);
                // Until the stage's timeout, or the deadline if it comes first.
                var until = started.AddSeconds(phase.Timeout);
                if (hardBy is DateTime by && by < until)
                {
                    until = by;
                }

                if (pending.Values.Any(v => v.Count > 0))
                {
                    Progress(status, "waiting for " + string.Join(", ", pending.Values.SelectMany(v => v).Select(v => $"'{v.Vm.Name}'")), percent);
                    await PollUntil(until, async () =>
                    {
                        var states = await ForEachHost(StillOn(), host => host.Control.PowerStates(pending[host].Select(v => v.Vm.Vmid).ToList(), cancellationToken), cancellationToken).ConfigureAwait(false);
                        foreach (var answer in states)
                        {
                            var host = answer.Key;
                            foreach (var vm in pending[host].Where(v => answer.Value.TryGetValue(v.Vm.Vmid, out string? s) && s != "Powered on" && s.Length > 0).ToList())
                            {
                                Log(host, BootEvents.Shutdown, stage: phase.Stage, vmid: vm.Vm.Vmid, result: "off", name: vm.Vm.Name,
                                    detail: $"the guest shut down within {Math.Ceiling((clock.UtcNow - started).TotalSeconds):0} s");
                                pending[host].Remove(vm);
                            }
                        }

                        bool allOff = pending.Values.All(v => v.Count == 0);
                        if (!allOff)
                        {
                            Progress(status, "waiting for " + string.Join(", ", pending.Values.SelectMany(v => v).Select(v => $"'{v.Vm.Name}'")), percent);
                        }

                        return allOff;
                    }, cancellationToken, settleFirst: true).ConfigureAwait(false);
                }

                CheckDeadline();
            }

            // What is still on now is powered off hard: its timeout passed, the deadline came, or the deadline had already come.
            string reason = deadlineReached ? "the deadline came: powered off hard so the hosts are down in time"
                : $"the guest did not shut down within the stage's {phase.Timeout} s (shutdownTimeout)";
            await ForEachHost(StillOn(), host =>
                HardPowerOff(host, phase.Stage, pending[host], "forced", reason, cancellationToken), cancellationToken).ConfigureAwait(false);

            foreach (var host in active.Where(h => h.State == RemoteHostState.Ready))
            {
                Log(host, BootEvents.StageEnd, stage: phase.Stage);
            }

            Log(null, BootEvents.StageEnd, stage: phase.Stage);
        }

        // Logs the deadline once, when it has come.
        private void CheckDeadline()
        {
            if (!deadlineReached && PastDeadline)
            {
                deadlineReached = true;
                string kept = options.PowerOffHosts ? $" less the {options.HostPowerOffTime.TotalSeconds:0} s kept for the hosts" : "";
                Log(null, BootEvents.Deadline, result: "reached", detail: $"the {options.Deadline!.Value.TotalSeconds:0} s deadline{kept}: everything still on is powered off hard");
                reporter.Warning($"The shutdown's deadline has come: every VM still on is powered off hard{(options.PowerOffHosts ? ", then the hosts" : "")}.");
            }
        }

        // Asks the guests to shut down; a guest without Tools running is powered off hard at once.
        private void RequestShutdown(RemoteHost host, Phase phase, List<RunningVm> vms, CancellationToken cancellationToken)
        {
            var answers = host.Control.RequestGuestShutdown(vms.Select(v => v.Vm.Vmid).ToList(), cancellationToken);
            var noTools = new List<RunningVm>();
            foreach (var vm in vms.ToList())
            {
                if (!answers.TryGetValue(vm.Vm.Vmid, out var answer))
                {
                    // No answer for it: it stays pending, and its timeout decides.
                    Log(host, BootEvents.Shutdown, stage: phase.Stage, vmid: vm.Vm.Vmid, result: "requested", name: vm.Vm.Name, detail: "no answer from its host to the request; its power state is polled");
                }
                else if (!answer.WasOn)
                {
                    Log(host, BootEvents.Shutdown, stage: phase.Stage, vmid: vm.Vm.Vmid, attempt: 0, result: "already-off", name: vm.Vm.Name);
                    vms.Remove(vm);
                }
                else if (answer.ToolsRunning)
                {
                    Log(host, BootEvents.Shutdown, stage: phase.Stage, vmid: vm.Vm.Vmid, result: "requested", name: vm.Vm.Name, detail: "asked through VMware Tools");
                }
                else
                {
                    noTools.Add(vm);
                    vms.Remove(vm);
                }
            }

            HardPowerOff(host, phase.Stage, noTools, "ok", "no VMware Tools running in the guest, so no guest shutdown: powered off", cancellationToken);
        }

        // power.off for each, logged with why; a VM that stays on is logged failed. Removes them from the list.
        private void HardPowerOff(RemoteHost host, int stage, List<RunningVm> vms, string result, string reason, CancellationToken cancellationToken)
        {
            if (vms.Count == 0)
            {
                return;
            }

            var answers = host.Control.PowerOff(vms.Select(v => v.Vm.Vmid).ToList(), cancellationToken);
            foreach (var vm in vms)
            {
                string? failure = answers[vm.Vm.Vmid];
                Log(host, BootEvents.PowerOff, stage: stage, vmid: vm.Vm.Vmid, result: failure == null ? result : "failed", name: vm.Vm.Name, detail: failure == null ? reason : $"{reason}; power.off failed: {failure}");
            }

            vms.Clear();
        }

        // The hosts once their VMs are down: all but the management VM's host at once, then that one (or none).
        private async Task PowerOffHosts(CancellationToken cancellationToken)
        {
            where = "powering off the hosts";
            int percent = 100 * (plan.Stages.Count + 1) / (plan.Stages.Count + 2);
            var ready = hosts.Where(h => h.State == RemoteHostState.Ready).ToList();
            var runningOn = await ForEachHost(ready, host => RunningOn(host, cancellationToken), cancellationToken).ConfigureAwait(false);
            var vsanNodes = ready.Where(h => h.Vsan != null).ToList();
            if (vsanNodes.Count > 0 && !await PrepareVsan(vsanNodes, runningOn, cancellationToken).ConfigureAwait(false))
            {
                foreach (var node in vsanNodes)
                {
                    Log(node, BootEvents.HostOff, result: "skipped", detail: "the vSAN cluster was not prepared for its power-off; the host is left on");
                }

                ready = ready.Except(vsanNodes).ToList();
            }

            var management = runningOn.Where(p => p.Value.Any(v => managementVms.Contains(v.Name))).Select(p => p.Key).ToList();
            var first = ready.Except(management).Where(h => h.State == RemoteHostState.Ready).ToList();
            Progress("Powering off the hosts", string.Join(", ", first.Select(h => h.Name)), percent);
            await PowerOffAndWait(first, runningOn, cancellationToken).ConfigureAwait(false);

            foreach (var host in management.Where(h => h.State == RemoteHostState.Ready))
            {
                if (options.KeepManagementHost)
                {
                    Log(host, BootEvents.HostOff, result: "kept", detail: "runs the management VM; left on (-KeepManagementHost)");
                    continue;
                }

                Progress("Powering off the management VM's host, last", host.Name, percent);
                await PowerOffAndWait(new List<RemoteHost> { host }, runningOn, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task PowerOffAndWait(List<RemoteHost> list, Dictionary<RemoteHost, List<EsxiVm>> runningOn, CancellationToken cancellationToken)
        {
            var requested = await ForEachHost(list, host => PowerOffHost(host, runningOn[host], cancellationToken), cancellationToken).ConfigureAwait(false);
            var since = clock.UtcNow;
            var answering = requested.Where(r => r.Value).Select(r => r.Key).ToList();
            if (answering.Count == 0)
            {
                return;
            }

            // The host has just taken the power-off: it is asked again only after a pause.
            bool allDown = await PollUntil(since + options.HostDownTimeout, async () =>
            {
                var stillAnswers = await ForEachHost(answering, host => host.Control.StillAnswers(cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var host in stillAnswers.Where(a => !a.Value).Select(a => a.Key))
                {
                    Log(host, BootEvents.HostOff, result: "off", detail: $"stopped answering {host.Control.Transport} {Math.Ceiling((clock.UtcNow - since).TotalSeconds):0} s after the power-off");
                    host.State = RemoteHostState.Failed; // gone, as asked: nothing more is sent to it
                    poweredOff.Add(host);
                }

                answering = answering.Where(h => !poweredOff.Contains(h)).ToList();
                return answering.Count == 0;
            }, cancellationToken, settleFirst: true).ConfigureAwait(false);
            if (!allDown)
            {
                foreach (var host in answering)
                {
                    Log(host, BootEvents.HostOff, result: "timeout", detail: $"still answering {host.Control.Transport} {options.HostDownTimeout.TotalSeconds:0} s after its power-off was accepted");
                }
            }
        }

        // One host's end: vCLS off, maintenance mode, power-off. False when the host is left on.
        private bool PowerOffHost(RemoteHost host, List<EsxiVm> running, CancellationToken cancellationToken)
        {
            var vcls = running.Where(v => v.IsVcls).ToList();
            var kept = running.Where(v => !v.IsVcls && managementVms.Contains(v.Name)).ToList();
            var unaccounted = running.Where(v => !v.IsVcls && !managementVms.Contains(v.Name)).ToList();
            if (unaccounted.Count > 0 && !deadlineReached)
            {
                string names = string.Join(", ", unaccounted.Select(v => $"'{v.Name}'"));
                Log(host, BootEvents.HostOff, result: "skipped", detail: $"{unaccounted.Count} VM(s) still running that this shutdown did not bring down: {names}; the host is left on");
                reporter.Warning($"{host.Name} is left on: {names} still running (registered or started after the shutdown began, or its power-off failed).");
                return false;
            }

            HardPowerOff(host, OtherVmsStage, unaccounted.Select(v => new RunningVm(host, v)).ToList(), "forced",
                "still running at the deadline, unaccounted for: powered off so the host goes down in time", cancellationToken);
            HardPowerOff(host, OtherVmsStage, vcls.Select(v => new RunningVm(host, v)).ToList(), "ok", "vCLS: not shut down, powered off with its host", cancellationToken);
            string reason = $"VmBoot ordered shutdown from {options.RunnerName}";
            string? refusal;
            if (kept.Count > 0)
            {
                Log(host, BootEvents.HostOff, result: "requested", detail: $"{host.Control.PowerOffMethod(true)}: the management VM {string.Join(", ", kept.Select(v => $"'{v.Name}'"))} runs here and goes down with the host");
                refusal = host.Control.PowerOffHost(evenOutsideMaintenanceMode: true, reason, cancellationToken);
            }
            else
            {
                string? maintenance = host.Control.EnterMaintenanceMode(host.Vsan != null, cancellationToken);
                if (maintenance == null)
                {
                    Log(host, BootEvents.MaintenanceMode, result: "entered", detail: host.Vsan != null
                        ? "every VM is off; vSAN data mode noAction (its peers are going down too); Invoke-BootPlan's vSAN recovery takes it out at the next boot"
                        : "every VM is off; the host boots in maintenance mode (the plan's readiness.maintenanceMode decides whether it leaves it)");
                    refusal = host.Control.PowerOffHost(evenOutsideMaintenanceMode: false, reason, cancellationToken);
                    if (refusal == null)
                    {
                        Log(host, BootEvents.HostOff, result: "requested", detail: host.Control.PowerOffMethod(false));
                    }
                }
                else if (deadlineReached)
                {
                    // A VM whose power-off failed still runs: at the deadline the host goes anyway, from its shell.
                    Log(host, BootEvents.HostOff, result: "requested", detail: $"{host.Control.PowerOffMethod(true)} at the deadline: maintenance mode was refused ({maintenance})");
                    refusal = host.Control.PowerOffHost(evenOutsideMaintenanceMode: true, reason, cancellationToken);
                }
                else
                {
                    Log(host, BootEvents.HostOff, result: "failed", detail: $"could not enter maintenance mode ({maintenance}); the host is left on");
                    reporter.Warning($"{host.Name} is left on: it could not enter maintenance mode ({maintenance}).");
                    return false;
                }
            }

            if (refusal != null)
            {
                Log(host, BootEvents.HostOff, result: "failed", detail: refusal);
                reporter.Warning($"{host.Name} refused to power off: {refusal}");
                return false;
            }

            return true;
        }

        /// <summary>Error id: the vSAN cluster cannot be powered off with VMware's procedure (checked before anything is shut down).</summary>
        public const string VsanNotPreparableId = "VsanNotPreparable";

        // The reachable hosts that are vSAN nodes (each host's Vsan set), when the hosts are to be powered off and the plan
        // keeps vSAN's steps.
        private async Task<List<RemoteHost>> ReadVsanNodes(CancellationToken cancellationToken)
        {
            if (!options.PowerOffHosts || !plan.Vsan)
            {
                return new List<RemoteHost>();
            }

            var reachable = hosts.Where(h => h.State == RemoteHostState.Ready).ToList();
            await ForEachHost(reachable, h => h.Vsan = h.Control.ReadVsan(preparedOnly: false, cancellationToken), cancellationToken).ConfigureAwait(false);
            return reachable.Where(h => h.Vsan != null).ToList();
        }

        // Why the vSAN cluster's power-off cannot follow VMware's procedure, or null: it is refused whole before anything
        // is shut down rather than left half prepared.
        private static string? VsanProblem(List<RemoteHost> nodes)
        {
            if (nodes.Count == 0)
            {
                return null;
            }

            if (nodes.FirstOrDefault(n => n.Control.VsanStepsUnavailable != null) is RemoteHost api)
            {
                return $"{api.Control.VsanStepsUnavailable}. Power a vSAN cluster off over SSH (-Protocol Ssh, SSH on for the power event), "
                    + "or plan vsan: false where vCenter's Shutdown Cluster wizard does these steps";
            }

            int members = nodes.Max(n => n.Vsan!.Members);
            if (members > nodes.Count)
            {
                return $"the cluster has {members} nodes and this shutdown reaches {nodes.Count} ({Names(nodes)}): give every node of the cluster, "
                    + "or preparing it would partition a cluster whose other nodes keep running";
            }

            return nodes.All(n => n.Vsan!.Witness) ? "only its witness is in this shutdown, and the cluster is prepared on a data node" : null;
        }

        // VMware's procedure before a vSAN cluster's nodes go down: vCLS off (it runs from vsanDatastore), every node
        // ignores member list updates, then one data node (never the witness, never two at once) prepares the cluster.
        // A failed step leaves every node on, puts the setting back where prepare was not reached, and logs what was done.
        private async Task<bool> PrepareVsan(List<RemoteHost> nodes, Dictionary<RemoteHost, List<EsxiVm>> runningOn, CancellationToken cancellationToken)
        {
            where = "preparing the vSAN cluster";
            Progress("Preparing the vSAN cluster", Names(nodes), 100 * (plan.Stages.Count + 1) / (plan.Stages.Count + 2));
            foreach (var node in nodes)
            {
                var vcls = runningOn[node].Where(v => v.IsVcls).Select(v => new RunningVm(node, v)).ToList();
                HardPowerOff(node, OtherVmsStage, vcls, "ok", "vCLS: not shut down, powered off before the vSAN cluster is prepared", cancellationToken);
                runningOn[node] = runningOn[node].Where(v => !v.IsVcls).ToList();
            }

            var refused = await SetVsanIgnore(nodes, true, "the node ignores member list updates while the cluster goes down", cancellationToken).ConfigureAwait(false);
            if (refused.Count > 0)
            {
                await SetVsanIgnore(nodes.Where(n => !refused.ContainsKey(n)).ToList(), false, "set back: the vSAN cluster was not prepared", cancellationToken).ConfigureAwait(false);
                var first = refused.First();
                Fail(new RemoteHostFailure(first.Key.Target.Label, VsanStepFailedId,
                    $"{Names(refused.Keys)}: {VsanProcedure.SetIgnore(true)} failed ({first.Value}). It was set back on the other nodes: the vSAN cluster was not prepared, and its hosts are left on."));
                return false;
            }

            var preparer = nodes.First(n => !n.Vsan!.Witness);
            if (await RunVsanHelper(preparer, "prepare", cancellationToken).ConfigureAwait(false) is string failed)
            {
                Fail(new RemoteHostFailure(preparer.Target.Label, VsanStepFailedId,
                    $"{preparer.Name}: {VsanProcedure.Helper("prepare")} failed ({failed}). IgnoreClusterMemberListUpdates is 1 on {Names(nodes)} and the cluster may be partly "
                    + "prepared, so its hosts are left on: run the helper's prepare again on one data node, or follow VMware's procedure by hand."));
                return false;
            }

            return true;
        }

        private string Summary()
        {
            int guests = run.Events.Count(e => e.Action == BootEvents.Shutdown && e.Result == "off");
            int hard = run.Events.Count(e => e.Action == BootEvents.PowerOff && (e.Result == "ok" || e.Result == "forced"));
            int hostsOff = run.Events.Count(e => e.Action == BootEvents.HostOff && e.Result == "off");
            return $"{guests} guest(s) shut down, {hard} VM(s) powered off hard, {hostsOff} host(s) off, {run.Failures.Count} host(s) left out";
        }
    }
}
