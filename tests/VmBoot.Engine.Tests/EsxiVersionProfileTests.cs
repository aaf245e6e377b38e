using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using VmBoot.EsxiSim;
using VmBoot.Install;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// VmBoot on each ESXi release the simulator reproduces (6.7, 7.0 U3, 8.0 U3): installed over SSH as a user
    /// would, then a power cut and boot as the release does them.
    /// </summary>
    public class EsxiVersionProfileTests
    {
        public static IEnumerable<object[]> Profiles => EsxiProfile.All.Select(p => new object[] { p.Name });

        private static EsxiProfile Profile(string name) => EsxiProfile.All.Single(p => p.Name == name);

        private static EsxiSimulator Start(string profile)
        {
            var simulator = EsxiSimulator.Start(1, Profile(profile));
            simulator[0].SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "vcsa01", Datastore = "shared ds", HeartbeatDelay = 90 },
                new SimVm { Vmid = 2, Name = "app one", Datastore = "shared ds" },
                new SimVm { Vmid = 3, Name = "app two", Datastore = "shared ds", HeartbeatDelay = 400 },
                new SimVm { Vmid = 4, Name = "vCLS (1)", Datastore = "local" },
            });
            simulator[0].OpenTcpPortAt("vcsa01.lab", 443, 150);
            return simulator;
        }

        private static BootPlan Plan(MaintenanceModePolicy maintenance = MaintenanceModePolicy.Stay) => new BootPlan
        {
            Log = { Datastore = "shared ds" },
            Readiness = { Timeout = 600, MaintenanceMode = maintenance },
            Stages =
            {
                new BootStage { Name = "infra", Select = { Names = { "vcsa01" } }, After = { Heartbeat = true, HeartbeatTimeout = 300, TcpHost = "vcsa01.lab", TcpPort = 443, TcpTimeout = 600 } },
                new BootStage { Name = "apps", Select = { All = true } },
            },
        };

        private static EsxiConnection Connect(SimHost host)
        {
            string knownHosts = Path.Combine(Directory.CreateTempSubdirectory("vmboot-profile").FullName, "known_hosts");
            File.WriteAllLines(knownHosts, host.KnownHostsLines);
            return EsxiConnection.Open(SimulatorFixture.OptionsFor(host, knownHosts), CancellationToken.None);
        }

        /// <summary>One host of the profile with the shared datastore, connected; VmBoot installed when <paramref name="install"/>.</summary>
        private sealed class ProfileHost : IDisposable
        {
            internal ProfileHost(string profile, bool install = true)
            {
                Simulator = Start(profile);
                Host = Simulator[0];
                Host.AddDatastore("shared ds");
                Connection = Connect(Host);
                if (install)
                {
                    Install(Connection, Generate(Connection, Plan()));
                }
            }

            internal EsxiSimulator Simulator { get; }

            internal SimHost Host { get; }

            internal EsxiConnection Connection { get; }

            public void Dispose()
            {
                Connection.Dispose();
                Simulator.Dispose();
            }
        }

        private static BootScript Generate(EsxiConnection connection, BootPlan plan)
        {
            var vms = new List<EsxiVm>();
            LiveInventory.Read(connection, CancellationToken.None, vms.Add, d => throw new InvalidOperationException(d.Message));
            return BootScriptGenerator.Create(plan, vms, null, "test");
        }

        private static InstallResult Install(EsxiConnection connection, BootScript script, bool rewrite = false)
            => BootScriptInstaller.Apply(connection, BootScriptInstaller.Prepare(connection, script, CancellationToken.None), CancellationToken.None, rewrite);

        private static string Log(SimHost host) => host.ReadText($"/vmfs/volumes/shared ds/vmboot/{host.Name}.log");

        private static IEnumerable<string> Started(BootTimeline timeline) => timeline.Events.Where(e => e.Result == "PoweredOn").Select(e => e.Name ?? "").OrderBy(n => n, StringComparer.Ordinal);

        [Theory]
        [MemberData(nameof(Profiles))]
        public void OffersOnlyTheCommandsARealHostHas(string profile)
        {
            using var setup = new ProfileHost(profile, install: false);
            var connection = setup.Connection;
            // esxi-facts.md: a 6.7 host has no tr, cmp, base64, id, bash, perl, xxd, install or flock (7.0 and 8.0 assumed the same).
            foreach (string missing in new[] { "tr", "cmp", "base64", "id", "bash", "perl", "xxd", "install", "flock" })
            {
                var result = connection.Run($"{missing} --help </dev/null", CancellationToken.None);
                Assert.Equal(127, result.ExitStatus);
                Assert.Contains($"{missing}: not found", result.Error);
            }

            foreach (string present in new[] { "awk", "sed", "tar", "sha256sum", "stat", "timeout", "nc", "ps" })
            {
                Assert.Equal("yes", connection.Run($"command -v {present} >/dev/null && echo yes", CancellationToken.None).Output.Trim());
            }
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void InstalledInPlaceSavedAndRunInTheBackgroundThroughADefaultFirewall(string profile)
        {
            using var setup = new ProfileHost(profile, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            string inode = host.RunAsHost("stat -c %i /etc/rc.local.d/local.sh");
            var result = Install(connection, Generate(connection, Plan()));

            Assert.True(result.Changed);
            Assert.True(result.Persisted, result.PersistenceEvidence);
            Assert.Contains(Profile(profile).EncryptedState ? "second auto-backup.sh run found nothing left" : "saved in /bootbank/state.tgz is the running one", result.PersistenceEvidence);
            Assert.Equal(inode, host.RunAsHost("stat -c %i /etc/rc.local.d/local.sh"));
            Assert.Equal("1755", host.Mode(SimHost.LocalShPath));
            Assert.True(host.HasMarker(SimHost.LocalShPath));
            Assert.StartsWith(Profile(profile).LocalShHeader + "\n", host.ReadText(SimHost.LocalShPath));
            Assert.Equal(host.ReadText(SimHost.LocalShPath), host.PersistedLocalSh());
            Assert.DoesNotContain("vmboot", host.RunAsHost("ls -a /etc/rc.local.d /tmp"));
            Assert.False(host.FirewallRulesetEnabled("httpClient"));

            var boot = host.PowerCycle(hostdReadyAt: 40, datastoresReadyAt: 60);

            Assert.True(boot.BootScriptsRan);
            Assert.InRange(boot.ConsoleReadySeconds - boot.RcLocalStartedSeconds, 0, 1);
            Assert.Equal(new[] { "app one", "app two", "vcsa01" }, Started(boot));
            int vcenterOn = boot.Events.Single(e => e.Name == "vcsa01" && e.Result == "PoweredOn").Seconds;
            Assert.True(boot.ConsoleReadySeconds < vcenterOn, "the console waited for the plan");
            Assert.All(boot.Events.Where(e => e.Result == "PoweredOn" && e.Name != "vcsa01"), e => Assert.True(e.Seconds >= 150, $"{e.Name} at {e.Seconds}s, before vCenter's 443 answered"));
            // The gate opened httpClient for itself and closed it again.
            Assert.Equal(new[] { "true", "false" }, boot.Events.Where(e => e.Action == "firewall" && e.Vmid == "httpClient").Select(e => e.Result));
            Assert.False(host.FirewallRulesetEnabled("httpClient"));
            string log = Log(host);
            Assert.Contains("\tgate-tcp\t1\t-\t-\tfirewall-opened\t-\thttpClient for vcsa01.lab:443", log);
            Assert.Contains("\tgate-tcp\t1\t-\t-\topen\t", log);
            Assert.Contains("\tgate-tcp\t1\t-\t-\tfirewall-restored\t", log);
            Assert.Contains("\tboot-end\t", log);
            Assert.False(host.FileExists("/var/run/vmboot.lock/pid"), "the run-once lock outlived the run");
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void PersistedIsTrueExactlyWhenTheNextBootRunsTheScript(string profile)
        {
            using var setup = new ProfileHost(profile);
            var (host, connection) = (setup.Host, setup.Connection);
            Assert.True(BootScriptInstaller.Inspect(connection, CancellationToken.None).Persisted);

            // A local.sh replaced by a new file (as mv, cp or sed -i do) is not saved: the next boot runs VmBoot's.
            host.RunAsHost("sed 's|^exit 0$|touch /var/log/replaced-ran\\nexit 0|' /etc/rc.local.d/local.sh > /var/log/new && chmod 755 /var/log/new && mv /var/log/new /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1");
            var replaced = BootScriptInstaller.Inspect(connection, CancellationToken.None);
            Assert.False(replaced.Persisted, replaced.PersistenceEvidence);
            var boot = host.PowerCycle(hostdReadyAt: 10, datastoresReadyAt: 20);
            Assert.False(host.FileExists("/var/log/replaced-ran"));
            Assert.Equal(3, Started(boot).Count());
            Assert.True(BootScriptInstaller.Inspect(connection, CancellationToken.None).Persisted);

            // Changed in place but not saved yet: the next boot runs the saved one.
            host.RunAsHost("sed 's|^exit 0$|touch /var/log/unsaved-ran\\nexit 0|' /etc/rc.local.d/local.sh > /var/log/new && cat /var/log/new > /etc/rc.local.d/local.sh");
            Thread.Sleep(2100);
            host.RunAsHost("touch /etc/rc.local.d/local.sh");
            var unsaved = BootScriptInstaller.Inspect(connection, CancellationToken.None);
            Assert.False(unsaved.Persisted, unsaved.PersistenceEvidence);
            host.PowerCycle();
            Assert.False(host.FileExists("/var/log/unsaved-ran"));

            // The same edit saved by auto-backup.sh: now it runs.
            host.RunAsHost("cat /var/log/new > /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1");
            var saved = BootScriptInstaller.Inspect(connection, CancellationToken.None);
            Assert.True(saved.Persisted, saved.PersistenceEvidence);
            host.PowerCycle();
            Assert.True(host.FileExists("/var/log/unsaved-ran"));
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void MaintenanceModeAtBootFollowsThePlan(string profile)
        {
            using var setup = new ProfileHost(profile, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            host.MaintenanceMode = true;
            var stay = Install(connection, Generate(connection, Plan()));
            Assert.True(stay.MaintenanceMode);
            Assert.Contains(stay.Warnings, w => w.Contains("maintenance mode now") && w.Contains("starts nothing"));

            var boot = host.PowerCycle(hostdReadyAt: 10);
            Assert.Empty(Started(boot));
            Assert.True(host.MaintenanceMode);
            Assert.Contains("\tmaintenance-mode\t-\t-\t-\tstay\t-\tthe host booted in maintenance mode, where every power-on is refused: nothing started", Log(host));

            Install(connection, Generate(connection, Plan(MaintenanceModePolicy.Exit)));
            boot = host.PowerCycle(hostdReadyAt: 10);
            Assert.False(host.MaintenanceMode);
            Assert.Equal(3, Started(boot).Count());
            Assert.Contains("\tmaintenance-mode\t-\t-\t-\texited\t", Log(host));
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void LockdownModeFallsBackToVpxuserAndSaysSoWhenNeitherWorks(string profile)
        {
            using var setup = new ProfileHost(profile);
            var (host, connection) = (setup.Host, setup.Connection);
            host.Lockdown = "normal";

            var boot = host.PowerCycle(hostdReadyAt: 10);
            Assert.Equal(3, Started(boot).Count());
            Assert.Contains("\tvim-user\t-\t-\t-\tvpxuser\t-\troot is refused (lockdown mode): using vpxuser", Log(host));

            host.VpxUser = false;
            boot = host.PowerCycle(hostdReadyAt: 10);
            Assert.Empty(Started(boot));
            Assert.Contains("\tvim-user\t-\t-\t-\tfailed\t-\thostd refuses root and vpxuser", Log(host));
            // Said at once, not after readiness.timeout (600 virtual seconds).
            Assert.True(boot.EndSeconds < 60, $"the script waited until {boot.EndSeconds}s");
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void StorageServedByAVmIsRescannedBeforeTheStagesThatNeedIt(string profile)
        {
            using var simulator = EsxiSimulator.Start(1, Profile(profile));
            var host = simulator[0];
            host.SetInventory(new[]
            {
                new SimVm { Vmid = 1, Name = "nas01", Datastore = "local", HeartbeatDelay = 60 },
                new SimVm { Vmid = 2, Name = "db01", Datastore = "nas nfs" },
                new SimVm { Vmid = 3, Name = "web01", Datastore = "nas nfs" },
            });
            host.ServeDatastore("nas nfs", 1);
            using var connection = Connect(host);
            var plan = new BootPlan
            {
                Log = { Datastore = "local" },
                Stages =
                {
                    new BootStage { Name = "storage", Select = { Names = { "nas01" } }, After = { RescanDatastores = { "nas nfs" }, RescanTimeout = 600 } },
                    new BootStage { Name = "rest", Select = { All = true } },
                },
            };
            host.RunAsHost("ln -s '/.sim/datastores/nas nfs' '/vmfs/volumes/nas nfs'");
            Install(connection, Generate(connection, plan));

            var boot = host.PowerCycle(hostdReadyAt: 10);
            Assert.Equal(new[] { "db01", "nas01", "web01" }, Started(boot));
            int nasOn = boot.Events.Single(e => e.Name == "nas01" && e.Result == "PoweredOn").Seconds;
            Assert.All(boot.Events.Where(e => e.Name is "db01" or "web01" && e.Result == "PoweredOn"), e => Assert.True(e.Seconds >= nasOn + 60, $"{e.Name} at {e.Seconds}s, before the NAS served (from {nasOn + 60}s)"));
            Assert.Contains(boot.Events, e => e.Action == "rescan");
            Assert.Contains("\trescan\t1\t-\t-\tready\t-\tnas nfs", host.ReadText($"/vmfs/volumes/local/vmboot/{host.Name}.log"));
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void SecureBootAnswersOtherThanDisabledMeanTheScriptWillNotRun(string profile)
        {
            using var setup = new ProfileHost(profile);
            var (host, connection) = (setup.Host, setup.Connection);
            foreach (string answer in new[] { "Enabled", "error", "Unknown" })
            {
                host.SecureBootStatus = answer;
                var plan = BootScriptInstaller.Prepare(connection, Generate(connection, Plan()), CancellationToken.None);
                Assert.True(plan.SecureBoot, answer);
                Assert.False(host.PowerCycle().BootScriptsRan, answer);
            }

            host.SecureBootStatus = "Disabled";
            Assert.True(host.PowerCycle().BootScriptsRan);
        }

        [Fact]
        public void AnUpToDateScriptThatWasNotSavedIsWrittenInPlaceAndSavedAgain()
        {
            using var setup = new ProfileHost(EsxiProfile.Esxi80U3.Name, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            var script = Generate(connection, Plan());
            Install(connection, script);
            // Replaced by an identical copy (an editor's save): same content, no marker, so never saved again.
            host.RunAsHost("cp /etc/rc.local.d/local.sh /tmp/copy && chmod 755 /tmp/copy && mv /tmp/copy /etc/rc.local.d/local.sh && /sbin/auto-backup.sh >/dev/null 2>&1");
            var prepared = BootScriptInstaller.Prepare(connection, script, CancellationToken.None);
            Assert.True(prepared.Unchanged);
            Assert.False(prepared.Persisted, prepared.PersistenceEvidence);

            var again = BootScriptInstaller.Apply(connection, prepared, CancellationToken.None);
            Assert.True(again.Changed);
            Assert.True(again.Persisted, again.PersistenceEvidence);
            Assert.Equal("1755", host.Mode(SimHost.LocalShPath));
            Assert.Contains(again.Warnings, w => w.Contains("had mode 755"));
            Assert.Equal(3, Started(host.PowerCycle(hostdReadyAt: 10)).Count());
        }

        [Fact]
        public void AnExecInstalledOnlyHostIsNotWarnedOfWhatDoesNotHappen()
        {
            using var setup = new ProfileHost(EsxiProfile.Esxi80U3.Name, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            var plan = BootScriptInstaller.Prepare(connection, Generate(connection, Plan()), CancellationToken.None);
            Assert.True(plan.ExecInstalledOnly);
            Assert.DoesNotContain(plan.Warnings, w => w.Contains("execInstalledOnly"));
        }

        [Fact]
        public void ASecondStartWhileARunGoesOnIsRefusedAndLogged()
        {
            using var setup = new ProfileHost(EsxiProfile.Esxi80U3.Name, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            Install(connection, Generate(connection, Plan()));
            // A run still going: the lock names a live process.
            host.RunAsHost("mkdir /var/run/vmboot.lock && (/bin/busybox sleep 30 </dev/null >/dev/null 2>&1 & echo $! > /var/run/vmboot.lock/pid)");
            try
            {
                host.RunAsHost("/etc/rc.local.d/local.sh");
                Assert.Contains("\tstart-refused\t-\t-\t-\trunning\t-\tanother VmBoot run is still going", host.ReadText("/var/log/vmboot.log"));
                Assert.DoesNotContain(host.Inventory, v => host.PowerState(v.Vmid) == "on");
            }
            finally
            {
                host.RunAsHost("kill $(cat /var/run/vmboot.lock/pid); rm -rf /var/run/vmboot.lock", check: false);
            }
        }

        [Fact]
        public void ATcpGateNoFirewallRulesetCoversIsReportedAtInstall()
        {
            using var setup = new ProfileHost(EsxiProfile.Esxi67.Name, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            var plan = Plan();
            plan.Stages[0].After.TcpPort = 8443;
            var prepared = BootScriptInstaller.Prepare(connection, Generate(connection, plan), CancellationToken.None);
            Assert.Contains(prepared.Warnings, w => w.Contains("No firewall ruleset") && w.Contains("outbound TCP 8443") && w.Contains("'infra'"));
            Assert.DoesNotContain(BootScriptInstaller.Prepare(connection, Generate(connection, Plan()), CancellationToken.None).Warnings, w => w.Contains("firewall"));
        }

        [Fact]
        public void On67APendingLiveInstallSavesToAltbootbankWhichTheNextBootUses()
        {
            using var setup = new ProfileHost(EsxiProfile.Esxi67.Name, install: false);
            var (host, connection) = (setup.Host, setup.Connection);
            host.PendLiveInstall();
            var result = Install(connection, Generate(connection, Plan()));
            Assert.Contains("Saving current state in /altbootbank", result.AutoBackupOutput);
            Assert.True(result.Persisted, result.PersistenceEvidence);
            Assert.Contains("/altbootbank", result.PersistenceEvidence);
            Assert.Equal(3, Started(host.PowerCycle(hostdReadyAt: 10)).Count());
        }

        [Fact]
        public void A67AutoBackupStopsAtTheFirstDifferenceButSavesEverything()
        {
            using var simulator = Start(EsxiProfile.Esxi67.Name);
            var host = simulator[0];
            host.RunAsHost("sed 's|<ntpd>off</ntpd>|<ntpd>automatic</ntpd>|' /etc/vmware/hostd/hostsvc.xml > /tmp/x && cat /tmp/x > /etc/vmware/hostd/hostsvc.xml");
            host.RunAsHost("sed 's|^exit 0$|# admin\\nexit 0|' /etc/rc.local.d/local.sh > /tmp/y && cat /tmp/y > /etc/rc.local.d/local.sh");
            string output = host.RunAsHost("/sbin/auto-backup.sh 2>&1");
            Assert.Single(output.Split('\n'), l => l.StartsWith("--- ", StringComparison.Ordinal));
            Assert.Contains("# admin", host.PersistedLocalSh());
            Assert.Equal("", host.RunAsHost("/sbin/auto-backup.sh 2>/dev/null"));
        }
    }
}
