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

        /// <summary>UEFI Secure Boot is on: ESXi will never run local.sh.</summary>
        public bool SecureBoot { get; set; }

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
    }

    /// <summary>The outcome of installing on one host.</summary>
    public sealed class InstallResult
    {
        /// <summary>The host.</summary>
        public string Server { get; set; } = "";

        /// <summary>local.sh was rewritten.</summary>
        public bool Changed { get; set; }

        /// <summary>Where the previous local.sh was copied (null when nothing changed).</summary>
        public string? BackupPath { get; set; }

        /// <summary>/bootbank's saved state holds the installed local.sh: it survives a reboot.</summary>
        public bool Persisted { get; set; }

        /// <summary>UEFI Secure Boot is on (installed only with -Force; it will not run).</summary>
        public bool SecureBoot { get; set; }

        /// <summary><c>vmware -v</c>.</summary>
        public string EsxiVersion { get; set; } = "";

        /// <summary>SHA-256 of the installed local.sh.</summary>
        public string Sha256 { get; set; } = "";

        /// <summary>What to know.</summary>
        public List<string> Warnings { get; } = new List<string>();

        /// <summary>What auto-backup.sh printed, explained (null when it did not run).</summary>
        public AutoBackupReport? AutoBackup { get; set; }

        /// <summary>auto-backup.sh's own output.</summary>
        public string AutoBackupOutput { get; set; } = "";
    }

    /// <summary>What is installed on one host.</summary>
    public sealed class InstalledBootScript
    {
        /// <summary>The host.</summary>
        public string Server { get; set; } = "";

        /// <summary>A VmBoot block is in local.sh.</summary>
        public bool Installed => Block != null;

        /// <summary>The managed block, or null.</summary>
        public string? Block { get; set; }

        /// <summary>The plan the block carries, read back (null when none or unreadable).</summary>
        public BootPlan? Plan { get; set; }

        /// <summary>The running local.sh equals the copy in /bootbank's saved state.</summary>
        public bool Persisted { get; set; }

        /// <summary>UEFI Secure Boot is on: local.sh never runs.</summary>
        public bool SecureBoot { get; set; }

        /// <summary><c>vmware -v</c>.</summary>
        public string EsxiVersion { get; set; } = "";

        /// <summary>The whole running local.sh.</summary>
        public string Content { get; set; } = "";

        /// <summary>What to know.</summary>
        public List<string> Warnings { get; } = new List<string>();
    }

    /// <summary>Installs a boot script's managed block into a host's local.sh, safely and persistently.</summary>
    public static class BootScriptInstaller
    {
        /// <summary>Where ESXi keeps the boot script.</summary>
        public const string LocalSh = "/etc/rc.local.d/local.sh";

        // Outside /etc/rc.local.d, whose executables ESXi runs at boot, but on the same file system, so
        // the rename into place is atomic. A write cut short leaves only this file, never a partial local.sh.
        private const string TemporaryFile = "/etc/vmboot-local.sh.new";

        // ESXi 5.x and later: state.tgz holds local.tgz holds etc/...; older or odd layouts keep the file directly.
        private const string PersistedCopy =
            "tar xzf /bootbank/state.tgz -O local.tgz 2>/dev/null | tar xzf - -O etc/rc.local.d/local.sh 2>/dev/null || tar xzf /bootbank/state.tgz -O etc/rc.local.d/local.sh 2>/dev/null";

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

            return WithProposal(plan, connection.Name, current => ManagedBlock.Merge(current, script.Block, plan.Warnings));
        }

        /// <summary>Works out removing VmBoot's block (only it) from the host's local.sh; writes nothing.</summary>
        public static InstallPlan PrepareRemoval(EsxiConnection connection, CancellationToken cancellationToken)
            => WithProposal(ReadHost(connection, cancellationToken), connection.Name, ManagedBlock.Remove);

        /// <summary>What is installed: the block, its plan, and whether /bootbank holds the same local.sh.</summary>
        public static InstalledBootScript Inspect(EsxiConnection connection, CancellationToken cancellationToken)
        {
            var host = ReadHost(connection, cancellationToken);
            var installed = new InstalledBootScript { Server = connection.Name, EsxiVersion = host.EsxiVersion, SecureBoot = host.SecureBoot, Content = host.Current };
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

            installed.Persisted = Sha256(connection.Run(PersistedCopy, cancellationToken).Output) == Sha256(host.Current);
            return installed;
        }

        private static InstallPlan WithProposal(InstallPlan plan, string server, Func<string, string> propose)
        {
            try
            {
                plan.Proposed = propose(plan.Current);
            }
            catch (FormatException e)
            {
                throw new InstallException(server, ManagedBlock.MarkersDamaged, $"{server}: {e.Message}");
            }

            plan.Diff = UnifiedDiff.Create(plan.Current, plan.Proposed, LocalSh, LocalSh + " (with VmBoot)");
            return plan;
        }

        private static InstallPlan ReadHost(EsxiConnection connection, CancellationToken cancellationToken)
        {
            string Out(string command) => connection.Run(command, cancellationToken).Output.Trim();
            var plan = new InstallPlan { Server = connection.Name };
            plan.EsxiVersion = Out("vmware -v 2>/dev/null");
            if (!plan.EsxiVersion.StartsWith("VMware ESXi", StringComparison.Ordinal))
            {
                plan.Warnings.Add($"'vmware -v' did not answer like ESXi ('{plan.EsxiVersion}').");
            }

            plan.SecureBoot = Out("/usr/lib/vmware/secureboot/bin/secureBoot.py -s 2>/dev/null") == "Enabled";
            if (Out("esxcli system settings encryption get 2>/dev/null").IndexOf("Require Executables Only From Installed VIBs: true", StringComparison.Ordinal) >= 0)
            {
                plan.Warnings.Add("execInstalledOnly is on (esxcli system settings encryption): ESXi may refuse to run local.sh. Check after the next reboot that the boot log appears.");
            }

            var current = connection.Run("cat " + ShellQuote.Quote(LocalSh), cancellationToken);
            plan.Current = current.ExitStatus == 0 ? current.Output : "";
            if (current.ExitStatus != 0)
            {
                plan.Warnings.Add($"{LocalSh} does not exist on {connection.Name}.");
            }

            return plan;
        }

        /// <summary>Backs up, writes atomically, verifies, persists with auto-backup.sh and confirms /bootbank.</summary>
        /// <param name="connection">The host.</param>
        /// <param name="plan">From <see cref="Prepare"/> or <see cref="PrepareRemoval"/>.</param>
        /// <param name="cancellationToken">Stops between steps; a write in progress leaves the old file.</param>
        /// <param name="rewrite">Write and save even when the content is unchanged (Install-BootScript -Force).</param>
        /// <param name="step">Told each step as it is done (for -Verbose).</param>
        public static InstallResult Apply(EsxiConnection connection, InstallPlan plan, CancellationToken cancellationToken, bool rewrite = false, Action<string>? step = null)
        {
            step ??= _ => { };
            EsxiCommandResult Run(string command, byte[]? input = null) => connection.Run(command, input, cancellationToken);
            var result = new InstallResult { Server = connection.Name, EsxiVersion = plan.EsxiVersion, SecureBoot = plan.SecureBoot };
            result.Warnings.AddRange(plan.Warnings);
            byte[] content = new UTF8Encoding(false).GetBytes(plan.Proposed);
            result.Sha256 = Sha256(content);
            if (plan.Unchanged && !rewrite)
            {
                result.Persisted = Sha256(Run(PersistedCopy).Output) == result.Sha256;
                if (!result.Persisted)
                {
                    result.Warnings.Add("local.sh is already installed but /bootbank holds another copy: run /sbin/auto-backup.sh or install again with -Force.");
                }

                return result;
            }

            string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string host = Run("hostname").Output.Trim();
            string backupFolder = plan.LogDatastore != null ? $"/vmfs/volumes/{plan.LogDatastore}/vmboot/backup" : "/etc/rc.local.d";
            string backup = plan.LogDatastore != null ? $"{backupFolder}/{host}-local.sh.{stamp}" : $"{backupFolder}/local.sh.vmboot-{stamp}.bak";
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

            var written = Run("cat > " + ShellQuote.Quote(TemporaryFile), content);
            if (written.ExitStatus != 0 || Sha256Of(Run, TemporaryFile) != result.Sha256)
            {
                Run("rm -f " + ShellQuote.Quote(TemporaryFile));
                throw new InstallException(connection.Name, "WriteFailed", $"{connection.Name}: writing the new local.sh failed ({written.Error.Trim()}); the old one is unchanged.");
            }

            step($"uploaded {content.Length} bytes to {TemporaryFile}, sha256 {result.Sha256.Substring(0, 12)}… verified");
            var moved = Run($"chmod 755 {ShellQuote.Quote(TemporaryFile)} && mv -f {ShellQuote.Quote(TemporaryFile)} {ShellQuote.Quote(LocalSh)}");
            if (moved.ExitStatus != 0 || Sha256Of(Run, LocalSh) != result.Sha256)
            {
                throw new InstallException(connection.Name, "VerifyFailed", $"{connection.Name}: local.sh does not hold the new content after the rename ({moved.Error.Trim()}); the backup is {backup}.");
            }

            result.Changed = true;
            step($"moved it into place as {LocalSh} (mode 755); running /sbin/auto-backup.sh");
            var backupRun = Run("/sbin/auto-backup.sh 2>&1");
            result.AutoBackupOutput = backupRun.Output;
            result.AutoBackup = AutoBackupAnalyzer.Analyze(backupRun.Output.Split('\n'));
            result.Persisted = Sha256(Run(PersistedCopy).Output) == result.Sha256;
            step(result.Persisted ? "/bootbank/state.tgz holds the new local.sh" : "/bootbank/state.tgz does NOT hold the new local.sh");
            if (!result.Persisted)
            {
                result.Warnings.Add("auto-backup.sh did not save the new local.sh to /bootbank: it is lost at the next reboot. Check /bootbank's free space and run /sbin/auto-backup.sh.");
            }

            foreach (var file in result.AutoBackup.Files.Where(f => !f.Expected))
            {
                result.Warnings.Add($"auto-backup.sh also saved {file.Path}: {string.Join(" ", file.Explanation)}");
            }

            return result;
        }

        private static string Sha256Of(Func<string, byte[]?, EsxiCommandResult> run, string path)
        {
            var result = run("sha256sum " + ShellQuote.Quote(path), null);
            return result.ExitStatus == 0 ? result.Output.Split(' ')[0].Trim() : "";
        }

        private static string Sha256(string text) => Sha256(new UTF8Encoding(false).GetBytes(text));

        private static string Sha256(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }
    }
}
