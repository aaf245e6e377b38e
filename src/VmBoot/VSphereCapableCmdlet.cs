using System;
using System.Collections.Generic;
using System.Management.Automation;
using VmBoot.Inventory;
using VmBoot.VSphere;

namespace VmBoot.Commands
{
    /// <summary>
    /// Base for host cmdlets that can also reach hosts through their vSphere API (hostd's SOAP endpoint): the
    /// certificate trust parameters, the check that one protocol's parameters are not given with the other's, and
    /// the API's connection options.
    /// </summary>
    public abstract class VSphereCapableCmdlet : EsxiHostCmdlet
    {
        /// <summary>-Protocol's values: SSH (the default), or the vSphere API.</summary>
        private protected const string SshProtocol = "Ssh";

        /// <summary>-Protocol's value for hostd's SOAP API on 443.</summary>
        private protected const string VSphereApiProtocol = "VSphereApi";

        /// <summary>The file pinning hosts' certificates by SHA-256 (the vSphere API). Default: ~/.vmboot/known_certificates.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? KnownCertificatesPath { get; set; }

        /// <summary>Pin the certificate of a host seen for the first time (the vSphere API); a changed one still fails.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter AcceptNewCertificate { get; set; }

        /// <summary>
        /// A PowerCLI session to reuse instead of logging in (VIServer.SessionSecret: piped Connect-VIServer results bind
        /// it, each with its Name). Means the vSphere API; never logged out here.
        /// </summary>
        [Parameter(ParameterSetName = ServerSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? SessionSecret { get; set; }

        private readonly Dictionary<string, string> sessionSecrets = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// The vSphere API is asked for: -Protocol VSphereApi, or a PowerCLI session to reuse without -Protocol (only hosts
        /// named by -Server can be reached that way).
        /// </summary>
        private protected bool UsesApi(string protocol) => ParameterSetName == ServerSet
            && (string.Equals(protocol, VSphereApiProtocol, StringComparison.OrdinalIgnoreCase) || (sessionSecrets.Count > 0 && !MyInvocation.BoundParameters.ContainsKey("Protocol")));

        /// <summary>
        /// For cmdlets with -Protocol: takes this record's session secret, refuses one protocol's parameters given with
        /// the other's (see <see cref="CheckApiParameters"/>) and says whether the vSphere API is used.
        /// </summary>
        private protected bool CheckProtocolParameters(string protocol)
        {
            // UsesApi counts the session secrets taken so far, this record's included.
            RememberSessionSecret();
            bool api = UsesApi(protocol);
            RefuseMismatch(api, "-Protocol VSphereApi", sshToo: false);
            return api;
        }

        /// <summary>
        /// Refuses, before anything connects, one protocol's parameters given with the other: with the API only, a key
        /// file or SSH's trust switches, or neither a password nor a session to reuse; without the API, the certificate
        /// parameters and -SessionSecret. <paramref name="sshToo"/>: both are used (the API starts SSH), so both kinds of
        /// parameter are welcome.
        /// </summary>
        private protected void CheckApiParameters(bool api, string apiSwitch, bool sshToo = false)
        {
            RememberSessionSecret();
            RefuseMismatch(api, apiSwitch, sshToo);
        }

        private void RefuseMismatch(bool api, string apiSwitch, bool sshToo)
        {
            if (!api && SessionSecret != null)
            {
                ThrowTerminatingError(ErrorRecords.Create("ProtocolMismatch", ErrorCategory.InvalidArgument, null,
                    $"-SessionSecret is a PowerCLI session of the vSphere API: it is used with {apiSwitch}, not over SSH."));
            }

            if (!api)
            {
                if (AcceptNewCertificate || KnownCertificatesPath != null)
                {
                    ThrowTerminatingError(ErrorRecords.Create("ProtocolMismatch", ErrorCategory.InvalidArgument, null,
                        $"-KnownCertificatesPath and -AcceptNewCertificate are for {apiSwitch}; over SSH, host keys are checked with -KnownHostsPath and -AcceptNewHostKey."));
                }

                return;
            }

            if (!sshToo && (KeyFilePath != null || AcceptNewHostKey || KnownHostsPath != null))
            {
                ThrowTerminatingError(ErrorRecords.Create("ProtocolMismatch", ErrorCategory.InvalidArgument, null,
                    "-KeyFilePath, -KnownHostsPath and -AcceptNewHostKey are for SSH; the vSphere API logs in with -Credential and checks certificates with -KnownCertificatesPath and -AcceptNewCertificate."));
            }

            if (sessionSecrets.Count == 0 && (Credential == null || Credential.Password == null || Credential.Password.Length == 0))
            {
                ThrowTerminatingError(ErrorRecords.Create("CredentialRequired", ErrorCategory.InvalidArgument, null,
                    $"{apiSwitch} needs -Credential: a user and password the host's vSphere API accepts (root, or under lockdown mode an Exception User), or a PowerCLI session (pipe Connect-VIServer's result)."));
            }
        }

        // Each piped VIServer brings its own session: remembered by its server for when the hosts are worked on.
        private void RememberSessionSecret()
        {
            if (SessionSecret == null || ParameterSetName != ServerSet)
            {
                return;
            }

            if (Server.Length != 1)
            {
                ThrowTerminatingError(ErrorRecords.Create("SessionSecretNeedsOneServer", ErrorCategory.InvalidArgument, string.Join(", ", Server),
                    $"-SessionSecret is one host's session, and -Server names {Server.Length}: pipe the VIServer objects (Connect-VIServer's results) instead, each brings its own."));
            }

            sessionSecrets[Server[0]] = SessionSecret;
        }

        /// <summary>
        /// The vSphere API's connection options for one server (after <see cref="CheckProtocolParameters"/>): the
        /// credential's user and password, on <paramref name="defaultPort"/> unless the server says host:port.
        /// </summary>
        private protected VimConnectionOptions ApiOptions(string server, int defaultPort)
        {
            var (host, port) = SplitHostPort(server, defaultPort);
            return new VimConnectionOptions
            {
                Server = host,
                Port = port,
                UserName = LoginUser(server),
                Password = Credential?.Password,
                SessionSecret = sessionSecrets.TryGetValue(server, out string? secret) ? secret : null,
                KnownCertificatesPath = KnownCertificatesPath == null ? KnownCertificates.DefaultPath : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownCertificatesPath),
                AcceptNewCertificate = AcceptNewCertificate,
                Timeout = TimeSpan.FromSeconds(Math.Max(ConnectTimeout, CommandTimeout)),
            };
        }

        /// <summary>The API's port for -Server entries without one: 443, or -Port when given.</summary>
        private protected int ApiDefaultPort => MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : 443;

        /// <summary>How the API session came about, for -Verbose.</summary>
        private protected static string LoggedIn(VimClient client) => client.ReusedSession
            ? $"reusing the PowerCLI session of {client.UserName} ({client.FullName})"
            : $"logged in as {client.UserName} ({client.FullName})";

        /// <summary>Starts reading one host's VMs through its API on a worker; each VM is handed over on the pipeline thread.</summary>
        private protected void StartApiInventory(VimConnectionOptions options, Action<EsxiVm> onVm)
            => StartApiWork(options, (client, writer) => ReadApiInventory(client, writer, onVm));

        /// <summary>The same through an open session (New-EsxiSession -Protocol VSphereApi), which stays open.</summary>
        private protected void StartApiInventory(EsxiSession session, Action<EsxiVm> onVm)
            => StartHostWork(session.Server, writer => ReadApiInventory(session.Api!, writer, onVm));

        /// <summary>Starts <paramref name="work"/> for one host on a worker, logged in for it and logged out after.</summary>
        private protected void StartApiWork(VimConnectionOptions options, Action<VimClient, HostFanOut.HostWriter> work)
            => StartHostWork(options.Name, writer =>
            {
                using (var client = VimClient.OpenAsync(options, writer.Token).GetAwaiter().GetResult())
                {
                    writer.Verbose(LoggedIn(client));
                    work(client, writer);
                }
            });

        private static void ReadApiInventory(VimClient client, HostFanOut.HostWriter writer, Action<EsxiVm> onVm)
        {
            var vms = VimInventory.ReadAsync(client, writer.Token,
                vmid => writer.Warning($"VM {vmid} is not listed: hostd cannot read its configuration (inaccessible or invalid; a VM whose datastore is not mounted is one).")).GetAwaiter().GetResult();
            foreach (var vm in vms)
            {
                writer.OnPipeline(() => onVm(vm));
            }
        }
    }
}
