using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VmBoot.Ssh;

namespace VmBoot.Commands
{
    /// <summary>
    /// Base for cmdlets that work on ESXi hosts over SSH: the shared connection parameters (by host name
    /// or by session), one connection per host per call, parallel hosts, and errors that name the host.
    /// </summary>
    public abstract class EsxiHostCmdlet : PSCmdlet
    {
        /// <summary>Parameter set: hosts named by -Server.</summary>
        protected const string ServerSet = "Server";

        /// <summary>Parameter set: hosts reached through sessions from New-EsxiSession.</summary>
        protected const string SessionSet = "Session";

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ErrorRecord> failedHosts = new System.Collections.Concurrent.ConcurrentDictionary<string, ErrorRecord>();
        private HostFanOut? fanOut;

        /// <summary>ESXi hosts: names, addresses or name:port. PowerCLI's VMHost objects bind by their Name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServerSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "ComputerName", "VMHost")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string[] Server { get; set; } = null!;

        /// <summary>The user to log in as with -KeyFilePath, as Connect-VIServer's -User (default root). Never prompts: for unattended runs.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? User { get; set; }

        /// <summary>User and password (keyboard-interactive, as ESXi asks). With -KeyFilePath, an empty password means key only.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>A private key file (RSA or ECDSA) authorized in /etc/ssh/keys-&lt;user&gt;/authorized_keys on the host.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? KeyFilePath { get; set; }

        /// <summary>The key file's passphrase.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public System.Security.SecureString? KeyPassphrase { get; set; }

        /// <summary>SSH port when -Server does not say name:port.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 22;

        /// <summary>The OpenSSH known_hosts file that vouches for host keys. Default: ~/.ssh/known_hosts.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }

        /// <summary>Record the key of a host seen for the first time (a changed key still fails).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter AcceptNewHostKey { get; set; }

        /// <summary>Seconds allowed for connecting and logging in.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 600)]
        public int ConnectTimeout { get; set; } = 15;

        /// <summary>Seconds allowed for each command on a host before it counts as hung.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 86400)]
        public int CommandTimeout { get; set; } = 120;

        /// <summary>Open sessions to use instead of connecting.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SessionSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public EsxiSession[] Session { get; set; } = null!;

        /// <summary>How many hosts to work on at once.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 8;

        /// <summary>Progress activity shown while hosts are worked on.</summary>
        protected abstract string Activity { get; }

        /// <inheritdoc />
        protected override void StopProcessing() => fanOut?.Cancel();

        /// <summary>
        /// Starts <paramref name="work"/> for each host this record names, then writes what finished so far.
        /// With <paramref name="keepOpen"/> the work owns the connections it is given.
        /// </summary>
        private protected void StartHostWork(Action<EsxiConnection, HostFanOut.HostWriter> work, bool keepOpen = false)
            => StartHostWork(CurrentTargets(), work, keepOpen);

        /// <summary>Starts <paramref name="work"/> for the given hosts (e.g. gathered over the whole pipeline).</summary>
        private protected void StartHostWork(IEnumerable<HostTarget> targets, Action<EsxiConnection, HostFanOut.HostWriter> work, bool keepOpen = false)
        {
            fanOut ??= new HostFanOut(this, Activity, ThrottleLimit);
            foreach (var target in targets)
            {
                fanOut.Start(target.Label, writer => Guard(writer, target.Label, () =>
                {
                    if (target.Session != null)
                    {
                        if (target.Session.Connection == null)
                        {
                            Failed(writer, target.Label, ErrorRecords.Create("SessionNeedsSsh", ErrorCategory.InvalidArgument, target.Label,
                                $"{MyInvocation.MyCommand.Name} works through a shell, and session {target.Session.Id} to {target.Label} is a vSphere API session: "
                                + "open one with New-EsxiSession -Protocol Ssh, or use -Server (Install-BootScript -EnableSsh starts SSH where it is off)."));
                            return;
                        }

                        work(target.Session.Connection, writer);
                        return;
                    }

                    var options = target.Options!;
                    var connection = EsxiConnection.Open(options, writer.Token);
                    bool handedOver = false;
                    try
                    {
                        writer.Verbose($"connected as {options.UserName}");
                        work(connection, writer);
                        handedOver = keepOpen;
                    }
                    finally
                    {
                        // Closed unless the work took it over; also when it failed or the pipeline stopped.
                        if (!handedOver)
                        {
                            connection.Dispose();
                        }
                    }
                }));
            }

            fanOut.Pump(untilDone: false);
        }

