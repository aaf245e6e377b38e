using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.BootLog;
using VmBoot.EsxiSim;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Remote;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The ordered shutdown against a simulated 3-host cluster on virtual time, every VM running: the plan in reverse
    /// (a VM in no stage first), guests that take their time, one that never goes down, one without Tools, vCLS, a
    /// management VM whose host goes last; a deadline; a host that does not answer and a VM started behind the run's back.
    /// </summary>
    public sealed class RemoteShutdownRunnerTests : IDisposable
    {
        private readonly EsxiSimulator simulator;
        private readonly SimCluster cluster;
        private readonly string folder;
        private readonly string knownHosts;

        public RemoteShutdownRunnerTests()
        {
            simulator = EsxiSimulator.Start(3);
            folder = Directory.CreateTempSubdirectory("vmboot-shutdown").FullName;
            knownHosts = Path.Combine(folder, "known_hosts");
            File.WriteAllLines(knownHosts, simulator.KnownHostsLines);
            simulator[0].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa", Datastore = "shared", ShutdownSeconds = 45 },
                new SimVm { Vmid = 2, Name = "dc01", Datastore = "esx01-local", ShutdownSeconds = 15 },
                new SimVm { Vmid = 3, Name = "app 01", Datastore = "shared", HangsOnShutdown = true },
                new SimVm { Vmid = 4, Name = "vCLS (1)", Datastore = "", GuestId = "crxSys1Guest" },
            });
            simulator[1].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "db01", Datastore = "shared", ShutdownSeconds = 40 },
                new SimVm { Vmid = 2, Name = "app 02", Datastore = "shared", Tools = false },
                new SimVm { Vmid = 3, Name = "vCLS (2)", Datastore = "", GuestId = "crxSys1Guest" },
                new SimVm { Vmid = 4, Name = "ups-agent", Datastore = "shared" },
                new SimVm { Vmid = 5, Name = "late", Datastore = "shared" },
            });
            simulator[2].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "app 03", Datastore = "shared", ShutdownSeconds = 10 },
                new SimVm { Vmid = 2, Name = "scratch", Datastore = "shared", ShutdownSeconds = 5 },
            });
            cluster = new SimCluster(simulator);
            foreach (var host in simulator.Hosts)
            {
                foreach (var vm in host.Inventory.Where(v => v.Name != "late"))
                {
                    host.SetRunning(vm.Vmid);
                }
            }
        }

        // What boots first shuts down last: infra, data, apps; "scratch", "late" and "ups-agent" are in no stage.
        private static BootPlan Plan(int appsTimeout = 60) => new BootPlan
        {
            Readiness = new BootReadiness { Timeout = 600, MaintenanceMode = MaintenanceModePolicy.Exit, Datastores = { "shared" } },
            Stages =
            {
                new BootStage { Name = "infra", Select = new VmSelector { Names = { "vcsa", "dc01" } }, ShutdownTimeout = 300 },
                new BootStage { Name = "data", Select = new VmSelector { Names = { "db01" } }, ShutdownTimeout = 120 },
                new BootStage { Name = "apps", Select = new VmSelector { NameLike = { "app *" } }, ShutdownTimeout = appsTimeout },
            },
        };

        private List<RemoteTarget> Targets() => SimulatorFixture.TargetsFor(simulator.Hosts, knownHosts);

        private RemoteShutdownRunner Runner(RemoteShutdownOptions options, RemoteRunReporter? reporter = null, BootPlan? plan = null)
        {
            options.PollInterval = TimeSpan.FromSeconds(5);
            options.RunnerName = "mgmt (runner)";
            return new RemoteShutdownRunner(plan ?? Plan(), Targets(), options, cluster.Clock, reporter ?? new RemoteRunReporter());
        }

        [Fact]
        public async Task ShutsDownInReversePlanOrderThenTheHostsWithTheManagementVmsHostLastAndTheNextBootStartsEverything()
        {
            var (esx01, esx02, esx03) = (simulator[0], simulator[1], simulator[2]);
            var options = new RemoteShutdownOptions { PowerOffHosts = true, ManagementVms = { "ups-agent" }, OtherVmTimeout = 30 };

            // -WhatIf's order, per host, before anything is touched.
            var preview = await Runner(options).PreviewAsync(CancellationToken.None);
            Assert.True(preview.Count > 0 && !preview[0].Contains("not reachable"), string.Join("\n", preview));
            int esx02At = preview.IndexOf("esx02:");
            Assert.Equal("  1. stage 3 'apps': shut down 'app 02' (power off hard after 60 s)", preview[esx02At + 1]);
            Assert.Equal("  2. stage 2 'data': shut down 'db01' (power off hard after 120 s)", preview[esx02At + 2]);
            Assert.Equal("  management VM 'ups-agent': left running.", preview[esx02At + 3]);
            Assert.Equal("  3. last of all hosts: power off its 1 vCLS VM(s), power the host off outside maintenance mode (poweroff from the shell), the management VM with it.", preview[esx02At + 4]);
            Assert.Contains("  1. VMs in no stage: shut down 'scratch' (power off hard after 30 s)", preview);
            Assert.All(simulator.Hosts, h => Assert.All(h.Inventory.Where(v => v.Name != "late"), v => Assert.Equal("on", h.PowerState(v.Vmid))));

            var warnings = new List<string>();
            var result = await Runner(options, new RemoteRunReporter { Warning = warnings.Add }).RunAsync(CancellationToken.None);
            var events = result.Events;
            Assert.Empty(result.Failures);
            Assert.Null(result.StoppedAt);
            Assert.Empty(warnings);
            var start = events[0].Time;
            double At(BootLogEvent e) => (e.Time - start).TotalSeconds;
            BootLogEvent Vm(string name, string action) => events.Last(e => e.VmName == name && e.Action == action);

            // Reverse plan order across hosts: no stage starts anywhere before the one before it has ended everywhere.
            var stageStarts = events.Where(e => e.HostName == "mgmt (runner)" && e.Action == "stage-start").Select(e => e.Stage).ToList();
            Assert.Equal(new int?[] { 0, 3, 2, 1 }, stageStarts);
            foreach (var (earlier, later) in new[] { (0, 3), (3, 2), (2, 1) })
            {
                var ended = events.Where(e => e.Action == "stage-end" && e.Stage == earlier).Max(e => e.Time);
                Assert.All(events.Where(e => e.Stage == later && e.Vmid != null), e => Assert.True(e.Time >= ended, $"{e.VmName} {e.Action} before stage {earlier} ended"));
            }

            // Each guest in its own time; the one that never goes down is forced at its stage's timeout; no Tools: off at once.
            Assert.Equal("off", Vm("scratch", "shutdown").Result);
            var apps = events.First(e => e.Action == "stage-start" && e.Stage == 3);
            var hung = Vm("app 01", "power-off");
            Assert.Equal("forced", hung.Result);
            Assert.Contains("within the stage's 60 s", hung.Message);
            Assert.InRange(At(hung) - At(apps), 60, 66);
            var noTools = Vm("app 02", "power-off");
            Assert.Equal("ok", noTools.Result);
            Assert.Contains("no VMware Tools", noTools.Message);
            Assert.InRange(At(noTools) - At(apps), 0, 5);
            Assert.DoesNotContain(events, e => e.VmName == "app 02" && e.Action == "shutdown");
            var dataStarted = events.First(e => e.Action == "stage-start" && e.Stage == 2);
            // Its 40 s, after the request's vim-cmd seconds, seen at the next 5 s poll.
            Assert.InRange(At(Vm("db01", "shutdown")) - At(dataStarted), 40, 50);
            Assert.Equal("off", Vm("vcsa", "shutdown").Result);
            Assert.Equal("off", Vm("dc01", "shutdown").Result);
            Assert.All(new[] { "vcsa", "dc01", "db01", "app 03", "scratch" }, n => Assert.DoesNotContain(events, e => e.VmName == n && e.Action == "power-off"));

            // vCLS: never asked, powered off with its host; the management VM is never touched.
            Assert.DoesNotContain(events, e => e.VmName != null && e.VmName.StartsWith("vCLS", StringComparison.Ordinal) && e.Action == "shutdown");
            Assert.Equal("ok", Vm("vCLS (1)", "power-off").Result);
            Assert.True(!events.Any(e => e.VmName == "ups-agent"), string.Join("\n", events.Where(e => e.VmName == "ups-agent").Select(BootLogLine.Format)));

            // The hosts: esx01 and esx03 through maintenance mode and esxcli, then esx02 (the management VM's) from its shell, last.
            Assert.True(esx01.MaintenanceMode);
            Assert.True(esx03.MaintenanceMode);
            Assert.False(esx02.MaintenanceMode);
            Assert.All(simulator.Hosts, h => Assert.False(h.IsUp));
            int? off01 = cluster.PoweredOffAt(esx01), off02 = cluster.PoweredOffAt(esx02), off03 = cluster.PoweredOffAt(esx03);
            Assert.NotNull(off01);
            Assert.NotNull(off03);
            Assert.True(off02 > off01 && off02 > off03, $"esx02 went down at {off02}, the others at {off01} and {off03}");
            var lastRequest = events.Single(e => e.HostName == "esx02" && e.Action == "host-off" && e.Result == "requested");
            Assert.Contains("'ups-agent' runs here", lastRequest.Message);
            Assert.All(events.Where(e => e.HostName != "esx02" && e.Action == "host-off" && e.Result == "off"), e => Assert.True(e.Time <= lastRequest.Time));
            Assert.Equal(3, events.Count(e => e.Action == "host-off" && e.Result == "off"));

            // The log reads back as one shutdown per host, every event one the catalogue knows.
            Assert.All(events, e => Assert.Contains(e.Action, BootEvents.Names));
            var lines = events.Select(BootLogLine.Format).ToList();
            var shutdowns = BootSummary.FromEvents(BootLogParser.Parse(lines, "cluster.log", d => Assert.Fail(d.Message)).ToList());
            Assert.All(shutdowns, s => Assert.True(s.IsShutdown && s.Completed, s.HostName));
            Assert.Equal(1, shutdowns.Single(s => s.HostName == "esx01").ForcedOff);

            // The power comes back: the boot leaves maintenance mode and starts every planned VM again.
            cluster.PowerCut();
            foreach (var host in simulator.Hosts)
            {
                cluster.ComesBackAt(host, 60);
            }

            var boot = await new RemoteBootRunner(Plan(), Targets(), new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(600), RunnerName = "mgmt (runner)" }, cluster.Clock, new RemoteRunReporter())
                .RunAsync(CancellationToken.None);
            Assert.Empty(boot.Failures);
            foreach (var (host, vmid) in new[] { (esx01, 1), (esx01, 2), (esx01, 3), (esx02, 1), (esx02, 2), (esx03, 1) })
            {
                Assert.Equal("on", host.PowerState(vmid));
            }

            Assert.False(esx01.MaintenanceMode);
            var both = BootSummary.FromEvents(BootLogParser.Parse(lines.Concat(boot.Events.Select(BootLogLine.Format)), "cluster.log", d => Assert.Fail(d.Message)).ToList());
            string report = BootReport.Write(both, "Power event", DateTime.UtcNow);
            Assert.Contains("<h2>Shutdown at ", report);
            Assert.Contains("<h2>Power-on at ", report);
            Assert.Contains("host power-off", report);
        }

        [Fact]
        public async Task TheDeadlineCutsEveryGracefulWaitShortAndTheHostsAreDownBeforeIt()
        {
            foreach (var (host, vmid) in new[] { (simulator[0], 1), (simulator[0], 2), (simulator[1], 1), (simulator[2], 1) })
            {
                host.SetInventory(host.Inventory.Select(v => v.Vmid == vmid ? new SimVm { Vmid = v.Vmid, Name = v.Name, Datastore = v.Datastore, HangsOnShutdown = true } : v).ToList());
                foreach (var vm in host.Inventory.Where(v => v.Name != "late"))
                {
                    host.SetRunning(vm.Vmid);
                }
            }

            // Every stage's guests hang, with timeouts far beyond the UPS's 240 s: the hosts keep 60 s, so graceful ends at 180.
            var options = new RemoteShutdownOptions { PowerOffHosts = true, Deadline = TimeSpan.FromSeconds(240), OtherVmTimeout = 300 };
            var warnings = new List<string>();
            // An admin starts "late" on esx02 meanwhile: unaccounted for, but the deadline wins.
            var reporter = new RemoteRunReporter
            {
                Warning = warnings.Add,
                Event = e =>
                {
                    if (e.Action == "stage-start" && e.Stage == 2 && e.HostName == "mgmt (runner)")
                    {
                        simulator[1].SetRunning(5);
                    }
                },
            };
            var result = await Runner(options, reporter, Plan(appsTimeout: 300)).RunAsync(CancellationToken.None);
            var events = result.Events;
            var start = events[0].Time;
            double At(BootLogEvent e) => (e.Time - start).TotalSeconds;

            var deadline = events.Single(e => e.Action == "deadline");
            Assert.InRange(At(deadline), 180, 185);
            Assert.Contains(warnings, w => w.Contains("deadline"));
            // Everything still on afterwards was forced, in stage order, without further waiting; nothing was left on.
            var forced = events.Where(e => e.Action == "power-off" && e.Result == "forced").ToList();
            Assert.Contains(forced, e => e.VmName == "vcsa");
            Assert.All(forced, e => Assert.True(At(e) >= 180 && At(e) <= 210, $"{e.VmName} forced at {At(e)} s"));
            Assert.All(forced, e => Assert.Contains("deadline", e.Message));
            Assert.Equal(new int?[] { 3, 2, 1, 0 }, forced.Select(e => e.Stage).Distinct());
            var late = forced.Single(e => e.VmName == "late");
            Assert.Contains("unaccounted", late.Message);
            Assert.True(late.Time < events.Single(e => e.HostName == "esx02" && e.Action == "host-off" && e.Result == "requested").Time);
            Assert.All(simulator.Hosts, h => Assert.All(h.Inventory, v => Assert.NotEqual("on", h.PowerState(v.Vmid))));
            Assert.All(simulator.Hosts, h => Assert.InRange(cluster.PoweredOffAt(h) ?? int.MaxValue, 0, 240));
        }

        [Fact]
        public async Task AnUnreachableHostIsSkippedAVmStartedBehindItsBackKeepsItsHostOnAndASecondRunFinishes()
        {
            var (esx02, esx03) = (simulator[1], simulator[2]);
            esx03.PowerOff();
            var options = new RemoteShutdownOptions { PowerOffHosts = true, OtherVmTimeout = 30 };
            var warnings = new List<string>();
            // While the last stage shuts down, an admin starts "late" on esx02.
            var reporter = new RemoteRunReporter
            {
                Warning = warnings.Add,
                Event = e =>
                {
                    if (e.Action == "stage-start" && e.Stage == 1 && e.HostName == "mgmt (runner)")
                    {
                        esx02.SetRunning(5);
                    }
                },
            };
            var result = await Runner(options, reporter).RunAsync(CancellationToken.None);
            string dead = EsxiConnection.DisplayName(esx03.Address, esx03.Port);

            var failure = Assert.Single(result.Failures);
            Assert.Equal(dead, failure.Host);
            Assert.Equal("SshConnectionRefused", failure.ErrorId);
            Assert.Contains(result.Events, e => e.HostName == dead && e.Action == "wait-ssh" && e.Result == "failed");

            // esx02 runs a VM nobody accounted for: left on, said in the log and a warning; esx01 went down.
            var skipped = result.Events.Single(e => e.HostName == "esx02" && e.Action == "host-off");
            Assert.Equal("skipped", skipped.Result);
            Assert.Contains("'late'", skipped.Message);
            Assert.Contains(warnings, w => w.Contains("esx02") && w.Contains("'late'"));
            Assert.True(esx02.IsUp);
            Assert.Equal("on", esx02.PowerState(5));
            Assert.False(simulator[0].IsUp);
            Assert.Contains("ups-agent", result.Events.Where(e => e.HostName == "esx02" && e.Stage == RemoteShutdownRunner.OtherVmsStage).Select(e => e.VmName));

            // Run again: what is off stays off, the VM now running is in no stage and goes, and so does its host.
            var second = await Runner(options).RunAsync(CancellationToken.None);
            Assert.Equal(2, second.Failures.Count);
            Assert.Contains(second.Events, e => e.HostName == "esx02" && e.VmName == "late" && e.Action == "shutdown" && e.Result == "off");
            Assert.DoesNotContain(second.Events, e => e.HostName == "esx02" && e.VmName == "db01");
            Assert.Contains(second.Events, e => e.HostName == "esx02" && e.Action == "host-off" && e.Result == "off");
            Assert.False(esx02.IsUp);
        }

        public void Dispose()
        {
            cluster.Dispose();
            simulator.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
