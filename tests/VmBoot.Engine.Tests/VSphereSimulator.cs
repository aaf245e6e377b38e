using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// One simulated ESXi host's vSphere API: govmomi's simulator (ESX model) in tests/VSphereSim, built once with
    /// Debian's Go toolchain and govmomi sources, serving the given VMs over HTTPS with a fresh self-signed certificate.
    /// </summary>
    public sealed class VSphereSimulator : IDisposable
    {
        private static readonly object BuildGate = new object();
        private readonly Process process;
        private readonly string folder;

        private VSphereSimulator(Process process, string folder, JsonElement ready)
        {
            this.process = process;
            this.folder = folder;
            Port = int.Parse(ready.GetProperty("port").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Thumbprint = ready.GetProperty("thumbprint").GetString()!;
            SshPort = ready.TryGetProperty("sshPort", out var ssh) ? int.Parse(ssh.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }

        public const string UserName = "root";

        public const string Password = "Sim-vSphere-1!";

        public int Port { get; }

        /// <summary>Where the host's SSH answers while TSM-SSH runs (started with -ssh-backend); else 0.</summary>
        public int SshPort { get; }

        /// <summary>SHA-256 of the certificate, lowercase hex.</summary>
        public string Thumbprint { get; }

        /// <summary>Whether the host still runs (a host powered off through the API ends its process).</summary>
        public bool IsUp => !process.HasExited;

        /// <summary>A pin file line for this host.</summary>
        public string PinLine => $"127.0.0.1:{Port} SHA256:{Thumbprint}";

        /// <summary>Starts a host called localhost with <paramref name="vms"/> (objects with the fields main.go reads: name, guestId, path, notes, managedBy, poweredOn, tools, shutdownSeconds).</summary>
        public static VSphereSimulator Start(params object[] vms) => StartHost("localhost", vms);

        /// <summary>Starts a host that calls itself <paramref name="hostname"/>, with <paramref name="vms"/>.</summary>
        public static VSphereSimulator StartHost(string hostname, params object[] vms) => StartHost(hostname, vms, new string[0]);

        /// <summary>Starts a host with main.go's further flags (-ssh-backend, -ssh-running, -ssh-policy).</summary>
        public static VSphereSimulator StartHost(string hostname, object[] vms, string[] flags)
        {
            string binary = Build();
            string folder = Directory.CreateTempSubdirectory("vmboot-vsphere").FullName;
            string inventory = Path.Combine(folder, "inventory.json");
            File.WriteAllText(inventory, JsonSerializer.Serialize(vms));
            var start = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "-inventory", inventory, "-user", UserName, "-password", Password, "-hostname", hostname }.Concat(flags))
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            string? line = process.StandardOutput.ReadLine();
            if (line == null)
            {
                string error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                throw new InvalidOperationException($"vspheresim did not start: {error}");
            }

            return new VSphereSimulator(process, folder, JsonDocument.Parse(line).RootElement.Clone());
        }

        public void Dispose()
        {
            // Closing its standard input ends it (a host powered off through the API has ended already).
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            if (!process.WaitForExit(10000))
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        private static string Build()
        {
            lock (BuildGate)
            {
                string sources = Path.Combine(AppContext.BaseDirectory, "vspheresim");
                string binary = Path.Combine(sources, "bin", "vspheresim");
                if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= Directory.GetFiles(sources).Max(File.GetLastWriteTimeUtc))
                {
                    return binary;
                }

                if (!File.Exists("/usr/bin/go") || !Directory.Exists("/usr/share/gocode/src/github.com/vmware/govmomi"))
                {
                    throw new InvalidOperationException("Go and govmomi are missing: apt-get install golang-go golang-github-vmware-govmomi-dev (tests/EsxiSim/install-prerequisites.sh does, as root).");
                }

                var build = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { Path.Combine(sources, "build.sh"), binary }, RedirectStandardError = true, UseShellExecute = false })!;
                string errors = build.StandardError.ReadToEnd();
                build.WaitForExit();
                if (build.ExitCode != 0)
                {
                    throw new InvalidOperationException($"building vspheresim failed: {errors}");
                }

                return binary;
            }
        }
    }
}
