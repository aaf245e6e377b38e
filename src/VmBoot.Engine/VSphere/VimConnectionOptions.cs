using System;
using System.Globalization;
using System.Security;

namespace VmBoot.VSphere
{
    /// <summary>How to reach and log in to one host's vSphere API (hostd at https://host:port/sdk).</summary>
    public sealed class VimConnectionOptions
    {
        /// <summary>Host name or address.</summary>
        public string Server { get; set; } = "";

        /// <summary>HTTPS port.</summary>
        public int Port { get; set; } = 443;

        /// <summary>The host as messages and results name it: host, host:port off 443, or [v6]:port.</summary>
        public string Name => Port == 443 ? Server
            : Server.IndexOf(':') >= 0 ? $"[{Server}]:{Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{Server}:{Port.ToString(CultureInfo.InvariantCulture)}";

        /// <summary>The user: root, or under lockdown mode an Exception User.</summary>
        public string UserName { get; set; } = "root";

        /// <summary>The password; sent only once the host's certificate is trusted.</summary>
        public SecureString? Password { get; set; }

        /// <summary>
        /// A session already logged in (PowerCLI's <c>VIServer.SessionSecret</c>, the <c>vmware_soap_session</c> cookie),
        /// used instead of logging in while the host still knows it, and never logged out (it is its owner's). Sent,
        /// like the password, only once the certificate is trusted.
        /// </summary>
        public string? SessionSecret { get; set; }

        /// <summary>The certificate pin file.</summary>
        public string KnownCertificatesPath { get; set; } = KnownCertificates.DefaultPath;

        /// <summary>Pin the certificate of a host seen for the first time (a changed one still fails).</summary>
        public bool AcceptNewCertificate { get; set; }

        /// <summary>Time allowed for connecting and for each call.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The largest answer read from the host (a property collector page is far smaller).</summary>
        public int MaxResponseBytes { get; set; } = 64 * 1024 * 1024;
    }
}
