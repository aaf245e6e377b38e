using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using VmBoot.Inventory;
using VmBoot.Ssh;

namespace VmBoot.Probe
{
    /// <summary>
    /// What a host answered to the probe's commands, for a bug report: each command with its exit status, standard
    /// output and standard error, as text. VM names, notes and datastore names become stable placeholders (vm-1,
    /// notes-1, datastore-1) unless they are to be kept.
    /// </summary>
    public sealed class ProbeCapture
    {
        private readonly List<(string Command, EsxiCommandResult Answer)> exchanges = new List<(string, EsxiCommandResult)>();

        /// <summary>Starts an empty capture of one host.</summary>
        public ProbeCapture(string server)
        {
            Server = server;
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server { get; }

        /// <summary>Keeps one command and its answer (the probe's record callback).</summary>
        public void Record(string command, EsxiCommandResult answer)
        {
            lock (exchanges)
            {
                exchanges.Add((command, answer));
            }
        }

        /// <summary>The capture as text; names replaced by placeholders unless <paramref name="keepNames"/>.</summary>
        public string ToText(bool keepNames, string version)
        {
            var text = new StringBuilder();
            text.Append("# VmBoot Test-EsxiHost capture of ").Append(Server).Append('\n');
            text.Append("# ").Append(version).Append('\n');
            text.Append("# VmBoot ").Append(typeof(ProbeCapture).Assembly.GetName().Version?.ToString() ?? "").Append(keepNames ? "; names kept" : "; VM names, notes and datastore names replaced").Append('\n');
            List<(string, EsxiCommandResult)> taken;
            lock (exchanges)
            {
                taken = exchanges.ToList();
            }

            var replacements = keepNames ? new List<(string, string)>() : Placeholders(taken);
            string Hide(string value) => replacements.Aggregate(value, (current, r) => current.Replace(r.Item1, r.Item2));
            foreach (var (command, answer) in taken)
            {
                text.Append("### command: ").Append(Hide(command)).Append('\n');
                text.Append("### exit: ").Append(answer.ExitStatus.ToString(CultureInfo.InvariantCulture)).Append('\n');
                string output = keepNames ? answer.Output : IsGetAllVms(command) ? HideInTable(answer.Output, Hide) : HideGuestIdentity(Hide(answer.Output));
                Section(text, "stdout", output);
                Section(text, "stderr", keepNames ? answer.Error : Hide(answer.Error));
            }

            return text.ToString();
        }

        // getallvms as root or as vpxuser (lockdown mode).
        private static bool IsGetAllVms(string command) => command.StartsWith("vim-cmd ", StringComparison.Ordinal) && command.EndsWith(" vmsvc/getallvms", StringComparison.Ordinal)
            || command == LiveInventory.Command;

        // A section's text exactly: a header saying whether the text ends in a newline, so a replay gives it back as it was.
        private static void Section(StringBuilder text, string stream, string content)
        {
            bool whole = content.Length == 0 || content.EndsWith("\n", StringComparison.Ordinal);
            text.Append("### ").Append(stream).Append(whole ? ":" : " (no newline at end):").Append('\n').Append(content).Append(whole ? "" : "\n");
        }

        // getallvms with its names replaced and written again the way the host padded it, so the placeholders keep the
        // table's layout (a plain replacement would shift its columns).
        private static string HideInTable(string table, Func<string, string> hide)
        {
            var vms = GetAllVmsParser.Parse(table).Vms;
            var (same, how) = GetAllVmsWriter.RoundTrip(table, vms);
            if (!same)
            {
                return hide(table);
            }

            string skipped = string.Concat(table.Split('\n').Where(l => l.StartsWith("Skipping invalid VM", StringComparison.Ordinal)).Select(l => l + "\n"));
            foreach (var vm in vms)
            {
                vm.Name = hide(vm.Name);
                vm.File = hide(vm.File);
                vm.Notes = hide(vm.Notes);
            }

            return skipped + GetAllVmsWriter.WriteLike(how, vms);
        }

        // get.guest names the guest's own host name and addresses: not VmBoot's to send anywhere.
        private static string HideGuestIdentity(string output) => GuestIdentity.Replace(output, m => m.Groups[1].Value + "\"hidden\"");

        private static readonly Regex GuestIdentity = new Regex("^(\\s*(?:hostName|ipAddress|macAddress|dnsName|domainName) = )\"[^\"]*\"", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        /// <summary>Writes the capture to <paramref name="path"/> (a file), creating its folder.</summary>
        public void Save(string path, bool keepNames, string version)
        {
            string? folder = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(path, ToText(keepNames, version), new UTF8Encoding(false));
        }

        // From the host's own getallvms answer: each name, note and datastore, longest first so no part of one is
        // replaced before the whole.
        private static List<(string, string)> Placeholders(List<(string Command, EsxiCommandResult Answer)> taken)
        {
            var vms = taken.Where(e => IsGetAllVms(e.Command))
                .SelectMany(e => GetAllVmsParser.Parse(e.Answer.Output).Vms).ToList();
            var pairs = new List<(string, string)>();
            void Add(IEnumerable<string> values, string prefix)
            {
                int n = 0;
                foreach (string value in values.Where(v => v.Trim().Length > 0).Distinct(StringComparer.Ordinal))
                {
                    pairs.Add((value, $"{prefix}-{++n}"));
                }
            }

            Add(vms.Select(v => v.Notes), "notes");
            Add(vms.Select(v => v.Name), "vm");
            Add(vms.Select(v => v.Datastore), "datastore");
            return pairs.OrderByDescending(p => p.Item1.Length).ToList();
        }
    }
}
