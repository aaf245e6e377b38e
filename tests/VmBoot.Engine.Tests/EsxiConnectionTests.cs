using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.EsxiSim;
using VmBoot.Inventory;
using VmBoot.Ssh;
using Xunit;

namespace VmBoot.Engine.Tests
{
    [Collection("Simulator")]
    public class EsxiConnectionTests
    {
        private readonly SimulatorFixture fixture;

        public EsxiConnectionTests(SimulatorFixture fixture) => this.fixture = fixture;

        private SimHost Host(int i) => fixture.Simulator[i];

        private static List<EsxiVm> ReadInventory(EsxiConnection connection, List<ParseDiagnostic>? diagnostics = null)
        {
            var vms = new List<EsxiVm>();
            LiveInventory.Read(connection, CancellationToken.None, vms.Add, d => (diagnostics ?? throw new Xunit.Sdk.XunitException(d.Message)).Add(d));
            return vms;
        }

        // ESTABLISHED TCP connections from this process to the simulator's sshd ports (ss -Htnp).
        private int OpenConnections()
        {
            var ports = fixture.Simulator.Hosts.Select(h => h.Port).ToHashSet();
            var ss = Process.Start(new ProcessStartInfo("ss", "-Htnp state established") { RedirectStandardOutput = true })!;
            string output = ss.StandardOutput.ReadToEnd();
            ss.WaitForExit();
            return output.Split('\n').Count(line =>
            {
                var match = System.Text.RegularExpressions.Regex.Match(line, @":(\d+)\s+users:.*pid=(\d+),");
                return match.Success && ports.Contains(int.Parse(match.Groups[1].Value)) && int.Parse(match.Groups[2].Value) == Environment.ProcessId;
            });
        }

        [Theory]
        [InlineData(50)]
        [InlineData(150)]
        [InlineData(300)]
        [InlineData(600)]
        public async Task CancellingOpensLeavesNoConnectionBehind(int cancelAfterMs)
        {
            using var cancel = new CancellationTokenSource();
            var opens = fixture.Simulator.Hosts.Select(h => fixture.Options(h)).Select(options => Task.Run(() =>
            {
                try
                {
                    EsxiConnection.Open(options, cancel.Token).Dispose();
                    return "opened";
                }
                catch (Exception e)
                {
                    return e.GetType().Name;
                }
            })).ToArray();
            await Task.Delay(cancelAfterMs);
            cancel.Cancel();
            var results = await Task.WhenAll(opens).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, r => Assert.Contains(r, new[] { "opened", nameof(OperationCanceledException), nameof(TaskCanceledException) }));
            if (cancelAfterMs == 50)
            {
                // Sixteen logins cannot all finish in 50 ms: some opens were really cancelled midway, which is what is tested.
                Assert.Contains(results, r => r != "opened");
            }

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (OpenConnections() > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(0, OpenConnections());
        }

