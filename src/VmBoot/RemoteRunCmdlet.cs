using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.Plans;
using VmBoot.Remote;

namespace VmBoot.Commands
{
    /// <summary>
    /// What the cmdlets running a plan from outside share (Invoke-BootPlan, Stop-EsxiCluster): the plan, the log file,
    /// the hosts from the pipeline, and a run on a worker whose events, warnings and progress reach the pipeline.
    /// </summary>
    public abstract class RemoteRunCmdlet : VSphereCapableCmdlet
    {
        private const string RemoteEventTypeName = "VmBoot.BootLogEvent#Remote";
        private readonly Dictionary<string, HostTarget> targets = new Dictionary<string, HostTarget>(StringComparer.OrdinalIgnoreCase);
        private readonly object logLock = new object();
        private StreamWriter? logWriter;

        /// <summary>The plan (a plan, a plan file or New-BootPlan's parameters as a hashtable) to run.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        [PlanArgumentTransformation]
        public PlanArgument Plan { get; set; } = null!;

        /// <summary>A file the events are appended to, one tab-separated line each, as the on-host script writes them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>Ssh (the default) or VSphereApi: the run talks to each host through its vSphere API, with -Credential, SSH or not.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet(SshProtocol, VSphereApiProtocol)]
        public string Protocol { get; set; } = SshProtocol;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (!CheckProtocolParameters(Protocol))
            {
                GatherTargets(targets);
                return;
            }

            // Through the API a host is its name: SSH's options (and their credential check) do not apply.
            foreach (string server in Server)
            {
                targets[server] = new HostTarget(server, null, null);
            }
        }

        /// <summary>The hosts gathered from the parameters and the pipeline, reached over SSH or through their vSphere API.</summary>
        private protected List<RemoteTarget> RemoteTargets() => UsesApi(Protocol)
            ? targets.Keys.Select(server => new RemoteTarget(ApiOptions(server, ApiDefaultPort))).ToList()
            : targets.Values.Select(t => t.Session?.Api != null ? new RemoteTarget(t.Session.Api)
                : t.Session != null ? new RemoteTarget(t.Session.Connection!)
                : new RemoteTarget(t.Options!)).ToList();

        /// <summary>-WhatIf given, or $WhatIfPreference set.</summary>
        private protected bool IsWhatIf() => MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value) ? ((SwitchParameter)value).IsPresent
            : GetVariableValue("WhatIfPreference") is object preference && LanguagePrimitives.IsTrue(preference);

        /// <summary>Runs a read-only preview on a worker; null when it was stopped.</summary>
        private protected List<string>? Preview(Func<CancellationToken, Task<List<string>>> preview)
        {
            List<string>? lines = null;
            RunOnWorker("preview", writer => lines = preview(writer.Token).GetAwaiter().GetResult());
            return lines;
        }

        /// <summary>
        /// Runs <paramref name="run"/> on a worker: its events go to the log file (first) and the pipeline, host failures
        /// become errors, warnings, verbose lines and progress reach the host. Returns when the run has.
        /// </summary>
        private protected void Run(Func<RemoteRunReporter, CancellationToken, Task<RemoteRunResult>> run)
        {
            string? logFile = LogPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath);
            if (logFile != null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(logFile))))
            {
                ThrowTerminatingError(ErrorRecords.PathNotFoundError(Path.GetDirectoryName(Path.GetFullPath(logFile))!));
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
                RunOnWorker("cluster", writer =>
                {
                    try
                    {
                        run(Reporter(writer, logFile, progressId), writer.Token).GetAwaiter().GetResult();
                        writer.OnPipeline(() => WriteProgress(new ProgressRecord(progressId, Activity, "Done") { RecordType = ProgressRecordType.Completed }));
                    }
                    finally
                    {
                        finished.Set();
                    }
                });
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

        private RemoteRunReporter Reporter(HostFanOut.HostWriter writer, string? logFile, int progressId) => new RemoteRunReporter
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
                : f.Exception is VSphere.VSphereApiException api ? ErrorRecords.FromVSphere(api)
                : ErrorRecords.Create(f.ErrorId, f.ErrorId.StartsWith("Vsan", StringComparison.Ordinal) ? ErrorCategory.InvalidOperation : ErrorCategory.ConnectionError, f.Host, f.Message, f.Exception)),
            Warning = text => writer.OnPipeline(() => WriteWarning(text)),
            Verbose = text => writer.OnPipeline(() => WriteVerbose(text)),
            Progress = (status, operation, percent) => writer.OnPipeline(() => WriteProgress(new ProgressRecord(progressId, Activity, status)
            {
                CurrentOperation = operation,
                PercentComplete = percent,
            })),
        };

        // The pipeline is stopping and takes no more output: the host's console still hears where the run stopped.
        private void TellStopped(string message, string? logFile)
        {
            try
            {
                Host.UI.WriteWarningLine($"{MyInvocation.MyCommand.Name} {message}." + (logFile == null ? "" : $" The log is in {logFile}."));
            }
            catch (Exception)
            {
                // Best effort on a worker thread: a host or runspace that is closing must not take the process down.
            }
        }
    }
}
