using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using VmBoot.Plans;
using VmBoot.Remote;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// Runs the remote executors on a simulated cluster's virtual clock, for callers that cannot hand the engine a
    /// clock themselves (the benchmark script, whose module copy of the engine lives in another load context).
    /// </summary>
    public static class RemoteRun
    {
        /// <summary>Boots with <paramref name="planYaml"/> on every host of the cluster with password logins; returns the events.</summary>
        public static IReadOnlyList<BootLogEvent> Run(SimCluster cluster, IEnumerable<SimHost> hosts, string planYaml, string knownHostsPath)
        {
            var runner = new RemoteBootRunner(BootPlanYaml.Read(planYaml, "plan.yml"), Targets(hosts, knownHostsPath), new RemoteBootOptions { RunnerName = "bench (runner)" },
                cluster.Clock, new RemoteRunReporter());
            return runner.RunAsync(CancellationToken.None).GetAwaiter().GetResult().Events;
        }

        /// <summary>Shuts the cluster down in the reverse order of <paramref name="planYaml"/>, the hosts too; returns the events.</summary>
        public static IReadOnlyList<BootLogEvent> Shutdown(SimCluster cluster, IEnumerable<SimHost> hosts, string planYaml, string knownHostsPath)
        {
            var runner = new RemoteShutdownRunner(BootPlanYaml.Read(planYaml, "plan.yml"), Targets(hosts, knownHostsPath),
                new RemoteShutdownOptions { RunnerName = "bench (runner)", PowerOffHosts = true }, cluster.Clock, new RemoteRunReporter());
            return runner.RunAsync(CancellationToken.None).GetAwaiter().GetResult().Events;
        }

        /// <summary>
        /// Shuts the VMs of live hosts down in real time (no host power-off), each host reached over SSH, or through its
        /// vSphere API when <paramref name="apiServers"/> (host:port) are given; polls every <paramref name="pollMilliseconds"/>.
        /// Returns the events; a host the run went on without is an exception.
        /// </summary>
        public static IReadOnlyList<BootLogEvent> ShutdownVms(string planYaml, int pollMilliseconds, IEnumerable<SimHost>? sshHosts, string? knownHostsPath,
            IEnumerable<string>? apiServers, string? apiPassword, string? knownCertificatesPath)
        {
            var targets = sshHosts != null ? Targets(sshHosts, knownHostsPath!) : ApiTargets(apiServers!, apiPassword!, knownCertificatesPath!);
            return EventsOf("shutdown", new RemoteShutdownRunner(BootPlanYaml.Read(planYaml, "plan.yml"), targets,
                new RemoteShutdownOptions { RunnerName = "bench (runner)", PollInterval = TimeSpan.FromMilliseconds(pollMilliseconds) }, SystemBootClock.Instance, new RemoteRunReporter())
                .RunAsync(CancellationToken.None).GetAwaiter().GetResult());
        }

        /// <summary>
        /// Boots live hosts in real time through their vSphere API (host:port), polling every <paramref name="pollMilliseconds"/>.
        /// Returns the events; a host the run went on without is an exception.
        /// </summary>
        public static IReadOnlyList<BootLogEvent> BootVms(string planYaml, int pollMilliseconds, IEnumerable<string> apiServers, string apiPassword, string knownCertificatesPath)
        {
            return EventsOf("boot", new RemoteBootRunner(BootPlanYaml.Read(planYaml, "plan.yml"), ApiTargets(apiServers, apiPassword, knownCertificatesPath),
                new RemoteBootOptions { RunnerName = "bench (runner)", PollInterval = TimeSpan.FromMilliseconds(pollMilliseconds) }, SystemBootClock.Instance, new RemoteRunReporter())
                .RunAsync(CancellationToken.None).GetAwaiter().GetResult());
        }

        // A real-time run's events; a host it went on without is an exception, as the bench measures whole runs only.
        private static IReadOnlyList<BootLogEvent> EventsOf(string run, RemoteRunResult result) => result.Failures.Count > 0
            ? throw new InvalidOperationException($"the {run} went on without {result.Failures[0].Host}: {result.Failures[0].Message}")
            : result.Events;

        private static List<RemoteTarget> ApiTargets(IEnumerable<string> servers, string password, string knownCertificatesPath) => servers.Select(server => new RemoteTarget(new VSphere.VimConnectionOptions
        {
            Server = server.Substring(0, server.LastIndexOf(':')),
            Port = int.Parse(server.Substring(server.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture),
            UserName = "root",
            Password = new System.Net.NetworkCredential("", password).SecurePassword,
            KnownCertificatesPath = knownCertificatesPath,
        })).ToList();

        private static List<RemoteTarget> Targets(IEnumerable<SimHost> hosts, string knownHostsPath) => hosts.Select(h => new RemoteTarget(new Ssh.EsxiConnectionOptions
        {
            Server = h.Address,
            Port = h.Port,
            UserName = h.UserName,
            Password = new System.Net.NetworkCredential("", h.Password).SecurePassword,
            KnownHostsPath = knownHostsPath,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })).ToList();
    }
}
