using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using VmBoot.BootLog;
using VmBoot.EsxiSim;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>Three simulated hosts of one cluster for generated boot scripts.</summary>
    public sealed class ClusterFixture : IDisposable
    {
        public const string Hostile = "$(touch /tmp/pwned) `touch /tmp/pwned`;x";

        public ClusterFixture()
        {
            Simulator = EsxiSimulator.Start(3);
            KnownHostsPath = Path.Combine(Directory.CreateTempSubdirectory("vmboot-boot-tests").FullName, "known_hosts");
            File.WriteAllLines(KnownHostsPath, Simulator.KnownHostsLines);
        }

        public EsxiSimulator Simulator { get; }

        public string KnownHostsPath { get; }

        /// <summary>vCenter on esx01, the rest spread out, with a lock, an already-on VM, vCLS and hard names.</summary>
        public void Seed()
        {
            Simulator[0].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa01", Datastore = "shared ds", HeartbeatDelay = 90 },
                new SimVm { Vmid = 2, Name = "app1", Datastore = "shared ds" },
                new SimVm { Vmid = 3, Name = "vCLS (1)", Datastore = "local-esx01" },
            });
            Simulator[1].SetInventory(new[]
            {
                new SimVm { Vmid = 11, Name = "app2", Datastore = "shared ds" },
                new SimVm { Vmid = 4, Name = "app3 [locked]", Datastore = "shared ds", LockFailures = 2 },
                new SimVm { Vmid = 5, Name = "db01", Datastore = "shared ds", PoweredOn = true },
                new SimVm { Vmid = 6, Name = "web   [old", Datastore = "shared ds", Notes = "1   [shared ds] app2/app2.vmx   otherGuest64" },
            });
            Simulator[2].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = Hostile, Datastore = "shared ds", Notes = "'; rm -rf / #" },
                new SimVm { Vmid = 2, Name = "app%2fdb \"quoted\" 'single'", Datastore = "shared ds" },
                new SimVm { Vmid = 3, Name = "仮想マシン01", Datastore = "shared ds" },
                new SimVm { Vmid = 7, Name = "web", Datastore = "shared ds" },
            });
            foreach (var host in Simulator.Hosts)
            {
                host.AddDatastore("shared ds");
                host.OpenTcpPortAt("vcsa01.lab", 443, 150);
            }
        }

        public List<EsxiVm> LiveInventory()
        {
            var vms = new List<EsxiVm>();
            foreach (var host in Simulator.Hosts)
            {
                using var connection = EsxiConnection.Open(SimulatorFixture.OptionsFor(host, KnownHostsPath), CancellationToken.None);
                Inventory.LiveInventory.Read(connection, CancellationToken.None, vms.Add, d => throw new InvalidOperationException(d.Message));
            }

            return vms;
        }

        public void Install(SimHost host, string content, bool persist = true)
        {
            host.WriteText(SimHost.LocalShPath, content);
            // In place, as an admin editing it with vi would: it keeps its sticky mode and gets its .#local.sh marker.
            if (persist)
            {
                host.RunAsHost("/sbin/auto-backup.sh >/dev/null 2>&1");
            }
        }

        public void Dispose() => Simulator.Dispose();
    }

    [CollectionDefinition("Cluster")]
    public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
    {
    }

    [Collection("Cluster")]
    public class BootScriptSimulationTests
    {
        private readonly ClusterFixture fixture;

        public BootScriptSimulationTests(ClusterFixture fixture)
        {
            this.fixture = fixture;
            fixture.Seed();
        }

        private static BootPlan TwoStagePlan() => new BootPlan
        {
            Log = { Datastore = "shared ds" },
            Readiness = { Timeout = 600 },
            PowerOn = { Retries = 3, RetryDelay = 10 },
            Stages =
            {
                new BootStage { Name = "infra", Select = { NameLike = { "vcsa*" } }, After = { Heartbeat = true, HeartbeatTimeout = 300, TcpHost = "vcsa01.lab", TcpPort = 443, TcpTimeout = 600 } },
                new BootStage { Name = "apps", Select = { All = true }, Pause = 5 },
            },
        };

        [Fact]
        public void TwoStagePlanStartsExactlyItsSelectionOnEveryHostInOrder()
        {
            var inventory = fixture.LiveInventory();
            var script = BootScriptGenerator.Create(TwoStagePlan(), inventory, SimHost.StockLocalSh, "test");
            var expected = script.Preview.Select(p => (p.Server, p.Name)).ToHashSet();
            Assert.Equal(10, expected.Count);
            Assert.DoesNotContain(script.Preview, p => p.Vm.IsVcls);

            var timelines = new List<BootTimeline>();
            foreach (var host in fixture.Simulator.Hosts)
            {
                fixture.Install(host, script.Content);
                timelines.Add(host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60));
            }

            var started = timelines.SelectMany(t => t.Events.Where(e => e.Result == "PoweredOn").Select(e => (Server: fixture.Simulator.Host(t.Host).Address + ":" + fixture.Simulator.Host(t.Host).Port, Name: e.Name ?? ""))).ToHashSet();
            var alreadyOn = expected.Where(e => e.Name == "db01").ToHashSet();
            Assert.Equal(expected.Except(alreadyOn).ToHashSet(), started);

            foreach (var (host, timeline) in fixture.Simulator.Hosts.Zip(timelines))
            {
                Assert.True(timeline.BootScriptsRan);
                var powerOns = timeline.Events.Where(e => e.Action == "power.on").ToList();
                Assert.All(powerOns, e => Assert.True(e.Seconds >= 60, $"{host.Name}: {e.Name} at {e.Seconds}s, before the datastores (60s)"));
                var appStarts = powerOns.Where(e => e.Name != "vcsa01").ToList();
                Assert.All(appStarts, e => Assert.True(e.Seconds >= 150, $"{host.Name}: {e.Name} at {e.Seconds}s, before vCenter's port opened (150s)"));
                Assert.All(host.Inventory.Where(v => v.Name.StartsWith("vCLS", StringComparison.Ordinal)), v => Assert.Equal("off", host.PowerState(v.Vmid)));
                Assert.False(host.FileExists("/tmp/pwned"), "a VM name was executed");
                string log = host.ReadText($"/vmfs/volumes/shared ds/vmboot/{host.Name}.log");
                Assert.Contains("\tboot-start\t", log);
                Assert.Contains("\tboot-end\t", log);
                Assert.All(log.TrimEnd('\n').Split('\n'), line => Assert.Equal(9, line.Split('\t').Length));
                AssertLogTellsTheTimeline(log, host, timeline);
            }

            Assert.Contains(fixture.Simulator[0].Inventory, v => v.Name == "vCLS (1)");
            var esx01 = timelines[0].Events;
            int vcsaOn = esx01.Single(e => e.Name == "vcsa01" && e.Result == "PoweredOn").Seconds;
            int app1On = esx01.Single(e => e.Name == "app1" && e.Result == "PoweredOn").Seconds;
            Assert.True(app1On >= vcsaOn + 90, $"app1 started at {app1On}s, before vCenter's heartbeat (on at {vcsaOn}s + 90s)");

            var esx02 = timelines[1].Events;
            Assert.Equal(new[] { "FileLocked", "FileLocked", "PoweredOn" }, esx02.Where(e => e.Vmid == "4").Select(e => e.Result));
            // db01 is started by something else (HA) as its datastore comes up. The script took it for off (that datastore
            // was not mounted when the script began), so the power-on it sent was refused: logged as already on.
            Assert.Equal(new[] { "InvalidPowerState" }, esx02.Where(e => e.Vmid == "5").Select(e => e.Result));
            string esx02Log = fixture.Simulator[1].ReadText("/vmfs/volumes/shared ds/vmboot/esx02.log");
            Assert.Contains("\talready-on\tdb01\t", esx02Log);
            Assert.Contains("\tretry\tapp3 [locked]\tFailed to lock the file", esx02Log);
            var esx02PowerOns = esx02.Where(e => e.Result == "PoweredOn").Select(e => e.Seconds).OrderBy(s => s).ToList();
            Assert.All(esx02PowerOns.Zip(esx02PowerOns.Skip(1)), pair => Assert.True(pair.Second - pair.First >= 5, "stage pause of 5 s between power-ons"));
        }

        // hostd lists a VM whose datastore is not mounted yet as invalid, and getallvms leaves it out. With no datastore
        // to wait for in the plan (the log's included), a stage reads getallvms again once one of its VMs' is mounted.
        [Fact]
        public void AStageFindsTheVmsHostdListedAsInvalidOnceTheirDatastoreIsMounted()
        {
            var plan = TwoStagePlan();
            plan.Log.Datastore = null;
            var inventory = fixture.LiveInventory();
            var script = BootScriptGenerator.Create(plan, inventory, SimHost.StockLocalSh, "test");
            var expected = script.Preview.Where(p => p.Name != "db01").Select(p => (p.Server, p.Name)).ToHashSet();

            var timelines = new List<BootTimeline>();
            foreach (var host in fixture.Simulator.Hosts)
            {
                fixture.Install(host, script.Content);
                timelines.Add(host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60));
            }

            var started = timelines.SelectMany(t => t.Events.Where(e => e.Result == "PoweredOn").Select(e => (Server: fixture.Simulator.Host(t.Host).Address + ":" + fixture.Simulator.Host(t.Host).Port, Name: e.Name ?? ""))).ToHashSet();
            Assert.Equal(expected, started);
            foreach (var host in fixture.Simulator.Hosts)
            {
                string log = host.ReadText($"/vmfs/volumes/shared ds/vmboot/{host.Name}.log");
                Assert.Contains("\twait-datastore\t1\t-\t-\twaiting\tshared ds\tVMs here are invalid until it is mounted\n", log);
                Assert.Contains("\twait-datastore\t1\t-\t-\tready\tshared ds\t-\n", log);
            }

            Assert.Contains("\talready-on\tdb01\t", fixture.Simulator[1].ReadText("/vmfs/volumes/shared ds/vmboot/esx02.log"));
        }

        // A VM of the plan registered again with another vmx file (copied, restored from a backup) is not started, as
        // the script cannot tell it is the same VM: it says so on the host that has it, and only there. On esx02,
        // "web   [old" begins with "web" (a VM on esx03) and three spaces: it is not taken for web moved.
        [Fact]
        public void AVmRegisteredWithAnotherVmxFileIsReportedNotStartedOnlyWhereItIs()
        {
            var script = BootScriptGenerator.Create(TwoStagePlan(), fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            var esx01 = fixture.Simulator[0];
            var esx02 = fixture.Simulator[1];
            esx01.SetInventory(esx01.Inventory.Select(v => v.Name != "app1" ? v : new SimVm { Vmid = v.Vmid, Name = "app1", Datastore = "shared ds", VmxPath = "app1-restored/app1.vmx" }).ToList());

            var timelines = new[] { esx01, esx02 }.Select(host =>
            {
                fixture.Install(host, script.Content);
                return host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60);
            }).ToList();

            Assert.DoesNotContain(timelines[0].Events, e => e.Name == "app1");
            Assert.Contains(timelines[0].Events, e => e.Name == "vcsa01" && e.Result == "PoweredOn");
            Assert.Contains("\tnot-started\t2\t2\t0\tvmx-differs\tapp1\tregistered with another vmx file", esx01.ReadText("/vmfs/volumes/shared ds/vmboot/esx01.log"));
            Assert.DoesNotContain("vmx-differs", esx02.ReadText("/vmfs/volumes/shared ds/vmboot/esx02.log"));
            Assert.Contains(timelines[1].Events, e => e.Name == "web   [old" && e.Result == "PoweredOn");
        }

        // Plans of every shape the generator has: the seed's recipe (New-BootScript -FirstStage), every gate with a
        // rescan and maintenance mode left, a single stage.
        public static IEnumerable<object[]> PlanShapes()
        {
            yield return new object[] { "first stage recipe" };
            yield return new object[] { "every gate" };
            yield return new object[] { "one stage" };
        }

        private static BootPlan Shape(string shape)
        {
            switch (shape)
            {
                case "first stage recipe":
                    return new BootPlan
                    {
                        Log = { Datastore = "shared ds" },
                        Stages = { new BootStage { Name = "first", Select = { NameLike = { "vcsa*" } }, After = { Delay = 120 } }, new BootStage { Name = "rest", Select = { All = true } } },
                    };
                case "every gate":
                    var plan = TwoStagePlan();
                    plan.Readiness.MaintenanceMode = MaintenanceModePolicy.Exit;
                    plan.Readiness.MinimumDelay = 10;
                    plan.Stages[0].After.Delay = 30;
                    plan.Stages[0].After.RescanDatastores.Add("nas nfs");
                    plan.Stages[1].Parallel = 4;
                    return plan;
                default:
                    return new BootPlan { Stages = { new BootStage { Name = "all", Select = { All = true }, Pause = 5 } } };
            }
        }

        [Theory]
        [MemberData(nameof(PlanShapes))]
        public void ScriptIsCleanPosixShellWithOnlyTheFunctionsItCalls(string shape)
        {
            var plan = Shape(shape);
            var script = BootScriptGenerator.Create(plan, fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            AssertShellcheckClean(script.Content);
            var gates = plan.Stages.Take(plan.Stages.Count - 1).Select(s => s.After).ToList();
            Assert.Equal(gates.Any(g => g.Heartbeat), script.Content.Contains("vmboot_gate_heartbeat() {", StringComparison.Ordinal));
            Assert.Equal(gates.Any(g => g.TcpHost != null), script.Content.Contains("vmboot_gate_tcp() {", StringComparison.Ordinal));
            Assert.Equal(gates.Any(g => g.RescanDatastores.Count > 0), script.Content.Contains("vmboot_gate_rescan() {", StringComparison.Ordinal));
            // What it does comes first, in words; then the main sequence; the helpers last.
            int summary = script.Content.IndexOf("# What this block does at boot", StringComparison.Ordinal);
            int main = script.Content.IndexOf("vmboot_main() {", StringComparison.Ordinal);
            int helpers = script.Content.IndexOf("vmboot_start() {", StringComparison.Ordinal);
            Assert.True(summary > 0 && summary < main && main < helpers, "summary, main sequence, helpers: in that order");
            Assert.Contains("# Worst case, if every wait runs to its timeout", script.Content);
            Assert.Contains("# Columns, tab-separated: stage, datastore, vmx file, name.", script.Content);
            Assert.EndsWith("\nexit 0\n", script.Content);
        }

        [Fact]
        public void TheFunctionsResourceIsCleanPosixShellOnItsOwn()
        {
            string file = Path.Combine(AppContext.BaseDirectory, "boot-functions.sh");
            File.WriteAllText(file, BootFunctions.Resource("boot-functions.sh"));
            AssertShellcheckClean(File.ReadAllText(file));
            Assert.Contains("vmboot_gate_rescan", BootFunctions.Names);
        }

        [Fact]
        public void EveryVmOfAHeartbeatGateGetsItsOwnLine()
        {
            var host = fixture.Simulator[0];
            host.SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "slow", Datastore = "shared ds", HeartbeatDelay = 5000 },
                new SimVm { Vmid = 2, Name = "quick", Datastore = "shared ds", HeartbeatDelay = 10 },
                new SimVm { Vmid = 3, Name = "later", Datastore = "shared ds" },
            });
            var plan = new BootPlan
            {
                Log = { Datastore = "shared ds" },
                Stages =
                {
                    new BootStage { Name = "pair", Select = { Names = { "slow", "quick" } }, After = { Heartbeat = true, HeartbeatTimeout = 60 } },
                    new BootStage { Name = "rest", Select = { All = true } },
                },
            };
            var script = BootScriptGenerator.Create(plan, fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            fixture.Install(host, script.Content);
            host.PowerCycle();
            var lines = host.ReadText($"/vmfs/volumes/shared ds/vmboot/{host.Name}.log").Split('\n').Where(l => l.Contains("\tgate-heartbeat\t", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, lines.Count);
            Assert.Contains("\ttimeout\tslow\t", lines[0]);
            Assert.Contains("\tgreen\tquick\t", lines[1]);
        }

        private static void AssertShellcheckClean(string content)
        {
            string file = Path.Combine(Path.GetTempPath(), $"vmboot-local-{Guid.NewGuid():N}.sh");
            File.WriteAllText(file, content);
            try
            {
                var (code, output) = Run("shellcheck", "-s", "sh", "-S", "style", file);
                Assert.True(code == 0, output);
                (code, output) = Run("busybox", "sh", "-n", file);
                Assert.True(code == 0, output);
            }
            finally
            {
                File.Delete(file);
            }
        }

        // The simulator's clock (lib.sh's lanes): work one after another adds up, work run at once takes the longest
        // one's time, as on a real host; a parallel stage's figures depend on it.
        [Theory]
        [InlineData("sleep 5; sleep 7", 12)]
        [InlineData("( sleep 5; sleep 1 ) & ( sleep 7; sleep 1 ) & wait; sleep 1", 9)]
        [InlineData("for i in 1 2 3 4; do ( sleep 3; x=$(date +%s); sleep 2 ) & done; wait", 5)]
        [InlineData("a=$(sleep 2; echo x); b=$(sleep 3); sleep 1", 6)]
        [InlineData("sleep 1 | sleep 2; sleep 1", 3)]
        [InlineData("f() { sleep 2; sleep 2; }; f & f & f & wait; f", 8)]
        public void SimulatedTimeAddsUpInSequenceAndOverlapsAtOnce(string shell, int seconds)
        {
            var host = fixture.Simulator[0];
            int before = host.Clock;
            host.RunAsHost(shell);
            Assert.Equal(seconds, host.Clock - before);
        }

        // What an ordered shutdown will meet (esxi-facts.md, "Powering VMs and hosts off"): a guest shutdown through
        // Tools that takes its time, a VM without Tools, a hung guest only power.off stops, and maintenance mode
        // refused while any VM runs.
        [Fact]
        public void GuestsShutDownThroughToolsInTheirOwnTimeOrNotAtAll()
        {
            var host = fixture.Simulator[0];
            host.SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "app", PoweredOn = true, ShutdownSeconds = 20 },
                new SimVm { Vmid = 2, Name = "appliance", PoweredOn = true, Tools = false },
                new SimVm { Vmid = 3, Name = "hung", PoweredOn = true, HangsOnShutdown = true },
            });
            host.PowerCycle();
            string State(int vmid) => host.RunAsHost($"vim-cmd vmsvc/power.getstate {vmid}").Trim().Split('\n').Last();

            foreach (int vmid in new[] { 1, 2, 3 })
            {
                host.RunAsHost($"vim-cmd vmsvc/power.shutdown {vmid}");
            }

            // Faults come on stderr, as on a real host.
            Assert.Contains("vim.fault.ToolsUnavailable", host.RunAsHost("vim-cmd vmsvc/power.shutdown 2 2>&1"));
            Assert.Contains("vim.fault.InvalidState", host.RunAsHost("vim-cmd hostsvc/maintenance_mode_enter 2>&1", check: false));
            host.RunAsHost("sleep 30");
            Assert.Equal("Powered off", State(1));
            Assert.Equal("Powered on", State(2));
            Assert.Equal("Powered on", State(3));
            host.RunAsHost("sleep 3600");
            Assert.Equal("Powered on", State(3));
            host.RunAsHost("vim-cmd vmsvc/power.off 2; vim-cmd vmsvc/power.off 3");
            Assert.Equal("Powered off", State(3));
            try
            {
                host.RunAsHost("vim-cmd hostsvc/maintenance_mode_enter");
                Assert.Contains("inMaintenanceMode = true", host.RunAsHost("vim-cmd hostsvc/hostsummary"));
            }
            finally
            {
                // The host is shared with the other tests of the collection: it boots out of maintenance mode.
                host.RunAsHost("vim-cmd hostsvc/maintenance_mode_exit");
            }

            var events = host.ReadText("/.sim/events.log").Split('\n').Select(l => l.Split('\t')).Where(f => f.Length == 4).ToList();
            var shutdown = events.Single(f => f[1] == "power.shutdown" && f[2] == "1" && f[3] == "ShutDown");
            var requested = events.First(f => f[1] == "power.shutdown" && f[2] == "1" && f[3] == "Requested");
            Assert.Equal(20, int.Parse(shutdown[0], CultureInfo.InvariantCulture) - int.Parse(requested[0], CultureInfo.InvariantCulture));
        }

        [Fact]
        public void AParallelStageStartsItsBatchesTogetherAndTheLogShowsThem()
        {
            var host = fixture.Simulator[0];
            host.SetInventory(new[] { new SimVm { Vmid = 1, Name = "vcsa01", Datastore = "shared ds", HeartbeatDelay = 30 } }
                .Concat(Enumerable.Range(2, 6).Select(i => new SimVm { Vmid = i, Name = $"app{i}", Datastore = "shared ds", LockFailures = i == 3 ? 1 : 0 }))
                .ToArray());
            BootPlan Plan(int parallel) => new BootPlan
            {
                Log = { Datastore = "shared ds" },
                PowerOn = { Retries = 3, RetryDelay = 10 },
                Stages =
                {
                    new BootStage { Name = "vcenter", Select = { Names = { "vcsa01" } }, After = { Heartbeat = true, HeartbeatTimeout = 300 } },
                    new BootStage { Name = "apps", Select = { All = true }, Pause = 5, Parallel = parallel },
                },
            };

            var runs = new Dictionary<int, BootTimeline>();
            foreach (int parallel in new[] { 1, 3 })
            {
                fixture.Install(host, BootScriptGenerator.Create(Plan(parallel), fixture.LiveInventory(), SimHost.StockLocalSh, "test").Content);
                runs[parallel] = host.PowerCycle(hostdReadyAt: 10, datastoresReadyAt: 20);
            }

            var on = runs[3].Events.Where(e => e.Result == "PoweredOn").ToDictionary(e => e.Name!, e => e.Seconds);
            Assert.Equal(7, on.Count);
            // Batch 1 (app2, app3, app4): together, but app3's file lock costs it a retry 10 s later; batch 2 waits
            // for the whole batch and the pause.
            Assert.Equal(on["app2"], on["app4"]);
            Assert.True(on["app3"] >= on["app2"] + 10, $"app3 (retried after 10 s) on at {on["app3"]} s, app2 at {on["app2"]} s");
            Assert.Equal(on["app5"], on["app6"]);
            Assert.Equal(on["app5"], on["app7"]);
            Assert.True(on["app5"] >= on["app3"] + 5, $"batch 2 at {on["app5"]} s, less than the pause after batch 1 ended ({on["app3"]} s)");
            Assert.True(on["app2"] >= on["vcsa01"] + 30, "the apps waited for vCenter's heartbeat");
            int serialEnd = runs[1].Events.Where(e => e.Result == "PoweredOn").Max(e => e.Seconds);
            int parallelEnd = on.Values.Max();
            Assert.True(parallelEnd < serialEnd - 15, $"parallel 3 ended at {parallelEnd} s, serial at {serialEnd} s");

            string log = host.ReadText($"/vmfs/volumes/shared ds/vmboot/{host.Name}.log");
            var batches = log.Split('\n').Where(l => l.Contains("\tpower-batch\t", StringComparison.Ordinal)).Select(l => l.Split('\t')).ToList();
            Assert.Equal(new[] { "started", "done", "started", "done" }, batches.Select(f => f[6]));
            Assert.Equal("batch 1: up to 3 at once", batches[0][8]);
            var events = BootLogParser.Parse(log.TrimEnd('\n').Split('\n'), "esx01.log", d => Assert.Fail(d.Message)).ToList();
            string html = BootReport.Write(BootSummary.FromEvents(events), "parallel", DateTime.UtcNow);
            Assert.Equal(2, Regex.Matches(html, "<rect class=\"bar batch\"").Count);
            Assert.Contains("batch 1: up to 3 at once: 3 VM(s) in ", html);
        }

        [Fact]
        public void SecureBootMeansTheScriptNeverRuns()
        {
            var host = fixture.Simulator[0];
            var script = BootScriptGenerator.Create(TwoStagePlan(), fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            fixture.Install(host, script.Content);
            host.SecureBoot = true;
            try
            {
                var timeline = host.PowerCycle();
                Assert.False(timeline.BootScriptsRan);
                Assert.Empty(timeline.Events);
            }
            finally
            {
                host.SecureBoot = false;
            }
        }

        [Fact]
        public void WithoutAutoBackupTheScriptIsLostAtReboot()
        {
            var host = fixture.Simulator[1];
            fixture.Install(host, SimHost.StockLocalSh);
            var script = BootScriptGenerator.Create(TwoStagePlan(), fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            fixture.Install(host, script.Content, persist: false);
            var timeline = host.PowerCycle();
            Assert.Empty(timeline.Events);
            Assert.Equal(SimHost.StockLocalSh, host.ReadText(SimHost.LocalShPath));
        }

        [Fact]
        public void SeedRecipeIsSlowerThanVmBootOnTheSameColdBoot()
        {
            var host = fixture.Simulator[0];
            string seed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "seed-local.sh"));
            fixture.Install(host, seed);
            var seedRun = host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60);
            var script = BootScriptGenerator.Create(TwoStagePlan(), fixture.LiveInventory(), SimHost.StockLocalSh, "test");
            fixture.Install(host, script.Content);
            var vmbootRun = host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60);
            int seedVcsa = seedRun.Events.First(e => e.Name == "vcsa01" && e.Result == "PoweredOn").Seconds;
            int vmbootVcsa = vmbootRun.Events.First(e => e.Name == "vcsa01" && e.Result == "PoweredOn").Seconds;
            Assert.True(vmbootVcsa < seedVcsa, $"vCenter on at {vmbootVcsa}s with VmBoot, {seedVcsa}s with the seed's sleep 300");
        }

        // The boot log, read back by Get-BootLog's parser, tells what the simulator saw happen, in the same order.
        private static void AssertLogTellsTheTimeline(string log, SimHost host, BootTimeline timeline)
        {
            var errors = new List<ParseDiagnostic>();
            var boot = BootSummary.FromEvents(BootLog.BootLogParser.Parse(log.Split('\n'), host.Name, errors.Add)).Last();
            Assert.Empty(errors);
            Assert.Equal(host.Name, boot.HostName);
            Assert.True(boot.Completed);
            Assert.Equal(new[] { "infra", "apps" }, boot.Stages.Select(s => s.Name));
            var loggedOn = boot.Events.Where(e => e.Action == "power-on" && e.Result == "ok").ToList();
            var simulatedOn = timeline.Events.Where(e => e.Result == "PoweredOn").OrderBy(e => e.Seconds).ToList();
            Assert.Equal(simulatedOn.Select(e => e.Name), loggedOn.Select(e => e.VmName));
            Assert.Equal(loggedOn.Count, boot.PoweredOn);
            Assert.All(loggedOn, e => Assert.Equal(e.Stage == 1 ? "infra" : "apps", e.StageName));
            // Virtual clock: the log's elapsed seconds match the simulator's, but for the second the script started in.
            int scriptStart = simulatedOn[0].Seconds - (int)loggedOn[0].Elapsed.TotalSeconds;
            Assert.All(loggedOn.Zip(simulatedOn), pair => Assert.InRange(pair.First.Elapsed.TotalSeconds + scriptStart - pair.Second.Seconds, -1, 1));
            Assert.InRange(boot.HostdReadyAfter!.Value.TotalSeconds + scriptStart, 40, 46);
            Assert.True(boot.Stages[1].Started >= boot.Stages[0].Ended, "stage 2 began before stage 1 ended");
        }

        private static (int Code, string Output) Run(string file, params string[] args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
    }
}
