using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;

namespace VmBoot.Remote
{
    /// <summary>
    /// What both remote executors share (the boot, <see cref="RemoteBootRunner"/>, and the shutdown,
    /// <see cref="RemoteShutdownRunner"/>): the hosts, the clock, one step per host at once, and the log's events.
    /// </summary>
    public abstract class RemoteRun
    {
        private readonly string runnerName;
        private readonly TimeSpan pollInterval;
        private protected readonly int throttleLimit;

        private protected readonly List<RemoteHost> hosts;
        private protected readonly IBootClock clock;
        private protected readonly RemoteRunReporter reporter;
        private protected readonly RemoteRunResult run = new RemoteRunResult();
        private protected readonly object sync = new object();
        private protected readonly Dictionary<int, string> stageNames = new Dictionary<int, string>();
        private protected DateTime runStarted;

        /// <summary>What the run is doing, for the log line when it is stopped.</summary>
        private protected string where = "starting";

        private protected RemoteRun(IEnumerable<RemoteTarget> targets, string runnerName, TimeSpan pollInterval, int throttleLimit, IBootClock clock, RemoteRunReporter reporter)
        {
            Throttle.Check(throttleLimit);
            hosts = targets.Select(t => new RemoteHost(t)).ToList();
            this.runnerName = runnerName;
            this.pollInterval = pollInterval;
            this.throttleLimit = throttleLimit;
            this.clock = clock;
            this.reporter = reporter;
        }

        /// <summary>The action of each host's first line (boot-start, shutdown-start): where its run begins in the log.</summary>
        private protected abstract string StartAction { get; }

        /// <summary>
        /// Runs an executor's steps, then logs the run's end (<paramref name="endAction"/>) with its summary; when the
        /// user stops it, logs where instead; the connections are closed either way.
        /// </summary>
        private protected async Task<RemoteRunResult> RunSteps(Func<Task> steps, string endAction, Func<string> summary, string rerunNote, CancellationToken cancellationToken)
        {
            try
            {
                await steps().ConfigureAwait(false);
                Log(null, endAction, result: "done", detail: summary());
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                run.StoppedAt = where;
                Log(null, endAction, result: "stopped", detail: $"stopped by the user while {where}; run it again to go on ({rerunNote})");
            }
            finally
            {
                CloseAll();
            }

            return run;
        }

        /// <summary>Closes the connections the run opened.</summary>
        private protected void CloseAll()
        {
            foreach (var host in hosts)
            {
                host.Close();
            }
        }

        // Each host's work on a worker, at most the throttle limit at once.
        private protected Task Throttled(IReadOnlyCollection<RemoteHost> list, Action<RemoteHost> work) => Throttle.RunAsync(list, throttleLimit, work);

