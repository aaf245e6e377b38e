using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Renci.SshNet;

// Connects, authenticates with a key, runs an empty command (as OpenSSH's 'ssh host exit' does) and disconnects, Rounds times per key exchange and host-key algorithm, and
// prints one tab-separated line each: the algorithms, the median wall time, and the CPU this process and the
// server (the sshd listener's reaped children, from /proc) spent per handshake.
// Usage: SshHandshake <host> <port> <user> <key file> <sshd pid> <rounds> <kex,...> <host key algorithm,...>
string host = args[0];
int port = int.Parse(args[1], CultureInfo.InvariantCulture);
string user = args[2];
var key = new PrivateKeyFile(args[3]);
int sshdPid = int.Parse(args[4], CultureInfo.InvariantCulture);
int rounds = int.Parse(args[5], CultureInfo.InvariantCulture);
string[] exchanges = args[6].Split(',');
string[] hostKeys = args[7].Split(',');

var build = typeof(SshClient).Assembly.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>()?.FrameworkName ?? "?";
Console.WriteLine($"# SSH.NET {typeof(SshClient).Assembly.GetName().Version} built for {build}, from {Path.GetFileName(Path.GetDirectoryName(typeof(SshClient).Assembly.Location))}");
// Two passes over every pair: the first only warms the JIT's tiers up, so the second times the crypto, not the compiler.
foreach (bool timed in new[] { false, true })
foreach (string exchange in exchanges)
{
    foreach (string hostKey in hostKeys)
    {
        var wall = new List<double>();
        double clientCpu = 0, serverCpu = 0;
        string? failure = null;
        for (int round = -2; round < rounds && failure == null; round++)
        {
            var info = new ConnectionInfo(host, port, user, new PrivateKeyAuthenticationMethod(user, key));
            foreach (string other in info.KeyExchangeAlgorithms.Keys.Where(k => k != exchange).ToList())
            {
                info.KeyExchangeAlgorithms.Remove(other);
            }

            foreach (string other in info.HostKeyAlgorithms.Keys.Where(k => k != hostKey).ToList())
            {
                info.HostKeyAlgorithms.Remove(other);
            }

            double cpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            double serverBefore = ReapedCpuMs(sshdPid);
            var clock = Stopwatch.StartNew();
            try
            {
                using var client = new SshClient(info);
                client.Connect();
                using var command = client.RunCommand("exit");
                client.Disconnect();
            }
            catch (Exception e)
            {
                failure = e.Message.Replace('\t', ' ').Replace('\n', ' ');
                break;
            }

            double elapsed = clock.Elapsed.TotalMilliseconds;
            System.Threading.Thread.Sleep(30); // the server's child is reaped before its CPU is read
            if (round >= 0)
            {
                wall.Add(elapsed);
                clientCpu += Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - cpuBefore;
                serverCpu += ReapedCpuMs(sshdPid) - serverBefore;
            }
        }

        if (!timed && failure == null)
        {
            continue;
        }

        if (failure != null)
        {
            Console.WriteLine($"{exchange}\t{hostKey}\tfailed\t{failure}");
            continue;
        }

        wall.Sort();
        Console.WriteLine(string.Join("\t", exchange, hostKey, Ms(wall[wall.Count / 2]), Ms(clientCpu / rounds), Ms(serverCpu / rounds)));
    }
}

static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

// cutime + cstime of the listener: the CPU of its children that have ended (one per connection).
static double ReapedCpuMs(int pid)
{
    string stat = File.ReadAllText($"/proc/{pid}/stat");
    string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
    long ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
    return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
}
