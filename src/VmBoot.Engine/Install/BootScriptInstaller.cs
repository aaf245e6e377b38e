using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using VmBoot.Plans;
using VmBoot.Ssh;

namespace VmBoot.Install
{
    /// <summary>An install step that failed on a host; the host is left as it was.</summary>
    public sealed class InstallException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public InstallException(string server, string errorId, string message)
            : base(message)
        {
            Server = server;
            ErrorId = errorId;
        }

        /// <summary>The host.</summary>
        public string Server { get; }

        /// <summary>PascalCase error id.</summary>
        public string ErrorId { get; }
    }

    /// <summary>What installing would change on one host, found before anything is written.</summary>
    public sealed class InstallPlan
    {
        /// <summary>The host.</summary>
        public string Server { get; set; } = "";

        /// <summary><c>vmware -v</c>.</summary>
        public string EsxiVersion { get; set; } = "";

        /// <summary>ESXi will not run local.sh: <c>secureBoot.py -s</c> said anything but exactly "Disabled".</summary>
        public bool SecureBoot => SecureBootStatus != "Disabled";

        /// <summary>
        /// The Secure Boot verdict (esxi-facts.md): null when ESXi runs local.sh here; else why it never will, and what to do.
        /// </summary>
        public string? SecureBootRefusal => !SecureBoot ? null
            : $"{(SecureBootStatus == "Enabled" ? "Secure Boot is enabled" : $"secureBoot.py -s answered '{SecureBootStatus}', not 'Disabled'")} on {Server}: "
                + "ESXi never runs /etc/rc.local.d/local.sh unless Secure Boot is reported Disabled, so this boot script would never start anything. "
                + "Disable Secure Boot in the host's firmware, or boot the host from outside (Invoke-BootPlan).";

        /// <summary>What <c>secureBoot.py -s</c> printed ("Enabled", "Disabled", or what else it said).</summary>
        public string SecureBootStatus { get; set; } = "";

        /// <summary>The host is in maintenance mode now, where every power-on is refused.</summary>
        public bool MaintenanceMode { get; set; }

        /// <summary>execInstalledOnly is on at run time (it does not stop local.sh, which runs through /bin/sh).</summary>
        public bool ExecInstalledOnly { get; set; }

        /// <summary>local.sh's mode, e.g. 1755 (sticky: ESXi marks it when it is modified in place, and auto-backup.sh saves it).</summary>
        public string LocalShMode { get; set; } = "";

        /// <summary>The host's local.sh now ("" when missing).</summary>
        public string Current { get; set; } = "";

        /// <summary>The local.sh to write: the host's own with VmBoot's block merged in.</summary>
        public string Proposed { get; set; } = "";

        /// <summary>Unified diff from current to proposed; empty when nothing changes.</summary>
        public string Diff { get; set; } = "";

        /// <summary>The datastore for backups and logs, when mounted.</summary>
        public string? LogDatastore { get; set; }

        /// <summary>Things to know before installing.</summary>
        public List<string> Warnings { get; } = new List<string>();

        /// <summary>True when the host already has exactly this script.</summary>
        public bool Unchanged => Current == Proposed;

        /// <summary>Lines outside VmBoot's block (the admin's own) change too, not only the block.</summary>
        public bool OwnLinesChange => ManagedBlock.Remove(Current) != ManagedBlock.Remove(Proposed);

        /// <summary>One line for a preview: what happens to the block and to the host's own lines, and the host's state.</summary>
        public string Summary
        {
            get
            {
                string? before = ManagedBlock.Extract(Current);
                string block = before == null ? "VmBoot block added" : before == ManagedBlock.Extract(Proposed) ? "VmBoot block unchanged" : "VmBoot block changed";
                int ownLines = ManagedBlock.Remove(Current).Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Length;
                string own = OwnLinesChange ? "the host's own lines change too (diff below)" : $"the host's own {ownLines} line(s) kept";
                return $"{block}, {own}; Secure Boot {SecureBootStatus}; maintenance mode {(MaintenanceMode ? "on" : "off")}";
            }
        }

        /// <summary>When <see cref="Unchanged"/>: the next boot restores this local.sh (else it must be written and saved again).</summary>
        public bool Persisted { get; set; }

        /// <summary>How <see cref="Persisted"/> was decided.</summary>
        public string PersistenceEvidence { get; set; } = "";
    }

    /// <summary>Installs a boot script's managed block into a host's local.sh, safely and persistently.</summary>
    public static class BootScriptInstaller
    {
        /// <summary>Where ESXi keeps the boot script.</summary>
        public const string LocalSh = "/etc/rc.local.d/local.sh";

        // local.sh is rewritten in place (same file, same sticky mode): ESXi's RAM file system marks a sticky
        // file modified in place (.#local.sh), and auto-backup.sh saves only marked files. A replaced file may
        // never be saved. 1755 is the stock mode.
        private const string StockMode = "1755";

        /// <summary>Reads the host and works out what installing would do; writes nothing.</summary>
        public static InstallPlan Prepare(EsxiConnection connection, BootScript script, CancellationToken cancellationToken)
        {
            var plan = ReadHost(connection, cancellationToken);
            foreach (string datastore in BootScriptGenerator.RequiredDatastores(script.Plan))
            {
                if (connection.Run("[ -d " + ShellQuote.Quote("/vmfs/volumes/" + datastore) + " ]", cancellationToken).ExitStatus == 0)
                {
                    plan.LogDatastore ??= datastore;
                }
                else
                {
                    plan.Warnings.Add($"Datastore '{datastore}' is not mounted on {connection.Name}: the boot script will wait for it (up to readiness.timeout) and, if it never comes, keep its log in /var/log/vmboot.log.");
                }
            }

            CheckTcpGates(connection, script.Plan, plan, cancellationToken);
            if (plan.MaintenanceMode)
            {
                plan.Warnings.Add(MaintenanceModeNow(connection.Name, script.Plan.Readiness.MaintenanceMode));
            }

            return WithProposal(connection, plan, current => ManagedBlock.Merge(current, script.Block, plan.Warnings), cancellationToken);
        }

        // ESXi's firewall passes outbound TCP only through its rulesets: a gate's port no ruleset covers cannot pass.
        private static void CheckTcpGates(EsxiConnection connection, BootPlan bootPlan, InstallPlan plan, CancellationToken cancellationToken)
        {
            plan.Warnings.AddRange(TcpGates(connection.Name, command => connection.Run(command, cancellationToken), bootPlan).Where(g => g.Problem != null).Select(g => g.Problem!));
        }

        /// <summary>
        /// Each TCP gate of the plan (the last stage's gate never runs), with why it cannot pass this host's firewall, or
        /// null when a ruleset covers its port. Reads the firewall's rules; changes nothing.
        /// </summary>
        internal static List<(string Stage, string Host, int Port, string? Problem)> TcpGates(string server, Func<string, EsxiCommandResult> ask, BootPlan bootPlan)
        {
            var ports = bootPlan.Stages.Take(bootPlan.Stages.Count - 1).Where(s => s.After.TcpHost != null).Select(s => (s.Name, Host: s.After.TcpHost!, s.After.TcpPort)).ToList();
            var gates = new List<(string, string, int, string?)>();
            if (ports.Count == 0)
            {
                return gates;
            }

            var rules = ask("esxcli network firewall ruleset rule list 2>/dev/null");
            var rulesets = FirewallRulesetsFor(rules.Output);
            foreach (var (stage, host, port) in ports)
            {
                string? problem = rules.ExitStatus != 0
                    ? $"Could not read {server}'s firewall rules: stage '{stage}''s TCP gate to {host}:{port} may not pass ESXi's firewall."
                    : !rulesets.Any(r => port >= r.Begin && port <= r.End)
                    ? $"No firewall ruleset on {server} lets outbound TCP {port} through: stage '{stage}''s gate to {host}:{port} can only time out there, "
                        + "acting as a fixed delay. Use a port a ruleset covers (443 and 80: httpClient, which the script enables for the gate), or a heartbeat gate."
                    : null;
                gates.Add((stage, host, port, problem));
            }

            return gates;
        }

        // Outbound TCP destination-port rules from "esxcli network firewall ruleset rule list".
        private static List<(string Ruleset, int Begin, int End)> FirewallRulesetsFor(string ruleList)
        {
            var rules = new List<(string, int, int)>();
            foreach (string line in ruleList.Split('\n'))
            {
                var f = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 6 && f[1] == "Outbound" && f[2] == "TCP" && f[3] == "Dst"
                    && int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int begin) && int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out int end))
                {
                    rules.Add((f[0], begin, end));
                }
            }

            return rules;
        }

        /// <summary>Works out removing VmBoot's block (only it) from the host's local.sh; writes nothing.</summary>
        public static InstallPlan PrepareRemoval(EsxiConnection connection, CancellationToken cancellationToken)
            => WithProposal(connection, ReadHost(connection, cancellationToken), ManagedBlock.Remove, cancellationToken);

        /// <summary>What is installed: the block, its plan, and whether /bootbank holds the same local.sh.</summary>
        public static InstalledBootScript Inspect(EsxiConnection connection, CancellationToken cancellationToken)
        {
            var host = ReadHost(connection, cancellationToken);
            var installed = new InstalledBootScript
            {
                Server = connection.Name,
                EsxiVersion = host.EsxiVersion,
                SecureBoot = host.SecureBoot,
                SecureBootStatus = host.SecureBootStatus,
                MaintenanceMode = host.MaintenanceMode,
                Content = host.Current,
            };
            installed.Warnings.AddRange(host.Warnings);
            try
            {
                installed.Block = ManagedBlock.Extract(host.Current);
            }
            catch (FormatException e)
            {
                installed.Warnings.Add(e.Message);
            }

            if (installed.Block != null)
            {
                try
                {
                    installed.Plan = BootPlanYaml.Read(ManagedBlock.PlanText(installed.Block), $"{connection.Name}:{LocalSh}");
                }
                catch (BootPlanException e)
                {
                    installed.Warnings.Add("The plan in the installed block cannot be read back: " + e.Message);
                }
            }

            (installed.Persisted, installed.PersistenceEvidence) = PersistenceCheck.Check(connection, host.Current, null, cancellationToken);
            if (installed.MaintenanceMode && installed.Plan != null)
            {
                installed.Warnings.Add(MaintenanceModeNow(connection.Name, installed.Plan.Readiness.MaintenanceMode));
            }

            return installed;
        }

        // What a host in maintenance mode now would do if it booted like this, by the plan's policy.
        private static string MaintenanceModeNow(string server, MaintenanceModePolicy policy) => policy == MaintenanceModePolicy.Exit
            ? $"{server} is in maintenance mode now; if it boots like this, the script leaves maintenance mode first (readiness.maintenanceMode: exit)."
            : $"{server} is in maintenance mode now; if it boots like this, the script starts nothing and says so in its log (readiness.maintenanceMode: stay). UPS software often leaves hosts there: set 'exit' to leave it at boot.";

        private static InstallPlan WithProposal(EsxiConnection connection, InstallPlan plan, Func<string, string> propose, CancellationToken cancellationToken)
        {
            try
            {
                plan.Proposed = propose(plan.Current);
            }
            catch (FormatException e)
            {
                throw new InstallException(connection.Name, ManagedBlock.MarkersDamaged, $"{connection.Name}: {e.Message}");
            }

            plan.Diff = UnifiedDiff.Create(plan.Current, plan.Proposed, LocalSh, LocalSh + " (with VmBoot)");
            if (plan.Unchanged && plan.Current.Length > 0)
            {
                (plan.Persisted, plan.PersistenceEvidence) = PersistenceCheck.Check(connection, plan.Current, null, cancellationToken);
            }

            return plan;
        }

        private static InstallPlan ReadHost(EsxiConnection connection, CancellationToken cancellationToken)
            => ReadHost(connection.Name, command => connection.Run(command, cancellationToken));

        /// <summary>
        /// What installing depends on, read without writing: version, Secure Boot, execInstalledOnly, maintenance mode,
        /// local.sh and its mode (empty when it does not exist). <paramref name="ask"/> runs one command on the host.
        /// </summary>
        internal static InstallPlan ReadHost(string server, Func<string, EsxiCommandResult> ask)
        {
            string Out(string command) => ask(command).Output.Trim();
            var plan = new InstallPlan { Server = server };
            plan.EsxiVersion = Out("vmware -v 2>/dev/null");
            if (!plan.EsxiVersion.StartsWith("VMware ESXi", StringComparison.Ordinal))
            {
                plan.Warnings.Add($"'vmware -v' did not answer like ESXi ('{plan.EsxiVersion}').");
            }

            // rc.local runs local.sh only when this prints exactly "Disabled": an error means "not run" too.
            plan.SecureBootStatus = Out("/usr/lib/vmware/secureboot/bin/secureBoot.py -s 2>/dev/null");
            if (plan.SecureBoot && plan.SecureBootStatus != "Enabled")
            {
                plan.Warnings.Add($"secureBoot.py -s answered '{plan.SecureBootStatus}' on {server}, not 'Disabled': ESXi's rc.local will not run local.sh.");
            }

            // The run-time value: it does not stop local.sh (rc.local runs it through /bin/sh, an installed binary).
            plan.ExecInstalledOnly = Out("esxcli system settings kernel list -o execInstalledOnly 2>/dev/null").Split('\n')
                .Select(l => l.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f.Length >= 4 && f[0] == "execInstalledOnly" && string.Equals(f[3], "TRUE", StringComparison.OrdinalIgnoreCase));
            plan.MaintenanceMode = Out("esxcli system maintenanceMode get 2>/dev/null") == "Enabled";
            var current = ask("cat " + ShellQuote.Quote(LocalSh));
            plan.Current = current.ExitStatus == 0 ? current.Output : "";
            if (current.ExitStatus != 0)
            {
                plan.Warnings.Add($"{LocalSh} does not exist on {server}.");
            }
            else
            {
                plan.LocalShMode = Out("stat -c %a " + ShellQuote.Quote(LocalSh));
            }

            return plan;
        }

        /// <summary>Backs up, writes local.sh in place (never partly), verifies, persists with auto-backup.sh and checks what was saved.</summary>
        /// <param name="connection">The host.</param>
        /// <param name="plan">From <see cref="Prepare"/> or <see cref="PrepareRemoval"/>.</param>
        /// <param name="cancellationToken">Stops between steps; a write once started completes on the host.</param>
        /// <param name="rewrite">Write and save even when the content is unchanged (Install-BootScript -Force); done anyway when it was not saved.</param>
        /// <param name="step">Told each step as it is done (for -Verbose).</param>
        public static InstallResult Apply(EsxiConnection connection, InstallPlan plan, CancellationToken cancellationToken, bool rewrite = false, Action<string>? step = null)
        {
            step ??= _ => { };
            EsxiCommandResult Run(string command, byte[]? input = null) => connection.Run(command, input, cancellationToken);
            if (plan.Unchanged && (plan.Persisted || plan.Current.Length == 0) && !rewrite)
            {
                return Unchanged(plan);
            }

            byte[] content = new UTF8Encoding(false).GetBytes(plan.Proposed);
            var result = Unchanged(plan);
            result.Sha256 = Sha256(content);
            if (plan.Unchanged && !plan.Persisted)
            {
                step($"local.sh is up to date but would not survive a reboot ({plan.PersistenceEvidence}): writing it in place and saving it again");
            }

            string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string host = Run("hostname").Output.Trim();
            string backupFolder = plan.LogDatastore != null ? $"/vmfs/volumes/{plan.LogDatastore}/vmboot/backup" : "/etc/rc.local.d";
            string? backup = plan.LogDatastore != null ? $"{backupFolder}/{host}-local.sh.{stamp}" : $"{backupFolder}/local.sh.vmboot-{stamp}.bak";
            if (plan.Current.Length > 0)
            {
                // Mode 644: /etc/rc.local runs only executable files, so the copy never runs at boot.
                var copied = Run($"mkdir -p {ShellQuote.Quote(backupFolder)} && cp {ShellQuote.Quote(LocalSh)} {ShellQuote.Quote(backup)} && chmod 644 {ShellQuote.Quote(backup)}");
                if (copied.ExitStatus != 0)
                {
                    throw new InstallException(connection.Name, "BackupFailed", $"{connection.Name}: could not copy local.sh to {backup}; nothing was changed. {copied.Error.Trim()}");
                }

                result.BackupPath = backup;
                step($"backed up local.sh to {backup}");
            }

            // Uploaded outside /etc/rc.local.d (whose executables ESXi runs) and checked before local.sh is touched.
            string upload = $"/tmp/vmboot-local.sh.{stamp}.{Guid.NewGuid():N}";
            var written = Run("cat > " + ShellQuote.Quote(upload), content);
            if (written.ExitStatus != 0 || Sha256Of(Run, upload) != result.Sha256)
            {
                Run("rm -f " + ShellQuote.Quote(upload));
                throw new InstallException(connection.Name, "WriteFailed", $"{connection.Name}: uploading the new local.sh to {upload} failed ({written.Error.Trim()}); local.sh is unchanged.");
            }

            step($"uploaded {content.Length} bytes to {upload}, sha256 {result.Sha256.Substring(0, 12)}… verified");
            if (plan.Current.Length > 0 && plan.LocalShMode != StockMode)
            {
                result.Warnings.Add($"local.sh had mode {plan.LocalShMode}, not {StockMode}: it had been replaced by a new file (an editor, cp or mv), so auto-backup.sh may not have saved it. VmBoot set mode {StockMode} and wrote it in place.");
            }

            var copy = Run(InPlaceWrite(upload));
            string live = Sha256Of(Run, LocalSh);
            if (copy.ExitStatus != 0 || !copy.Output.Split('\n').Contains("written") || live != result.Sha256)
            {
                bool unchanged = live == Sha256(plan.Current);
                throw new InstallException(connection.Name, unchanged ? "WriteFailed" : "VerifyFailed",
                    $"{connection.Name}: writing local.sh in place failed ({(copy.Error + " " + copy.Output).Trim()}); "
                    + (unchanged ? "local.sh is unchanged." : $"local.sh is NOT the old one: restore it from {backup ?? "your own copy"}."));
            }

            result.Changed = true;
            step($"wrote it into {LocalSh} in place (mode {StockMode}, same file); running /sbin/auto-backup.sh");
            var backupRun = Run("/sbin/auto-backup.sh 2>&1");
            result.AutoBackupOutput = backupRun.Output;
            result.AutoBackup = AutoBackupAnalyzer.Analyze(backupRun.Output.Split('\n'));
            if (backupRun.Output.IndexOf("Saving current state in", StringComparison.Ordinal) < 0)
            {
                // Nothing differed from the saved state (the same content written again): save anyway, so the
                // state's time shows it was saved after this write (what read-only checks of sealed state go by).
                step("auto-backup.sh found nothing to save; running /sbin/backup.sh 0 to save now");
                result.AutoBackupOutput += Run("/sbin/backup.sh 0 2>&1").Output;
            }

            // A second run finds nothing left to save once the first one saved everything ESXi marked.
            var again = AutoBackupAnalyzer.Analyze(Run("/sbin/auto-backup.sh 2>&1").Output.Split('\n'));
            (result.Persisted, result.PersistenceEvidence) = PersistenceCheck.Check(connection, plan.Proposed, again, cancellationToken);
            step((result.Persisted ? "saved: " : "NOT saved: ") + result.PersistenceEvidence);
            if (!result.Persisted)
            {
                result.Warnings.Add($"The new local.sh was not saved, so it is lost at the next reboot: {result.PersistenceEvidence}");
            }

            foreach (var file in result.AutoBackup.Files.Where(f => !f.Expected))
            {
                result.Warnings.Add($"auto-backup.sh also saved {file.Path}: {string.Join(" ", file.Explanation)}");
            }

            return result;
        }

        /// <summary>The result of writing nothing: the host as <see cref="Prepare"/> or <see cref="PrepareRemoval"/> found it.</summary>
        public static InstallResult Unchanged(InstallPlan plan)
        {
            var result = new InstallResult
            {
                Server = plan.Server,
                EsxiVersion = plan.EsxiVersion,
                SecureBoot = plan.SecureBoot,
                MaintenanceMode = plan.MaintenanceMode,
                Persisted = plan.Persisted,
                PersistenceEvidence = plan.PersistenceEvidence,
                Sha256 = Sha256(plan.Current),
            };
            result.Warnings.AddRange(plan.Warnings);
            return result;
        }

        // One host-side command that a dropped connection cannot cut short: it ignores hang-up and broken pipes,
        // runs apart from the session, checks there is room, and puts the old content, mode and time back if the
        // write fails all the same.
        private static string InPlaceWrite(string upload)
        {
            string local = ShellQuote.Quote(LocalSh);
            string uploaded = ShellQuote.Quote(upload);
            string old = ShellQuote.Quote(upload + ".old");
            // A whole copy on the same file system first (in /etc, so /etc/rc.local.d is not touched): where that
            // does not fit, local.sh is never touched either.
            string room = ShellQuote.Quote("/etc/.vmboot-room-check");
            return "( trap '' HUP INT TERM PIPE\n"
                + $"  if ! cat {uploaded} > {room} 2>/dev/null; then rm -f {room} {uploaded}; echo 'no room for the new local.sh beside it'; exit 1; fi\n"
                + $"  rm -f {room}\n"
                + $"  if [ -f {local} ]; then cp -p {local} {old} || exit 1; else : > {local} || exit 1; fi\n"
                + $"  [ \"$(stat -c %a {local})\" = {StockMode} ] || chmod {StockMode} {local} || exit 1\n"
                + $"  if cat {uploaded} > {local}; then echo written\n"
                + $"  else cat {old} > {local}; chmod \"$(stat -c %a {old})\" {local}; touch -r {old} {local}; echo rolled-back; fi\n"
                + $"  rm -f {uploaded} {old}\n"
                + ") </dev/null 2>&1 | cat > /tmp/vmboot-install.$$.out &\n"
                + "wait $!; cat /tmp/vmboot-install.$$.out; rm -f /tmp/vmboot-install.$$.out";
        }

        private static string Sha256Of(Func<string, byte[]?, EsxiCommandResult> run, string path)
        {
            var result = run("sha256sum " + ShellQuote.Quote(path), null);
            return result.ExitStatus == 0 ? result.Output.Split(' ')[0].Trim() : "";
        }

        /// <summary>SHA-256 of text as local.sh holds it (UTF-8, no BOM), lower-case hex.</summary>
        internal static string Sha256(string text) => Sha256(new UTF8Encoding(false).GetBytes(text));

        private static string Sha256(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }
    }
}
