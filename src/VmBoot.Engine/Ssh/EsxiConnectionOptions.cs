using System;
using System.IO;
using System.Security;

namespace VmBoot.Ssh
{
    /// <summary>How to reach and log in to one ESXi host over SSH. Secrets stay in SecureStrings.</summary>
    public sealed class EsxiConnectionOptions
    {
        /// <summary>Host name or address.</summary>
        public string Server { get; set; } = "";

        /// <summary>SSH port.</summary>
        public int Port { get; set; } = 22;

        /// <summary>Login name (root on ESXi).</summary>
        public string UserName { get; set; } = "root";

        /// <summary>Password, answered to keyboard-interactive's "Password:" prompt (ESXi's only password method).</summary>
        public SecureString? Password { get; set; }

        /// <summary>An OpenSSH or PuTTY private key file (RSA or ECDSA; ESXi in FIPS mode rejects ed25519).</summary>
        public string? KeyFilePath { get; set; }

        /// <summary>The key file's passphrase, if it has one.</summary>
        public SecureString? KeyPassphrase { get; set; }

        /// <summary>OpenSSH known_hosts file; defaults to ~/.ssh/known_hosts.</summary>
        public string KnownHostsPath { get; set; } = DefaultKnownHostsPath;

        /// <summary>Record the key of a host not yet known (like StrictHostKeyChecking=accept-new). A changed key always fails.</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>Time allowed for TCP connect, key exchange and login.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>Time allowed for one remote command.</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>~/.ssh/known_hosts of the current user.</summary>
        public static string DefaultKnownHostsPath =>
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
    }
}
