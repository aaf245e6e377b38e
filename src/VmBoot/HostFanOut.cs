using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace VmBoot.Commands
{
    /// <summary>
    /// Runs per-host work on worker threads, at most ThrottleLimit at once, while everything the work
    /// writes reaches the pipeline from the pipeline thread (the only one allowed to). Progress counts hosts.
    /// </summary>
    internal sealed class HostFanOut : IDisposable
    {
        private readonly PSCmdlet cmdlet;
        private readonly string activity;
        private readonly SemaphoreSlim throttle;
        private static readonly TimeSpan WindDownLimit = TimeSpan.FromSeconds(70);
        private readonly CancellationTokenSource cancel = new CancellationTokenSource();
        private readonly BlockingCollection<Action> outbox = new BlockingCollection<Action>();
        private readonly List<Task> running = new List<Task>();
        private readonly int progressId = new Random().Next(1, int.MaxValue);
        private int started;
        private int finished;

        internal HostFanOut(PSCmdlet cmdlet, string activity, int throttleLimit)
        {
            this.cmdlet = cmdlet;
            this.activity = activity;
            throttle = new SemaphoreSlim(Math.Max(1, throttleLimit));
        }

        /// <summary>Queues work for one host; what it writes is shown by <see cref="Pump"/>.</summary>
        internal void Start(string host, Action<HostWriter> work)
        {
            started++;
            var writer = new HostWriter(this, host);
            // A thread of its own: the work blocks (connecting, commands), and on the thread pool 16 hosts' blocked work
            // would starve the pool that SSH.NET's own continuations need, while it grows a thread at a time.
            running.Add(Task.Factory.StartNew(() =>
            {
                throttle.Wait(cancel.Token);
                try
                {
                    writer.Verbose("started");
                    work(writer);
                }
                finally
                {
                    throttle.Release();
                    Post(() =>
                    {
                        finished++;
                        WriteProgress(host);
                    });
                }
            }, cancel.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        /// <summary>Writes what the workers produced; with <paramref name="untilDone"/>, waits for all of them.</summary>
        internal void Pump(bool untilDone)
        {
            while (true)
            {
                if (outbox.TryTake(out var action, untilDone && finished < started ? 100 : 0))
                {
                    action();
                    continue;
                }

                if (!untilDone || finished >= started || cancel.IsCancellationRequested)
                {
                    break;
                }
            }

            if (untilDone)
            {
                foreach (var task in running)
                {
                    if (task.IsFaulted && task.Exception != null)
                    {
                        throw task.Exception.InnerException ?? task.Exception;
                    }
                }

                if (started > 1 || finished > 0)
                {
                    cmdlet.WriteProgress(new ProgressRecord(progressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            }
        }

        internal void Cancel() => cancel.Cancel();

        /// <summary>
        /// Ends the fan-out. Workers of a stopped pipeline are cancelled and given a while to put their hosts back
        /// (close connections, stop an SSH they started) before the cmdlet returns: a script ended by Ctrl+C may exit
        /// right after. What they write meanwhile is dropped (see <see cref="Post"/>).
        /// </summary>
        public void Dispose()
        {
            cancel.Cancel();
            try
            {
                Task.WaitAll(running.ToArray(), WindDownLimit);
            }
            catch (AggregateException)
            {
                // Cancelled or failed workers: what they had to say was said, or has nobody to hear it.
            }

            outbox.CompleteAdding();
        }

        // A worker that finishes after the pipeline ended (Ctrl+C) has nobody to write to.
        private void Post(Action action)
        {
            try
            {
                outbox.Add(action);
            }
            catch (InvalidOperationException)
            {
            }
        }

        private void WriteProgress(string host)
        {
            int percent = started == 0 ? 100 : Math.Min(100, finished * 100 / started);
            cmdlet.WriteProgress(new ProgressRecord(progressId, activity, $"{finished} of {started} host(s) done")
            {
                PercentComplete = percent,
                CurrentOperation = $"finished {host}",
            });
        }

        /// <summary>What a worker may write; each call is replayed on the pipeline thread.</summary>
        internal sealed class HostWriter
        {
            private readonly HostFanOut owner;

            internal HostWriter(HostFanOut owner, string host)
            {
                this.owner = owner;
                Host = host;
            }

            internal string Host { get; }

            internal CancellationToken Token => owner.cancel.Token;

            internal void Output(object value) => owner.Post(() => owner.cmdlet.WriteObject(value));

            /// <summary>Runs an action on the pipeline thread (where the runspace is known); dropped once the pipeline has ended.</summary>
            internal void OnPipeline(Action action) => owner.Post(action);

            internal void Error(ErrorRecord error) => owner.Post(() => owner.cmdlet.WriteError(error));

            internal void Warning(string text) => owner.Post(() => owner.cmdlet.WriteWarning($"{Host}: {text}"));

            internal void Verbose(string text) => owner.Post(() => owner.cmdlet.WriteVerbose($"{Host}: {text}"));
        }
    }
}
