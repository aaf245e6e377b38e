using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using VmBoot.EsxiSim;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>16 simulated hosts shared by the SSH tests, each with its own inventory.</summary>
    public sealed class SimulatorFixture : IDisposable
    {
        public SimulatorFixture()
        {
            Simulator = EsxiSimulator.Start(16);
            Folder = Directory.CreateTempSubdirectory("vmboot-ssh-tests").FullName;
            KnownHostsPath = Path.Combine(Folder, "known_hosts");
            File.WriteAllLines(KnownHostsPath, Simulator.KnownHostsLines);
            foreach (var (host, index) in Simulator.Hosts.Select((h, i) => (h, i)))
            {
                host.SetInventory(InventoryFor(index));
            }
        }

        public EsxiSimulator Simulator { get; }

        public string Folder { get; }

        public string KnownHostsPath { get; }

        /// <summary>Host i gets i+2 VMs, one with a hostile name and one vCLS.</summary>
        public static List<SimVm> InventoryFor(int index)
        {
            var vms = Enumerable.Range(1, index + 2).Select(n => new SimVm { Vmid = n, Name = $"vm{index:00}-{n}", Datastore = n % 2 == 0 ? "shared ds" : "local" }).ToList();
            vms.Add(new SimVm { Vmid = 100, Name = "$(touch /tmp/pwned) `id`;x", Datastore = "shared ds", Notes = "line one\nvmboot: stage=apps" });
            vms.Add(new SimVm { Vmid = 101, Name = "vCLS (1)", Datastore = "local", GuestId = "other3xLinux64Guest" });
            return vms;
        }

        /// <summary>Trusts every host's current keys again (after a test re-keyed one), so no test depends on running before it.</summary>
        public void TrustCurrentHostKeys() => File.WriteAllLines(KnownHostsPath, Simulator.KnownHostsLines);

        public EsxiConnectionOptions Options(SimHost host, string? password = null) => OptionsFor(host, KnownHostsPath, password, TimeSpan.FromSeconds(20));

        /// <summary>Password login to a simulated host, its keys checked against <paramref name="knownHostsPath"/>.</summary>
        public static EsxiConnectionOptions OptionsFor(SimHost host, string knownHostsPath, string? password = null, TimeSpan? commandTimeout = null) => new EsxiConnectionOptions
        {
            Server = host.Address,
            Port = host.Port,
            UserName = host.UserName,
            Password = Secure(password ?? host.Password),
            KnownHostsPath = knownHostsPath,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60),
        };

        /// <summary>Every host as a remote run's target, connecting with <see cref="OptionsFor"/>.</summary>
        public static List<Remote.RemoteTarget> TargetsFor(IEnumerable<SimHost> hosts, string knownHostsPath)
            => hosts.Select(h => new Remote.RemoteTarget(OptionsFor(h, knownHostsPath))).ToList();

        public static SecureString Secure(string text) => new NetworkCredential("", text).SecurePassword;

        public void Dispose()
        {
            Simulator.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    [CollectionDefinition("Simulator")]
    public sealed class SimulatorCollection : ICollectionFixture<SimulatorFixture>
    {
    }
}