        /// <summary>Starts <paramref name="work"/> for one host on a worker, with its own connection (the vSphere API's, say).</summary>
        private protected void StartHostWork(string label, Action<HostFanOut.HostWriter> work)
        {
            fanOut ??= new HostFanOut(this, Activity, ThrottleLimit);
            fanOut.Start(label, writer => Guard(writer, label, () => work(writer)));
            fanOut.Pump(untilDone: false);
        }

        /// <summary>
        /// Runs one piece of work for the whole set of hosts on a worker (it does its own fan-out), writing what it
        /// writes as it goes; Ctrl+C cancels its token. Returns when it has finished.
        /// </summary>
        private protected void RunOnWorker(string label, Action<HostFanOut.HostWriter> work)
        {
            fanOut ??= new HostFanOut(this, Activity, 1);
            fanOut.Start(label, writer => Guard(writer, label, () => work(writer)));
            FinishHostWork();
        }

        /// <summary>Asks ShouldProcess on the pipeline thread (the only one allowed to) and waits for the answer.</summary>
        private protected bool ShouldProcessFromWorker(HostFanOut.HostWriter writer, string description, string warning, string caption)
        {
            var decision = new System.Threading.Tasks.TaskCompletionSource<bool>();
            writer.OnPipeline(() => decision.SetResult(ShouldProcessOrExplain(description, warning, caption)));
            decision.Task.Wait(writer.Token);
            return decision.Task.Result;
        }

        /// <summary>
        /// ShouldProcess, where a confirmation this session cannot ask for (-NonInteractive, no console) is a terminating
        /// error that says what to add, instead of PowerShell's generic prompt failure.
        /// </summary>
        private protected bool ShouldProcessOrExplain(string description, string warning, string caption)
        {
            try
            {
                return ShouldProcess(description, warning, caption);
            }
            catch (Exception e) when (!(e is PipelineStoppedException))
            {
                ThrowTerminatingError(ErrorRecords.Create("ConfirmationRequired", ErrorCategory.InvalidOperation, null,
                    $"{MyInvocation.MyCommand.Name} asks for confirmation before it changes any host, and this session cannot ask ({e.Message.TrimEnd('.')}). "
                    + "Nothing was changed. In a scheduled task, a service or a UPS script add -Confirm:$false; -WhatIf shows what it would do.", e));
                return false;
            }
        }

        /// <summary>Reads every host's live inventory (errors are written, naming the host).</summary>
        private protected List<EsxiVm> ReadInventories(IEnumerable<HostTarget> hosts)
        {
            var inventory = new List<EsxiVm>();
            StartHostWork(hosts, (connection, writer) => Inventory.LiveInventory.Read(connection, writer.Token, vm => writer.OnPipeline(() => inventory.Add(vm)),
                diagnostic => Report(writer, diagnostic, connection.Name)));
            FinishHostWork();
            return inventory;
        }

        /// <summary>A parse finding from a host (the writer puts the host's name before its warnings itself).</summary>
        private protected static void Report(HostFanOut.HostWriter writer, Inventory.ParseDiagnostic diagnostic, string host)
            => ErrorRecords.Route(diagnostic, host, _ => writer.Warning(diagnostic.Message), writer.Error);

        /// <summary>Adds the hosts this pipeline record names to those gathered so far (for work done once, at the end).</summary>
        private protected void GatherTargets(Dictionary<string, HostTarget> gathered)
        {
            foreach (var target in CurrentTargets())
            {
                gathered[target.Label] = target;
            }
        }

        /// <summary>This record's sessions of the vSphere API (-Session); the SSH ones are in <see cref="CurrentTargets"/>.</summary>
        private protected IEnumerable<EsxiSession> ApiSessions => ParameterSetName == SessionSet ? Session.Where(s => s.Api != null) : Enumerable.Empty<EsxiSession>();

        /// <summary>The hosts this pipeline record names, by -Server or -Session.</summary>
        private protected List<HostTarget> CurrentTargets() => ParameterSetName == SessionSet
            ? Session.Select(s => new HostTarget(s.Server, null, s)).ToList()
            : Server.Select(s => new HostTarget(s, ConnectionOptions(s), null)).ToList();

        /// <summary>A host to work on: connection options, or an open session.</summary>
        private protected sealed class HostTarget
        {
            internal HostTarget(string label, EsxiConnectionOptions? options, EsxiSession? session)
            {
                Label = label;
                Options = options;
                Session = session;
            }

            internal string Label { get; }

            internal EsxiConnectionOptions? Options { get; }

            internal EsxiSession? Session { get; }
        }

