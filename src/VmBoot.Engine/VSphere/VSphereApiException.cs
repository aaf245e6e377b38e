using System;

namespace VmBoot.VSphere
{
    /// <summary>Why talking to a host's vSphere API failed; each maps to an error id and category in the cmdlets.</summary>
    public enum VSphereFailure
    {
        /// <summary>The name did not resolve.</summary>
        HostNotFound,

        /// <summary>Nothing listens on the port.</summary>
        ConnectionRefused,

        /// <summary>Connecting or a call took too long.</summary>
        Timeout,

        /// <summary>The certificate is neither trusted by a CA for this name nor pinned, and accepting new ones was not asked for.</summary>
        CertificateUnknown,

        /// <summary>The certificate differs from the one pinned for this host.</summary>
        CertificateChanged,

        /// <summary>User or password refused, or the user may not log in (lockdown mode). Never retried: logins count toward ESXi's lockout.</summary>
        LoginFailed,

        /// <summary>A session given to reuse (PowerCLI's) is no longer valid on the host, and there is no password to log in with.</summary>
        SessionExpired,

        /// <summary>Logged in, but the user's role does not allow the call.</summary>
        NoPermission,

        /// <summary>The host refused a call with a vSphere fault (<see cref="VSphereApiException.FaultType"/>).</summary>
        Fault,

        /// <summary>The connection dropped, or the host sent something that is not a vSphere API answer.</summary>
        ProtocolError,
    }

    /// <summary>A failure talking to one host's vSphere API; the message always names the host.</summary>
    public sealed class VSphereApiException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public VSphereApiException(string server, VSphereFailure failure, string message, string? faultType = null, Exception? inner = null)
            : base(message, inner)
        {
            Server = server;
            Failure = failure;
            FaultType = faultType;
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server { get; }

        /// <summary>What went wrong.</summary>
        public VSphereFailure Failure { get; }

        /// <summary>The vSphere fault's type name (<c>InvalidLogin</c>, <c>InvalidState</c>...), when the host sent one.</summary>
        public string? FaultType { get; }

        /// <summary>A PascalCase error id: VSphere + the failure.</summary>
        public string ErrorId => "VSphere" + Failure;
    }
}