        [Fact]
        public async Task TheConnectionCountSeesAConnectionHeldOpen()
        {
            // The leak checks above assert zero: this shows the same count sees one that is there.
            using (var held = EsxiConnection.Open(fixture.Options(Host(11)), CancellationToken.None))
            {
                Assert.True(held.IsConnected);
                Assert.Equal(1, OpenConnections());
            }

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (OpenConnections() > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(0, OpenConnections());
        }

        private static void AssertSameInventory(SimHost host, List<EsxiVm> vms)
        {
            var expected = host.Inventory.OrderBy(v => v.Vmid.ToString(), StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(v => (v.Vmid, v.Name, v.Datastore, v.Notes)), vms.Select(v => (v.Vmid, v.Name, v.Datastore, v.Notes)));
            Assert.All(vms, v => Assert.Equal($"{host.Address}:{host.Port}", v.Server));
            Assert.True(vms.Single(v => v.Vmid == 101).IsVcls);
        }

        [Fact]
        public void KeyboardInteractivePasswordLoginReadsTheInventory()
        {
            using var connection = EsxiConnection.Open(fixture.Options(Host(0)), CancellationToken.None);
            AssertSameInventory(Host(0), ReadInventory(connection));
            Assert.False(fixture.Simulator[0].FileExists("/tmp/pwned"));
        }

        [Fact]
        public void SixteenHostsInParallelEachAnswerWithTheirOwnInventory()
        {
            var results = new List<EsxiVm>[16];
            Parallel.For(0, 16, i =>
            {
                using var connection = EsxiConnection.Open(fixture.Options(Host(i)), CancellationToken.None);
                results[i] = ReadInventory(connection);
            });
            for (int i = 0; i < 16; i++)
            {
                AssertSameInventory(Host(i), results[i]);
                Assert.Equal(i + 4, results[i].Count);
            }
        }

        [Fact]
        public void OneConnectionServesManyCommands()
        {
            using var connection = EsxiConnection.Open(fixture.Options(Host(1)), CancellationToken.None);
            Assert.Equal("esx02", connection.Run("hostname", CancellationToken.None).Output.Trim());
            Assert.Contains("ESXi", connection.Run("vmware -v", CancellationToken.None).Output);
            var result = connection.Run("vim-cmd vmsvc/power.getstate " + ShellQuote.Quote("1"), CancellationToken.None);
            Assert.Equal("Retrieved runtime info\nPowered off\n", result.Output);
            Assert.Equal(0, result.ExitStatus);
            Assert.Equal(3, connection.Run("exit 3", CancellationToken.None).ExitStatus);
        }

        [Theory]
        [InlineData("rsa", "3072", null)]
        [InlineData("ecdsa", "256", null)]
        [InlineData("ecdsa", "384", "key pass phrase")]
        public void KeyFilesLogIn(string type, string bits, string? passphrase)
        {
            string key = Path.Combine(fixture.Folder, $"id_{type}_{bits}_{passphrase?.Length ?? 0}");
            Run("ssh-keygen", "-q", "-t", type, "-b", bits, "-N", passphrase ?? "", "-f", key);
            Host(2).AuthorizeKey(File.ReadAllText(key + ".pub"));
            var options = fixture.Options(Host(2));
            options.Password = null;
            options.KeyFilePath = key;
            options.KeyPassphrase = passphrase == null ? null : SimulatorFixture.Secure(passphrase);
            using var connection = EsxiConnection.Open(options, CancellationToken.None);
            AssertSameInventory(Host(2), ReadInventory(connection));
        }

        [Fact]
        public void EncryptedKeyWithoutPassphraseIsAnInvalidKeyFile()
        {
            string key = Path.Combine(fixture.Folder, "id_locked");
            Run("ssh-keygen", "-q", "-t", "ecdsa", "-N", "secret words", "-f", key);
            var options = fixture.Options(Host(2));
            options.Password = null;
            options.KeyFilePath = key;
            var e = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(options, CancellationToken.None));
            Assert.Equal("SshKeyFileInvalid", e.ErrorId);
            Assert.Contains("passphrase", e.Message);
        }

        [Fact]
        public void WrongPasswordFailsOnceAndIsNeverRetried()
        {
            var host = Host(3);
            host.ResetFailedLogins();
            var e = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(fixture.Options(host, "wrong password"), CancellationToken.None));
            Assert.Equal(SshFailure.AuthenticationFailed, e.Failure);
            Assert.Equal($"{host.Address}:{host.Port}", e.Server);
            Assert.Contains("not retried", e.Message);
            Assert.DoesNotContain("wrong password", e.ToString());
            Assert.Equal(1, host.FailedLogins);
        }

        [Fact]
        public void FiveFailuresLockTheAccountLikeEsxi()
        {
            var host = Host(4);
            host.ResetFailedLogins();
            for (int i = 0; i < 5; i++)
            {
                Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(fixture.Options(host, "bad"), CancellationToken.None));
            }