        /// <summary>Waits for all hosts and writes the rest of their output.</summary>
        private protected void FinishHostWork()
        {
            try
            {
                fanOut?.Pump(untilDone: true);
            }
            finally
            {
                fanOut?.Dispose();
                fanOut = null;
            }
        }

        /// <summary>Connection options for one -Server entry (name or name:port).</summary>
        private protected EsxiConnectionOptions ConnectionOptions(string server)
        {
            var (host, port) = SplitHostPort(server, Port);
            bool hasPassword = Credential != null && Credential.Password != null && Credential.Password.Length > 0;
            if (!hasPassword && KeyFilePath == null)
            {
                ThrowTerminatingError(ErrorRecords.Create("CredentialRequired", ErrorCategory.InvalidArgument, server,
                    "Give -KeyFilePath (with -User; root when not given), or -Credential (user and password), or use -Session from New-EsxiSession."));
            }

            return new EsxiConnectionOptions
            {
                Server = host,
                Port = port,
                UserName = LoginUser(server),
                Password = hasPassword ? Credential!.Password : null,
                KeyFilePath = KeyFilePath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KeyFilePath),
                KeyPassphrase = KeyPassphrase,
                KnownHostsPath = KnownHostsPath == null ? EsxiConnectionOptions.DefaultKnownHostsPath : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownHostsPath),
                AcceptNewHostKey = AcceptNewHostKey,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
                CommandTimeout = TimeSpan.FromSeconds(CommandTimeout),
            };
        }

        /// <summary>-Credential's user, else -User, else root; the two given and different is an error.</summary>
        private protected string LoginUser(string server)
        {
            string? credentialUser = Credential?.UserName?.TrimStart('\\');
            if (User != null && credentialUser != null && !string.Equals(User, credentialUser, StringComparison.Ordinal))
            {
                ThrowTerminatingError(ErrorRecords.Create("UserConflictsWithCredential", ErrorCategory.InvalidArgument, server,
                    $"-User '{User}' and -Credential's user '{credentialUser}' differ: give one of them."));
            }

            return credentialUser ?? User ?? "root";
        }

        /// <summary>"name", "name:port", "[v6]:port" or a bare IPv6 address.</summary>
        internal static (string Host, int Port) SplitHostPort(string server, int defaultPort)
        {
            string text = server.Trim();
            if (text.StartsWith("[", StringComparison.Ordinal))
            {
                int close = text.IndexOf(']');
                if (close > 0 && close + 2 < text.Length && text[close + 1] == ':' && int.TryParse(text.Substring(close + 2), out int v6Port))
                {
                    return (text.Substring(1, close - 1), v6Port);
                }

                return (text.Trim('[', ']'), defaultPort);
            }

            int colon = text.IndexOf(':');
            if (colon > 0 && colon == text.LastIndexOf(':') && int.TryParse(text.Substring(colon + 1), out int port))
            {
                return (text.Substring(0, colon), port);
            }

            return (text, defaultPort);
        }

        /// <summary>
        /// The hosts (by label) whose work failed in this call, with the error already written for each: work that
        /// comes later skips them, so a host is asked once and its error written once (a failed login is never retried).
        /// </summary>
        private protected IReadOnlyDictionary<string, ErrorRecord> FailedHosts => failedHosts;

        /// <summary>The <see cref="FailedHosts"/> for a message: "esx02, esx03".</summary>
        private protected string FailedHostNames => string.Join(", ", failedHosts.Keys.OrderBy(k => k, StringComparer.Ordinal));

        private void Guard(HostFanOut.HostWriter writer, string label, Action work)
        {
            try
            {
                work();
            }
            catch (EsxiSshException e)
            {
                Failed(writer, label, ErrorRecords.FromSsh(e));
            }
            catch (Remote.RemoteHostException e)
            {
                Failed(writer, label, e.InnerException is EsxiSshException ssh ? ErrorRecords.FromSsh(ssh) : ErrorRecords.Create(e.ErrorId, ErrorCategory.ConnectionError, e.Server, e.Message, e));
            }
            catch (VSphere.VSphereApiException e)
            {
                Failed(writer, label, ErrorRecords.FromVSphere(e));
            }
            catch (Install.InstallException e)
            {
                Failed(writer, label, ErrorRecords.Create(e.ErrorId, ErrorCategory.InvalidOperation, e.Server, e.Message, e));
            }
            catch (OperationCanceledException) when (writer.Token.IsCancellationRequested)
            {
                // Ctrl+C: stop quietly.
            }
        }

        private void Failed(HostFanOut.HostWriter writer, string label, ErrorRecord error)
        {
            failedHosts[label] = error;
            writer.Error(error);
        }
    }
}
