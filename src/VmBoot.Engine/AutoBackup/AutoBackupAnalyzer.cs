using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace VmBoot
{
    /// <summary>How auto-backup.sh reported a file.</summary>
    public enum AutoBackupChangeKind
    {
        /// <summary>A unified diff: lines saved and dropped are known.</summary>
        Changed,

        /// <summary>Not in the previous backup: all of it is saved now.</summary>
        Added,

        /// <summary>In the previous backup but gone from the running host.</summary>
        Removed,

        /// <summary>"Files A and B differ" (older ESXi): changed, lines unknown.</summary>
        Differs,

        /// <summary>"Binary files A and B differ".</summary>
        Binary,
    }

    /// <summary>One file auto-backup.sh found different between the running host and the last saved state.</summary>
    public sealed class AutoBackupFileChange
    {
        /// <summary>The file on the host.</summary>
        public string Path { get; set; } = "";

        /// <summary>How it differs.</summary>
        public AutoBackupChangeKind Kind { get; set; }

        /// <summary>True for local.sh, the change installing a boot script makes.</summary>
        public bool Expected { get; set; }

        /// <summary>Lines live on the host now, being saved (the diff's '-' lines).</summary>
        public List<string> LinesSaved { get; } = new List<string>();

        /// <summary>Lines of the previous backup that will no longer be in it (the diff's '+' lines).</summary>
        public List<string> LinesDropped { get; } = new List<string>();

        /// <summary>Plain-language meaning, and what to redo if anything.</summary>
        public List<string> Explanation { get; } = new List<string>();

        /// <summary>Whether auto-backup.sh said it saved the state ("Saving current state in /bootbank").</summary>
        public bool StateSaved { get; set; }
    }

    /// <summary>Everything one run of auto-backup.sh printed, read back.</summary>
    public sealed class AutoBackupReport
    {
        /// <summary>Files that differed, in the order printed.</summary>
        public List<AutoBackupFileChange> Files { get; } = new List<AutoBackupFileChange>();

        /// <summary>"Saving current state in /bootbank" was printed.</summary>
        public bool StateSaved { get; set; }

        /// <summary>True when nothing but local.sh differed.</summary>
        public bool OnlyExpectedChanges => Files.All(f => f.Expected);
    }

    /// <summary>
    /// Reads auto-backup.sh's output. Its diff runs <c>diff LIVE /tmp/auto-backup.PID/LIVE</c>, so '-' lines
    /// are what the running host has and is now saving, '+' lines what the previous backup had.
    /// </summary>
    public static class AutoBackupAnalyzer
    {
        private static readonly Regex HunkHeader = new Regex(@"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", RegexOptions.CultureInvariant);
        private static readonly Regex FilesDiffer = new Regex(@"^(Binary f|F)iles (\S+) and (\S+) differ$", RegexOptions.CultureInvariant);
        private static readonly Regex CannotStat = new Regex(@"^diff: can't stat '([^']+)'", RegexOptions.CultureInvariant);
        private static readonly Regex BackupCopy = new Regex(@"^/tmp/auto-backup\.\d+/(/.*)$", RegexOptions.CultureInvariant);
        private static readonly Regex ServicePolicy = new Regex(@"^\s*<([A-Za-z0-9_-]+)>(on|off|automatic)</\1>\s*$", RegexOptions.CultureInvariant);

        private static readonly Dictionary<string, string> ServiceNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ntpd"] = "NTP daemon",
            ["TSM-SSH"] = "SSH",
            ["TSM"] = "ESXi Shell",
            ["sfcbd-watchdog"] = "CIM server",
            ["snmpd"] = "SNMP server",
            ["lbtd"] = "load-based teaming daemon",
            ["vpxa"] = "vCenter agent (vpxa)",
            ["lwsmd"] = "Active Directory service",
            ["slpd"] = "SLP",
        };

        private static readonly Dictionary<string, string> PolicyMeaning = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["on"] = "start and stop with the host",
            ["off"] = "start and stop manually",
            ["automatic"] = "start and stop with port usage, so a service with an open port such as NTP runs from boot",
        };

        /// <summary>Parses the output (stdout and stderr, in any order).</summary>
        public static AutoBackupReport Analyze(IEnumerable<string> lines)
        {
            var report = new AutoBackupReport();
            AutoBackupFileChange? current = null;
            int oldLeft = 0, newLeft = 0;
            foreach (string raw in lines)
            {
                string line = raw.TrimEnd('\r');
                bool inHunk = oldLeft > 0 || newLeft > 0;
                string header = line.StartsWith("--- ", StringComparison.Ordinal) ? line.Substring(4).Split('\t')[0].Trim() : "";
                if (header.Length > 0 && !inHunk)
                {
                    current = Add(report, header, AutoBackupChangeKind.Changed);
                    continue;
                }

                if (line.StartsWith("+++ ", StringComparison.Ordinal) && current != null && !inHunk)
                {
                    continue;
                }

                var hunk = HunkHeader.Match(line);
                if (hunk.Success && current != null && !inHunk)
                {
                    // Count the hunk's lines: a removed line "-- x" prints as "--- x" and must not start a file.
                    oldLeft = hunk.Groups[2].Success ? int.Parse(hunk.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
                    newLeft = hunk.Groups[4].Success ? int.Parse(hunk.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
                    if (line.StartsWith("@@ -0,0 ", StringComparison.Ordinal))
                    {
                        current.Kind = AutoBackupChangeKind.Removed;
                    }
                    else if (Regex.IsMatch(line, @"^@@ -\d+(,\d+)? \+0,0 @@"))
                    {
                        current.Kind = AutoBackupChangeKind.Added;
                    }

                    continue;
                }

                if (current != null && line.StartsWith("\\", StringComparison.Ordinal))
                {
                    continue;
                }

                if (inHunk && current != null && line.Length > 0 && (line[0] == '-' || line[0] == '+' || line[0] == ' '))
                {
                    if (line[0] != '+')
                    {
                        oldLeft--;
                    }

                    if (line[0] != '-')
                    {
                        newLeft--;
                    }

                    if (line[0] == '-')
                    {
                        current.LinesSaved.Add(line.Substring(1));
                    }
                    else if (line[0] == '+')
                    {
                        current.LinesDropped.Add(line.Substring(1));
                    }

                    continue;
                }

                oldLeft = newLeft = 0;
                var differs = FilesDiffer.Match(line);
                if (differs.Success)
                {
                    current = Add(report, differs.Groups[2].Value, differs.Groups[1].Value == "Binary f" ? AutoBackupChangeKind.Binary : AutoBackupChangeKind.Differs);
                    continue;
                }

                var missing = CannotStat.Match(line);
                if (missing.Success)
                {
                    var copy = BackupCopy.Match(missing.Groups[1].Value);
                    current = copy.Success
                        ? Add(report, copy.Groups[1].Value, AutoBackupChangeKind.Added)
                        : Add(report, missing.Groups[1].Value, AutoBackupChangeKind.Removed);
                    continue;
                }

                if (line.StartsWith("Saving current state in /bootbank", StringComparison.Ordinal))
                {
                    report.StateSaved = true;
                }
            }

            foreach (var file in report.Files)
            {
                file.StateSaved = report.StateSaved;
                Explain(file);
            }

            return report;
        }

        private static AutoBackupFileChange Add(AutoBackupReport report, string path, AutoBackupChangeKind kind)
        {
            var file = new AutoBackupFileChange { Path = path, Kind = kind, Expected = path == "/etc/rc.local.d/local.sh" };
            report.Files.Add(file);
            return file;
        }

        private static void Explain(AutoBackupFileChange file)
        {
            var say = file.Explanation;
            string direction = file.StateSaved ? "is saved now" : "was NOT saved (no 'Saving current state' line)";
            string directionOfMany = file.StateSaved ? "are saved now" : "were NOT saved (no 'Saving current state' line)";
            switch (file.Path)
            {
                case "/etc/rc.local.d/local.sh":
                    say.Add(file.Kind == AutoBackupChangeKind.Added
                        ? $"The boot script is in a backup for the first time: all {file.LinesSaved.Count} line(s) of the running local.sh {directionOfMany}."
                        : $"The boot script changed: {file.LinesSaved.Count} line(s) of the running local.sh {directionOfMany}, {file.LinesDropped.Count} line(s) of the previous one are dropped. Expected when installing a boot script.");
                    return;
                case "/etc/vmware/hostd/hostsvc.xml":
                    ExplainServices(file, direction);
                    return;
                case "/etc/vmware/dvsdata.db":
                    say.Add($"The distributed switch cache (binary) differs; hostd rewrites it on its own and it {direction}. Usually harmless, but it means the saved state was older than the running host.");
                    return;
                case "/etc/vmware/esx.conf":
                    say.Add($"Host configuration (esx.conf) made since the last backup {direction}: networking, storage or advanced settings changed on the running host. Check them in the vSphere Client.");
                    return;
                case "/etc/shadow":
                case "/etc/passwd":
                case "/etc/group":
                    say.Add($"Local accounts or passwords changed since the last backup; the running host's {direction}.");
                    return;
            }

            if (file.Path.StartsWith("/etc/ssh/keys-", StringComparison.Ordinal))
            {
                string user = file.Path.Substring("/etc/ssh/keys-".Length).Split('/')[0];
                say.Add(file.Kind == AutoBackupChangeKind.Added
                    ? $"SSH keys allowed to log in as '{user}' were not in the previous backup; they {directionOfMany}."
                    : $"SSH keys allowed to log in as '{user}' changed: {file.LinesSaved.Count} key line(s) on the running host {directionOfMany}, {file.LinesDropped.Count} from the previous backup are dropped.");
                return;
            }

            say.Add($"{file.Path} differs between the running host and its saved state; the running host's copy {direction}. A setting made elsewhere (vSphere Client, esxcli) was not yet persisted.");
        }

        private static void ExplainServices(AutoBackupFileChange file, string direction)
        {
            var live = Policies(file.LinesSaved);
            var saved = Policies(file.LinesDropped);
            foreach (var service in live.Keys.Union(saved.Keys))
            {
                string name = ServiceNames.TryGetValue(service, out var known) ? $"{known} ({service})" : service;
                live.TryGetValue(service, out var now);
                saved.TryGetValue(service, out var before);
                string nowText = now == null ? "no policy (default)" : $"'{now}' ({PolicyMeaning[now]})";
                string beforeText = before == null ? "no policy (default)" : $"'{before}' ({PolicyMeaning[before]})";
                file.Explanation.Add($"Service start policy of {name}: the running host has {nowText}, the previous backup had {beforeText}; the running host's {direction}. If that is not what you set in the vSphere Client, set the policy again and rerun auto-backup.sh.");
            }

            if (file.Explanation.Count == 0)
            {
                file.Explanation.Add($"hostd's service settings (hostsvc.xml) differ; the running host's {direction}.");
            }
        }

        private static Dictionary<string, string> Policies(IEnumerable<string> lines)
        {
            var policies = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in lines)
            {
                var match = ServicePolicy.Match(line);
                if (match.Success)
                {
                    policies[match.Groups[1].Value] = match.Groups[2].Value;
                }
            }

            return policies;
        }
    }
}
