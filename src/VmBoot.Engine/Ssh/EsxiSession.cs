using System;

namespace VmBoot
{
    /// <summary>An open SSH connection to an ESXi host, reused across cmdlet calls until removed.</summary>
    public sealed class EsxiSession : IDisposable
    {
        /// <summary>Wraps an open connection.</summary>
        public EsxiSession(int id, Ssh.EsxiConnection connection)
        {
            Id = id;
            Connection = connection;
            Opened = DateTime.Now;
        }

        /// <summary>Unique within the runspace.</summary>
        public int Id { get; }

        /// <summary>The host, with :port when not 22 (what -Server takes).</summary>
        public string Server => Connection.Name;

        /// <summary>The SSH port.</summary>
        public int Port => Connection.Port;

        /// <summary>Who logged in.</summary>
        public string UserName => Connection.UserName;

        /// <summary>When the session was opened (local time).</summary>
        public DateTime Opened { get; }

        /// <summary>Opened, Broken (the connection dropped) or Closed.</summary>
        public string State => closed ? "Closed" : Connection.IsConnected ? "Opened" : "Broken";

        /// <summary>The connection the cmdlets run commands on.</summary>
        public Ssh.EsxiConnection Connection { get; }

        private bool closed;

        /// <inheritdoc />
        public void Dispose()
        {
            closed = true;
            Connection.Dispose();
        }

        /// <inheritdoc />
        public override string ToString() => $"{UserName}@{Server}";
    }
}
