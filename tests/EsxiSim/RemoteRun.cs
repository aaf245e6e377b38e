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
                cluster.Clock, new RemoteBootReporter());
            return runner.RunAsync(CancellationToken.None).GetAwaiter().GetResult().Events;
        }

        /// <summary>Shuts the cluster down in the reverse order of <paramref name="planYaml"/>, the hosts too; returns the events.</summary>
        public static IReadOnlyList<BootLogEvent> Shutdown(SimCluster cluster, IEnumerable<SimHost> hosts, string planYaml, string knownHostsPath)
        {
            var runner = new RemoteShutdownRunner(BootPlanYaml.Read(planYaml, "plan.yml"), Targets(hosts, knownHostsPath),
                new RemoteShutdownOptions { RunnerName = "bench (runner)", PowerOffHosts = true }, cluster.Clock, new RemoteBootReporter());
            return runner.RunAsync(CancellationToken.None).GetAwaiter().GetResult().Events;
        }

        private static List<RemoteBootTarget> Targets(IEnumerable<SimHost> hosts, string knownHostsPath) => hosts.Select(h => new RemoteBootTarget(new Ssh.EsxiConnectionOptions
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
