using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.EsxiSim;
using VmBoot.Plans;
using VmBoot.Remote;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// A 3-node vSAN cluster with vCenter on vsanDatastore, on virtual time: the simulator holds to VMware's manual
    /// procedure (esxi-facts.md), and the ordered shutdown and the boot from outside follow it.
    /// </summary>
    public sealed class VsanClusterTests : IDisposable
    {
        private readonly EsxiSimulator simulator = EsxiSimulator.Start(3);
        private readonly SimCluster cluster;
        private readonly string folder = Directory.CreateTempSubdirectory("vmboot-vsan").FullName;
        private readonly string knownHosts;

        public VsanClusterTests()
        {
            knownHosts = Path.Combine(folder, "known_hosts");
            File.WriteAllLines(knownHosts, simulator.KnownHostsLines);
            simulator[0].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa", Datastore = SimHost.VsanDatastore, ShutdownSeconds = 30 },
                new SimVm { Vmid = 2, Name = "dc01", Datastore = "esx01-local", ShutdownSeconds = 10 },
                new SimVm { Vmid = 3, Name = "vCLS (1)", Datastore = SimHost.VsanDatastore, GuestId = "crxSys1Guest" },
            });
            simulator[1].SetInventory(new[] { new SimVm { Vmid = 1, Name = "app 01", Datastore = SimHost.VsanDatastore, ShutdownSeconds = 10 } });
            simulator[2].SetInventory(new[] { new SimVm { Vmid = 1, Name = "app 02", Datastore = SimHost.VsanDatastore, ShutdownSeconds = 10 } });
            cluster = new SimCluster(simulator);
            foreach (var host in simulator.Hosts)
            {
                foreach (var vm in host.Inventory)
                {
                    host.SetRunning(vm.Vmid);
                }
            }
        }

        public void Dispose()
        {
            cluster.Dispose();
            simulator.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        private static BootPlan Plan() => new BootPlan
        {
            Readiness = { Timeout = 600 },
            Stages =
            {
                new BootStage { Name = "vcenter", Select = { Names = { "vcsa" } }, After = { Heartbeat = true, HeartbeatTimeout = 300 } },
                new BootStage { Name = "infra", Select = { Names = { "dc01" } } },
                new BootStage { Name = "apps", Select = { All = true } },
            },
        };

        private List<RemoteTarget> Targets() => SimulatorFixture.TargetsFor(simulator.Hosts, knownHosts);

        private RemoteShutdownRunner Shutdown(BootPlan plan, IEnumerable<SimHost>? only = null) => new RemoteShutdownRunner(plan, SimulatorFixture.TargetsFor(only ?? simulator.Hosts, knownHosts),
            new RemoteShutdownOptions { PowerOffHosts = true, RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter());

        private void Fault(string name, string? error)
        {
            foreach (var host in simulator.Hosts)
            {
                string file = Path.Combine(host.Root, ".sim/faults", name);
                if (error == null)
                {
                    File.Delete(file);
                }
                else
                {
                    File.WriteAllText(file, error + "\n");
                }
            }
        }

        private static bool Mounted(SimHost host) => host.RunAsHost("[ -e /vmfs/volumes/vsanDatastore ] && echo yes || echo no").Trim() == "yes";

        [Fact]
        public async Task TheSimulatedClusterKeepsToVmwaresProcedure()
        {
            cluster.FormVsan();
            var (esx01, esx02, esx03) = (simulator[0], simulator[1], simulator[2]);
            // Every VM off, as before a cluster's power-off.
            foreach (var host in simulator.Hosts)
            {
                host.SetInventory(host.Inventory.ToList());
            }

            Assert.Contains("Sub-Cluster Member Count: 3", esx01.RunAsHost("esxcli vsan cluster get"));
            Assert.True(Mounted(esx02));
            Assert.Equal("Value of IgnoreClusterMemberListUpdates is 1", esx01.RunAsHost("esxcfg-advcfg -s 1 /VSAN/IgnoreClusterMemberListUpdates").Trim());

            // Two prepares at once: one prepares the cluster, the other fails.
            var answers = await Task.WhenAll(new[] { esx01, esx02 }.Select(h => Task.Run(() => h.RunAsHost("python /usr/lib/vmware/vsan/bin/reboot_helper.py prepare 2>&1; echo \"exit $?\"", check: false))));
            Assert.Single(answers, a => a.Contains("Cluster preparation is done.") && a.Contains("exit 0"));
            Assert.Single(answers, a => a.Contains("another host is preparing") && a.Contains("exit 1"));
            Assert.Equal("partitioned", cluster.VsanState);
            Assert.All(simulator.Hosts, h => Assert.False(Mounted(h)));
            Assert.Contains("Sub-Cluster Member Count: 1", esx03.RunAsHost("esxcli vsan cluster get"));

            // The default maintenance mode moves data off: with another node in maintenance mode it never finishes; noAction does.
            esx03.MaintenanceMode = true;
            Assert.Equal("143", esx01.RunAsHost("timeout 3 vim-cmd hostsvc/maintenance_mode_enter >/dev/null 2>&1; echo $?", check: false).Trim());
            Assert.False(esx01.MaintenanceMode);
            Assert.Equal("0", esx01.RunAsHost("esxcli system maintenanceMode set -e true -m noAction; echo $?").Trim());
            Assert.True(esx01.MaintenanceMode);

            // A power cut keeps it partitioned and keeps the setting; recover needs every node back and out of maintenance mode.
            cluster.PowerCut();
            foreach (var host in simulator.Hosts)
            {
                cluster.ComesBackAt(host, 10);
            }

            cluster.Advance(20);
            Assert.Equal(1, esx01.IgnoreClusterMemberListUpdates);
            Assert.Equal("partitioned", cluster.VsanState);
            Assert.False(Mounted(esx01));
            Assert.Contains("esx01 esx03 down or in maintenance mode", esx02.RunAsHost("python /usr/lib/vmware/vsan/bin/reboot_helper.py recover 2>&1", check: false));
            esx01.MaintenanceMode = false;
            esx03.MaintenanceMode = false;
            Assert.Contains("Cluster reboot/power-on is completed successfully!", esx02.RunAsHost("python /usr/lib/vmware/vsan/bin/reboot_helper.py recover"));
            Assert.Equal("formed", cluster.VsanState);
            Assert.All(simulator.Hosts, h => Assert.True(Mounted(h)));
        }

        [Fact]
        public async Task TheOrderedShutdownAndTheBootFollowVmwaresProcedure()
        {
            cluster.FormVsan();
            var plan = Plan();
            var preview = await Shutdown(plan).PreviewAsync(CancellationToken.None);
            Assert.Contains(preview, l => l.StartsWith("The vSAN cluster (esx01, esx02, esx03), after every VM and before any host goes down", StringComparison.Ordinal)
                && l.Contains("esxcfg-advcfg -s 1 /VSAN/IgnoreClusterMemberListUpdates on every node, then python /usr/lib/vmware/vsan/bin/reboot_helper.py prepare on esx01 only"));
            Assert.Contains(preview, l => l.Contains("enter maintenance mode without moving vSAN data (-m noAction)"));
            var shutdown = await Shutdown(plan).RunAsync(CancellationToken.None);
            Assert.True(shutdown.Failures.Count == 0, string.Join("\n", shutdown.Failures.Select(f => f.Message)));
            var events = shutdown.Events;
            Assert.All(simulator.Hosts, h => Assert.False(h.IsUp));
            Assert.All(simulator.Hosts, h => Assert.Equal(1, h.IgnoreClusterMemberListUpdates));
            Assert.Equal("partitioned", cluster.VsanState);

            // After every VM (vCenter last, vCLS off), each node ignores member list updates, then one node prepares, then
            // every node enters maintenance mode without moving data.
            var lastVm = events.Last(e => e.Vmid != null);
            var ignore = events.Where(e => e.Action == "vsan-ignore-updates").ToList();
            Assert.Equal(3, ignore.Count);
            Assert.All(ignore, e => Assert.Equal("1", e.Result));
            var prepare = Assert.Single(events, e => e.Action == "vsan-prepare");
            Assert.Equal("done", prepare.Result);
            var maintenance = events.Where(e => e.Action == "maintenance-mode").ToList();
            Assert.Equal(3, maintenance.Count);
            Assert.All(maintenance, e => Assert.Contains("noAction", e.Message));
            Assert.True(events.IndexOf(lastVm) < events.IndexOf(ignore[0]));
            Assert.True(ignore.All(e => events.IndexOf(e) < events.IndexOf(prepare)));
            Assert.True(maintenance.All(e => events.IndexOf(e) > events.IndexOf(prepare)));

            // The power comes back: the nodes leave maintenance mode, one recovers the cluster, each is healthy and
            // listens to member updates again; only then vCenter first, then the rest.
            cluster.PowerCut();
            foreach (var host in simulator.Hosts)
            {
                cluster.ComesBackAt(host, 30);
            }

            cluster.Advance(30);
            var bootPreview = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions(), cluster.Clock, new RemoteRunReporter()).PreviewAsync(CancellationToken.None);
            Assert.Equal(3, bootPreview.Count(l => l.Contains("a node of a vSAN cluster prepared for its power-off") && l.Contains("reboot_helper.py recover")));
            var boot = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(600), RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter())
                .RunAsync(CancellationToken.None);
            Assert.True(boot.Failures.Count == 0, string.Join("\n", boot.Failures.Select(f => f.Message)));
            var bootEvents = boot.Events;
            var recover = Assert.Single(bootEvents, e => e.Action == "vsan-recover");
            Assert.Equal("done", recover.Result);
            Assert.Equal(3, bootEvents.Count(e => e.Action == "vsan-health" && e.Result == "healthy"));
            Assert.Equal(3, bootEvents.Count(e => e.Action == "vsan-ignore-updates" && e.Result == "0"));
            Assert.True(bootEvents.Where(e => e.Action == "maintenance-mode").All(e => bootEvents.IndexOf(e) < bootEvents.IndexOf(recover)));
            var firstPowerOn = bootEvents.First(e => e.Action == "power-on");
            Assert.Equal("vcsa", firstPowerOn.VmName);
            Assert.True(bootEvents.IndexOf(firstPowerOn) > bootEvents.FindLastIndex(e => e.Action == "vsan-ignore-updates"));
            Assert.Equal("formed", cluster.VsanState);
            Assert.All(simulator.Hosts, h => Assert.Equal(0, h.IgnoreClusterMemberListUpdates));
            Assert.All(simulator.Hosts, h => Assert.All(h.Inventory.Where(v => !v.Name.StartsWith("vCLS", StringComparison.Ordinal)), v => Assert.Equal("on", h.PowerState(v.Vmid))));

            // Every event is one the catalogue knows; one report shows both, the vSAN steps among them.
            Assert.All(events.Concat(bootEvents), e => Assert.Contains(e.Action, BootEvents.Names));
            var lines = events.Concat(bootEvents).Select(BootLogLine.Format).ToList();
            var summaries = BootSummary.FromEvents(BootLogParser.Parse(lines, "cluster.log", d => Assert.Fail(d.Message)).ToList());
            Assert.Contains(summaries, s => s.IsShutdown && s.Completed);
            Assert.Contains("vsan-prepare done", BootReport.Write(summaries, "Power event", DateTime.UtcNow));
        }
    
        [Fact]
        public async Task AClusterWithANodeOutsideTheRunIsRefusedBeforeAnythingIsShutDown()
        {
            cluster.FormVsan();
            var preview = await Shutdown(Plan(), simulator.Hosts.Take(2)).PreviewAsync(CancellationToken.None);
            Assert.Contains(preview, l => l.Contains("cannot be powered off with VMware's procedure: the cluster has 3 nodes and this shutdown reaches 2 (esx01, esx02)"));

            var result = await Shutdown(Plan(), simulator.Hosts.Take(2)).RunAsync(CancellationToken.None);
            var refused = Assert.Single(result.Failures);
            Assert.Equal(RemoteShutdownRunner.VsanNotPreparableId, refused.ErrorId);
            Assert.Contains("Nothing was shut down", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Events, e => e.Action == "shutdown" || e.Action == "power-off");
            Assert.All(simulator.Hosts, h => Assert.All(h.Inventory, v => Assert.Equal("on", h.PowerState(v.Vmid))));
            Assert.Equal("formed", cluster.VsanState);
        }

        [Fact]
        public async Task AFailedStepLeavesEveryNodeOnAndSaysWhatWasDoneAndTheWitnessNeverPrepares()
        {
            // esx01 is the witness: prepare runs on esx02.
            cluster.FormVsan(witness: simulator[0]);

            // The setting refused on every node: nothing else is done, and where it was set it is set back.
            Fault("advcfg", "Error: unable to set the option (vmkernel busy)");
            var refusedSetting = await Shutdown(Plan()).RunAsync(CancellationToken.None);
            var failure = Assert.Single(refusedSetting.Failures);
            Assert.Equal(VmBoot.Remote.RemoteRun.VsanStepFailedId, failure.ErrorId);
            Assert.Contains("vmkernel busy", failure.Message, StringComparison.Ordinal);
            Assert.Contains("left on", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(refusedSetting.Events, e => e.Action == "vsan-prepare" || e.Action == "maintenance-mode");
            Assert.Equal(3, refusedSetting.Events.Count(e => e.Action == "host-off" && e.Result == "skipped"));
            Assert.All(simulator.Hosts, h => Assert.True(h.IsUp));
            Fault("advcfg", null);

            // prepare fails on the data node: the nodes are left on, the setting stays (the cluster may be partly prepared).
            Fault("vsan-prepare", "Cluster preparation failed: timed out waiting for the cluster to partition");
            var refusedPrepare = await Shutdown(Plan()).RunAsync(CancellationToken.None);
            failure = Assert.Single(refusedPrepare.Failures);
            Assert.Equal(VmBoot.Remote.RemoteRun.VsanStepFailedId, failure.ErrorId);
            Assert.StartsWith("esx02: python /usr/lib/vmware/vsan/bin/reboot_helper.py prepare failed (Cluster preparation failed: timed out", failure.Message, StringComparison.Ordinal);
            Assert.Contains("IgnoreClusterMemberListUpdates is 1 on esx01, esx02, esx03", failure.Message, StringComparison.Ordinal);
            var prepare = Assert.Single(refusedPrepare.Events, e => e.Action == "vsan-prepare");
            Assert.Equal(("esx02", "failed"), (prepare.HostName, prepare.Result));
            Assert.DoesNotContain(refusedPrepare.Events, e => e.Action == "maintenance-mode");
            Assert.All(simulator.Hosts, h => Assert.True(h.IsUp));
            Assert.All(simulator.Hosts, h => Assert.Equal(1, h.IgnoreClusterMemberListUpdates));
            Assert.Equal("formed", cluster.VsanState);
            Fault("vsan-prepare", null);

            // Mended, the next run prepares on the data node, never on the witness, and powers the cluster off.
            var done = await Shutdown(Plan()).RunAsync(CancellationToken.None);
            Assert.Empty(done.Failures);
            Assert.Equal("esx02", Assert.Single(done.Events, e => e.Action == "vsan-prepare").HostName);
            Assert.All(simulator.Hosts, h => Assert.False(h.IsUp));
        }
    }
}
