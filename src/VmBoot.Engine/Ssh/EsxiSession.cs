using System;

namespace VmBoot
{
    /// <summary>
    /// An open connection to an ESXi host, reused across cmdlet calls until removed: SSH, or a logged-in session of
    /// the host's vSphere API.
    /// </summary>
    public sealed class EsxiSession : IDisposable
    {
        private bool closed;

        /// <summary>Wraps an open SSH connection.</summary>
        public EsxiSession(int id, Ssh.EsxiConnection connection)
        {
            Id = id;
            Connection = connection;
            Opened = DateTime.Now;
        }

        /// <summary>Wraps a logged-in vSphere API session.</summary>
        public EsxiSession(int id, VSphere.VimClient api)
        {
            Id = id;
            Api = api;
            Opened = DateTime.Now;
        }

        /// <summary>Unique within the runspace.</summary>
        public int Id { get; }

        /// <summary>Ssh or VSphereApi.</summary>
        public string Protocol => Api != null ? "VSphereApi" : "Ssh";

        /// <summary>The host, with :port when not the protocol's own (what -Server takes).</summary>
        public string Server => Api?.Name ?? Connection!.Name;

        /// <summary>The port: SSH's, or the API's.</summary>
        public int Port => Api?.Port ?? Connection!.Port;

        /// <summary>Who logged in.</summary>
        public string UserName => Api?.UserName ?? Connection!.UserName;

        /// <summary>When the session was opened (local time).</summary>
        public DateTime Opened { get; }

        /// <summary>Opened, Broken (the SSH connection dropped) or Closed.</summary>
        public string State => closed ? "Closed" : Api != null || Connection!.IsConnected ? "Opened" : "Broken";

        /// <summary>The SSH connection the cmdlets run commands on; null for an API session.</summary>
        public Ssh.EsxiConnection? Connection { get; }

        /// <summary>The vSphere API session; null for an SSH session.</summary>
        public VSphere.VimClient? Api { get; }

        /// <inheritdoc />
        public void Dispose()
        {
            closed = true;
            Connection?.Dispose();
            Api?.Dispose();
        }

        /// <inheritdoc />
        public override string ToString() => $"{UserName}@{Server}";
    }
}
