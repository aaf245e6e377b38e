using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.EsxiSim;
using VmBoot.Remote;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The remote runner against a simulated 3-host cluster on virtual time after a power cut: hosts come back at
    /// different times (one with Secure Boot, one never), vCenter registered on another host than when the plan was
    /// written, a heartbeat gate and a TCP gate, a host in maintenance mode.
    /// </summary>
    public sealed class RemoteBootRunnerTests : IDisposable
    {
        private const int HostTimeout = 600;
        private readonly EsxiSimulator simulator;
        private readonly SimCluster cluster;
        private readonly string folder;
        private readonly string knownHosts;
        private readonly int vcenterPort;

        public RemoteBootRunnerTests()
        {
            simulator = EsxiSimulator.Start(3);
            folder = Directory.CreateTempSubdirectory("vmboot-remote").FullName;
            knownHosts = Path.Combine(folder, "known_hosts");
            File.WriteAllLines(knownHosts, simulator.KnownHostsLines);
            simulator[0].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa", Datastore = "shared", HeartbeatDelay = 120 },
                new SimVm { Vmid = 2, Name = "dc01", Datastore = "esx01-local", HeartbeatDelay = 40 },
                new SimVm { Vmid = 3, Name = "app 01", Datastore = "shared" },
                new SimVm { Vmid = 4, Name = "vCLS (1)", Datastore = "", GuestId = "crxSys1Guest" },
            });
            simulator[1].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "db01", Datastore = "shared" },
                new SimVm { Vmid = 2, Name = "app 02", Datastore = "shared" },
                new SimVm { Vmid = 3, Name = "vCLS (2)", Datastore = "", GuestId = "crxSys1Guest" },
            });
            simulator[2].SetInventory(new[] { new SimVm { Vmid = 1, Name = "app 03", Datastore = "shared" } });
            cluster = new SimCluster(simulator);
            vcenterPort = cluster.OpenPortAt(1000);
        }

        private BootPlan Plan() => new BootPlan
        {
            Readiness = new BootReadiness { Timeout = 600, MaintenanceMode = MaintenanceModePolicy.Exit, Datastores = { "shared" } },
            Stages =
            {
                new BootStage
                {
                    Name = "infra",
                    Select = new VmSelector { Names = { "vcsa", "dc01" } },
                    After = new StageGate { Heartbeat = true, HeartbeatTimeout = 300, TcpHost = "127.0.0.1", TcpPort = vcenterPort, TcpTimeout = 900 },
                },
                new BootStage { Name = "data", Select = new VmSelector { Names = { "db01" } }, After = new StageGate { Delay = 30 } },
                new BootStage { Name = "apps", Select = new VmSelector { All = true } },
            },
        };

        private List<RemoteTarget> Targets() => SimulatorFixture.TargetsFor(simulator.Hosts, knownHosts);

        private RemoteBootRunner Runner(List<string> warnings) => new RemoteBootRunner(Plan(), Targets(),
            new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(HostTimeout), PollInterval = TimeSpan.FromSeconds(30), RunnerName = "mgmt (runner)" },
            cluster.Clock, new RemoteRunReporter { Warning = warnings.Add });

        [Fact]
        public async Task BootsTheClusterInStageOrderAcrossHostsAndGoesOnWithoutTheDeadHost()
        {
            // Before the cut, the plan's preview finds vCenter on esx01...
            var before = await Runner(new List<string>()).PreviewAsync(CancellationToken.None);
            Assert.Contains(before, l => l.StartsWith("Stage 1 'infra': power on 'vcsa' on esx01, 'dc01' on esx01", StringComparison.Ordinal));

            // ...then HA moves it to esx02, and the power goes out.
            var esx01 = simulator[0];
            var esx02 = simulator[1];
            var esx03 = simulator[2];
            esx01.SetInventory(esx01.Inventory.Where(v => v.Name != "vcsa").ToList());
            esx02.SetInventory(esx02.Inventory.Append(new SimVm { Vmid = 7, Name = "vcsa", Datastore = "shared", HeartbeatDelay = 120 }).ToList());
            esx01.MaintenanceMode = true;
            esx02.SecureBoot = true;
            cluster.PowerCut();
            cluster.SilentUntilBack(esx02);
            cluster.ComesBackAt(esx01, 120, new BootTimes { HostdReadyAt = 40, DatastoresReadyAt = 60 });
            cluster.ComesBackAt(esx02, 240, new BootTimes { HostdReadyAt = 30 });

            var warnings = new List<string>();
            var result = await Runner(warnings).RunAsync(CancellationToken.None);
            var events = result.Events;
            string dead = EsxiConnection.DisplayName(esx03.Address, esx03.Port);

            // The dead host is one error, named; the rest went on.
            var failure = Assert.Single(result.Failures);
            Assert.Equal(RemoteBootRunner.UnreachableId, failure.ErrorId);
            Assert.Equal(dead, failure.Host);
            Assert.Contains(dead, failure.Message);
            Assert.Null(result.StoppedAt);

            // Every reachable planned VM is on, vCenter on the host it is registered on now; vCLS never.
            Assert.Equal("on", esx02.PowerState(7));
            Assert.Equal("on", esx01.PowerState(2));
            Assert.Equal("on", esx01.PowerState(3));
            Assert.Equal("on", esx02.PowerState(1));
            Assert.Equal("on", esx02.PowerState(2));
            Assert.Equal("off", esx01.PowerState(4));
            Assert.Equal("off", esx02.PowerState(3));
            Assert.Contains(events, e => e.HostName == "esx02" && e.Action == "power-on" && e.VmName == "vcsa" && e.Result == "ok" && e.Stage == 1);
            Assert.False(esx01.MaintenanceMode);
            Assert.Contains(events, e => e.HostName == "esx01" && e.Action == "maintenance-mode" && e.Result == "exited");
            Assert.Contains(events, e => e.HostName == "esx01" && e.Action == "wait-datastore" && e.Datastore == "shared" && e.Result == "ready");

            // Hosts answered when they came back; the silent one timed out meanwhile, and nothing started before the dead host's deadline.
            var start = events[0].Time;
            double At(BootLogEvent e) => (e.Time - start).TotalSeconds;
            Assert.InRange(At(events.Single(e => e.HostName == "esx01" && e.Action == "wait-ssh")), 120, 150);
            Assert.InRange(At(events.Single(e => e.HostName == "esx02" && e.Action == "wait-ssh")), 240, 270);
            Assert.Contains(events, e => e.HostName == dead && e.Action == "wait-ssh" && e.Result == "timeout");
            var powerOns = events.Where(e => e.Action == "power-on").ToList();
            Assert.All(powerOns, e => Assert.True(At(e) >= HostTimeout, $"{e.VmName} started at {At(e)} s, before the dead host's deadline"));

            // True cluster order: a stage starts on no host before the previous stage's gate has finished on all.
            var heartbeats = events.Where(e => e.Action == "gate-heartbeat").ToList();
            Assert.Equal(new[] { "dc01", "vcsa" }, heartbeats.Select(e => e.VmName).OrderBy(n => n));
            Assert.All(heartbeats, e => Assert.Equal("green", e.Result));
            var tcp = events.Single(e => e.Action == "gate-tcp");
            Assert.Equal(("open", "mgmt (runner)"), (tcp.Result, tcp.HostName));
            Assert.True(At(tcp) >= 1000, $"vCenter's port opens at 1000 s; the gate said open at {At(tcp)}");
            var delay = events.Single(e => e.Action == "gate-delay");
            var stage1 = powerOns.Where(e => e.Stage == 1).ToList();
            var stage2 = powerOns.Where(e => e.Stage == 2).ToList();
            var stage3 = powerOns.Where(e => e.Stage == 3).ToList();
            Assert.Equal(2, stage1.Count);
            Assert.Single(stage2);
            Assert.Equal(new[] { "app 01", "app 02" }, stage3.Select(e => e.VmName).OrderBy(n => n));
            Assert.True(stage1.Max(At) <= heartbeats.Min(At));
            Assert.True(heartbeats.Max(At) <= At(tcp) && At(tcp) <= stage2.Min(At));
            Assert.True(stage2.Max(At) <= At(delay) && At(delay) + 30 <= stage3.Min(At));
            foreach (var host in new[] { "esx01", "esx02", "mgmt (runner)" })
            {
                var stageStarts = events.Where(e => e.HostName == host && e.Action == "stage-start").Select(e => e.Stage).ToList();
                Assert.Equal(new int?[] { 1, 2, 3 }, stageStarts);
            }

            // The log, written and read back, is one cluster timeline; the report draws every host on one axis.
            string logFile = Path.Combine(folder, "cluster.log");
            File.WriteAllLines(logFile, events.Select(BootLogLine.Format));
            var read = BootLogParser.Parse(File.ReadAllLines(logFile), logFile, d => throw new InvalidOperationException(d.Message)).ToList();
            Assert.Equal(events.Count, read.Count);
            Assert.Equal(events.Select(e => (e.HostName, e.Action, e.Stage, e.VmName ?? e.StageName ?? e.Datastore, e.Result)),
                read.Select(e => (e.HostName, e.Action, e.Stage, e.VmName ?? e.StageName ?? e.Datastore, e.Result)));
            var boots = BootSummary.FromEvents(read);
            Assert.Equal(new[] { dead, "esx01", "esx02", "mgmt (runner)" }, boots.Select(b => b.HostName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal((2, 3), (boots.Single(b => b.HostName == "esx01").PoweredOn, boots.Single(b => b.HostName == "esx02").PoweredOn));
            string report = Path.Combine(folder, "report.html");
            File.WriteAllText(report, BootReport.Write(boots, "Remote boot", DateTime.UtcNow));
            using (var page = new ChromiumPage())
            {
                page.Open(report);
                var drawn = page.Run(@"
const box = e => { const r = e.getBoundingClientRect(); return { left: r.left, width: r.width, start: +e.dataset.start, end: +e.dataset.end }; };
return { charts: document.querySelectorAll('section.power-on').length, hosts: [...document.querySelectorAll('g.host')].map(g => ({
  name: g.dataset.host, stages: [...g.querySelectorAll('rect.stage')].map(box), waits: [...g.querySelectorAll('rect.wait')].map(box) })) };");
                Assert.Equal(1, drawn.GetProperty("charts").GetInt32());
                var hosts = drawn.GetProperty("hosts").EnumerateArray().ToList();
                Assert.Equal(new[] { dead, "esx01", "esx02", "mgmt (runner)" }, hosts.Select(h => h.GetProperty("name").GetString()).OrderBy(n => n, StringComparer.Ordinal));
                var withStages = hosts.Where(h => h.GetProperty("stages").GetArrayLength() == 3).ToList();
                Assert.Equal(3, withStages.Count);
                // One axis: the same second is at the same x on every row (stage 1 starts at the same time everywhere).
                var stageOne = withStages.Select(h => h.GetProperty("stages")[0]).ToList();
                Assert.All(stageOne, s => Assert.True(s.GetProperty("width").GetDouble() > 0));
                Assert.True(stageOne.Max(s => s.GetProperty("left").GetDouble()) - stageOne.Min(s => s.GetProperty("left").GetDouble()) < 2);
                // Waiting for SSH is drawn before the stages, for the hosts that came back and the one that did not.
                foreach (var host in hosts.Where(h => h.GetProperty("name").GetString() != "mgmt (runner)"))
                {
                    Assert.True(host.GetProperty("waits").GetArrayLength() > 0, $"{host.GetProperty("name")} has no wait bar");
                }
            }

            // Run again: everything is already on, nothing is started twice.
            int powerOnsBefore = esx01.ReadText("/.sim/events.log").Split('\n').Count(l => l.Contains("\tpower.on\t")) + esx02.ReadText("/.sim/events.log").Split('\n').Count(l => l.Contains("\tpower.on\t"));
            cluster.ComesBackAt(esx03, int.MaxValue);
            var again = await new RemoteBootRunner(Plan(), Targets().Take(2),
                new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromSeconds(30) }, cluster.Clock, new RemoteRunReporter()).RunAsync(CancellationToken.None);
            Assert.Empty(again.Failures);
            var rerun = again.Events.Where(e => e.Action == "power-on").ToList();
            Assert.Equal(5, rerun.Count);
            Assert.All(rerun, e => Assert.Equal("already-on", e.Result));
            int powerOnsAfter = esx01.ReadText("/.sim/events.log").Split('\n').Count(l => l.Contains("\tpower.on\t")) + esx02.ReadText("/.sim/events.log").Split('\n').Count(l => l.Contains("\tpower.on\t"));
            Assert.Equal(powerOnsBefore, powerOnsAfter);
        }

        [Fact]
        public async Task LeavesWhatAHostsOwnLocalShStartedAndStartsTheSecureBootHostsVms()
        {
            var esx01 = simulator[0];
            var esx02 = simulator[1];
            var plan = new BootPlan
            {
                Log = new BootLogSettings { Path = "/var/log/vmboot-local.log" },
                Stages =
                {
                    new BootStage { Name = "infra", Select = new VmSelector { Names = { "vcsa", "db01" } } },
                    new BootStage { Name = "apps", Select = new VmSelector { All = true } },
                },
            };
            var inventory = simulator.Hosts.SelectMany(h => Inventory.GetAllVmsParser.Parse(h.RunAsHost("vim-cmd vmsvc/getallvms"), h.Name).Vms).ToList();
            esx01.WriteText(SimHost.LocalShPath, Plans.BootScriptGenerator.Create(plan, inventory, SimHost.StockLocalSh, "test").Content);
            esx01.RunAsHost("/sbin/auto-backup.sh >/dev/null 2>&1");
            esx02.SecureBoot = true;
            cluster.PowerCut();
            cluster.ComesBackAt(esx01, 0, new BootTimes { HostdReadyAt = 20 });
            cluster.ComesBackAt(esx02, 0, new BootTimes { HostdReadyAt = 20 });
            cluster.ComesBackAt(simulator[2], 0);
            cluster.Advance(0);
            Assert.Contains("\tpower-on\t", esx01.ReadText("/var/log/vmboot-local.log"));

            var result = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions { RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter())
                .RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            var powerOns = result.Events.Where(e => e.Action == "power-on").ToList();
            // esx01's script had started its VMs: logged, not started again. esx02 (Secure Boot) and esx03 got theirs from the runner.
            Assert.Equal(new[] { "app 01", "dc01", "vcsa" }, powerOns.Where(e => e.HostName == "esx01").Select(e => e.VmName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.All(powerOns.Where(e => e.HostName == "esx01"), e => Assert.Equal("already-on", e.Result));
            Assert.All(powerOns.Where(e => e.HostName != "esx01"), e => Assert.Equal("ok", e.Result));
            Assert.Equal(3, powerOns.Count(e => e.HostName != "esx01"));
            foreach (var host in simulator.Hosts)
            {
                int starts = host.ReadText("/.sim/events.log").Split('\n').Count(l => l.Contains("\tPoweredOn", StringComparison.Ordinal));
                Assert.Equal(host.Inventory.Count(v => !v.Name.StartsWith("vCLS", StringComparison.Ordinal)), starts);
            }
        }

        [Fact]
        public async Task AParallelStagePowersOnABatchPerHostInOneGoAndRetriesApart()
        {
            var esx02 = simulator[1];
            esx02.SetInventory(Enumerable.Range(1, 5).Select(i => new SimVm { Vmid = i, Name = $"web{i}", Datastore = "shared", LockFailures = i == 2 ? 1 : 0 }).ToArray());
            var plan = new BootPlan
            {
                PowerOn = { Retries = 2, RetryDelay = 10 },
                Stages = { new BootStage { Name = "all", Select = new VmSelector { All = true }, Pause = 5, Parallel = 3 } },
            };
            cluster.PowerCut();
            foreach (var host in simulator.Hosts)
            {
                cluster.ComesBackAt(host, 0);
            }

            cluster.Advance(0);
            var result = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions { RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter())
                .RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            var on = esx02.ReadText("/.sim/events.log").Split('\n').Select(l => l.Split('\t')).Where(f => f.Length == 4 && f[3] == "PoweredOn")
                .ToDictionary(f => "web" + f[2], f => int.Parse(f[0], CultureInfo.InvariantCulture));
            Assert.Equal(5, on.Count);
            // Batch 1 (web1-web3) in one command: web1 and web3 on in the same second; web2's file lock sends it to a
            // retry 10 s later, while batch 2 (web4, web5) starts after the pause.
            Assert.Equal(on["web1"], on["web3"]);
            Assert.Equal(on["web4"], on["web5"]);
            Assert.InRange(on["web4"] - on["web1"], 6, 12);
            Assert.True(on["web2"] >= on["web1"] + 10, $"web2 retried at {on["web2"]} s, batch 1 on at {on["web1"]} s");
            var esx02Events = result.Events.Where(e => e.HostName == "esx02").ToList();
            Assert.Equal(new[] { "retry", "ok" }, esx02Events.Where(e => e.Action == "power-on" && e.VmName == "web2").Select(e => e.Result));
            // The reason comes from vim-cmd's fault block, carried back on one line per VM (on ESXi 6.7 without tr).
            Assert.Equal("Failed to lock the file", esx02Events.First(e => e.Action == "power-on" && e.VmName == "web2").Message);
            var batches = esx02Events.Where(e => e.Action == "power-batch").ToList();
            Assert.Equal(new[] { "started", "done", "started", "done", "started", "done" }, batches.Select(e => e.Result));
            Assert.Equal("batch 1: up to 3 at once", batches[0].Message);
            // esx01's three VMs (vCLS aside) and esx03's one came in one batch each.
            Assert.Equal(new[] { "esx01", "esx03" }, result.Events.Where(e => e.Action == "power-batch" && e.HostName != "esx02" && e.Result == "started").Select(e => e.HostName).OrderBy(n => n, StringComparer.Ordinal));
        }

        // hostd lists a VM whose datastore is not mounted yet as invalid, and getallvms leaves it out: here every
        // datastore mounts 20 s after hostd answers, and the plan names none to wait for.
        [Fact]
        public async Task StartsTheVmsHostdListsAsInvalidOnceTheirDatastoreIsMounted()
        {
            var plan = new BootPlan
            {
                Stages =
                {
                    new BootStage { Name = "vcenter", Select = new VmSelector { Names = { "vcsa" } }, After = new StageGate { Heartbeat = true, HeartbeatTimeout = 300 } },
                    new BootStage { Name = "apps", Select = new VmSelector { All = true } },
                },
            };
            cluster.PowerCut();
            foreach (var host in simulator.Hosts)
            {
                cluster.ComesBackAt(host, 0, new BootTimes { HostdReadyAt = 40, DatastoresReadyAt = 60 });
            }

            cluster.Advance(0);
            var warnings = new List<string>();
            var result = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions { RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter { Warning = warnings.Add })
                .RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            Assert.Empty(warnings);
            foreach (var host in simulator.Hosts)
            {
                Assert.All(host.Inventory, v => Assert.Equal(v.Name.StartsWith("vCLS", StringComparison.Ordinal) ? "off" : "on", host.PowerState(v.Vmid)));
            }

            var events = result.Events;
            var start = events[0].Time;
            Assert.Contains(events, e => e.HostName == "esx01" && e.Action == "wait-datastore" && e.Stage == 1 && e.Result == "waiting");
            var mounted = events.First(e => e.HostName == "esx01" && e.Action == "wait-datastore" && e.Stage == 1 && e.Result == "ready");
            var vcenter = events.Single(e => e.Action == "power-on" && e.VmName == "vcsa");
            Assert.Equal(("ok", 1), (vcenter.Result, vcenter.Stage));
            Assert.True(vcenter.Time >= mounted.Time && (mounted.Time - start).TotalSeconds >= 60, $"vCenter started at {(vcenter.Time - start).TotalSeconds} s, its datastore mounted at {(mounted.Time - start).TotalSeconds} s");
            var green = events.Single(e => e.Action == "gate-heartbeat" && e.VmName == "vcsa");
            Assert.All(events.Where(e => e.Action == "power-on" && e.VmName != "vcsa"), e => Assert.True(e.Time >= green.Time, $"{e.VmName} started before vCenter's heartbeat"));
            Assert.All(events.Where(e => e.Action == "power-on"), e => Assert.Equal("ok", e.Result));
        }

        // A VM the run takes for off (it saw its datastore unmounted) may have been started since, by HA or an admin:
        // ESXi refuses the power.on (InvalidPowerState), which is read as already on, and the VM is left as it was.
        [Fact]
        public void APowerOnWithoutAStateReadThatFindsTheVmOnReadsItAsAlreadyOn()
        {
            var esx02 = simulator[1];
            esx02.SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "db01", Datastore = "shared", PoweredOn = true },
                new SimVm { Vmid = 2, Name = "app 02", Datastore = "shared" },
            });
            var control = Targets()[1].CreateControl();
            control.Connect(CancellationToken.None);
            try
            {
                var answers = control.PowerOn(new[] { 1, 2 }, knownOff: new[] { 1, 2 }, CancellationToken.None);
                Assert.Equal((true, (string?)null), answers[1]);
                Assert.Equal((false, (string?)null), answers[2]);
            }
            finally
            {
                control.Close();
            }

            Assert.Equal(("on", "on"), (esx02.PowerState(1), esx02.PowerState(2)));
            var powerOns = esx02.ReadText("/.sim/events.log").Split('\n').Select(l => l.Split('\t')).Where(f => f.Length == 4 && f[1] == "power.on").Select(f => (f[2], f[3]));
            Assert.Equal(new[] { ("1", "InvalidPowerState"), ("2", "PoweredOn") }, powerOns.OrderBy(p => p.Item1));
        }

        // Hosts that were up all along: an invalid VM there is as likely one whose storage is gone for good, so the run
        // says so and goes on rather than wait for a datastore that may never come.
        [Fact]
        public async Task OnHostsThatWereUpAnInvalidVmIsReportedNotWaitedFor()
        {
            simulator[1].SetInventory(simulator[1].Inventory.ToList(), skippedVmids: new[] { 9 });
            var plan = new BootPlan { Stages = { new BootStage { Name = "all", Select = new VmSelector { All = true } } } };
            var warnings = new List<string>();
            var result = await new RemoteBootRunner(plan, Targets(), new RemoteBootOptions { RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter { Warning = warnings.Add })
                .RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            var warning = Assert.Single(warnings);
            Assert.StartsWith("esx02: hostd lists 1 VM(s) as invalid (vmid 9)", warning, StringComparison.Ordinal);
            Assert.Contains("readiness.datastores", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Events, e => e.Action == "wait-datastore");
            Assert.Equal(6, result.Events.Count(e => e.Action == "power-on" && e.Result == "ok"));
            Assert.InRange((result.Events.Last().Time - result.Events.First().Time).TotalSeconds, 0, 60);
        }

        [Fact]
        public async Task WithNoHostBackItStopsAfterTheHostTimeoutInsteadOfWaitingThroughEveryGate()
        {
            cluster.PowerCut();
            cluster.Advance(0);
            var warnings = new List<string>();
            var result = await Runner(warnings).RunAsync(CancellationToken.None);

            Assert.Contains(warnings, w => w.StartsWith($"No host answered within {HostTimeout} s: nothing was started", StringComparison.Ordinal));
            Assert.DoesNotContain(result.Events, e => e.Action == "stage-start" || e.Action == "gate-tcp" || e.Action == "gate-heartbeat");
            Assert.Equal("boot-end", result.Events.Last().Action);
            // The host timeout, not the gates' 300 + 900 s on top of it.
            Assert.InRange((result.Events.Last().Time - result.Events.First().Time).TotalSeconds, HostTimeout, HostTimeout + 60);
        }

        public void Dispose()
        {
            cluster.Dispose();
            simulator.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
