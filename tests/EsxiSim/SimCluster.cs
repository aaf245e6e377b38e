using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Remote;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// The hosts of a simulator as one cluster after a power cut, on one virtual clock: each host comes back at its
    /// own second (until then SSH is refused, or accepted and dropped unanswered), or never; ports (vCenter's 443) open at
    /// theirs. <see cref="Clock"/> is that time for the code under test: its waits move the cluster on, instantly.
    /// </summary>
    /// <remarks>
    /// A host's commands take time on the host's own clock (vim-cmd 1 s, a power-on 2 more); the cluster's time is the
    /// latest any host has reached, so work on different hosts at once overlaps as it would. A host's own boot
    /// (rc.local and what local.sh leaves in the background) runs to its end when the host comes back, on the host's
    /// clock from 0; afterwards the host follows the cluster's clock again.
    /// </remarks>
    public sealed class SimCluster : IDisposable
    {
        private readonly EsxiSimulator simulator;
        private readonly string folder;
        private readonly object sync = new object();
        private readonly Dictionary<SimHost, (int At, BootTimes Times)> comebacks = new Dictionary<SimHost, (int, BootTimes)>();
        private readonly Dictionary<SimHost, TcpListener> silent = new Dictionary<SimHost, TcpListener>();
        private readonly List<(int Port, int At, TcpListener? Listener)> ports = new List<(int, int, TcpListener?)>();
        private readonly Dictionary<SimHost, int> bootAt = new Dictionary<SimHost, int>();
        private readonly Dictionary<SimHost, int> poweredOff = new Dictionary<SimHost, int>();
        private int clusterClock;

        /// <summary>Puts the simulator's hosts on one clock (all up, at second 0).</summary>
        public SimCluster(EsxiSimulator simulator)
        {
            this.simulator = simulator;
            folder = Path.Combine(simulator.RunFolder, "cluster");
            Directory.CreateDirectory(folder);
            WriteClock(0);
            Epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            foreach (var host in simulator.Hosts)
            {
                host.JoinCluster(folder);
                host.SetBootAt(0);
                host.FollowClusterClock();
                bootAt[host] = 0;
            }

            Clock = new VirtualClock(this);
        }

        /// <summary>
        /// Makes every host a node of one vSAN cluster (<paramref name="witness"/> its witness node) sharing
        /// vsanDatastore, formed. From then on the cluster behaves as esxi-facts.md's vSAN section says: reboot_helper.py
        /// prepare partitions it (vsanDatastore gone from every host, also across a power cut) until recover; two
        /// prepares at once fail one; the default maintenance mode waits for ever while another node is away.
        /// </summary>
        public void FormVsan(SimHost? witness = null)
        {
            string vsan = Path.Combine(folder, "vsan");
            Directory.CreateDirectory(Path.Combine(vsan, "datastore"));
            Directory.CreateDirectory(Path.Combine(vsan, "hosts"));
            File.WriteAllText(Path.Combine(vsan, "state"), "formed");
            Native.ChownTree(vsan, SimMachine.Uid, SimMachine.Gid);
            foreach (var host in simulator.Hosts)
            {
                host.JoinVsan(host == witness ? "WITNESS" : "NORMAL");
            }
        }

        /// <summary>The vSAN cluster's state: formed, or partitioned (after prepare, until recover).</summary>
        public string VsanState => File.ReadAllText(Path.Combine(folder, "vsan", "state")).Trim();

        /// <summary>Unix seconds at cluster second 0 (when the power came back).</summary>
        public long Epoch { get; private set; }

        /// <summary>The cluster's time, for the code under test.</summary>
        public IBootClock Clock { get; }

        /// <summary>Cluster seconds now: the latest time any running host has reached.</summary>
        public int Now
        {
            get
            {
                lock (sync)
                {
                    return simulator.Hosts.Where(h => h.IsUp && bootAt.ContainsKey(h)).Select(h => h.Clock + bootAt[h]).DefaultIfEmpty(0).Append(clusterClock).Max();
                }
            }
        }

        /// <summary>
        /// The power goes out and comes back at cluster second 0: every host is off (connections refused) until its
        /// <see cref="ComesBackAt"/>. Log times continue after everything the hosts logged before.
        /// </summary>
        public void PowerCut()
        {
            lock (sync)
            {
                long lastSeen = Epoch + Now;
                foreach (var host in simulator.Hosts)
                {
                    host.PowerOff();
                    bootAt.Remove(host);
                }

                comebacks.Clear();
                poweredOff.Clear();
                Epoch = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), lastSeen + 60);
                clusterClock = 0;
                WriteClock(0);
            }
        }

        /// <summary>The cluster second a host went down after being told to power off, or null.</summary>
        public int? PoweredOffAt(SimHost host)
        {
            lock (sync)
            {
                return poweredOff.TryGetValue(host, out int at) ? at : (int?)null;
            }
        }

        /// <summary>The host boots at cluster second <paramref name="second"/> (a host never given one never comes back).</summary>
        public void ComesBackAt(SimHost host, int second, BootTimes? times = null)
        {
            lock (sync)
            {
                comebacks[host] = (second, times ?? new BootTimes());
            }
        }

        /// <summary>
        /// Until the host comes back, its port accepts connections and drops each after a second without a word of
        /// SSH, as a host whose network is up and whose sshd is not ready yet. (Holding them until the client's
        /// timeout would make that timeout a test's real time, and a timeout short enough for that fails a host
        /// that is merely slow to answer on a loaded machine.)
        /// </summary>
        public void SilentUntilBack(SimHost host)
        {
            var listener = new TcpListener(IPAddress.Loopback, host.Port);
            listener.Start();
            silent[host] = listener;
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var client = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
                        _ = Task.Delay(1000).ContinueWith(_ => client.Dispose(), TaskScheduler.Default);
                    }
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is InvalidOperationException)
                {
                    // The listener stopped: the host came back, or the cluster was disposed.
                }
            });
        }

        /// <summary>A port on 127.0.0.1 that starts answering at cluster second <paramref name="second"/> (vCenter's 443, say); returns it.</summary>
        public int OpenPortAt(int second)
        {
            lock (sync)
            {
                int port = EsxiSimulator.FreePort();
                ports.Add((port, second, null));
                return port;
            }
        }

        /// <summary>Moves the cluster's clock on by <paramref name="seconds"/>: hosts whose time has come boot, ports open.</summary>
        public void Advance(int seconds)
        {
            lock (sync)
            {
                clusterClock = Now + Math.Max(0, seconds);
                WriteClock(clusterClock);
                // A host told to power off (esxcli system shutdown poweroff, poweroff) goes down at its second.
                foreach (var host in simulator.Hosts.Where(h => h.IsUp && bootAt.ContainsKey(h)).ToList())
                {
                    if (host.PowerOffDueAt is int due && bootAt[host] + due <= clusterClock)
                    {
                        host.PowerOff();
                        poweredOff[host] = bootAt[host] + due;
                        bootAt.Remove(host);
                        comebacks.Remove(host);
                    }
                }

                foreach (var (host, (at, times)) in comebacks.Where(c => c.Value.At <= clusterClock && !bootAt.ContainsKey(c.Key)).OrderBy(c => c.Value.At).ToList())
                {
                    if (silent.Remove(host, out var listener))
                    {
                        listener.Stop();
                    }

                    // The host's boot happens at its own second, on its own clock; then it follows the cluster.
                    host.SetBootAt(at);
                    bootAt[host] = at;
                    host.PowerCycle(times, Epoch + at);
                    host.FollowClusterClock();
                    host.PowerOn();
                }

                for (int i = 0; i < ports.Count; i++)
                {
                    if (ports[i].Listener == null && ports[i].At <= clusterClock)
                    {
                        var listener = new TcpListener(IPAddress.Loopback, ports[i].Port);
                        listener.Start();
                        ports[i] = (ports[i].Port, ports[i].At, listener);
                    }
                }

                foreach (var host in simulator.Hosts.Where(h => h.IsUp))
                {
                    host.MountReadyDatastores();
                }
            }
        }

        public void Dispose()
        {
            foreach (var listener in silent.Values.Concat(ports.Select(p => p.Listener).Where(l => l != null)))
            {
                listener!.Stop();
            }
        }

        private void WriteClock(int seconds)
        {
            string temporary = Path.Combine(folder, "clock.new");
            File.WriteAllText(temporary, seconds.ToString(CultureInfo.InvariantCulture));
            File.Move(temporary, Path.Combine(folder, "clock"), overwrite: true);
        }

        /// <summary>The cluster's time as a clock: a wait moves the cluster on by that long and returns at once.</summary>
        private sealed class VirtualClock : IBootClock
        {
            private readonly SimCluster cluster;

            internal VirtualClock(SimCluster cluster) => this.cluster = cluster;

            public DateTime UtcNow => DateTimeOffset.FromUnixTimeSeconds(cluster.Epoch + cluster.Now).UtcDateTime;

            public async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Virtual time moves on only once the hosts have done what they were asked (a guest shutdown is sent in
                // the background and could otherwise arrive after the virtual seconds it should have taken). A command
                // that hangs on purpose is waited for a few real seconds at most.
                var until = DateTime.UtcNow.AddSeconds(5);
                while (cluster.simulator.Hosts.Any(h => h.IsUp && h.Busy) && DateTime.UtcNow < until)
                {
                    await Task.Delay(20, cancellationToken).ConfigureAwait(false);
                }

                cluster.Advance((int)Math.Ceiling(delay.TotalSeconds));
            }
        }
    }
}
