using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// A set of simulated ESXi hosts for one test run. Dispose stops every sshd and removes all state;
    /// a run whose process died is cleaned up by the next run on the machine.
    /// </summary>
    public sealed class EsxiSimulator : IDisposable
    {
        private readonly List<SimHost> hosts = new List<SimHost>();
        private readonly string runFolder;

        internal string RunFolder => runFolder;

        private EsxiSimulator(string runFolder)
        {
            this.runFolder = runFolder;
        }

        public IReadOnlyList<SimHost> Hosts => hosts;

        public string UserName => SimMachine.UserName;

        public string Password => SimMachine.Password;

        public SimHost this[int index] => hosts[index];

        /// <summary>Starts <paramref name="count"/> hosts named esx01, esx02, ... on free loopback ports, of one ESXi release (8.0 U3 unless given).</summary>
        public static EsxiSimulator Start(int count, EsxiProfile? profile = null) => Start(count, profile, null);

        /// <summary>The same, each host noting every program run on it through PATH (<see cref="SimHost.CommandsRun"/>).</summary>
        public static EsxiSimulator StartTracingCommands(int count, EsxiProfile? profile = null) => Start(count, profile, (host, _) => host.TraceCommands());

        /// <summary>
        /// Starts one host per Test-EsxiHost capture file that answers every command with what the captured host answered
        /// to the same command line (a user's capture becomes a test); a command the capture lacks fails with status 127.
        /// </summary>
        public static EsxiSimulator Replay(params string[] captureFiles)
            => Start(captureFiles.Length, null, (host, i) => host.ReplayFrom(captureFiles[i]));

        private static EsxiSimulator Start(int count, EsxiProfile? profile, Action<SimHost, int>? prepare)
        {
            SimMachine.EnsureReady();
            string runId = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
            string runFolder = Path.Combine(SimMachine.RunsRoot, runId);
            // Made under a hidden name and renamed with its owner inside: another process clearing stale runs never
            // sees this run without its owner.
            string making = Path.Combine(SimMachine.RunsRoot, "." + runId);
            Directory.CreateDirectory(making);
            File.SetUnixFileMode(making, (UnixFileMode)Convert.ToInt32("755", 8));
            File.WriteAllText(Path.Combine(making, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.Move(making, runFolder);
            var simulator = new EsxiSimulator(runFolder);
            string template = Path.Combine(Path.GetDirectoryName(typeof(EsxiSimulator).Assembly.Location)!, "commands");
            try
            {
                var created = Enumerable.Range(1, count)
                    .Select(i => new SimHost(runFolder, runId, $"esx{i:00}", FreePort, profile ?? EsxiProfile.Esxi80U3))
                    .ToList();
                simulator.hosts.AddRange(created);
                Parallel.For(0, created.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
                {
                    created[i].Create(template);
                    prepare?.Invoke(created[i], i);
                    created[i].Start();
                });
                return simulator;
            }
            catch
            {
                simulator.Dispose();
                throw;
            }
        }

        public SimHost Host(string name) => hosts.Single(h => h.Name == name);

        /// <summary>known_hosts lines for every host.</summary>
        public IEnumerable<string> KnownHostsLines => hosts.SelectMany(h => h.KnownHostsLines);

        public void Dispose()
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }

            if (Directory.Exists(runFolder))
            {
                Directory.Delete(runFolder, recursive: true);
            }
        }

        private static readonly HashSet<int> GivenPorts = new HashSet<int>();

        // A port free now and never handed out before in this process (simulators may run side by side).
        internal static int FreePort()
        {
            lock (GivenPorts)
            {
                while (true)
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    listener.Stop();
                    if (GivenPorts.Add(port))
                    {
                        return port;
                    }
                }
            }
        }
    }
}
