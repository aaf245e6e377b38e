using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using VmBoot.Plans;
using VmBoot.Remote;
using VmBoot.VSphere;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The remote runners over the vSphere API, no SSH anywhere: two hosts of govmomi's simulator (with what real hosts
    /// do in front of it: power-on refused in maintenance mode, guest shutdown only with Tools, heartbeats, a host
    /// power-off whose answer never comes), on the machine's clock with a short poll.
    /// </summary>
    public sealed class VSphereRunnerTests : IDisposable
    {
        private readonly VSphereSimulator esx01;
        private readonly VSphereSimulator esx02;
        private readonly string folder;

        public VSphereRunnerTests()
        {
            esx01 = VSphereSimulator.StartHost("esx01",
                new { name = "vcsa", tools = true },
                new { name = "app 01", tools = true, shutdownSeconds = 2 },
                new { name = "vCLS-4c4c4544-0051", guestId = "vmwarePhoton64Guest", managedBy = "com.vmware.vim.eam" });
            esx02 = VSphereSimulator.StartHost("esx02",
                new { name = "db01", tools = true, poweredOn = true },
                new { name = "legacy app" },
                new { name = "vCLS (1)", managedBy = "com.vmware.vim.eam" });
            folder = Directory.CreateTempSubdirectory("vmboot-vsphere-run").FullName;
            File.WriteAllLines(Pins, new[] { esx01.PinLine, esx02.PinLine });
        }

        private string Pins => Path.Combine(folder, "known_certificates");

        private VimConnectionOptions Options(VSphereSimulator host) => new VimConnectionOptions
        {
            Server = "127.0.0.1",
            Port = host.Port,
            UserName = VSphereSimulator.UserName,
            Password = SimulatorFixture.Secure(VSphereSimulator.Password),
            KnownCertificatesPath = Pins,
            Timeout = TimeSpan.FromSeconds(30),
        };

        private List<RemoteTarget> Targets() => new List<RemoteTarget> { new RemoteTarget(Options(esx01)), new RemoteTarget(Options(esx02)) };

        private static BootPlan Plan() => new BootPlan
        {
            Readiness = { MaintenanceMode = MaintenanceModePolicy.Exit, Datastores = { "LocalDS_0" } },
            Stages =
            {
                new BootStage { Name = "vcenter", Select = new VmSelector { Names = { "vcsa" } }, After = new StageGate { Heartbeat = true, HeartbeatTimeout = 60 }, ShutdownTimeout = 30 },
                new BootStage { Name = "data", Select = new VmSelector { Names = { "db01" } }, ShutdownTimeout = 30 },
                new BootStage { Name = "apps", Select = new VmSelector { All = true }, ShutdownTimeout = 10 },
            },
        };

        private async Task<Dictionary<string, string>> PowerStates(VSphereSimulator host)
        {
            using var client = await VimClient.OpenAsync(Options(host), CancellationToken.None);
            return (await VimInventory.ReadAsync(client, CancellationToken.None)).ToDictionary(v => v.Name, v => v.PowerState);
        }

        private async Task PowerOn(VSphereSimulator host, string name)
        {
            using var client = await VimClient.OpenAsync(Options(host), CancellationToken.None);
            var vm = (await VimInventory.ReadAsync(client, CancellationToken.None)).Single(v => v.Name == name);
            var task = await client.CallAsync("PowerOnVM_Task", new ManagedObject("VirtualMachine", vm.ObjectId), CancellationToken.None);
            Assert.Null(await client.WaitForTaskAsync(ManagedObject.From(task.Element(VimClient.Vim + "returnval")!), "PowerOnVM_Task", TimeSpan.FromSeconds(30), CancellationToken.None));
        }

        private async Task EnterMaintenanceMode(VSphereSimulator host)
        {
            using var client = await VimClient.OpenAsync(Options(host), CancellationToken.None);
            var found = await client.RetrieveAllAsync("HostSystem", new[] { "name" }, CancellationToken.None);
            var task = await client.CallAsync("EnterMaintenanceMode_Task", VimClient.PropertiesOf(found[0]).Object, CancellationToken.None, new XElement(VimClient.Vim + "timeout", "0"));
            Assert.Null(await client.WaitForTaskAsync(ManagedObject.From(task.Element(VimClient.Vim + "returnval")!), "EnterMaintenanceMode_Task", TimeSpan.FromSeconds(30), CancellationToken.None));
        }

        [Fact]
        public async Task BootsInStageOrderOverTheApiLeavesMaintenanceModeAndNeverStartsVcls()
        {
            await EnterMaintenanceMode(esx01);
            var warnings = new List<string>();
            var result = await new RemoteBootRunner(Plan(), Targets(),
                new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(500), RunnerName = "mgmt (runner)" },
                SystemBootClock.Instance, new RemoteRunReporter { Warning = warnings.Add }).RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            var events = result.Events;
            // esx01 was in maintenance mode: the run left it (a power-on there would have been refused: InvalidState).
            Assert.Contains(events, e => e.HostName == "esx01" && e.Action == "maintenance-mode" && e.Result == "exited");
            Assert.Equal(new Dictionary<string, string> { ["vcsa"] = "poweredOn", ["app 01"] = "poweredOn", ["vCLS-4c4c4544-0051"] = "poweredOff" }, await PowerStates(esx01));
            var on02 = await PowerStates(esx02);
            Assert.Equal("poweredOn", on02["db01"]);
            Assert.Equal("poweredOn", on02["legacy app"]);
            Assert.Equal("poweredOff", on02["vCLS (1)"]);
            // db01 was on already: left alone. vCenter's heartbeat went green before the next stage started anywhere.
            Assert.Contains(events, e => e.VmName == "db01" && e.Action == "power-on" && e.Result == "already-on");
            var green = events.Single(e => e.Action == "gate-heartbeat" && e.VmName == "vcsa");
            Assert.Equal("green", green.Result);
            Assert.All(events.Where(e => e.Action == "power-on" && e.Stage > 1), e => Assert.True(e.LineNumber > green.LineNumber, $"{e.VmName} before vCenter's gate"));
            Assert.DoesNotContain(events, e => e.VmName == "vCLS (1)" && e.Action == "power-on");
        }

        [Fact]
        public async Task FindsVCenterWhereItIsRegisteredNowAndHoldsTheRestUntilItsPortAnswers()
        {
            // vCenter is on esx02 now (HA moved it); the plan only names it. Its port answers 2 s into the run.
            using var esx03 = VSphereSimulator.StartHost("esx03", new { name = "vcsa-moved", tools = true }, new { name = "web 01" });
            File.AppendAllLines(Pins, new[] { esx03.PinLine });
            int port = ClosedPort();
            var plan = VCenterBehindTcpGate("vcsa-moved", port, 120);
            var vcenter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            DateTime? opened = null;
            var opening = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                vcenter.Start();
                opened = DateTime.UtcNow;
            });
            try
            {
                var targets = Targets();
                targets.Add(new RemoteTarget(Options(esx03)));
                var result = await new RemoteBootRunner(plan, targets,
                    new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(500), RunnerName = "mgmt (runner)" },
                    SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);
                await opening;

                Assert.Empty(result.Failures);
                var events = result.Events;
                Assert.Contains(events, e => e.HostName == "esx03" && e.VmName == "vcsa-moved" && e.Action == "power-on" && e.Result == "ok" && e.Stage == 1);
                var gate = events.Single(e => e.Action == "gate-tcp");
                Assert.Equal("open", gate.Result);
                // Nothing of the next stage before the port answered, on any host.
                var rest = events.Where(e => e.Action == "power-on" && e.Stage == 2).ToList();
                Assert.Contains(rest, e => e.HostName == "esx03" && e.VmName == "web 01");
                Assert.Contains(rest, e => e.HostName == "esx01" && e.VmName == "vcsa");
                Assert.All(rest, e => Assert.True(e.LineNumber > gate.LineNumber && e.Time >= opened!.Value.AddSeconds(-1), $"{e.VmName} on {e.HostName} before vCenter's port answered"));
            }
            finally
            {
                vcenter.Stop();
            }
        }

        [Fact]
        public async Task ShutsDownInReverseOverTheApiForcesAGuestWithoutToolsAndPowersTheHostsOff()
        {
            // Everything on, as before a power cut, and the vCLS VM that vCenter's EAM keeps running.
            await new RemoteBootRunner(Plan(), Targets(), new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(500) },
                SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);
            await PowerOn(esx01, "vCLS-4c4c4544-0051");

            var result = await new RemoteShutdownRunner(Plan(), Targets(),
                new RemoteShutdownOptions { PowerOffHosts = true, PollInterval = TimeSpan.FromMilliseconds(500), OtherVmTimeout = 3, HostDownTimeout = TimeSpan.FromSeconds(30), RunnerName = "mgmt (runner)" },
                SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);

            Assert.Empty(result.Failures);
            var events = result.Events;
            // Guests with Tools went down through ShutdownGuest; 'legacy app' has none (ToolsUnavailable): powered off hard.
            Assert.Contains(events, e => e.VmName == "app 01" && e.Action == "shutdown" && e.Result == "off");
            Assert.Contains(events, e => e.VmName == "vcsa" && e.Action == "shutdown" && e.Result == "off");
            Assert.Contains(events, e => e.HostName == "esx02" && e.VmName == "legacy app" && e.Action == "power-off" && e.Result == "ok");
            // Powered off hard: the guest without Tools, and the vCLS VM.
            Assert.EndsWith("2 VM(s) powered off hard, 2 host(s) off, 0 host(s) left out", events.Last().Message, StringComparison.Ordinal);
            // Reverse order: vCenter's stage last.
            var vcsaOff = events.Single(e => e.VmName == "vcsa" && e.Action == "shutdown" && e.Result == "off");
            Assert.All(events.Where(e => e.Action == "shutdown" && e.Result == "off" && e.VmName != "vcsa"), e => Assert.True(e.LineNumber < vcsaOff.LineNumber, $"{e.VmName} after vCenter"));
            // Both hosts took maintenance mode and the power-off (their answer never came), then stopped answering. A host
            // enters maintenance mode only once no VM runs: esx01's vCLS VM was powered off hard first, never shut down.
            Assert.Equal(2, events.Count(e => e.Action == "maintenance-mode" && e.Result == "entered"));
            var vclsOff = events.Single(e => e.VmName == "vCLS-4c4c4544-0051" && e.Action == "power-off");
            Assert.Equal("ok", vclsOff.Result);
            Assert.True(vclsOff.LineNumber < events.Single(e => e.HostName == "esx01" && e.Action == "maintenance-mode").LineNumber);
            Assert.DoesNotContain(events, e => e.VmName == "vCLS-4c4c4544-0051" && e.Action == "shutdown");
            Assert.Equal(new[] { "esx01", "esx02" }, events.Where(e => e.Action == "host-off" && e.Result == "off").Select(e => e.HostName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.All(events.Where(e => e.Action == "host-off" && e.Result == "requested"), e => Assert.Equal("ShutdownHost_Task", e.Message));
            Assert.Contains("stopped answering the vSphere API", events.First(e => e.Action == "host-off" && e.Result == "off").Message, StringComparison.Ordinal);
            Assert.False(esx01.IsUp);
            Assert.False(esx02.IsUp);
        }

        [Fact]
        public async Task ShutsDownPastAHungGuestAndAHostThatDoesNotAnswerWithTheManagementVmsHostLast()
        {
            using var esx03 = VSphereSimulator.StartHost("esx03",
                new { name = "ups-agent", tools = true, poweredOn = true },
                new { name = "stuck", tools = true, poweredOn = true, shutdownSeconds = 3600 });
            File.AppendAllLines(Pins, new[] { esx03.PinLine });
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            int nobody = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var dead = Options(esx03);
            dead.Port = nobody;
            var targets = Targets();
            targets.Add(new RemoteTarget(Options(esx03)));
            targets.Add(new RemoteTarget(dead));
            var plan = Plan();
            plan.Stages[2].ShutdownTimeout = 2;

            var result = await new RemoteShutdownRunner(plan, targets,
                new RemoteShutdownOptions { PowerOffHosts = true, ManagementVms = { "ups-agent" }, PollInterval = TimeSpan.FromMilliseconds(500), OtherVmTimeout = 2, HostDownTimeout = TimeSpan.FromSeconds(30), RunnerName = "mgmt (runner)" },
                SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);
            var events = result.Events;

            // The host that does not answer is one failure, named; the rest went on.
            var failure = Assert.Single(result.Failures);
            Assert.Equal($"127.0.0.1:{nobody}", failure.Host);
            Assert.Equal("VSphereConnectionRefused", failure.ErrorId);
            // The guest that never finishes its shutdown is powered off hard at its stage's timeout.
            Assert.Contains(events, e => e.VmName == "stuck" && e.Action == "power-off" && e.Result == "forced");
            // The management VM is never shut down; its host goes last, outside maintenance mode, the VM with it.
            Assert.DoesNotContain(events, e => e.VmName == "ups-agent" && (e.Action == "shutdown" || e.Action == "power-off"));
            var lastRequest = events.Single(e => e.HostName == "esx03" && e.Action == "host-off" && e.Result == "requested");
            Assert.StartsWith("ShutdownHost_Task, forced", lastRequest.Message, StringComparison.Ordinal);
            Assert.All(events.Where(e => e.HostName != "esx03" && e.Action == "host-off" && e.Result == "off"), e => Assert.True(e.LineNumber < lastRequest.LineNumber, $"{e.HostName} went off after the management VM's host was asked"));
            Assert.False(esx03.IsUp);
        }

        [Fact]
        public async Task GoesOnWithoutAHostInLockdownModeAndOneWithAnUnknownCertificate()
        {
            // esx05 lets only its Exception User in; esx06's certificate was never pinned.
            using var locked = VSphereSimulator.StartHost("esx05", new object[] { new { name = "web 05", tools = true } },
                new[] { "-user", "svc-vmboot", "-lockdown", "-exception-users", "svc-vmboot" });
            using var stranger = VSphereSimulator.StartHost("esx06", new { name = "web 06", tools = true });
            File.AppendAllLines(Pins, new[] { locked.PinLine });
            var targets = Targets();
            targets.Add(new RemoteTarget(Options(locked)));
            targets.Add(new RemoteTarget(Options(stranger)));

            var result = await new RemoteBootRunner(Plan(), targets, new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(500) },
                SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);

            var refused = result.Failures.Single(f => f.Host == $"127.0.0.1:{locked.Port}");
            Assert.Equal("VSphereLoginFailed", refused.ErrorId);
            Assert.True(refused.IsSecurity);
            Assert.Contains("Exception Users", refused.Message, StringComparison.Ordinal);
            var unknown = result.Failures.Single(f => f.Host == $"127.0.0.1:{stranger.Port}");
            Assert.Equal("VSphereCertificateUnknown", unknown.ErrorId);
            Assert.True(unknown.IsSecurity);
            Assert.Equal(2, result.Failures.Count);
            // Neither was waited for as a host still booting, and the rest of the cluster booted.
            Assert.Equal(2, result.Events.Count(e => e.Action == "wait-ssh" && e.Result == "failed"));
            Assert.Equal("poweredOn", (await PowerStates(esx01))["vcsa"]);
            Assert.Equal("poweredOn", (await PowerStates(esx02))["legacy app"]);
        }

        [Fact]
        public async Task AVsanClusterIsRefusedThroughTheApiBeforeAnythingIsShutDown()
        {
            // reboot_helper.py needs a shell: a vSAN node's power-off through the API would be half of VMware's procedure.
            using var node = VSphereSimulator.StartHost("esx07", new object[] { new { name = "web 07", tools = true, poweredOn = true } }, new[] { "-vsan" });
            File.AppendAllLines(Pins, new[] { node.PinLine });
            var result = await new RemoteShutdownRunner(Plan(), new List<RemoteTarget> { new RemoteTarget(Options(node)) },
                new RemoteShutdownOptions { PowerOffHosts = true, PollInterval = TimeSpan.FromMilliseconds(200) }, SystemBootClock.Instance, new RemoteRunReporter()).RunAsync(CancellationToken.None);

            var refused = Assert.Single(result.Failures);
            Assert.Equal(RemoteShutdownRunner.VsanNotPreparableId, refused.ErrorId);
            Assert.Contains("run only in a host's shell", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing was shut down", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Events, e => e.Action == "shutdown" || e.Action == "power-off" || e.Action == "maintenance-mode");
            Assert.Equal("poweredOn", (await PowerStates(node))["web 07"]);
            Assert.True(node.IsUp);
        }

        [Fact]
        public async Task StoppedMidRunLogsEverySessionOut()
        {
            // vCenter's stage is held by a TCP gate that never opens; the run is stopped (Ctrl+C) once vCenter is on.
            var plan = VCenterBehindTcpGate("vcsa", ClosedPort(), 600);
            using var stop = new CancellationTokenSource();
            var reporter = new RemoteRunReporter { Event = e => { if (e.VmName == "vcsa" && e.Action == "power-on" && e.Result == "ok") { stop.CancelAfter(500); } } };
            Assert.Equal(1, await SessionCount(esx01));

            var result = await new RemoteBootRunner(plan, Targets(),
                new RemoteBootOptions { HostTimeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(200) }, SystemBootClock.Instance, reporter).RunAsync(stop.Token);

            Assert.NotNull(result.StoppedAt);

            // Only the session counting them is left on each host: the run's own were logged out, not left to expire.
            Assert.Equal(1, await SessionCount(esx01));
            Assert.Equal(1, await SessionCount(esx02));
            Assert.Equal("poweredOff", (await PowerStates(esx01))["app 01"]);
        }

        // A loopback port nothing listens on (until a test opens it).
        private static int ClosedPort()
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        // vCenter's stage, held until a TCP port on this machine answers, then everything else.
        private static BootPlan VCenterBehindTcpGate(string vcenter, int port, int timeout) => new BootPlan
        {
            Stages =
            {
                new BootStage { Name = "vcenter", Select = new VmSelector { Names = { vcenter } }, After = new StageGate { TcpHost = "127.0.0.1", TcpPort = port, TcpTimeout = timeout } },
                new BootStage { Name = "rest", Select = new VmSelector { All = true } },
            },
        };

        private async Task<int> SessionCount(VSphereSimulator host)
        {
            using var client = await VimClient.OpenAsync(Options(host), CancellationToken.None);
            var (_, values) = await client.RetrieveOneAsync(client.Objects.SessionManager, new[] { "sessionList" }, CancellationToken.None);
            return values.TryGetValue("sessionList", out var list) && list != null ? list.Elements(VimClient.Vim + "UserSession").Count() : 0;
        }

        [Fact]
        public async Task APowerOnInMaintenanceModeIsThatVmsRefusalNotALostHost()
        {
            await EnterMaintenanceMode(esx01);
            var control = new RemoteTarget(Options(esx01)).CreateControl();
            Assert.Equal("esx01", control.Connect(CancellationToken.None));
            try
            {
                var vcsa = control.ReadInventory("esx01", CancellationToken.None, _ => { }).Single(v => v.Name == "vcsa");
                var (wasOn, reason) = control.PowerOn(new[] { vcsa.Vmid }, Array.Empty<int>(), CancellationToken.None)[vcsa.Vmid];
                Assert.False(wasOn);
                Assert.StartsWith("InvalidState", reason, StringComparison.Ordinal);
                Assert.Equal("Powered off", control.PowerStates(new[] { vcsa.Vmid }, CancellationToken.None)[vcsa.Vmid]);
            }
            finally
            {
                control.Close();
            }
        }

        public void Dispose()
        {
            esx01.Dispose();
            esx02.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
