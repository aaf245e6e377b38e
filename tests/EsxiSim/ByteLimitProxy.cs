using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// Fault switch: a loopback TCP relay to a host's sshd that cuts every connection once a given number
    /// of bytes (both directions together) has passed, as a flaky link would.
    /// </summary>
    public sealed class ByteLimitProxy : IDisposable
    {
        private readonly TcpListener listener;
        private readonly int target;
        private readonly long limit;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();

        internal ByteLimitProxy(int targetPort, long byteLimit)
        {
            target = targetPort;
            limit = byteLimit;
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = AcceptLoop();
        }

        /// <summary>Connect here instead of the host's own port.</summary>
        public int Port { get; }

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
        }

        private async Task AcceptLoop()
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException || e is SocketException)
                {
                    return;
                }

                _ = Relay(client);
            }
        }

        private async Task Relay(TcpClient client)
        {
            using var server = new TcpClient();
            using (client)
            {
                await server.ConnectAsync(IPAddress.Loopback, target);
                long passed = 0;
                using var cut = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                async Task Pump(NetworkStream from, NetworkStream to)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (true)
                        {
                            int read = await from.ReadAsync(buffer, cut.Token);
                            if (read == 0)
                            {
                                break;
                            }

                            long before = Interlocked.Add(ref passed, read) - read;
                            int allowed = (int)Math.Max(0, Math.Min(read, limit - before));
                            await to.WriteAsync(buffer.AsMemory(0, allowed), cut.Token);
                            if (allowed < read)
                            {
                                break;
                            }
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException || e is System.IO.IOException || e is ObjectDisposedException)
                    {
                    }

                    cut.Cancel();
                }

                await Task.WhenAll(Pump(client.GetStream(), server.GetStream()), Pump(server.GetStream(), client.GetStream()));
            }
        }
    }
}
