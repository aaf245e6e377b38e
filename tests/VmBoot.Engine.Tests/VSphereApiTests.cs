using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.VSphere;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The vSphere API client against govmomi's simulator (an implementation nobody here wrote): a host's inventory
    /// as EsxiVm objects, and trust as strict as SSH's (unknown and changed certificates, no password before trust,
    /// a refused login never retried).
    /// </summary>
    public sealed class VSphereApiTests : IDisposable
    {
        private readonly VSphereSimulator host;
        private readonly string folder;

        public VSphereApiTests()
        {
            host = VSphereSimulator.Start(
                new { name = "vcsa 01", guestId = "vmwarePhoton64Guest", notes = "vCenter\nsecond line", poweredOn = true },
                new { name = "web/01 100%", path = "web01/web01.vmx" },
                new { name = "仮想マシン [1]", guestId = "windows2019srv_64Guest" },
                new { name = "vCLS-0a1b2c3d-1111-2222-3333-444455556666", guestId = "other3xLinux64Guest" },
                new { name = "cluster agent", managedBy = "com.vmware.vim.eam" });
            folder = Directory.CreateTempSubdirectory("vmboot-vsphere-pins").FullName;
        }

        private string Pins => Path.Combine(folder, "known_certificates");

        private VimConnectionOptions Options(string? password = null, bool acceptNew = false) => new VimConnectionOptions
        {
            Server = "127.0.0.1",
            Port = host.Port,
            UserName = VSphereSimulator.UserName,
            Password = SimulatorFixture.Secure(password ?? VSphereSimulator.Password),
            KnownCertificatesPath = Pins,
            AcceptNewCertificate = acceptNew,
            Timeout = TimeSpan.FromSeconds(30),
        };

        [Fact]
        public async Task ReadsTheHostsVmsAsGetAllVmsWouldListThem()
        {
            using var client = await VimClient.OpenAsync(Options(acceptNew: true), CancellationToken.None);
            var vms = await VimInventory.ReadAsync(client, CancellationToken.None);

            Assert.Equal(5, vms.Count);
            var vcsa = vms.Single(v => v.Name == "vcsa 01");
            Assert.Equal("LocalDS_0", vcsa.Datastore);
            Assert.Equal("vcsa 01/vcsa 01.vmx", vcsa.VmxPath);
            Assert.Equal("[LocalDS_0] vcsa 01/vcsa 01.vmx", vcsa.File);
            Assert.Equal("vmwarePhoton64Guest", vcsa.GuestId);
            Assert.Equal("vCenter\nsecond line", vcsa.Notes);
            Assert.Equal("poweredOn", vcsa.PowerState);
            Assert.Equal($"127.0.0.1:{host.Port}", vcsa.Server);
            Assert.False(string.IsNullOrEmpty(vcsa.ObjectId));
            // The name exactly as the API has it: / and % escaped, as hostd keeps them.
            var web = vms.Single(v => v.VmxPath == "web01/web01.vmx");
            Assert.Equal("web%2f01 100%25", web.Name);
            Assert.Equal("poweredOff", web.PowerState);
            Assert.Contains(vms, v => v.Name == "仮想マシン [1]" && v.GuestId == "windows2019srv_64Guest");
            // vCLS by its name, and by vSphere ESX Agent Manager owning it whatever its name.
            Assert.Equal(new[] { "cluster agent", "vCLS-0a1b2c3d-1111-2222-3333-444455556666" }, vms.Where(v => v.IsVcls).Select(v => v.Name).OrderBy(n => n, StringComparer.Ordinal));
            Assert.StartsWith("VMware ESX", client.FullName, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AnUnknownCertificateIsRefusedBeforeThePasswordIsSentAndPinnedOnlyWhenAsked()
        {
            // A wrong password would be LoginFailed if it had been sent: the certificate is refused first.
            var unknown = await Assert.ThrowsAsync<VSphereApiException>(() => VimClient.OpenAsync(Options(password: "wrong"), CancellationToken.None));
            Assert.Equal("VSphereCertificateUnknown", unknown.ErrorId);
            Assert.Contains($"127.0.0.1:{host.Port}", unknown.Message, StringComparison.Ordinal);
            Assert.Contains($"SHA256:{host.Thumbprint}", unknown.Message, StringComparison.Ordinal);
            Assert.Contains("No password was sent", unknown.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Pins));

            using (await VimClient.OpenAsync(Options(acceptNew: true), CancellationToken.None))
            {
            }

            Assert.Equal(new[] { $"127.0.0.1:{host.Port} SHA256:{host.Thumbprint}" }, File.ReadAllLines(Pins));
            // Pinned now: no switch needed, and nothing added twice.
            using (await VimClient.OpenAsync(Options(), CancellationToken.None))
            {
            }

            Assert.Single(File.ReadAllLines(Pins));
        }

        [Fact]
        public async Task AChangedCertificateAlwaysFailsAndThePinStays()
        {
            string other = new string('a', 64);
            File.WriteAllText(Pins, $"# pinned before the host was reinstalled\n127.0.0.1:{host.Port} SHA256:{other}\n");
            var changed = await Assert.ThrowsAsync<VSphereApiException>(() => VimClient.OpenAsync(Options(acceptNew: true), CancellationToken.None));
            Assert.Equal("VSphereCertificateChanged", changed.ErrorId);
            Assert.Contains($"SHA256:{host.Thumbprint}", changed.Message, StringComparison.Ordinal);
            Assert.Contains(other, File.ReadAllText(Pins), StringComparison.Ordinal);
            Assert.DoesNotContain(host.Thumbprint, File.ReadAllText(Pins), StringComparison.Ordinal);
        }

        [Fact]
        public async Task ARefusedLoginIsOneErrorNamingLockdownsExceptionUsers()
        {
            File.WriteAllText(Pins, $"127.0.0.1:{host.Port} SHA256:{host.Thumbprint}\n");
            var refused = await Assert.ThrowsAsync<VSphereApiException>(() => VimClient.OpenAsync(Options(password: "wrong"), CancellationToken.None));
            Assert.Equal("VSphereLoginFailed", refused.ErrorId);
            Assert.Equal("InvalidLogin", refused.FaultType);
            Assert.Contains("does not try again", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Exception Users", refused.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AHostThatDoesNotListenIsNamedAndRefused()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var options = Options();
            options.Port = port;
            var e = await Assert.ThrowsAsync<VSphereApiException>(() => VimClient.OpenAsync(options, CancellationToken.None));
            Assert.Equal("VSphereConnectionRefused", e.ErrorId);
            Assert.StartsWith($"127.0.0.1:{port}: ", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ReadsAnInventoryThatComesInPages()
        {
            // hostd may answer with fewer objects than asked for and a token for the rest: 20 VMs, 7 a page.
            var vms = Enumerable.Range(1, 20).Select(i => (object)new { name = $"vm {i:00}" }).ToArray();
            using var paged = VSphereSimulator.StartHost("esx01", vms, new[] { "-page-size", "7" });
            File.AppendAllLines(Pins, new[] { paged.PinLine });
            var options = Options();
            options.Port = paged.Port;
            using var client = await VimClient.OpenAsync(options, CancellationToken.None);
            var read = await VimInventory.ReadAsync(client, CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, 20).Select(i => $"vm {i:00}"), read.Select(v => v.Name).OrderBy(n => n, StringComparer.Ordinal));
        }

        // A VM whose configuration files hostd cannot read (its datastore not mounted) comes back inaccessible, with no
        // configuration: left out, as getallvms leaves it out, and its vmid reported.
        [Fact]
        public async Task LeavesOutAVmHostdCannotReadAndSaysWhichOne()
        {
            using var late = VSphereSimulator.StartHost("esx01", new object[] { new { name = "vcsa" }, new { name = "on the nas", inaccessible = true } }, new string[0]);
            File.AppendAllLines(Pins, new[] { late.PinLine });
            var options = Options();
            options.Port = late.Port;
            using var client = await VimClient.OpenAsync(options, CancellationToken.None);
            var unreadable = new System.Collections.Generic.List<int>();

            var read = await VimInventory.ReadAsync(client, CancellationToken.None, unreadable.Add);

            Assert.Equal("vcsa", Assert.Single(read).Name);
            int vmid = Assert.Single(unreadable);
            Assert.NotEqual(read[0].Vmid, vmid);
        }

        [Fact]
        public async Task SaysToUseAnExceptionUserWhenLockdownModeRefusesTheLogin()
        {
            using var locked = VSphereSimulator.StartHost("esx01", new object[] { new { name = "vcsa" } },
                new[] { "-user", "svc-vmboot", "-lockdown", "-exception-users", "svc-vmboot" });
            File.AppendAllLines(Pins, new[] { locked.PinLine });

            // root is not an Exception User: refused once, and told what to do.
            var root = Options();
            root.Port = locked.Port;
            var refused = await Assert.ThrowsAsync<VSphereApiException>(() => VimClient.OpenAsync(root, CancellationToken.None));
            Assert.Equal(VSphereFailure.LoginFailed, refused.Failure);
            Assert.Equal("NoPermission", refused.FaultType);
            Assert.Contains("Exception Users", refused.Message, StringComparison.Ordinal);

            var exceptionUser = Options();
            exceptionUser.Port = locked.Port;
            exceptionUser.UserName = "svc-vmboot";
            using var client = await VimClient.OpenAsync(exceptionUser, CancellationToken.None);
            Assert.Equal("vcsa", Assert.Single(await VimInventory.ReadAsync(client, CancellationToken.None)).Name);
        }

        public void Dispose()
        {
            host.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
