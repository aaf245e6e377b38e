using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.EsxiSim;
using VmBoot.Install;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Probe;
using VmBoot.Remote;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// EsxiCommands.Used is the probe's list of what a host must have: every program VmBoot runs on a host, over SSH and
    /// in the boot script, must be on it. A 6.7 host notes each program it runs through PATH while every executor works
    /// on it once.
    /// </summary>
    public sealed class EsxiCommandsTests : IDisposable
    {
        private readonly EsxiSimulator simulator = EsxiSimulator.StartTracingCommands(1, EsxiProfile.Esxi67);
        private readonly string folder = Directory.CreateTempSubdirectory("vmboot-commands").FullName;

        public void Dispose()
        {
            simulator.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        [Fact]
        public async Task EveryProgramAnExecutorRunsOnAHostIsListed()
        {
            var host = simulator[0];
            host.SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa", Datastore = "shared", ShutdownSeconds = 10 },
                new SimVm { Vmid = 2, Name = "app 01", Datastore = "shared", ShutdownSeconds = 10 },
                new SimVm { Vmid = 3, Name = "vCLS (1)", Datastore = "", GuestId = "crxSys1Guest" },
            });
            host.SetRunning(1);
            host.SetRunning(2);
            host.OpenTcpPortAt("vcsa01.lab", 443, 100);
            string knownHosts = Path.Combine(folder, "known_hosts");
            File.WriteAllLines(knownHosts, simulator.KnownHostsLines);
            var options = SimulatorFixture.OptionsFor(host, knownHosts);
            var plan = new BootPlan
            {
                Log = { Datastore = "shared" },
                Readiness = { Timeout = 600, MaintenanceMode = MaintenanceModePolicy.Exit, Datastores = { "shared" } },
                Stages =
                {
                    new BootStage { Name = "infra", Select = { Names = { "vcsa" } }, After = { Heartbeat = true, HeartbeatTimeout = 300, TcpHost = "vcsa01.lab", TcpPort = 443, TcpTimeout = 600 } },
                    new BootStage { Name = "apps", Select = { All = true }, Pause = 5 },
                },
            };

            using (var connection = EsxiConnection.Open(options, CancellationToken.None))
            {
                var vms = new List<EsxiVm>();
                LiveInventory.Read(connection, CancellationToken.None, vms.Add, d => { });
                HostProbe.Run(connection, plan, CancellationToken.None);
                var script = BootScriptGenerator.Create(plan, vms, SimHost.StockLocalSh, "test");
                BootScriptInstaller.Apply(connection, BootScriptInstaller.Prepare(connection, script, CancellationToken.None), CancellationToken.None);
                BootScriptInstaller.Inspect(connection, CancellationToken.None);
            }

            // The ordered shutdown, the power cut, the host's own boot script and the boot from outside, on a vSAN node (its
            // cluster's shutdown and restart steps).
            var cluster = new SimCluster(simulator);
            cluster.FormVsan();
            var targets = SimulatorFixture.TargetsFor(simulator.Hosts, knownHosts);
            var shutdown = await new RemoteShutdownRunner(plan, targets, new RemoteShutdownOptions { PowerOffHosts = true }, cluster.Clock, new RemoteRunReporter()).RunAsync(CancellationToken.None);
            Assert.Empty(shutdown.Failures);
            cluster.PowerCut();
            cluster.ComesBackAt(host, 30);
            var boot = await new RemoteBootRunner(plan, targets, new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(600) }, cluster.Clock, new RemoteRunReporter()).RunAsync(CancellationToken.None);
            Assert.Empty(boot.Failures);
            Assert.Equal("on", host.PowerState(2));

            using (var connection = EsxiConnection.Open(options, CancellationToken.None))
            {
                Assert.NotEmpty(BootLogReader.Read(connection, null, CancellationToken.None));
                BootScriptInstaller.Apply(connection, BootScriptInstaller.PrepareRemoval(connection, CancellationToken.None), CancellationToken.None);
            }

            var listed = EsxiCommands.Used.Select(c => c.Substring(c.LastIndexOf('/') + 1)).ToHashSet(StringComparer.Ordinal);
            var run = host.CommandsRun;
            // The trace itself works: the boot script's and the installer's programs are there.
            Assert.Contains("vim-cmd", run);
            Assert.Contains("sha256sum", run);
            Assert.Contains("nc", run);
            Assert.Contains("esxcfg-advcfg", run);
            Assert.Contains("python", run);
            Assert.True(run.All(listed.Contains), "run on the host but not in EsxiCommands.Used: " + string.Join(", ", run.Where(c => !listed.Contains(c))));
        }
    }
}