            Assert.Equal(5, host.FailedLogins);
            var locked = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(fixture.Options(host), CancellationToken.None));
            Assert.Equal(SshFailure.AuthenticationFailed, locked.Failure);
            host.ResetFailedLogins();
            using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
            Assert.True(connection.IsConnected);
        }

        [Fact]
        public void UnknownHostKeyFailsWithItsFingerprintUnlessAcceptedThenIsRemembered()
        {
            var host = Host(5);
            var options = fixture.Options(host);
            options.KnownHostsPath = Path.Combine(fixture.Folder, "known_hosts_new");
            File.Delete(options.KnownHostsPath);
            var e = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(options, CancellationToken.None));
            Assert.Equal("SshHostKeyUnknown", e.ErrorId);
            Assert.Contains("SHA256:", e.Message);
            Assert.Equal(0, host.FailedLogins);

            options.AcceptNewHostKey = true;
            using (EsxiConnection.Open(options, CancellationToken.None))
            {
            }

            string recorded = Assert.Single(File.ReadAllLines(options.KnownHostsPath));
            Assert.StartsWith($"[{host.Address}]:{host.Port} ", recorded);
            options.AcceptNewHostKey = false;
            using var again = EsxiConnection.Open(options, CancellationToken.None);
            Assert.True(again.IsConnected);
        }

        [Fact]
        public void ChangedHostKeyAlwaysFailsEvenWhenAcceptingNewKeys()
        {
            var host = Host(6);
            var options = fixture.Options(host);
            options.KnownHostsPath = Path.Combine(fixture.Folder, "known_hosts_changed");
            File.WriteAllLines(options.KnownHostsPath, host.KnownHostsLines);
            host.ChangeHostKey();
            try
            {
                options.AcceptNewHostKey = true;
                var e = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(options, CancellationToken.None));
                Assert.Equal("SshHostKeyChanged", e.ErrorId);
                Assert.Contains("ssh-keygen -R", e.Message);
                Assert.Equal(host.KnownHostsLines.Count, File.ReadAllLines(options.KnownHostsPath).Length);
            }
            finally
            {
                // The other tests share this host through the fixture's known_hosts: it vouches for the new key now.
                fixture.TrustCurrentHostKeys();
            }
        }

        [Fact]
        public void HashedKnownHostsEntriesAreHonoured()
        {
            var host = Host(7);
            var options = fixture.Options(host);
            options.KnownHostsPath = Path.Combine(fixture.Folder, "known_hosts_hashed");
            File.WriteAllLines(options.KnownHostsPath, host.KnownHostsLines);
            Run("ssh-keygen", "-H", "-f", options.KnownHostsPath);
            Assert.StartsWith("|1|", File.ReadAllLines(options.KnownHostsPath)[0]);
            using var connection = EsxiConnection.Open(options, CancellationToken.None);
            Assert.True(connection.IsConnected);
        }

        [Fact]
        public void RefusedConnectionNamesTheHost()
        {
            var options = fixture.Options(Host(0));
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                options.Port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            }

            var e = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(options, CancellationToken.None));
            Assert.Equal("SshConnectionRefused", e.ErrorId);
            Assert.Contains(options.Server, e.Message);
        }

        [Fact]
        public async Task HungCommandTimesOutAndCancellationIsPrompt()
        {
            var host = Host(8);
            host.HangCommand("vim-cmd");
            try
            {
                var options = fixture.Options(host);
                options.CommandTimeout = TimeSpan.FromSeconds(2);
                using var connection = EsxiConnection.Open(options, CancellationToken.None);
                var e = Assert.Throws<EsxiSshException>(() => connection.Run(LiveInventory.Command, CancellationToken.None));
                Assert.Equal("SshCommandTimeout", e.ErrorId);

                options.CommandTimeout = TimeSpan.FromMinutes(5);
                using var second = EsxiConnection.Open(options, CancellationToken.None);
                using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                // Ignored cancellation would end in SshCommandTimeout after 5 minutes; a hang in TimeoutException after 60 s.
                var run = Task.Run(() => second.Run(LiveInventory.Command, cancel.Token));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
            }
            finally
            {
                host.ClearFaults();
            }
        }

        [Fact]
        public void DroppedConnectionMidCommandIsConnectionLost()
        {
            var host = Host(9);
            host.DropConnectionIn("auto-backup.sh");
            try
            {
                using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
                connection.Run("echo changed >> /etc/rc.local.d/local.sh", CancellationToken.None);
                var e = Assert.Throws<EsxiSshException>(() => connection.Run("/sbin/auto-backup.sh", CancellationToken.None));
                Assert.Equal("SshConnectionLost", e.ErrorId);
                Assert.Contains(host.Address, e.Message);
            }
            finally
            {
                host.ClearFaults();
            }
        }

        [Fact]
        public void HostdNotReadyIsAVimCmdError()
        {
            var host = Host(10);
            host.RunAsHost("echo 999999 > /.sim/hostd_ready_at");
            try
            {
                using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
                var diagnostics = new List<ParseDiagnostic>();
                Assert.Empty(ReadInventory(connection, diagnostics));
                Assert.Equal(LiveInventory.VimCmdFailed, Assert.Single(diagnostics).ErrorId);
                Assert.Contains("Connect to localhost failed", diagnostics[0].Message);
            }
            finally
            {
                host.RunAsHost("echo 0 > /.sim/hostd_ready_at");
            }
        }

        [Fact]
        public void SkippedVmsOnStderrBecomeWarnings()
        {
            var host = Host(11);
            host.SetInventory(SimulatorFixture.InventoryFor(11), skippedVmids: new[] { 6 });
            try
            {
                using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
                var diagnostics = new List<ParseDiagnostic>();
                AssertSameInventory(host, ReadInventory(connection, diagnostics));
                var warning = Assert.Single(diagnostics);
                Assert.Equal(GetAllVmsParser.VmSkipped, warning.ErrorId);
                Assert.Contains("'6'", warning.Message);
            }
            finally
            {
                host.SetInventory(SimulatorFixture.InventoryFor(11));
            }
        }

        [Fact]
        public void ConnectionCutAfterSomeBytesIsConnectionLost()
        {
            var host = Host(12);
            var big = Enumerable.Range(1, 1000).Select(n => new SimVm { Vmid = n, Name = $"a fairly long virtual machine name {n}", Datastore = "shared ds" }).ToList();
            host.SetInventory(big);
            try
            {
                using var proxy = host.DropConnectionAfterBytes(64 * 1024);
                using var connection = EsxiConnection.Open(Through(host, proxy), CancellationToken.None);
                var e = Assert.Throws<EsxiSshException>(() => ReadInventory(connection));
                Assert.Equal("SshConnectionLost", e.ErrorId);

                using var early = host.DropConnectionAfterBytes(300);
                var options = Through(host, early);
                var duringLogin = Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(options, CancellationToken.None));
                Assert.Contains(duringLogin.Failure, new[] { SshFailure.ConnectionLost, SshFailure.ProtocolError, SshFailure.ConnectTimeout });
            }
            finally
            {
                host.SetInventory(SimulatorFixture.InventoryFor(12));
            }
        }

        [Fact]
        public void FullFilesystemRefusesWritesAndClearingRestoresTheFiles()
        {
            var host = Host(13);
            byte[] before = host.ReadBytes(SimHost.LocalShPath);
            host.FillFilesystem("/etc/rc.local.d");
            try
            {
                using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
                var result = connection.Run("cp /etc/rc.local.d/local.sh /etc/rc.local.d/copy.sh", CancellationToken.None);
                Assert.NotEqual(0, result.ExitStatus);
                Assert.Contains("No space left", result.Error);
                Assert.Equal(before, host.ReadBytes(SimHost.LocalShPath));
            }
            finally
            {
                host.ClearFaults();
            }

            Assert.Equal(before, host.ReadBytes(SimHost.LocalShPath));
            Assert.False(host.FileExists("/etc/rc.local.d/.filler"));
        }

        [Fact]
        public void PlainPasswordMethodIsUsedOnlyWhenKeyboardInteractiveIsNotOffered()
        {
            var host = Host(14);
            host.OfferPasswordMethodOnly();
            host.ResetFailedLogins();
            using (var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None))
            {
                Assert.Equal("esx15", connection.Run("hostname", CancellationToken.None).Output.Trim());
            }

            Assert.Throws<EsxiSshException>(() => EsxiConnection.Open(fixture.Options(host, "wrong"), CancellationToken.None));
            Assert.Equal(1, host.FailedLogins);
        }

        [Fact]
        public void TheHostOffersWhatEsxisSshFipsModeAllowsAndTheClientConnectsEitherWay()
        {
            var host = Host(14);
            // As ESXi ships, FipsMode yes: no curve25519 or sntrup761x25519 key exchange, ECDH and DH groups only.
            Assert.Contains("no matching key exchange method", KeyExchangeRefusal(host, "curve25519-sha256"));
            Assert.Contains("no matching key exchange method", KeyExchangeRefusal(host, "sntrup761x25519-sha512@openssh.com"));
            Assert.DoesNotContain("no matching key exchange method", KeyExchangeRefusal(host, "ecdh-sha2-nistp256"));
            AssertLogsIn(host);

            // With it switched off (unverified which a real host then offers: handle both), OpenSSH's own are offered too.
            host.OfferNonFipsAlgorithms();
            Assert.DoesNotContain("no matching key exchange method", KeyExchangeRefusal(host, "curve25519-sha256"));
            AssertLogsIn(host);
        }

        private void AssertLogsIn(SimHost host)
        {
            host.ResetFailedLogins();
            using var connection = EsxiConnection.Open(fixture.Options(host), CancellationToken.None);
            Assert.Equal("esx15", connection.Run("hostname", CancellationToken.None).Output.Trim());
        }

        // OpenSSH's client offering one key exchange and no way to log in (so no failed login is counted): its complaint.
        private static string KeyExchangeRefusal(SimHost host, string keyExchange)
        {
            var info = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                "-o", $"KexAlgorithms={keyExchange}", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=none", "-o", "PubkeyAuthentication=no", "-p", host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{host.UserName}@{host.Address}", "exit",
            })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return error;
        }

        // Options that reach the host through a fault relay, with the host's keys recorded for the relay's port.
        private EsxiConnectionOptions Through(SimHost host, ByteLimitProxy proxy)
        {
            var options = fixture.Options(host);
            options.Port = proxy.Port;
            options.KnownHostsPath = Path.Combine(fixture.Folder, $"known_hosts_{proxy.Port}");
            File.WriteAllLines(options.KnownHostsPath, host.KnownHostsLines.Select(l => l.Replace($"]:{host.Port} ", $"]:{proxy.Port} ")));
            return options;
        }

        private static void Run(string file, params string[] args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        }
    }
}
