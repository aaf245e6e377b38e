using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using VmBoot.Plans;
using VmBoot.Remote;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// Runs the remote runner on a simulated cluster's virtual clock, for callers that cannot hand the engine a clock
    /// themselves (the benchmark script, whose module copy of the engine lives in another load context).
    /// </summary>
    public static class RemoteRun
    {
        /// <summary>Runs <paramref name="planYaml"/> against every host of the cluster with password logins; returns the events.</summary>
        public static IReadOnlyList<BootLogEvent> Run(SimCluster cluster, IEnumerable<SimHost> hosts, string planYaml, string knownHostsPath)
        {
            var plan = BootPlanYaml.Read(planYaml, "plan.yml");
            var targets = hosts.Select(h => new RemoteBootTarget(new Ssh.EsxiConnectionOptions
            {
                Server = h.Address,
                Port = h.Port,
                UserName = h.UserName,
                Password = new System.Net.NetworkCredential("", h.Password).SecurePassword,
                KnownHostsPath = knownHostsPath,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            }));
            var runner = new RemoteBootRunner(plan, targets, new RemoteBootOptions { RunnerName = "bench (runner)" }, cluster.Clock, new RemoteBootReporter());
            return runner.RunAsync(CancellationToken.None).GetAwaiter().GetResult().Events;
        }
    }
}
