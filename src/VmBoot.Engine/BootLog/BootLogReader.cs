using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using VmBoot.Install;
using VmBoot.Plans;
using VmBoot.Ssh;

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

    /// <summary>Finds and reads a host's boot log over SSH, where the installed script writes it.</summary>
    public static class BootLogReader
    {
        /// <summary>Where the script leaves its log when the shared log's datastore never came up.</summary>
        public const string FallbackPath = "/var/log/vmboot.log";

        private const string FinalLogAssignment = "    VMBOOT_LOG_FINAL=";
        private const string HostPlaceholder = "\"$VMBOOT_HOST\"";

        /// <summary>
        /// Reads the log at <paramref name="path"/>, or the installed block's log for this host, and the
        /// fallback log. Returns the files found; none when the host has not logged a boot yet.
        /// </summary>
        public static List<HostBootLog> Read(EsxiConnection connection, string? path, CancellationToken cancellationToken)
        {
            var paths = new List<string>();
            string hostName = connection.Run("hostname", cancellationToken).Output.Trim();
            if (path != null)
            {
                paths.Add(path);
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
