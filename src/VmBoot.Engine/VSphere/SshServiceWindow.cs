using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;

namespace VmBoot.VSphere
{
    /// <summary>
    /// A host's SSH service (TSM-SSH) started through its vSphere API for as long as a shell is needed, then put back
    /// as it was found: stopped again if it was stopped, its startup policy as it was. Disposing logs out; it does not
    /// restore (call <see cref="RestoreAsync"/>, which can fail and must be told).
    /// </summary>
    public sealed class SshServiceWindow : IDisposable
    {
        /// <summary>The SSH service's key in <c>HostServiceSystem.serviceInfo</c>.</summary>
        public const string ServiceKey = "TSM-SSH";

        private readonly VimClient client;
        private readonly ManagedObject serviceSystem;

        private SshServiceWindow(VimClient client, ManagedObject serviceSystem, bool wasRunning, string policy)
        {
            this.client = client;
            this.serviceSystem = serviceSystem;
            WasRunning = wasRunning;
            Policy = policy;
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server => client.Name;

        /// <summary>SSH was running when the window opened.</summary>
        public bool WasRunning { get; }

        /// <summary>SSH's startup policy when the window opened: <c>on</c>, <c>off</c> or <c>automatic</c>.</summary>
        public string Policy { get; }

        /// <summary>How SSH was found, for the log: "stopped, policy 'off'".</summary>
        public string FoundState => $"{(WasRunning ? "running" : "stopped")}, policy '{Policy}'";

        /// <summary>Logs in (the certificate trusted first) and reads how SSH is; changes nothing.</summary>
        public static async Task<SshServiceWindow> OpenAsync(VimConnectionOptions options, CancellationToken cancellationToken)
        {
            var client = await VimClient.OpenAsync(options, cancellationToken).ConfigureAwait(false);
            try
            {
                var hosts = await client.RetrieveAllAsync("HostSystem", new[] { "configManager.serviceSystem" }, cancellationToken).ConfigureAwait(false);
                var reference = hosts.Select(h => VimClient.PropertiesOf(h).Values.TryGetValue("configManager.serviceSystem", out var value) ? value : null).FirstOrDefault(v => v != null)
                    ?? throw new VSphereApiException(client.Name, VSphereFailure.ProtocolError, $"{client.Name}: the API shows no HostServiceSystem, so SSH cannot be started through it.");
                var system = ManagedObject.From(reference);
                var (running, policy) = await ReadAsync(client, system, cancellationToken).ConfigureAwait(false);
                return new SshServiceWindow(client, system, running, policy);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>Starts SSH unless it runs already; returns whether it started it.</summary>
        public async Task<bool> StartAsync(CancellationToken cancellationToken)
        {
            if (WasRunning)
            {
                return false;
            }

            await client.CallAsync("StartService", serviceSystem, cancellationToken, Id()).ConfigureAwait(false);
            return true;
        }

        /// <summary>
        /// Puts SSH back as it was found (policy, then running state) and checks it; returns what it did, for the log.
        /// Throws <see cref="VSphereApiException"/> naming the host when SSH is not as it was afterwards.
        /// </summary>
        public async Task<string> RestoreAsync(CancellationToken cancellationToken)
        {
            var (running, policy) = await ReadAsync(client, serviceSystem, cancellationToken).ConfigureAwait(false);
            var done = new List<string>();
            if (!string.Equals(policy, Policy, StringComparison.Ordinal))
            {
                await client.CallAsync("UpdateServicePolicy", serviceSystem, cancellationToken, Id(), new XElement(VimClient.Vim + "policy", Policy)).ConfigureAwait(false);
                done.Add($"policy set back from '{policy}' to '{Policy}'");
            }

            if (running != WasRunning)
            {
                await client.CallAsync(WasRunning ? "StartService" : "StopService", serviceSystem, cancellationToken, Id()).ConfigureAwait(false);
                done.Add(WasRunning ? "started again" : "stopped again");
            }

            var (runningAfter, policyAfter) = await ReadAsync(client, serviceSystem, cancellationToken).ConfigureAwait(false);
            if (runningAfter != WasRunning || !string.Equals(policyAfter, Policy, StringComparison.Ordinal))
            {
                throw new VSphereApiException(Server, VSphereFailure.Fault,
                    $"{Server}: SSH is {(runningAfter ? "running" : "stopped")} with policy '{policyAfter}' after being put back; it was found {FoundState}.");
            }

            return done.Count == 0 ? $"SSH left {FoundState}, as it was found" : $"SSH {string.Join(" and ", done)}: {FoundState}, as it was found";
        }

        /// <inheritdoc />
        public void Dispose() => client.Dispose();

        private static XElement Id() => new XElement(VimClient.Vim + "id", ServiceKey);

        /// <summary>Whether TSM-SSH runs and its startup policy, read through the host's HostServiceSystem.</summary>
        internal static async Task<(bool Running, string Policy)> ReadAsync(VimClient client, ManagedObject system, CancellationToken cancellationToken)
        {
            var (_, values) = await client.RetrieveOneAsync(system, new[] { "serviceInfo" }, cancellationToken).ConfigureAwait(false);
            var service = (values.TryGetValue("serviceInfo", out var info) ? info : null)?.Elements(VimClient.Vim + "service")
                .FirstOrDefault(s => (string?)s.Element(VimClient.Vim + "key") == ServiceKey)
                ?? throw new VSphereApiException(client.Name, VSphereFailure.Fault, $"{client.Name}: the host lists no {ServiceKey} service.", "NotFound");
            return ((string?)service.Element(VimClient.Vim + "running") == "true", (string?)service.Element(VimClient.Vim + "policy") ?? "");
        }
    }
}
