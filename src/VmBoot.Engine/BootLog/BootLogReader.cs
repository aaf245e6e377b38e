using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Install;
using VmBoot.Plans;
using VmBoot.Ssh;
using VmBoot.VSphere;

namespace VmBoot.BootLog
{
    /// <summary>A boot log read from a host: where it was and what it holds.</summary>
    public sealed class HostBootLog
    {
        /// <summary>Creates the result.</summary>
        public HostBootLog(string hostName, string path, string text)
        {
            HostName = hostName;
            Path = path;
            Text = text;
        }

        /// <summary>What the host calls itself (<c>hostname</c>): the log's host field for its own lines.</summary>
        public string HostName { get; }

        /// <summary>The file on the host.</summary>
        public string Path { get; }

        /// <summary>Its content.</summary>
        public string Text { get; }
    }

    /// <summary>
    /// Finds and reads a host's boot log where the installed script writes it: over SSH (any file, the path read from
    /// local.sh), or through the vSphere API (files on datastores only, which hostd serves).
    /// </summary>
    public static class BootLogReader
    {
        /// <summary>Where the script leaves its log when the shared log's datastore never came up.</summary>
        public const string FallbackPath = "/var/log/vmboot.log";

        /// <summary>Stands for the host's name in a log path, as in a plan's log.path.</summary>
        public const string HostNameMark = "{hostname}";

        private const string FinalLogAssignment = "    VMBOOT_LOG_FINAL=";
        private const string HostPlaceholder = "\"$VMBOOT_HOST\"";

        /// <summary>
        /// Reads the log at <paramref name="path"/> ({hostname} replaced), or the installed block's log for this host, and the
        /// fallback log. Returns the files found; none when the host has not logged a boot yet.
        /// </summary>
        public static List<HostBootLog> Read(EsxiConnection connection, string? path, CancellationToken cancellationToken)
        {
            var paths = new List<string>();
            string hostName = connection.Run("hostname", cancellationToken).Output.Trim();
            if (path != null)
            {
                paths.Add(path.Replace(HostNameMark, hostName));
            }
            else
            {
                var script = connection.Run("cat " + ShellQuote.Quote(BootScriptInstaller.LocalSh), cancellationToken);
                string? block = script.ExitStatus == 0 ? SafeExtract(script.Output) : null;
                string? final = block == null ? null : LogPath(block, hostName);
                if (final != null)
                {
                    paths.Add(final);
                }

                paths.Add(FallbackPath);
            }

            var logs = new List<HostBootLog>();
            foreach (string file in paths)
            {
                var read = connection.Run("cat -- " + ShellQuote.Quote(file), cancellationToken);
                if (read.ExitStatus == 0)
                {
                    logs.Add(new HostBootLog(hostName, file, read.Output));
                }
            }

            return logs;
        }

        /// <summary>
        /// Reads the boot log through the host's vSphere API: <paramref name="path"/> (a /vmfs/volumes/DATASTORE/... path,
        /// <c>{hostname}</c> replaced by the host's name), or where a plan with a log datastore writes it
        /// (vmboot/HOSTNAME.log) on each datastore the host has mounted. local.sh and /var/log cannot be read this way.
        /// </summary>
        public static async Task<List<HostBootLog>> ReadAsync(VimClient client, string? path, CancellationToken cancellationToken)
        {
            var host = VimClient.PropertiesOf((await client.RetrieveAllAsync("HostSystem", new[] { "name", "config.network.dnsConfig.hostName" }, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault() ?? throw new VSphereApiException(client.Name, VSphereFailure.ProtocolError, $"{client.Name}: the API shows no host.")).Values;
            string hostName = new[] { "config.network.dnsConfig.hostName", "name" }.Select(p => host.TryGetValue(p, out var v) ? v?.Value ?? "" : "").FirstOrDefault(n => n.Length > 0) ?? "";
            var datastores = (await client.RetrieveAllAsync("Datastore", new[] { "summary.name", "summary.url", "summary.accessible" }, cancellationToken).ConfigureAwait(false))
                .Select(d => VimClient.PropertiesOf(d).Values)
                .Select(v => (Name: VimClient.Text(v, "summary.name"), Volume: LastSegment(VimClient.Text(v, "summary.url")), Accessible: VimClient.Text(v, "summary.accessible") != "false"))
                .ToList();

            var wanted = new List<(string Datastore, string File)>();
            if (path != null)
            {
                var (volume, file) = SplitVolumePath(path.Replace(HostNameMark, hostName))
                    ?? throw new ArgumentException($"'{path}' is not on a datastore (/vmfs/volumes/DATASTORE/...): the vSphere API reads only datastore files.", nameof(path));
                // /vmfs/volumes/ takes a datastore's name or its volume UUID; hostd's /folder takes the name.
                string name = datastores.FirstOrDefault(d => d.Name == volume || d.Volume == volume).Name ?? volume;
                wanted.Add((name.Length > 0 ? name : volume, file));
            }
            else
            {
                string file = BootLogSettings.FileOnDatastore.Replace(HostNameMark, hostName);
                wanted.AddRange(datastores.Where(d => d.Accessible && d.Name.Length > 0).Select(d => (d.Name, file)));
            }

            var logs = new List<HostBootLog>();
            foreach (var (datastore, file) in wanted)
            {
                string? text = await client.ReadDatastoreFileAsync(datastore, file, cancellationToken).ConfigureAwait(false);
                if (text != null)
                {
                    logs.Add(new HostBootLog(hostName, $"/vmfs/volumes/{datastore}/{file}", text));
                }
            }

            return logs;
        }

        /// <summary>"/vmfs/volumes/ds/a/b.log" as ("ds", "a/b.log"); null for a path elsewhere.</summary>
        public static (string Volume, string File)? SplitVolumePath(string path)
        {
            const string Volumes = "/vmfs/volumes/";
            if (!path.StartsWith(Volumes, StringComparison.Ordinal))
            {
                return null;
            }

            string rest = path.Substring(Volumes.Length);
            int slash = rest.IndexOf('/');
            return slash > 0 && slash < rest.Length - 1 ? (rest.Substring(0, slash), rest.Substring(slash + 1)) : ((string, string)?)null;
        }

        // ds:///vmfs/volumes/5f1e.../ -> 5f1e...
        private static string LastSegment(string url) => url.TrimEnd('/').Split('/').LastOrDefault() ?? "";

        /// <summary>The log file a managed block writes to on the host called <paramref name="hostName"/>, or null.</summary>
        public static string? LogPath(string block, string hostName)
        {
            foreach (string line in block.Split('\n'))
            {
                if (!line.StartsWith(FinalLogAssignment, StringComparison.Ordinal))
                {
                    continue;
                }

                var path = new StringBuilder();
                string[] parts = line.Substring(FinalLogAssignment.Length).Split(new[] { HostPlaceholder }, StringSplitOptions.None);
                for (int i = 0; i < parts.Length; i++)
                {
                    string? literal = ShellQuote.Unquote(parts[i]);
                    if (literal == null)
                    {
                        return null;
                    }

                    path.Append(i > 0 ? hostName : "").Append(literal);
                }

                return path.ToString();
            }

            return null;
        }

        private static string? SafeExtract(string script)
        {
            try
            {
                return ManagedBlock.Extract(script);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