        // One step per host, hosts in parallel; a host's failure takes that host out of the run, never the run.
        private protected async Task ForEachHost(IReadOnlyCollection<RemoteHost> list, Action<RemoteHost> step, CancellationToken cancellationToken)
        {
            await Throttled(list, host =>
            {
                try
                {
                    step(host);
                }
                catch (RemoteHostException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped: the run reports where it was.
                }
                catch (RemoteHostException e)
                {
                    bool wasUp = host.State != RemoteHostState.WaitingForAnswer;
                    host.State = RemoteHostState.Failed;
                    host.Close();
                    if (!wasUp)
                    {
                        // Refused before it ever answered: its lines start here.
                        LogHostStart(host);
                    }

                    Log(host, wasUp ? BootEvents.HostLost : BootEvents.WaitSsh, result: "failed", detail: e.Message);
                    Fail(new RemoteHostFailure(host.Target.Label, e.ErrorId, e.Message, e.InnerException) { IsSecurity = e.IsSecurity });
                }
            }).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        /// <summary>
        /// One step per host, hosts in parallel, each host's answer kept (as <see cref="ForEachHost"/>): a host that
        /// failed on the way has no answer, and is out of the run.
        /// </summary>
        private protected async Task<Dictionary<RemoteHost, T>> ForEachHost<T>(IReadOnlyCollection<RemoteHost> list, Func<RemoteHost, T> step, CancellationToken cancellationToken)
        {
            var answers = new System.Collections.Concurrent.ConcurrentDictionary<RemoteHost, T>();
            Action<RemoteHost> keep = host => answers[host] = step(host);
            await ForEachHost(list, keep, cancellationToken).ConfigureAwait(false);
            return new Dictionary<RemoteHost, T>(answers);
        }

        /// <summary>
        /// Asks <paramref name="done"/> until it says so or <paramref name="until"/> has come, pausing a poll interval
        /// (never past <paramref name="until"/>) between asks; <paramref name="settleFirst"/> pauses before the first
        /// ask too (something was just asked of the hosts). True when done, false at <paramref name="until"/>.
        /// </summary>
        private protected async Task<bool> PollUntil(DateTime until, Func<Task<bool>> done, CancellationToken cancellationToken, bool settleFirst = false, TimeSpan? interval = null)
        {
            if (!settleFirst && await done().ConfigureAwait(false))
            {
                return true;
            }

            while (clock.UtcNow < until)
            {
                await PollPause(until, cancellationToken, interval).ConfigureAwait(false);
                if (await done().ConfigureAwait(false))
                {
                    return true;
                }
            }

            return false;
        }

        private protected void Fail(RemoteHostFailure failure)
        {
            lock (sync)
            {
                run.Failures.Add(failure);
            }

            reporter.HostFailed(failure);
        }

        private protected void Log(RemoteHost? host, string action, int? stage = null, int? vmid = null, int? attempt = null, string? result = null, string? name = null,
            string? datastore = null, string? detail = null, DateTime? at = null)
        {
            var e = new BootLogEvent
            {
                Time = at ?? Second(clock.UtcNow),
                HostName = host?.Name ?? runnerName,
                Action = action,
                Stage = stage,
                StageName = stage is int s && stageNames.TryGetValue(s, out string? stageName) ? stageName : null,
                Vmid = vmid,
                Attempt = attempt,
                Result = result,
                VmName = name,
                Datastore = datastore,
                Message = detail,
                Boot = 1,
                BootStarted = runStarted,
                Source = "remote",
            };
            lock (sync)
            {
                run.Events.Add(e);
                e.LineNumber = run.Events.Count;
                reporter.Event(e);
            }
        }

        // A host's lines begin when it answers or is given up, dated at the run's start (its boot in the log).
        /// <summary>Error id: a step of VMware's vSAN cluster procedure failed on a host; the log says which, and what was done.</summary>
        public const string VsanStepFailedId = "VsanStepFailed";

        /// <summary>Every node sets /VSAN/IgnoreClusterMemberListUpdates at once, each logged; the nodes that refused, with why.</summary>
        private protected async Task<Dictionary<RemoteHost, string>> SetVsanIgnore(IReadOnlyCollection<RemoteHost> nodes, bool ignore, string why, CancellationToken cancellationToken)
        {
            var answers = await ForEachHost(nodes, h => h.Control.SetVsanIgnoreMemberUpdates(ignore, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var answer in answers)
            {
                Log(answer.Key, BootEvents.VsanIgnoreUpdates, result: answer.Value == null ? (ignore ? "1" : "0") : "failed", detail: answer.Value ?? why);
            }

            return answers.Where(a => a.Value != null).ToDictionary(a => a.Key, a => a.Value!);
        }

        /// <summary>reboot_helper.py <paramref name="action"/> on one data node, logged; null when it is done, else why not.</summary>
        private protected async Task<string?> RunVsanHelper(RemoteHost node, string action, CancellationToken cancellationToken)
        {
            string? refusal = (await ForEachHost(new[] { node }, h => h.Control.RunVsanHelper(action, cancellationToken), cancellationToken).ConfigureAwait(false))[node];
            Log(node, action == "prepare" ? BootEvents.VsanPrepare : BootEvents.VsanRecover, result: refusal == null ? "done" : "failed",
                detail: refusal ?? (action == "prepare" ? "reboot_helper.py prepare: Cluster preparation is done." : "reboot_helper.py recover: the cluster is formed again"));
            return refusal;
        }

        /// <summary>Names for a message: 'esx01, esx02'.</summary>
        private protected static string Names(IEnumerable<RemoteHost> list) => string.Join(", ", list.Select(h => h.Name));

        private protected void LogHostStart(RemoteHost host) => Log(host, StartAction, detail: $"remote run from {runnerName}", at: runStarted);

        private protected void Progress(string status, string operation, int percent) => reporter.Progress(status, operation, percent);

        // The wait before the next poll: the poll interval, or less when the deadline comes first.
        private protected Task PollPause(DateTime until, CancellationToken cancellationToken, TimeSpan? interval = null)
            => clock.Delay(Min(interval ?? pollInterval, until - clock.UtcNow), cancellationToken);

        /// <summary>
        /// How often a cheap check is repeated (a datastore is a directory test on the host, no vim-cmd): every second,
        /// or the poll interval when that is shorter. A datastore seen late delays every VM on it.
        /// </summary>
        private protected TimeSpan CheapPollInterval => Min(pollInterval, TimeSpan.FromSeconds(1));

        // The shorter wait, never negative.
        private protected static TimeSpan Min(TimeSpan a, TimeSpan b) => TimeSpan.FromTicks(Math.Max(0, Math.Min(a.Ticks, b.Ticks)));

        private protected static DateTime Second(DateTime t) => new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>Work on many hosts at once, but never more than a limit: each item on a worker, the rest waiting for a slot.</summary>
    internal static class Throttle
    {
        internal static void Check(int limit)
        {
            if (limit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, "at least one host must be worked on at a time");
            }
        }

        /// <summary>As <see cref="RunAsync{T}(IEnumerable{T}, int, Action{T})"/>, each item's result in the items' order.</summary>
        internal static async Task<TResult[]> RunAsync<T, TResult>(IReadOnlyList<T> items, int limit, Func<T, TResult> work)
        {
            var results = new TResult[items.Count];
            await RunAsync(Enumerable.Range(0, items.Count), limit, i => results[i] = work(items[i])).ConfigureAwait(false);
            return results;
        }

        internal static async Task RunAsync<T>(IEnumerable<T> items, int limit, Action<T> work)
        {
            Check(limit);
            using (var slots = new SemaphoreSlim(limit))
            {
                await Task.WhenAll(items.Select(item => Task.Run(async () =>
                {
                    await slots.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        work(item);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }))).ConfigureAwait(false);
            }
        }
    }
}
