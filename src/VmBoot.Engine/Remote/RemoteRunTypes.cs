using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Ssh;

namespace VmBoot.Remote
{
    /// <summary>A host of a remote run (a boot or a shutdown): how to reach it, and the name the user gave it.</summary>
    public sealed class RemoteTarget
    {
        /// <summary>A host reached by connecting (again and again while it boots) with <paramref name="options"/>.</summary>
        public RemoteTarget(EsxiConnectionOptions options)
        {
            Label = EsxiConnection.DisplayName(options.Server, options.Port);
            Options = options;
        }

        /// <summary>A host reached through a connection that is already open (a session); the run does not close it.</summary>
        public RemoteTarget(EsxiConnection connection)
        {
            Label = connection.Name;
            Connection = connection;
        }

        /// <summary>A host reached through its vSphere API (hostd on 443), connecting again and again while it boots.</summary>
        public RemoteTarget(VSphere.VimConnectionOptions options)
        {
            Label = options.Name;
            ApiOptions = options;
        }

        /// <summary>A host reached through a vSphere API session that is already open; the run does not log it out.</summary>
        public RemoteTarget(VSphere.VimClient session)
        {
            Label = session.Name;
            ApiSession = session;
        }

        /// <summary>The host as the user named it (name, or name:port).</summary>
        public string Label { get; }

        /// <summary>How to connect, or null for an open connection.</summary>
        public EsxiConnectionOptions? Options { get; }

        /// <summary>The open connection, or null.</summary>
        public EsxiConnection? Connection { get; }

        /// <summary>How to reach the host's vSphere API instead of SSH, or null.</summary>
        public VSphere.VimConnectionOptions? ApiOptions { get; }

        /// <summary>The open vSphere API session, or null.</summary>
        public VSphere.VimClient? ApiSession { get; }

        /// <summary>What carries a run's requests to this host: its vSphere API, or SSH.</summary>
        internal IHostControl CreateControl() => ApiOptions != null ? new VSphereHostControl(this, ApiOptions)
            : ApiSession != null ? new VSphereHostControl(this, ApiSession)
            : new SshHostControl(this);
    }

    /// <summary>How long a remote boot waits for what.</summary>
    public sealed class RemoteBootOptions
    {
        /// <summary>How long a host may take to answer SSH after the run starts; later, it counts as not back.</summary>
        public TimeSpan HostTimeout { get; set; } = TimeSpan.FromMinutes(15);

        /// <summary>Time between two looks at something not ready yet (SSH, hostd, heartbeats, a port): the on-host script's 5 s; datastores are looked at every second.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The log's name for the management machine (the runner's own lines: stages, TCP and delay gates).</summary>
        public string RunnerName { get; set; } = Environment.MachineName + " (runner)";

        /// <summary>Time allowed for one TCP connect of a TCP gate.</summary>
        public TimeSpan TcpConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

        /// <summary>How many hosts are worked on at once (a step each); the others wait for a free slot.</summary>
        public int ThrottleLimit { get; set; } = 8;
    }

    /// <summary>A host the run had to go on without, and why.</summary>
    public sealed class RemoteHostFailure
    {
        /// <summary>Creates a failure.</summary>
        public RemoteHostFailure(string host, string errorId, string message, Exception? exception = null)
        {
            Host = host;
            ErrorId = errorId;
            Message = message;
            Exception = exception;
        }

        /// <summary>The host as the user named it.</summary>
        public string Host { get; }

        /// <summary>A PascalCase id: RemoteHostUnreachable, or the transport's (Ssh + the SSH failure).</summary>
        public string ErrorId { get; }

        /// <summary>What happened, naming the host.</summary>
        public string Message { get; }

        /// <summary>The transport's failure behind it (an <see cref="Ssh.EsxiSshException"/>), if any.</summary>
        public Exception? Exception { get; }

        /// <summary>The failure is about the user's credentials, key or known_hosts, not the host being down.</summary>
        public bool IsSecurity { get; set; }
    }

    /// <summary>Where a run tells what it does, as it does it (called from worker threads).</summary>
    public sealed class RemoteRunReporter
    {
        /// <summary>Each event as it happens, in the boot log's format.</summary>
        public Action<BootLogEvent> Event { get; set; } = _ => { };

        /// <summary>A host the run goes on without.</summary>
        public Action<RemoteHostFailure> HostFailed { get; set; } = _ => { };

        /// <summary>Something the user should know (a host left in maintenance mode, a VM in no reachable host...).</summary>
        public Action<string> Warning { get; set; } = _ => { };

        /// <summary>Detail for -Verbose.</summary>
        public Action<string> Verbose { get; set; } = _ => { };

        /// <summary>Where the run is: status (the stage) and operation (the host or VM), percent of the stages done.</summary>
        public Action<string, string, int> Progress { get; set; } = (_, _, _) => { };
    }

    /// <summary>What a remote run did.</summary>
    public sealed class RemoteRunResult
    {
        /// <summary>Every event, in the order written.</summary>
        public List<BootLogEvent> Events { get; } = new List<BootLogEvent>();

        /// <summary>Hosts the run went on without.</summary>
        public List<RemoteHostFailure> Failures { get; } = new List<RemoteHostFailure>();

        /// <summary>Null when the run finished; else where it was when it was stopped.</summary>
        public string? StoppedAt { get; set; }
    }

    /// <summary>The TCP check of a gate, from the machine the run is on (no ESXi firewall in the way).</summary>
    public static class TcpProbe
    {
        /// <summary>True when <paramref name="host"/>:<paramref name="port"/> accepts a connection within <paramref name="timeout"/>.</summary>
        public static async Task<bool> AnswersAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var client = new TcpClient();
            try
            {
                var connect = client.ConnectAsync(host, port);
                var finished = await Task.WhenAny(connect, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (finished != connect)
                {
                    return false;
                }

                await connect.ConfigureAwait(false);
                return client.Connected;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
