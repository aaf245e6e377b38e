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

        /// <summary>-Protocol asks for the vSphere API (only hosts named by -Server can be reached that way).</summary>
        private protected bool UsesApi(string protocol) => ParameterSetName == ServerSet && string.Equals(protocol, VSphereApiProtocol, StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Refuses, before anything connects, one protocol's parameters given with the other: with the API only, a key
        /// file or SSH's trust switches, or no password; with SSH only, -KnownCertificatesPath and -AcceptNewCertificate.
        /// <paramref name="sshToo"/>: both are used (the API starts SSH), so both kinds of parameter are welcome.
        /// </summary>
        private protected void CheckProtocolParameters(bool api, string apiSwitch = "-Protocol VSphereApi", bool sshToo = false)
        {
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

            if (Credential == null || Credential.Password == null || Credential.Password.Length == 0)
            {
                ThrowTerminatingError(ErrorRecords.Create("CredentialRequired", ErrorCategory.InvalidArgument, null,
                    $"{apiSwitch} needs -Credential: a user and password the host's vSphere API accepts (root, or under lockdown mode an Exception User)."));
            }
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
                Password = Credential!.Password,
                KnownCertificatesPath = KnownCertificatesPath == null ? KnownCertificates.DefaultPath : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownCertificatesPath),
                AcceptNewCertificate = AcceptNewCertificate,
                Timeout = TimeSpan.FromSeconds(Math.Max(ConnectTimeout, CommandTimeout)),
            };
        }

        /// <summary>The API's port for -Server entries without one: 443, or -Port when given.</summary>
        private protected int ApiDefaultPort => MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : 443;

        /// <summary>Starts reading one host's VMs through its API on a worker; each VM is handed over on the pipeline thread.</summary>
        private protected void StartApiInventory(VimConnectionOptions options, Action<EsxiVm> onVm)
            => StartHostWork(options.Name, writer =>
            {
                using (var client = VimClient.OpenAsync(options, writer.Token).GetAwaiter().GetResult())
                {
                    writer.Verbose($"logged in as {options.UserName} ({client.FullName})");
                    foreach (var vm in VimInventory.ReadAsync(client, writer.Token).GetAwaiter().GetResult())
                    {
                        writer.OnPipeline(() => onVm(vm));
                    }
                }
            });
    }
}
