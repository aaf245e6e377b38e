using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using VmBoot.Inventory;
using VmBoot.Ssh;
using VmBoot.Vsan;

namespace VmBoot.Remote
{
    /// <summary>
    /// A remote run's requests to one host over SSH, as vim-cmd, esxcli and BusyBox commands. Every command is fixed
    /// text; the only values in it are vmids (digits, parsed from getallvms) and datastore names, always through
    /// <see cref="ShellQuote"/>. SSH failures leave as <see cref="RemoteHostException"/>.
    /// </summary>
    internal sealed class SshHostControl : IHostControl
    {
        internal const string VpxUserOptions = "-U vpxuser -c /etc/vmware/hostd/config.xml ";
        private static readonly Regex FaultMessage = new Regex("^\\s*msg = \"(.*)\"", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        private readonly RemoteTarget target;
        private string vimPrefix = "vim-cmd ";
        private List<int> invalidVmids = new List<int>();
        private EsxiConnection? connection;

        internal SshHostControl(RemoteTarget target) => this.target = target;

        /// <inheritdoc />
        public string Transport => "SSH";

        /// <inheritdoc />
        public string PowerOffMethod(bool evenOutsideMaintenanceMode) => evenOutsideMaintenanceMode ? "poweroff from the shell" : "esxcli system shutdown poweroff";

        /// <inheritdoc />
        public string? Connect(CancellationToken cancellationToken)
        {
            connection = target.Connection ?? Translate(() => EsxiConnection.Open(target.Options!, cancellationToken));
            string name = Run("hostname", cancellationToken).Output.Trim();
            return name.Length > 0 && name.IndexOfAny(new[] { '\t', '\n' }) < 0 ? name : null;
        }

        /// <inheritdoc />
        public void Close()
        {
            if (target.Connection == null)
            {
                connection?.Dispose();
            }

            connection = null;
        }

        /// <inheritdoc />
        public bool StillAnswers(CancellationToken cancellationToken)
        {
            try
            {
                if (target.Options != null)
                {
                    Close();
                    using var probe = EsxiConnection.Open(target.Options, cancellationToken);
                    return true;
                }

                return connection?.Run("true", cancellationToken).ExitStatus == 0;
            }
            catch (EsxiSshException)
            {
                return false;
            }
        }

        /// <inheritdoc />
        public string? HostdRefusal(CancellationToken cancellationToken, out bool switchedUser, out bool refusedEveryUser)
        {
            switchedUser = false;
            refusedEveryUser = false;
            var result = Run("vim-cmd vmsvc/getallvms >/dev/null", cancellationToken);
            if (result.ExitStatus == 0)
            {
                return null;
            }

            if (RefusesUser(result.Error))
            {
                if (Run("vim-cmd " + VpxUserOptions + "vmsvc/getallvms >/dev/null", cancellationToken).ExitStatus == 0)
                {
                    vimPrefix = "vim-cmd " + VpxUserOptions;
                    switchedUser = true;
                    return null;
                }

                refusedEveryUser = true;
            }

            string why = result.Error.Trim();
            return why.Length > 0 ? why.Split('\n')[0] : $"exit status {result.ExitStatus}";
        }

        /// <summary>vim-cmd's stderr says hostd refused the user (lockdown mode, as ESXi's own autostart reads it).</summary>
        internal static bool RefusesUser(string error) => error.Contains("vim.fault.NoPermission") || error.Contains("vim.fault.InvalidLogin");

        /// <inheritdoc />
        public string VimUser => vimPrefix.Contains("vpxuser") ? "vpxuser" : "root";

        /// <inheritdoc />
        public bool InMaintenanceMode(CancellationToken cancellationToken)
            => Vim("hostsvc/hostsummary", cancellationToken).Output.Contains("inMaintenanceMode = true");

        /// <inheritdoc />
        public bool ExitMaintenanceMode(CancellationToken cancellationToken)
        {
            Vim("hostsvc/maintenance_mode_exit", cancellationToken);
            return Vim("hostsvc/hostsummary", cancellationToken).Output.Contains("inMaintenanceMode = false");
        }

        /// <inheritdoc />
        public List<string> Unmounted(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken)
        {
            if (datastores.Count == 0)
            {
                return new List<string>();
            }

            string list = string.Join(" ", datastores.Select(ShellQuote.Quote));
            var output = Run($"for ds in {list}; do [ -d \"/vmfs/volumes/$ds\" ] || printf '%s\\n' \"$ds\"; done", cancellationToken).Output;
            var missing = new HashSet<string>(output.Split('\n'), StringComparer.Ordinal);
            return datastores.Where(missing.Contains).ToList();
        }

        /// <inheritdoc />
        public List<string> RescanFor(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken)
        {
            Run("esxcli storage core adapter rescan --all >/dev/null 2>&1", cancellationToken);
            return Unmounted(datastores, cancellationToken);
        }

        /// <inheritdoc />
        public List<EsxiVm> ReadInventory(string hostName, CancellationToken cancellationToken, Action<string> onProblem)
        {
            // getallvms as the user hostd accepts.
            var result = Vim("vmsvc/getallvms", cancellationToken);
            var vms = new List<EsxiVm>();
            if (result.ExitStatus != 0)
            {
                onProblem($"getallvms failed on {hostName}: {result.Error.Trim()}");
                return vms;
            }

            var parser = new GetAllVmsParser(hostName, vms.Add, d => onProblem($"{hostName}: {d.Message}"));
            parser.Push(result.Output);
            parser.Complete();
            invalidVmids = result.Error.Split('\n').Select(GetAllVmsParser.InvalidVmid).Where(v => v != null).Select(v => v!.Value).ToList();
            return vms;
        }

        /// <inheritdoc />
        public IReadOnlyCollection<int> InvalidVmids => invalidVmids;

        /// <inheritdoc />
        public HashSet<string> Volumes(CancellationToken cancellationToken)
            => new HashSet<string>(Run("ls -1 /vmfs/volumes", cancellationToken).Output.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

        /// <inheritdoc />
        /// <remarks>One command: each VM in a background subshell, then wait; the reason is vim-cmd's.</remarks>
        public Dictionary<int, (bool WasOn, string? Reason)> PowerOn(IReadOnlyCollection<int> vmids, IReadOnlyCollection<int> knownOff, CancellationToken cancellationToken)
        {
            // One line per VM: vmid, state before (empty when not read), state after, vim-cmd's output folded.
            string readFirst = knownOff.Count == 0 ? $"before=$({StateOfId})"
                : $"case ' {Ids(knownOff)} ' in *\" $id \"*) before= ;; *) before=$({StateOfId}) ;; esac";
            string command = EachVmAtOnce(vmids, $"{readFirst}; after=$before; output=; "
                + $"if [ \"$before\" != 'Powered on' ]; then output=$({VimCommand} vmsvc/power.on \"$id\" </dev/null 2>&1); after=$({StateOfId}); fi; "
                + $"printf '%s\\t%s\\t%s\\t%s\\n' \"$id\" \"$before\" \"$after\" \"{FoldedOutput}\"");
            var results = new Dictionary<int, (bool, string?)>();
            foreach (var (vmid, fields) in Lines(Run(command, cancellationToken).Output, 4))
            {
                bool on = fields[2].Trim() == "Powered on";
                results[vmid] = fields[1].Trim() == "Powered on" || (on && Unfold(fields[3]).Contains("InvalidPowerState")) ? (true, null)
                    : on ? (false, null)
                    : (false, Reason(Unfold(fields[3])));
            }

            return WithNoAnswer(vmids, results, (false, NoAnswer));
        }

        /// <inheritdoc />
        public Dictionary<int, string> PowerStates(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var states = new Dictionary<int, string>();
            if (vmids.Count == 0)
            {
                return states;
            }

            var output = Run($"for id in {Ids(vmids)}; do printf '%s\\t%s\\n' \"$id\" \"$({StateOfId})\"; done", cancellationToken).Output;
            foreach (var (vmid, fields) in Lines(output, 2))
            {
                states[vmid] = fields[1].Trim();
            }

            return states;
        }

        /// <inheritdoc />
        /// <remarks>
        /// Asks each running guest whose VMware Tools run (vmsvc/get.guest's toolsRunningStatus) to shut down
        /// (vmsvc/power.shutdown), all at once. Whether that command returns at once or when the guest is off is
        /// unverified, so each request is left running in the background and the caller polls the power state. Per
        /// vmid: whether it was on, and whether its Tools run (a VM without them was not asked).
        /// </remarks>
        public Dictionary<int, (bool WasOn, bool ToolsRunning)> RequestGuestShutdown(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var answers = new Dictionary<int, (bool, bool)>();
            if (vmids.Count == 0)
            {
                return answers;
            }

            string command = EachVmAtOnce(vmids, $"before=$({StateOfId}); "
                + $"case $({VimCommand} vmsvc/get.guest \"$id\" </dev/null 2>/dev/null) in *'toolsRunningStatus = \"guestToolsRunning\"'*|*'toolsRunningStatus = \"guestToolsExecutingScripts\"'*) tools=1 ;; *) tools=0 ;; esac; "
                + $"if [ \"$before\" = 'Powered on' ] && [ \"$tools\" = 1 ]; then ( {VimCommand} vmsvc/power.shutdown \"$id\" ) </dev/null >/dev/null 2>&1 & fi; "
                + "printf '%s\\t%s\\t%s\\n' \"$id\" \"$before\" \"$tools\"");
            foreach (var (vmid, fields) in Lines(Run(command, cancellationToken).Output, 3))
            {
                answers[vmid] = (fields[1].Trim() == "Powered on", fields[2].Trim() == "1");
            }

            return answers;
        }

        /// <inheritdoc />
        public Dictionary<int, string?> PowerOff(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var results = new Dictionary<int, string?>();
            if (vmids.Count == 0)
            {
                return results;
            }

            string command = EachVmAtOnce(vmids, $"output=$({VimCommand} vmsvc/power.off \"$id\" </dev/null 2>&1); after=$({StateOfId}); "
                + $"printf '%s\\t%s\\t%s\\n' \"$id\" \"$after\" \"{FoldedOutput}\"");
            foreach (var (vmid, fields) in Lines(Run(command, cancellationToken).Output, 3))
            {
                results[vmid] = fields[1].Trim() == "Powered off" ? null : Reason(Unfold(fields[2]));
            }

            return WithNoAnswer(vmids, results, NoAnswer);
        }

        /// <inheritdoc />
        public string? EnterMaintenanceMode(bool noDataMigration, CancellationToken cancellationToken)
        {
            // vim-cmd has no vSAN data mode; esxcli's -m does.
            var result = noDataMigration ? Run(VsanProcedure.EnterMaintenanceModeWithoutMigration, cancellationToken) : Vim("hostsvc/maintenance_mode_enter", cancellationToken);
            if (InMaintenanceMode(cancellationToken))
            {
                return null;
            }

            return Refusal(result);
        }

        /// <inheritdoc />
        /// <remarks>
        /// <c>esxcli system shutdown poweroff</c> (maintenance mode required), or outside maintenance mode the shell's
        /// <c>poweroff</c>. A host going down may drop the session before the exit status comes back: that is a yes.
        /// </remarks>
        public string? PowerOffHost(bool evenOutsideMaintenanceMode, string reason, CancellationToken cancellationToken)
        {
            try
            {
                var result = Run(evenOutsideMaintenanceMode ? "poweroff" : $"esxcli system shutdown poweroff --delay=10 --reason={ShellQuote.Quote(reason)}", cancellationToken);
                return result.ExitStatus == 0 ? null : Refusal(result);
            }
            catch (RemoteHostException e) when (e.Failure == HostFailure.Lost)
            {
                return null;
            }
        }

        // The lines of a command's answer that start with a vmid and have exactly `fields` tab-separated fields.
        private static IEnumerable<(int Vmid, string[] Fields)> Lines(string output, int fields)
        {
            foreach (string line in output.Split('\n'))
            {
                var parts = line.Split('\t');
                if (parts.Length == fields && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int vmid))
                {
                    yield return (vmid, parts);
                }
            }
        }

        // A VM the host's answer left out gets `missing`.
        private static Dictionary<int, T> WithNoAnswer<T>(IReadOnlyCollection<int> vmids, Dictionary<int, T> results, T missing)
        {
            foreach (int vmid in vmids.Where(v => !results.ContainsKey(v)))
            {
                results[vmid] = missing;
            }

            return results;
        }

        /// <inheritdoc />
        public VsanNode? ReadVsan(bool preparedOnly, CancellationToken cancellationToken)
        {
            bool? ReadIgnore() => VsanProcedure.IgnoreFrom(Run(VsanProcedure.ReadIgnore + " 2>&1", cancellationToken).Output);
            bool? ignores = preparedOnly ? ReadIgnore() : null;
            if (preparedOnly && ignores != true)
            {
                return null;
            }

            var node = VsanNode.Parse(Run(VsanProcedure.ClusterGet + " 2>&1", cancellationToken).Output);
            return node == null ? null : new VsanNode(node.NodeType, node.Health, node.Members, ignores ?? ReadIgnore());
        }

        /// <inheritdoc />
        public string? VsanStepsUnavailable => null;

        /// <inheritdoc />
        public string? SetVsanIgnoreMemberUpdates(bool ignore, CancellationToken cancellationToken)
        {
            var result = Run(VsanProcedure.SetIgnore(ignore), cancellationToken);
            return result.ExitStatus == 0 && VsanProcedure.ConfirmsIgnore(result.Output, ignore) ? null : Refusal(result);
        }

        /// <inheritdoc />
        public string? RunVsanHelper(string action, CancellationToken cancellationToken)
        {
            VsanProcedure.CheckAction(action);
            var result = Run(VsanProcedure.Helper(action), cancellationToken);
            return result.ExitStatus == 0 && VsanProcedure.HelperDone(action, result.Output) ? null : Refusal(result);
        }

        // What a refused command said: vim-cmd's fault message, else its first line, else its exit status.
        private static string Refusal(EsxiCommandResult result)
        {
            string why = (result.Error + "\n" + result.Output).Trim();
            var fault = FaultMessage.Match(why);
            return fault.Success ? fault.Groups[1].Value : why.Length > 0 ? why.Split('\n')[0] : $"exit status {result.ExitStatus}";
        }

        // One background subshell per VM ($id), then wait: every VM's vim-cmd at once.
        private static string EachVmAtOnce(IReadOnlyCollection<int> vmids, string body) => $"for id in {Ids(vmids)}; do ( {body} ) & done; wait";

        private static string Ids(IReadOnlyCollection<int> vmids) => string.Join(" ", vmids.Select(Id));

        // vim-cmd as the user hostd accepts, without the trailing space.
        private string VimCommand => vimPrefix.TrimEnd();

        // The power state of VM $id ("Powered on", ...), the last line of power.getstate.
        private string StateOfId => $"{VimCommand} vmsvc/power.getstate \"$id\" </dev/null 2>/dev/null | tail -n 1";

        // $output on one line (tabs to spaces, line breaks to RS), so it fits a tab-separated field; Unfold takes it back.
        // awk, not tr: ESXi 6.7's BusyBox has no tr.
        private const string FoldedOutput = "$(printf '%s' \"$output\" | awk '{ gsub(/\\t/, \" \"); printf \"%s%s\", (NR > 1 ? \"\\036\" : \"\"), $0 }')";

        private static string Unfold(string field) => field.Replace('\u001e', '\n');

        private const string NoAnswer = "no answer for this VM from its host";

        // vim-cmd prints a fault block and may still exit 0: its msg is the reason.
        private static string Reason(string output)
        {
            var fault = FaultMessage.Match(output);
            if (fault.Success)
            {
                return fault.Groups[1].Value;
            }

            var last = output.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
            return string.IsNullOrEmpty(last) ? "the VM is not on after power.on" : last!;
        }

        /// <inheritdoc />
        public HashSet<int> GreenHeartbeats(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var green = new HashSet<int>();
            if (vmids.Count == 0)
            {
                return green;
            }

            var output = Run($"for id in {Ids(vmids)}; do printf '%s\\t%s\\n' \"$id\" \"$({VimCommand} vmsvc/get.guestheartbeatStatus \"$id\" </dev/null 2>/dev/null)\"; done", cancellationToken).Output;
            foreach (var (vmid, fields) in Lines(output, 2))
            {
                if (fields[1].Trim() == "green")
                {
                    green.Add(vmid);
                }
            }

            return green;
        }

        private EsxiCommandResult Vim(string arguments, CancellationToken cancellationToken) => Run(vimPrefix + arguments + " </dev/null", cancellationToken);

        private EsxiCommandResult Run(string command, CancellationToken cancellationToken)
        {
            var open = connection ?? throw new InvalidOperationException($"{target.Label} is not connected.");
            return Translate(() => open.Run(command, cancellationToken));
        }

        // SSH's failures as the run's: what kind, with SSH's own error id and message.
        private T Translate<T>(Func<T> call)
        {
            try
            {
                return call();
            }
            catch (EsxiSshException e)
            {
                var failure = e.Failure switch
                {
                    SshFailure.HostNotFound => HostFailure.NotAnswering,
                    SshFailure.ConnectionRefused => HostFailure.NotAnswering,
                    SshFailure.ConnectTimeout => HostFailure.NotAnswering,
                    SshFailure.ProtocolError => HostFailure.NotAnswering,
                    SshFailure.ConnectionLost => HostFailure.Lost,
                    SshFailure.HostKeyUnknown => HostFailure.Untrusted,
                    SshFailure.HostKeyChanged => HostFailure.Untrusted,
                    SshFailure.AuthenticationFailed => HostFailure.LoginRefused,
                    SshFailure.KeyFileInvalid => HostFailure.LoginRefused,
                    _ => HostFailure.Other,
                };
                string brief = e.Failure == SshFailure.ConnectionRefused ? "connection refused" : e.Failure == SshFailure.ConnectTimeout ? "timed out" : e.Message;
                throw new RemoteHostException(target.Label, failure, e.ErrorId, brief, e);
            }
        }

        private static string Id(int vmid) => vmid.ToString(CultureInfo.InvariantCulture);
    }
}
