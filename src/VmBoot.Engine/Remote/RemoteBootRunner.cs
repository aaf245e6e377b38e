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
    /// <summary>
    /// The second executor of a boot plan (the first is the on-host script, <see cref="BootScriptGenerator"/>): runs
    /// it from a management machine over SSH or the vSphere API against all the cluster's hosts at once. It waits for each host to come
    /// back, then hostd, the plan's datastores and the maintenance-mode policy; finds each planned VM on whichever
    /// host has it registered at that moment; and runs the stages in true cluster order (a stage's power-ons and
    /// gate finish on every host before the next stage starts anywhere). It writes the boot log's events.
    /// </summary>
    /// <remarks>
    /// Only one thread waits: every pause comes from the loop here, between rounds in which each host does at most
    /// one step (hosts in parallel). That keeps the run correct on a virtual clock as on the real one.
    /// </remarks>
    public sealed class RemoteBootRunner : RemoteRun
    {
        /// <summary>Error id: a host did not answer within the host timeout.</summary>
        public const string UnreachableId = "RemoteHostUnreachable";

        // While a host boots: no route, nothing listening, no answer yet, DNS (often a VM) not up, a connection dropped.
        private static readonly HashSet<HostFailure> StillBooting = new HashSet<HostFailure> { HostFailure.NotAnswering, HostFailure.Lost };

        private readonly BootPlan plan;
        private readonly RemoteBootOptions options;
        private readonly HashSet<RemoteHost> invalidReported = new HashSet<RemoteHost>();

        /// <summary>Prepares a run of <paramref name="plan"/> (validated) on <paramref name="targets"/>.</summary>
        public RemoteBootRunner(BootPlan plan, IEnumerable<RemoteTarget> targets, RemoteBootOptions options, IBootClock clock, RemoteRunReporter reporter)
            : base(targets, options.RunnerName, options.PollInterval, options.ThrottleLimit, clock, reporter)
        {
            this.plan = plan;
            this.options = options;
            where = "waiting for the hosts";
        }

        /// <inheritdoc />
        private protected override string StartAction => BootEvents.BootStart;

        /// <summary>Runs the plan. Cancelling stops it between two steps, logs where, and returns.</summary>
        public async Task<RemoteRunResult> RunAsync(CancellationToken cancellationToken)
        {
            runStarted = Second(clock.UtcNow);
            Log(null, BootEvents.BootStart, detail: $"remote run from {options.RunnerName}: plan with {plan.Stages.Count} stage(s) on {hosts.Count} host(s)");
            return await RunSteps(async () =>
            {
                await WaitForHosts(cancellationToken).ConfigureAwait(false);
                if (!hosts.Any(h => h.IsUsable))
                {
                    // Every gate would only wait for VMs nobody can start.
                    reporter.Warning($"No host answered within {options.HostTimeout.TotalSeconds:0} s: nothing was started. Run the plan again once the hosts are up.");
                    return;
                }

                var done = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < plan.Stages.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await RunStage(i + 1, done, i == plan.Stages.Count - 1, cancellationToken).ConfigureAwait(false);
                }

                foreach (var host in hosts.Where(h => h.IsUsable))
                {
                    Log(host, BootEvents.BootEnd, result: "done");
                }
            }, BootEvents.BootEnd, Summary, "VMs already on are left alone", cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// What a run would do now, in order, read-only: each host is asked once (no waiting), its VMs found, the plan
        /// resolved. One line per step; hosts not answering now are named, their VMs unknown.
        /// </summary>
        public async Task<List<string>> PreviewAsync(CancellationToken cancellationToken)
        {
            var lines = new List<string>();
            (string Note, List<EsxiVm> Vms)[] answers;
            try
            {
                answers = await Throttle.RunAsync(hosts, throttleLimit, host =>
                {
                    try
                    {
                        host.Connect(cancellationToken);
                        string? refusal = host.Control.HostdRefusal(cancellationToken, out _, out bool refusedAll);
                        var vms = refusal == null ? host.ReadInventory(cancellationToken, _ => { }) : new List<EsxiVm>();
                        bool maintenance = refusal == null && host.Control.InMaintenanceMode(cancellationToken);
                        var vsan = refusal == null && plan.Vsan ? host.Control.ReadVsan(preparedOnly: true, cancellationToken) : null;
                        string note = refusedAll ? $"{host.Name}: hostd refuses root and vpxuser: nothing would start there."
                            : refusal != null ? $"{host.Name}: hostd does not answer now ({refusal}); the run would wait up to {plan.Readiness.Timeout} s."
                            : vsan?.IgnoresMemberUpdates == true ? $"{host.Name}: a node of a vSAN cluster prepared for its power-off: once every host answers, "
                                + $"{(maintenance ? "it leaves maintenance mode, " : "")}one data node runs {VsanProcedure.Helper("recover")}, each node is waited for until healthy, "
                                + $"then {VsanProcedure.SetIgnore(false)} on every node (VMware's procedure), before the stages."
                            : vsan != null && host.Control.VsanStepsUnavailable != null ? $"{host.Name}: a vSAN node; its cluster cannot be recovered through the API ({host.Control.VsanStepsUnavailable})."
                            : maintenance && plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Stay ? $"{host.Name}: in maintenance mode; the plan keeps it there (stay): nothing would start there."
                            : maintenance ? $"{host.Name}: in maintenance mode; the run would leave it (exit)."
                            : $"{host.Name}: answers, {vms.Count} VM(s) registered.";
                        return (note, vms);
                    }
                    catch (RemoteHostException e)
                    {
                        return ($"{host.Target.Label}: not answering now ({e.Message}); the run would wait up to {options.HostTimeout.TotalSeconds:0} s and find its VMs then.", new List<EsxiVm>());
                    }
                }).ConfigureAwait(false);
            }
            finally
            {
                CloseAll();
            }

            var notes = answers.Select(a => a.Note);
            var inventory = answers.SelectMany(a => a.Vms).ToList();
            lines.AddRange(notes.OrderBy(n => n, StringComparer.Ordinal));
            var resolution = BootPlanResolver.Resolve(plan, inventory);
            for (int i = 0; i < plan.Stages.Count; i++)
            {
                var stage = plan.Stages[i];
                var items = resolution.Items.Where(item => item.Stage == i + 1).ToList();
                string vms = items.Count == 0 ? "no VM found now" : string.Join(", ", items.Select(item => $"'{item.Name}' on {item.Server}"));
                string pace = BootScriptSummary.Pace(stage, items.Count);
                lines.Add($"Stage {i + 1} {stage.Heading}: power on {vms}{(pace.Length > 0 ? pace + " on each host" : "")}.");
                if (i < plan.Stages.Count - 1)
                {
                    var waits = BootScriptSummary.GateParts(stage.After, "checked from this machine");
                    lines.Add(waits.Count == 0 ? $"  then stage {i + 2} at once." : $"  then, before stage {i + 2} starts on any host: {string.Join(", then ", waits)}.");
                }
            }

            foreach (string warning in resolution.Warnings)
            {
                reporter.Warning(warning);
            }

            return lines;
        }

        // Each host answers (SSH or the API), then hostd, leaves maintenance mode or not, and mounts the plan's datastores.
        private async Task WaitForHosts(CancellationToken cancellationToken)
        {
            var deadline = runStarted + options.HostTimeout;
            Progress("Waiting for the hosts", $"{hosts.Count} host(s)", 0);
            while (true)
            {
                await ForEachHost(hosts.Where(h => h.State < RemoteHostState.Ready && h.State != RemoteHostState.WaitingForVsan).ToList(), host => Advance(host, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (await RecoverVsanOnceEveryHostIsHere(cancellationToken).ConfigureAwait(false))
                {
                    // The nodes wait for their datastores now: at once, not after a poll's pause.
                    continue;
                }

                var now = clock.UtcNow;
                foreach (var host in hosts.Where(h => h.State == RemoteHostState.WaitingForAnswer && now >= deadline))
                {
                    host.State = RemoteHostState.Failed;
                    LogHostStart(host);
                    Log(host, BootEvents.WaitSsh, result: "timeout", detail: $"no answer over {host.Control.Transport} within {options.HostTimeout.TotalSeconds:0} s ({host.LastRefusal ?? "no answer"})");
                    Fail(new RemoteHostFailure(host.Target.Label, UnreachableId,
                        $"{host.Target.Label} did not answer {host.Control.Transport} within {options.HostTimeout.TotalSeconds:0} s of the run's start (last: {host.LastRefusal ?? "no answer"}); the rest of the cluster went on without it."));
                }

                if (hosts.All(h => h.State >= RemoteHostState.Ready))
                {
                    return;
                }

                int ready = hosts.Count(h => h.State >= RemoteHostState.Ready);
                Progress("Waiting for the hosts", $"{ready} of {hosts.Count} host(s) ready; waiting for {string.Join(", ", hosts.Where(h => h.State < RemoteHostState.Ready).Select(h => h.Name))}", 0);
                // Not past the deadline, where a host still silent is given up.
                var wait = hosts.Any(h => h.State == RemoteHostState.WaitingForAnswer) ? Min(options.PollInterval, deadline - clock.UtcNow) : options.PollInterval;
                await clock.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        // One step of a host's readiness.
        private void Advance(RemoteHost host, CancellationToken cancellationToken)
        {
            switch (host.State)
            {
                case RemoteHostState.WaitingForAnswer:
                    var refused = host.TryConnect(cancellationToken);
                    if (refused != null)
                    {
                        if (!StillBooting.Contains(refused.Failure))
                        {
                            // Not a host still booting (a refused login, an unknown key): the run goes on without it.
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(refused).Throw();
                        }

                        host.SawBoot = true;
                        reporter.Verbose($"{host.Target.Label}: not answering yet ({host.LastRefusal})");
                        return;
                    }

                    lock (sync)
                    {
                        // Two hosts with one name (cloned installs) stay apart under the names the user gave.
                        if (hosts.Any(h => h != host && h.Name == host.Name))
                        {
                            host.UseLabelAsName();
                        }
                    }

                    host.Answered = Second(clock.UtcNow);
                    host.ReadyBy = host.Answered.AddSeconds(plan.Readiness.MinimumDelay + plan.Readiness.Timeout);
                    host.State = RemoteHostState.WaitingForHostd;
                    LogHostStart(host);
                    Log(host, BootEvents.WaitSsh, result: "ready", detail: $"answered after {(host.Answered - runStarted).TotalSeconds:0} s");
                    goto case RemoteHostState.WaitingForHostd;
                case RemoteHostState.WaitingForHostd:
                    if (clock.UtcNow < host.Answered.AddSeconds(plan.Readiness.MinimumDelay))
                    {
                        return;
                    }

                    string? refusal = host.Control.HostdRefusal(cancellationToken, out bool switched, out bool refusedAll);
                    if (refusedAll)
                    {
                        host.State = RemoteHostState.Blocked;
                        Log(host, BootEvents.VimUser, result: "failed", detail: "hostd refuses root and vpxuser (lockdown mode?): nothing can be started");
                        reporter.Warning($"{host.Name}: hostd refuses root and vpxuser (lockdown mode?); its VMs are not started.");
                        return;
                    }

                    if (switched)
                    {
                        Log(host, BootEvents.VimUser, result: "vpxuser", detail: "root is refused (lockdown mode): using vpxuser, as ESXi autostart does");
                    }

                    if (refusal != null)
                    {
                        host.SawBoot = true;
                        if (clock.UtcNow < host.ReadyBy)
                        {
                            return;
                        }
                    }

                    Log(host, BootEvents.WaitHostd, result: refusal == null ? "ready" : "timeout", detail: refusal == null ? host.Control.VimUser : "hostd did not answer; starting anyway");
                    bool vsanPrepared = ReadVsan(host, cancellationToken);
                    if (!MaintenanceModeAllows(host, vsanPrepared, cancellationToken))
                    {
                        host.State = RemoteHostState.Blocked;
                        return;
                    }

                    host.MissingDatastores = plan.Readiness.Datastores.Distinct(StringComparer.Ordinal).ToList();
                    if (vsanPrepared)
                    {
                        host.State = RemoteHostState.WaitingForVsan;
                        return;
                    }

                    host.State = RemoteHostState.WaitingForDatastores;
                    goto case RemoteHostState.WaitingForDatastores;
                case RemoteHostState.WaitingForDatastores:
                    var missing = host.Control.Unmounted(host.MissingDatastores, cancellationToken);
                    foreach (string mounted in host.MissingDatastores.Except(missing))
                    {
                        Log(host, BootEvents.WaitDatastore, result: "ready", datastore: mounted);
                    }

                    host.MissingDatastores = missing;
                    if (missing.Count > 0)
                    {
                        host.SawBoot = true;
                        host.SeenUnmounted.UnionWith(missing);
                    }

                    if (missing.Count > 0 && clock.UtcNow >= host.ReadyBy)
                    {
                        foreach (string late in missing)
                        {
                            Log(host, BootEvents.WaitDatastore, result: "timeout", datastore: late, detail: "not mounted; starting anyway");
                        }

                        missing.Clear();
                    }

                    if (missing.Count == 0)
                    {
                        host.State = RemoteHostState.Ready;
                    }

                    return;
            }
        }

        // readiness.maintenanceMode: stay keeps the host's VMs off, exit leaves maintenance mode first. A node of a vSAN
        // cluster prepared for its power-off leaves it whatever the plan says: VMware's restart needs every node out of it.
        private bool MaintenanceModeAllows(RemoteHost host, bool vsanPrepared, CancellationToken cancellationToken)
        {
            if (!host.Control.InMaintenanceMode(cancellationToken))
            {
                return true;
            }

            if (vsanPrepared)
            {
                bool left = host.Control.ExitMaintenanceMode(cancellationToken);
                Log(host, BootEvents.MaintenanceMode, result: left ? "exited" : "failed",
                    detail: left ? "vSAN: every node leaves maintenance mode before the cluster is recovered (VMware's procedure)" : "vSAN: could not leave maintenance mode, so the cluster cannot be recovered");
                return left;
            }

            if (plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Stay)
            {
                Log(host, BootEvents.MaintenanceMode, result: "stay", detail: "the host booted in maintenance mode, where every power-on is refused: nothing started (plan: readiness.maintenanceMode stay)");
                reporter.Warning($"{host.Name} is in maintenance mode and the plan keeps it there (readiness.maintenanceMode: stay): its VMs are not started.");
                return false;
            }

            if (host.Control.ExitMaintenanceMode(cancellationToken))
            {
                Log(host, BootEvents.MaintenanceMode, result: "exited", detail: "the host booted in maintenance mode and left it (plan: readiness.maintenanceMode exit)");
                return true;
            }

            Log(host, BootEvents.MaintenanceMode, result: "failed", detail: "the host booted in maintenance mode and could not leave it: nothing started");
            reporter.Warning($"{host.Name} could not leave maintenance mode: its VMs are not started.");
            return false;
        }

        // Whether the host is a node of a vSAN cluster prepared for its power-off (IgnoreClusterMemberListUpdates 1), to be
        // recovered before anything starts. Through the API that cannot be read, nor the cluster recovered: said once.
        private bool ReadVsan(RemoteHost host, CancellationToken cancellationToken)
        {
            if (!plan.Vsan || (host.Vsan = host.Control.ReadVsan(preparedOnly: true, cancellationToken)) == null)
            {
                return false;
            }

            if (host.Control.VsanStepsUnavailable is string why)
            {
                Log(host, BootEvents.VsanRecover, result: "skipped", detail: why);
                reporter.Warning($"{host.Name} is a vSAN node, and {why}. If the cluster was shut down with VMware's procedure, vsanDatastore stays unavailable "
                    + "until it is recovered: run Invoke-BootPlan -Protocol Ssh, or reboot_helper.py recover on one node by hand.");
                return false;
            }

            return host.Vsan.IgnoresMemberUpdates == true;
        }

        // A vSAN cluster prepared for its power-off is recovered once every host has answered or been given up (its
        // nodes out of maintenance mode), before any datastore is waited for: one data node recovers it, each node is
        // waited for until healthy, then every node listens to member list updates again. A failed step is an error;
        // the setting stays 1, so the next run tries again, and VMs on other datastores still start. True once it ran.
        private async Task<bool> RecoverVsanOnceEveryHostIsHere(CancellationToken cancellationToken)
        {
            var nodes = hosts.Where(h => h.State == RemoteHostState.WaitingForVsan).ToList();
            if (nodes.Count == 0 || hosts.Any(h => h.State < RemoteHostState.WaitingForVsan))
            {
                return false;
            }

            where = "recovering the vSAN cluster";
            Progress("Recovering the vSAN cluster", Names(nodes), 0);
            var recoverer = nodes.FirstOrDefault(n => !n.Vsan!.Witness);
            string? failed = recoverer == null ? "only the witness answered, and the cluster is recovered on a data node"
                : await RunVsanHelper(recoverer, "recover", cancellationToken).ConfigureAwait(false);
            if (failed == null)
            {
                var healthy = new HashSet<RemoteHost>();
                await PollUntil(clock.UtcNow.AddSeconds(plan.Readiness.Timeout), async () =>
                {
                    var read = await ForEachHost(nodes.Where(n => !healthy.Contains(n)).ToList(), n => n.Control.ReadVsan(preparedOnly: false, cancellationToken), cancellationToken).ConfigureAwait(false);
                    foreach (var answer in read.Where(a => a.Value?.Health == "HEALTHY" && a.Value.Members >= nodes.Count))
                    {
                        healthy.Add(answer.Key);
                        Log(answer.Key, BootEvents.VsanHealth, result: "healthy", detail: $"{answer.Value!.Members} node(s) in the cluster");
                    }

                    return healthy.Count == nodes.Count;
                }, cancellationToken).ConfigureAwait(false);
                foreach (var node in nodes.Where(n => !healthy.Contains(n)))
                {
                    Log(node, BootEvents.VsanHealth, result: "timeout", detail: $"not healthy with every node within {plan.Readiness.Timeout} s (esxcli vsan cluster get)");
                }

                var refused = await SetVsanIgnore(nodes, false, "the node listens to member list updates again", cancellationToken).ConfigureAwait(false);
                if (refused.Count > 0)
                {
                    var first = refused.First();
                    Fail(new RemoteHostFailure(first.Key.Target.Label, VsanStepFailedId, $"{Names(refused.Keys)}: {VsanProcedure.SetIgnore(false)} failed ({first.Value}); set it by hand."));
                }
            }
            else
            {
                var blame = recoverer ?? nodes[0];
                Fail(new RemoteHostFailure(blame.Target.Label, VsanStepFailedId,
                    $"{blame.Name}: the vSAN cluster could not be recovered ({failed}). vsanDatastore stays unavailable and IgnoreClusterMemberListUpdates stays 1 on "
                    + $"{Names(nodes)}, so the next Invoke-BootPlan tries again; VMs on other datastores are started."));
            }

            foreach (var node in nodes)
            {
                node.State = RemoteHostState.WaitingForDatastores;
            }

            return true;
        }

        private async Task RunStage(int number, HashSet<string> done, bool last, CancellationToken cancellationToken)
        {
            var stage = plan.Stages[number - 1];
            stageNames[number] = stage.Name;
            int percent = (number - 1) * 100 / plan.Stages.Count;
            string status = $"Stage {number} of {plan.Stages.Count}: {stage.Name}";
            where = $"starting stage {number} '{stage.Name}'";
            Progress(status, "finding the stage's VMs", percent);

            // Where each VM is registered now: a VM moved since the plan was written is found on its new host.
            var inventories = await ForEachHost(hosts.Where(h => h.IsUsable).ToList(), host => host.ReadInventory(cancellationToken, reporter.Verbose), cancellationToken).ConfigureAwait(false);
            var active = hosts.Where(h => h.State == RemoteHostState.Ready).ToList();
            Log(null, BootEvents.StageStart, stage: number);
            foreach (var host in active)
            {
                Log(host, BootEvents.StageStart, stage: number);
            }

            var byHost = hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
            var started = new List<BootPreviewItem>();
            PlanResolution resolution;
            while (true)
            {
                resolution = BootPlanResolver.Resolve(plan, inventories.Values.SelectMany(vms => vms));
                started.AddRange(await StartFound(number, stage, resolution, done, byHost, status, percent, cancellationToken).ConfigureAwait(false));
                var mountedSince = await WaitForInvalidVms(number, status, percent, cancellationToken).ConfigureAwait(false);
                if (mountedSince.Count == 0)
                {
                    break;
                }

                foreach (var reread in await ForEachHost(mountedSince, host => host.ReadInventory(cancellationToken, reporter.Verbose), cancellationToken).ConfigureAwait(false))
                {
                    inventories[reread.Key] = reread.Value;
                }
            }

            if (number == 1)
            {
                // The cluster's whole inventory is first known here, VMs found late included: say once what the plan
                // misses (a typo, VMs no stage starts).
                foreach (string warning in resolution.Warnings)
                {
                    reporter.Warning(warning);
                }
            }

            foreach (var host in active.Where(h => h.State == RemoteHostState.Ready))
            {
                Log(host, BootEvents.StageEnd, stage: number);
            }

            Log(null, BootEvents.StageEnd, stage: number);
            if (!last)
            {
                await Gate(number, stage.After, started, byHost, status, percent, cancellationToken).ConfigureAwait(false);
            }
        }

        // The stage's VMs not started yet, and an earlier stage's found only now (invalid to hostd then): on a host that
        // refuses power-ons logged as not started, the others powered on once their datastores are mounted.
        private async Task<List<BootPreviewItem>> StartFound(int number, BootStage stage, PlanResolution resolution, HashSet<string> done,
            Dictionary<string, RemoteHost> byHost, string status, int percent, CancellationToken cancellationToken)
        {
            var items = resolution.Items.Where(i => i.Stage <= number && done.Add(Key(i.Vm))).ToList();
            foreach (var blocked in items.Where(i => byHost[i.Server].State != RemoteHostState.Ready))
            {
                Log(byHost[blocked.Server], BootEvents.NotStarted, stage: number, vmid: blocked.Vm.Vmid, attempt: 0, result: "host-blocked", name: blocked.Name,
                    detail: "its host refuses power-ons (maintenance mode or hostd refusing every user)");
            }

            var startable = items.Where(i => byHost[i.Server].State == RemoteHostState.Ready).ToList();
            await WaitForVmDatastores(startable, byHost, status, percent, cancellationToken).ConfigureAwait(false);
            return await PowerOnStage(number, stage, startable, byHost, status, percent, cancellationToken).ConfigureAwait(false);
        }

        // hostd lists a VM whose datastore is not mounted as invalid, and getallvms leaves it out. On a host this run saw
        // come up, that may be a datastore still to be mounted: waits (within the host's readiness timeout) until a volume
        // is mounted there, and returns the hosts to read again. Elsewhere invalid VMs are only reported, once: hostd
        // also keeps VMs whose storage is gone for good.
        private async Task<List<RemoteHost>> WaitForInvalidVms(int number, string status, int percent, CancellationToken cancellationToken)
        {
            foreach (var host in hosts.Where(h => h.State == RemoteHostState.Ready && h.Control.InvalidVmids.Count > 0 && h.VolumesAtRead == null && invalidReported.Add(h)))
            {
                reporter.Warning($"{host.Name}: hostd lists {host.Control.InvalidVmids.Count} VM(s) as invalid (vmid {string.Join(", ", host.Control.InvalidVmids)}), so they cannot be started; "
                    + "a VM whose datastore is not mounted is one. List such a datastore in the plan's readiness.datastores for the run to wait for it.");
            }

            var waiting = hosts.Where(h => h.State == RemoteHostState.Ready && h.Control.InvalidVmids.Count > 0 && h.VolumesAtRead != null && clock.UtcNow < h.ReadyBy).ToList();
            var mounted = new List<RemoteHost>();
            if (waiting.Count == 0)
            {
                return mounted;
            }

            foreach (var host in waiting)
            {
                Log(host, BootEvents.WaitDatastore, stage: number, result: "waiting",
                    detail: $"{host.Control.InvalidVmids.Count} VM(s) invalid to hostd (vmid {string.Join(", ", host.Control.InvalidVmids)}): waiting for a datastore to be mounted");
            }

            await PollUntil(waiting.Max(h => h.ReadyBy), async () =>
            {
                var volumes = await ForEachHost(waiting.Where(h => clock.UtcNow < h.ReadyBy).ToList(), host => host.Control.Volumes(cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var pair in volumes)
                {
                    var added = pair.Value.Except(pair.Key.VolumesAtRead!).ToList();
                    if (added.Count > 0)
                    {
                        Log(pair.Key, BootEvents.WaitDatastore, stage: number, result: "ready", datastore: added[0]);
                        mounted.Add(pair.Key);
                    }
                }

                if (mounted.Count == 0)
                {
                    Progress(status, "waiting for datastores: VMs invalid to hostd on " + string.Join(", ", waiting.Select(h => h.Name)), percent);
                }

                return mounted.Count > 0 || waiting.All(h => clock.UtcNow >= h.ReadyBy);
            }, cancellationToken, interval: CheapPollInterval).ConfigureAwait(false);

            if (mounted.Count == 0)
            {
                foreach (var host in waiting)
                {
                    Log(host, BootEvents.WaitDatastore, stage: number, result: "timeout",
                        detail: $"no datastore mounted in time: the {host.Control.InvalidVmids.Count} invalid VM(s) are not started");
                }
            }

            return mounted;
        }

        // As the on-host script does: a VM's datastore must be mounted on its host before it can start (until the
        // host's readiness timeout; then the power-on is tried anyway and its failure logged).
        private async Task WaitForVmDatastores(List<BootPreviewItem> items, Dictionary<string, RemoteHost> byHost, string status, int percent, CancellationToken cancellationToken)
        {
            var pending = items.Where(i => i.Vm.Datastore.Length > 0).GroupBy(i => i.Server, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(i => i.Vm.Datastore).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
            // Each host has its own deadline (its readiness timeout), so the wait itself has none.
            await PollUntil(DateTime.MaxValue, async () =>
            {
                if (pending.Count == 0)
                {
                    return true;
                }

                var missing = await ForEachHost(pending.Keys.Select(s => byHost[s]).ToList(), host => host.Control.Unmounted(pending[host.Name], cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var unmounted in missing)
                {
                    unmounted.Key.SeenUnmounted.UnionWith(unmounted.Value);
                }

                var now = clock.UtcNow;
                foreach (var server in pending.Keys.ToList())
                {
                    var host = byHost[server];
                    if (!missing.TryGetValue(host, out var still) || still.Count == 0 || host.State != RemoteHostState.Ready || now >= host.ReadyBy)
                    {
                        pending.Remove(server);
                        continue;
                    }

                    pending[server] = still;
                }

                if (pending.Count > 0)
                {
                    Progress(status, "waiting for datastores: " + string.Join("; ", pending.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}")), percent);
                }

                return pending.Count == 0;
            }, cancellationToken, interval: CheapPollInterval).ConfigureAwait(false);
        }

        // Power-ons in rounds: each host starts up to the stage's parallel VMs per round in one command (hosts in
        // parallel), keeps the stage's pause between its batches, and retries a failed one after the plan's delay,
        // doubled each time.
        private async Task<List<BootPreviewItem>> PowerOnStage(int number, BootStage stage, List<BootPreviewItem> items, Dictionary<string, RemoteHost> byHost,
            string status, int percent, CancellationToken cancellationToken)
        {
            var started = new List<BootPreviewItem>();
            var queues = items.GroupBy(i => i.Server, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new Queue<BootPreviewItem>(g), StringComparer.Ordinal);
            var retries = new List<(BootPreviewItem Item, int Attempt, DateTime Due)>();
            var free = queues.Keys.ToDictionary(k => k, _ => DateTime.MinValue, StringComparer.Ordinal);
            var batches = queues.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
            where = $"powering on stage {number} '{stage.Name}'";
            while (queues.Values.Any(q => q.Count > 0) || retries.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = clock.UtcNow;
                var round = new Dictionary<string, (List<(BootPreviewItem Item, int Attempt)> Vms, int Number)>(StringComparer.Ordinal);
                foreach (var server in queues.Keys)
                {
                    var due = retries.Where(r => r.Item.Server == server && r.Due <= now).OrderBy(r => r.Due).Take(stage.Parallel).ToList();
                    retries.RemoveAll(due.Contains);
                    var batch = due.Select(r => (r.Item, r.Attempt)).ToList();
                    while (free[server] <= now && batch.Count < stage.Parallel && queues[server].Count > 0)
                    {
                        batch.Add((queues[server].Dequeue(), 1));
                    }

                    if (batch.Count > 0)
                    {
                        round[server] = (batch, ++batches[server]);
                    }
                }

                if (round.Count == 0)
                {
                    var next = retries.Select(r => r.Due).Concat(queues.Where(q => q.Value.Count > 0).Select(q => free[q.Key])).Min();
                    await clock.Delay(next > now ? next - now : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Progress(status, "powering on " + string.Join(", ", round.Values.SelectMany(b => b.Vms).Select(r => $"'{r.Item.Name}' on {r.Item.Server}")), percent);
                await ForEachHost(round.Keys.Select(server => byHost[server]).ToList(), host =>
                {
                    var (batch, batchNumber) = round[host.Name];
                    if (stage.Parallel > 1)
                    {
                        Log(host, BootEvents.PowerBatch, stage: number, result: "started", detail: $"batch {batchNumber}: up to {stage.Parallel} at once");
                    }

                    var answers = host.Control.PowerOn(batch.Select(b => b.Item.Vm.Vmid).ToList(), host.KnownOff(batch.Select(b => b.Item.Vm)), cancellationToken);
                    var outcomes = batch.Select(b => (b.Item, b.Attempt, Outcome: Record(host, number, b.Item, b.Attempt, answers[b.Item.Vm.Vmid]))).ToList();
                    if (stage.Parallel > 1)
                    {
                        Log(host, BootEvents.PowerBatch, stage: number, result: "done", detail: $"batch {batchNumber}");
                    }

                    lock (retries)
                    {
                        foreach (var (item, attempt, outcome) in outcomes)
                        {
                            if (outcome == "ok" || outcome == "already-on")
                            {
                                started.Add(item);
                            }
                            else if (outcome == "retry")
                            {
                                retries.Add((item, attempt + 1, clock.UtcNow.AddSeconds(plan.PowerOn.RetryDelay * Math.Pow(2, attempt - 1))));
                            }
                        }

                        free[host.Name] = clock.UtcNow.AddSeconds(stage.Pause);
                    }
                }, cancellationToken).ConfigureAwait(false);

                // A host lost on the way takes its remaining VMs with it.
                foreach (var server in queues.Keys.Where(s => byHost[s].State == RemoteHostState.Failed))
                {
                    while (queues[server].Count > 0)
                    {
                        var lost = queues[server].Dequeue();
                        Log(byHost[server], BootEvents.NotStarted, stage: number, vmid: lost.Vm.Vmid, attempt: 0, result: "host-lost", name: lost.Name, detail: "the connection to its host was lost");
                    }

                    retries.RemoveAll(r => r.Item.Server == server);
                }
            }

            return started;
        }

        // ok, already-on, retry or failed, from the host's answer for one VM; logged on the VM's host.
        private string Record(RemoteHost host, int number, BootPreviewItem item, int attempt, (bool WasOn, string? Reason) answer)
        {
            int vmid = item.Vm.Vmid;
            if (answer.WasOn)
            {
                Log(host, BootEvents.PowerOn, stage: number, vmid: vmid, attempt: attempt == 1 ? 0 : attempt, result: "already-on", name: item.Name,
                    detail: attempt == 1 ? "already on (its host's local.sh, HA or an admin got there first): not started again" : null);
                return "already-on";
            }

            if (answer.Reason == null)
            {
                Log(host, BootEvents.PowerOn, stage: number, vmid: vmid, attempt: attempt, result: "ok", name: item.Name);
                return "ok";
            }

            string outcome = attempt > plan.PowerOn.Retries ? "failed" : "retry";
            Log(host, BootEvents.PowerOn, stage: number, vmid: vmid, attempt: attempt, result: outcome, name: item.Name, detail: answer.Reason);
            return outcome;
        }

        // The gate after a stage, in the on-host script's order: heartbeats, TCP, delay, rescan.
        private async Task Gate(int number, StageGate after, List<BootPreviewItem> started, Dictionary<string, RemoteHost> byHost, string status, int percent, CancellationToken cancellationToken)
        {
            if (after.Heartbeat)
            {
                where = $"waiting for stage {number}'s guest heartbeats";
                Progress(status, "waiting for guest heartbeats", percent);
                await HeartbeatGate(number, after.HeartbeatTimeout, started, byHost, cancellationToken).ConfigureAwait(false);
            }

            if (after.TcpHost != null)
            {
                where = $"waiting for {after.TcpHost}:{after.TcpPort} after stage {number}";
                Progress(status, $"waiting for {after.TcpHost}:{after.TcpPort} to answer", percent);
                await TcpGate(number, after, cancellationToken).ConfigureAwait(false);
            }

            if (after.Delay > 0)
            {
                where = $"waiting {after.Delay} s after stage {number}";
                Progress(status, $"waiting {after.Delay} s", percent);
                Log(null, BootEvents.GateDelay, stage: number, result: "waiting", detail: after.Delay.ToString(CultureInfo.InvariantCulture));
                await clock.Delay(TimeSpan.FromSeconds(after.Delay), cancellationToken).ConfigureAwait(false);
            }

            if (after.RescanDatastores.Count > 0)
            {
                where = $"rescanning storage after stage {number}";
                Progress(status, "rescanning storage for " + string.Join(", ", after.RescanDatastores), percent);
                await RescanGate(number, after, cancellationToken).ConfigureAwait(false);
            }
        }

        // Every VM the stage started, each with its own timeout from the gate's start; one command per host per round.
        private async Task HeartbeatGate(int number, int timeout, List<BootPreviewItem> started, Dictionary<string, RemoteHost> byHost, CancellationToken cancellationToken)
        {
            var pending = started.GroupBy(i => i.Server, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            bool allGreen = await PollUntil(clock.UtcNow.AddSeconds(timeout), async () =>
            {
                var green = await ForEachHost(pending.Keys.Select(s => byHost[s]).Where(h => h.State == RemoteHostState.Ready).ToList(),
                    host => host.Control.GreenHeartbeats(pending[host.Name].Select(v => v.Vm.Vmid).ToList(), cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var answer in green)
                {
                    var host = answer.Key;
                    foreach (var vm in pending[host.Name].Where(v => answer.Value.Contains(v.Vm.Vmid)).ToList())
                    {
                        Log(host, BootEvents.GateHeartbeat, stage: number, vmid: vm.Vm.Vmid, result: "green", name: vm.Name);
                        pending[host.Name].Remove(vm);
                    }
                }

                foreach (var server in pending.Keys.Where(s => pending[s].Count == 0 || byHost[s].State != RemoteHostState.Ready).ToList())
                {
                    pending.Remove(server);
                }

                return pending.Count == 0;
            }, cancellationToken).ConfigureAwait(false);
            if (!allGreen)
            {
                foreach (var vm in pending.Values.SelectMany(v => v))
                {
                    Log(byHost[vm.Server], BootEvents.GateHeartbeat, stage: number, vmid: vm.Vm.Vmid, result: "timeout", name: vm.Name);
                }
            }
        }

        // From this machine: no ESXi firewall ruleset to open.
        private async Task TcpGate(int number, StageGate after, CancellationToken cancellationToken)
        {
            bool open = await PollUntil(clock.UtcNow.AddSeconds(after.TcpTimeout),
                () => TcpProbe.AnswersAsync(after.TcpHost!, after.TcpPort, options.TcpConnectTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
            Log(null, BootEvents.GateTcp, stage: number, result: open ? "open" : "timeout", detail: $"{after.TcpHost}:{after.TcpPort}");
        }

        // Every host rescans until it has the datastores the stage's VMs serve (or the timeout).
        private async Task RescanGate(int number, StageGate after, CancellationToken cancellationToken)
        {
            string list = string.Join(" ", after.RescanDatastores);
            var pending = hosts.Where(h => h.State == RemoteHostState.Ready).ToList();
            foreach (var host in pending)
            {
                Log(host, BootEvents.Rescan, stage: number, result: "started", detail: list);
            }

            bool allMounted = await PollUntil(clock.UtcNow.AddSeconds(after.RescanTimeout), async () =>
            {
                var missing = await ForEachHost(pending, host => host.Control.RescanFor(after.RescanDatastores, cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (var host in missing.Where(m => m.Value.Count == 0).Select(m => m.Key))
                {
                    Log(host, BootEvents.Rescan, stage: number, result: "ready", detail: list);
                }

                pending = pending.Where(h => missing.TryGetValue(h, out var still) && still.Count > 0 && h.State == RemoteHostState.Ready).ToList();
                return pending.Count == 0;
            }, cancellationToken).ConfigureAwait(false);
            if (!allMounted)
            {
                foreach (var host in pending)
                {
                    Log(host, BootEvents.Rescan, stage: number, result: "timeout", detail: "not mounted: " + list);
                }
            }
        }

        private string Summary()
        {
            int on = run.Events.Count(e => e.Action == BootEvents.PowerOn && (e.Result == "ok" || e.Result == "already-on"));
            int failed = run.Events.Count(e => e.IsProblem && e.Vmid != null);
            return $"{on} VM(s) on, {failed} problem(s) with VMs, {run.Failures.Count} host(s) left out";
        }

        private static string Key(EsxiVm vm) => vm.Name + "\n" + vm.File;

    }
}
