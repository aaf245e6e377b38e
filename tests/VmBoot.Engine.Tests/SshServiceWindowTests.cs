using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using VmBoot.VSphere;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// SSH started through a host's vSphere API and put back as it was found, against govmomi's simulator with the
    /// host's TSM-SSH service in front of a listening SSH port (closed while the service is stopped).
    /// </summary>
    public sealed class SshServiceWindowTests : IDisposable
    {
        private readonly TcpListener backend = new TcpListener(IPAddress.Loopback, 0);
        private readonly string folder = Directory.CreateTempSubdirectory("vmboot-ssh-window").FullName;

        public SshServiceWindowTests()
        {
            backend.Start();
            _ = AnswerBannersAsync();
        }

        public void Dispose()
        {
            backend.Stop();
            Directory.Delete(folder, recursive: true);
        }

        [Fact]
        public async Task StartsAStoppedSshAndStopsItAgain()
        {
            using var host = Start();
            Assert.Null(await BannerAsync(host.SshPort));

            using (var window = await SshServiceWindow.OpenAsync(Options(host), CancellationToken.None))
            {
                Assert.False(window.WasRunning);
                Assert.Equal("off", window.Policy);
                Assert.True(await window.StartAsync(CancellationToken.None));
                Assert.Equal("SSH-2.0-backend", await BannerAsync(host.SshPort));

                string done = await window.RestoreAsync(CancellationToken.None);
                Assert.Equal("SSH stopped again: stopped, policy 'off', as it was found", done);
            }

            Assert.Null(await BannerAsync(host.SshPort));
        }

        [Fact]
        public async Task PutsBackAPolicyChangedWhileItWasOpen()
        {
            using var host = Start();
            using var window = await SshServiceWindow.OpenAsync(Options(host), CancellationToken.None);
            await window.StartAsync(CancellationToken.None);

            // Someone (or something) makes SSH start with the host meanwhile, as the Host Client's 'Start and stop with host' does.
            using (var other = await VimClient.OpenAsync(Options(host), CancellationToken.None))
            {
                await other.CallAsync("UpdateServicePolicy", new ManagedObject("HostServiceSystem", "serviceSystem"), CancellationToken.None,
                    new XElement(VimClient.Vim + "id", "TSM-SSH"), new XElement(VimClient.Vim + "policy", "on"));
            }

            Assert.Equal("SSH policy set back from 'on' to 'off' and stopped again: stopped, policy 'off', as it was found", await window.RestoreAsync(CancellationToken.None));
            Assert.Null(await BannerAsync(host.SshPort));
        }

        [Fact]
        public async Task LeavesARunningSshRunning()
        {
            using var host = Start("-ssh-running", "-ssh-policy", "on");
            using var window = await SshServiceWindow.OpenAsync(Options(host), CancellationToken.None);
            Assert.True(window.WasRunning);
            Assert.False(await window.StartAsync(CancellationToken.None));
            Assert.Equal("SSH left running, policy 'on', as it was found", await window.RestoreAsync(CancellationToken.None));
            Assert.Equal("SSH-2.0-backend", await BannerAsync(host.SshPort));
        }

        [Fact]
        public async Task SendsNoPasswordToAnUnknownCertificate()
        {
            using var host = Start();
            var options = Options(host);
            options.AcceptNewCertificate = false;
            options.KnownCertificatesPath = Path.Combine(folder, "empty");
            var refused = await Assert.ThrowsAsync<VSphereApiException>(() => SshServiceWindow.OpenAsync(options, CancellationToken.None));
            Assert.Equal(VSphereFailure.CertificateUnknown, refused.Failure);
            Assert.Null(await BannerAsync(host.SshPort));
        }

        private VSphereSimulator Start(params string[] flags)
        {
            string[] all = new[] { "-ssh-backend", $"127.0.0.1:{((IPEndPoint)backend.LocalEndpoint).Port}" };
            return VSphereSimulator.StartHost("esx01", new object[0], flags.Length == 0 ? all : Concat(all, flags));
        }

        private static string[] Concat(string[] first, string[] second)
        {
            var all = new string[first.Length + second.Length];
            first.CopyTo(all, 0);
            second.CopyTo(all, first.Length);
            return all;
        }

        private VimConnectionOptions Options(VSphereSimulator host) => new VimConnectionOptions
        {
            Server = "127.0.0.1",
            Port = host.Port,
            UserName = VSphereSimulator.UserName,
            Password = SimulatorFixture.Secure(VSphereSimulator.Password),
            KnownCertificatesPath = Path.Combine(folder, "known_certificates"),
            AcceptNewCertificate = true,
            Timeout = TimeSpan.FromSeconds(30),
        };

        /// <summary>The first line the SSH port sends, or null when nothing listens there.</summary>
        private static async Task<string?> BannerAsync(int port)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return null;
            }

            using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await reader.ReadLineAsync(timeout.Token);
        }

        private async Task AnswerBannersAsync()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await backend.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    return;
                }

                using (client)
                {
                    byte[] banner = Encoding.ASCII.GetBytes("SSH-2.0-backend\r\n");
                    await client.GetStream().WriteAsync(banner);
                }
            }
        }
    }
}
