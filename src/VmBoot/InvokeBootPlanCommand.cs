using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using VmBoot.BootLog;
using VmBoot.Plans;
using VmBoot.Remote;

namespace VmBoot.Commands
{
    /// <summary>
    /// Boots a cluster from outside its hosts: runs a boot plan over SSH from the machine PowerShell runs on (the
    /// vMA replacement), for hosts that cannot run local.sh (Secure Boot, hardening) or as well as it.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "BootPlan", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true)]
    [OutputType(typeof(BootLogEvent))]
    public sealed class InvokeBootPlanCommand : EsxiHostCmdlet
    {
        private readonly Dictionary<string, HostTarget> targets = new Dictionary<string, HostTarget>(StringComparer.OrdinalIgnoreCase);
        private const string RemoteEventTypeName = "VmBoot.BootLogEvent#Remote";
        private readonly object logLock = new object();
        private StreamWriter? logWriter;

        /// <summary>The plan (object or file) to run.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public object Plan { get; set; } = null!;

        /// <summary>A file the events are appended to, one tab-separated line each, as the on-host script writes them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>Seconds a host may take to answer SSH after the start; a host still silent then is reported and left out.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int HostTimeout { get; set; } = 900;

        /// <inheritdoc />
        protected override string Activity => "Booting the cluster";

        /// <inheritdoc />
        protected override void ProcessRecord() => GatherTargets(targets);

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var plan = ImportBootPlanCommand.FromParameter(this, Plan);
            if (plan == null)
            {
                return;
            }

            try
            {
                BootPlanValidator.Validate(plan);
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.FromPlan(e));
            }

            string? logFile = LogPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath);
            if (logFile != null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(logFile))))
            {
                ThrowTerminatingError(ErrorRecords.PathNotFoundError(Path.GetDirectoryName(Path.GetFullPath(logFile))!));
            }

            var remoteTargets = targets.Values.Select(t => t.Session != null ? new RemoteBootTarget(t.Session.Connection) : new RemoteBootTarget(t.Options!)).ToList();
            var options = new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(HostTimeout) };
            string hostList = string.Join(", ", remoteTargets.Select(t => t.Label));
            if (IsWhatIf())
            {
                // What would happen, in order, as far as the hosts answer now.
                var preview = new RemoteBootRunner(plan, remoteTargets, options, SystemBootClock.Instance, new RemoteBootReporter());
                List<string>? lines = null;
                RunOnWorker("preview", writer => lines = preview.PreviewAsync(writer.Token).GetAwaiter().GetResult());
                if (lines != null)
                {
                    ShouldProcess($"Run the boot plan on {hostList}, in this order:\n" + string.Join("\n", lines), "", "");
                }

                return;
            }

            if (!ShouldProcess($"Run the boot plan ({plan.Stages.Count} stage(s)) on {hostList}: wait for the hosts, then power on the plan's VMs stage by stage",
                    $"Power on the VMs of the boot plan's {plan.Stages.Count} stage(s) on {hostList}?", "Invoke-BootPlan"))
            {
                return;
            }

            try
            {
                logWriter = logFile == null ? null : new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(ErrorRecords.Create("BootLogFileUnwritable", ErrorCategory.WriteError, logFile, $"Cannot write the run's log to '{logFile}': {e.Message}", e));
            }

            int progressId = new Random().Next(1, int.MaxValue);
            var finished = new ManualResetEventSlim();
            try
            {
                Run(plan, remoteTargets, options, logFile, progressId, finished);
            }
            finally
            {
                // After Ctrl+C the runner still logs where it stopped, at its next step: the file stays open for that.
                finished.Wait(TimeSpan.FromSeconds(30));
                lock (logLock)
                {
                    logWriter?.Dispose();
                    logWriter = null;
                }
            }
        }

        private void Run(BootPlan plan, List<RemoteBootTarget> remoteTargets, RemoteBootOptions options, string? logFile, int progressId, ManualResetEventSlim finished)
        {
            RunOnWorker("cluster", writer =>
            {
                var reporter = new RemoteBootReporter
                {
                    Event = e =>
                    {
                        // The file first: it keeps the run's story when the pipeline is stopped (Ctrl+C).
                        lock (logLock)
                        {
                            logWriter?.WriteLine(BootLogLine.Format(e));
                        }

                        if (logFile != null)
                        {
                            e.Source = logFile;
                        }

                        // One timeline for the whole cluster: a view of its own, without grouping per host.
                        var output = PSObject.AsPSObject(e);
                        output.TypeNames.Insert(0, RemoteEventTypeName);
                        writer.Output(output);
                        if (e.Result == "stopped")
                        {
                            TellStopped(e.Message!, logFile);
                        }
                    },
                    HostFailed = f => writer.Error(f.Exception is Ssh.EsxiSshException ssh ? ErrorRecords.FromSsh(ssh)
                        : ErrorRecords.Create(f.ErrorId, ErrorCategory.ConnectionError, f.Host, f.Message, f.Exception)),
                    Warning = text => writer.OnPipeline(() => WriteWarning(text)),
                    Verbose = text => writer.OnPipeline(() => WriteVerbose(text)),
                    Progress = (status, operation, percent) => writer.OnPipeline(() => WriteProgress(new ProgressRecord(progressId, Activity, status)
                    {
                        CurrentOperation = operation,
                        PercentComplete = percent,
                    })),
                };
                try
                {
                    new RemoteBootRunner(plan, remoteTargets, options, SystemBootClock.Instance, reporter).RunAsync(writer.Token).GetAwaiter().GetResult();
                    writer.OnPipeline(() => WriteProgress(new ProgressRecord(progressId, Activity, "Done") { RecordType = ProgressRecordType.Completed }));
                }
                finally
                {
                    finished.Set();
                }
            });
        }

        private bool IsWhatIf() => MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value) ? ((SwitchParameter)value).IsPresent
            : GetVariableValue("WhatIfPreference") is object preference && LanguagePrimitives.IsTrue(preference);

        // The pipeline is stopping and takes no more output: the host's console still hears where the run stopped.
        private void TellStopped(string message, string? logFile)
        {
            try
            {
                Host.UI.WriteWarningLine($"Invoke-BootPlan {message}." + (logFile == null ? "" : $" The log is in {logFile}."));
            }
            catch (Exception)
            {
                // Best effort on a worker thread: a host or runspace that is closing must not take the process down.
            }
        }
    }
}
