using System;

namespace VmBoot.Ssh
{
    /// <summary>Why talking to a host failed; each maps to an error id and category in the cmdlets.</summary>
    public enum SshFailure
    {
        /// <summary>The name did not resolve.</summary>
        HostNotFound,

        /// <summary>Nothing listens on the port.</summary>
        ConnectionRefused,

        /// <summary>Connect, key exchange or login took too long.</summary>
        ConnectTimeout,

        /// <summary>The host's key is not in known_hosts and accepting new keys was not asked for.</summary>
        HostKeyUnknown,

        /// <summary>The host's key differs from the one in known_hosts (or is revoked there).</summary>
        HostKeyChanged,

        /// <summary>The password or key was refused. Never retried: ESXi locks the account after 5.</summary>
        AuthenticationFailed,

        /// <summary>The key file could not be read or decrypted.</summary>
        KeyFileInvalid,

        /// <summary>The connection dropped while working.</summary>
        ConnectionLost,

        /// <summary>A remote command did not finish in time.</summary>
        CommandTimeout,

        /// <summary>Any other SSH protocol failure.</summary>
        ProtocolError,
    }

    /// <summary>A failure talking to one host; the message always names the host.</summary>
    public sealed class EsxiSshException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public EsxiSshException(string server, SshFailure failure, string message, Exception? inner = null)
            : base(message, inner)
        {
            Server = server;
            Failure = failure;
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server { get; }

        /// <summary>What went wrong.</summary>
        public SshFailure Failure { get; }

        /// <summary>A PascalCase error id: Ssh + the failure.</summary>
        public string ErrorId => "Ssh" + Failure;
    }
}
