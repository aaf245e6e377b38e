using System.Collections.Generic;

// What Install-, Uninstall- and Get-BootScript write: output types live in the root namespace (VmBoot.<Name>).
namespace VmBoot
{
    /// <summary>The outcome of installing on one host.</summary>
    public sealed class InstallResult
    {
        /// <summary>The host.</summary>
        public string Server { get; set; } = "";

        /// <summary>local.sh was rewritten.</summary>
        public bool Changed { get; set; }

        /// <summary>Where the previous local.sh was copied (null when nothing changed).</summary>
        public string? BackupPath { get; set; }

        /// <summary>The saved state holds the installed local.sh: it survives a reboot.</summary>
        public bool Persisted { get; set; }

        /// <summary>How <see cref="Persisted"/> was decided.</summary>
        public string PersistenceEvidence { get; set; } = "";

        /// <summary>ESXi will not run local.sh (Secure Boot; installed only with -Force).</summary>
        public bool SecureBoot { get; set; }

        /// <summary>The host is in maintenance mode now.</summary>
        public bool MaintenanceMode { get; set; }

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

        /// <summary>The next boot restores the running local.sh from the saved state.</summary>
        public bool Persisted { get; set; }

        /// <summary>How <see cref="Persisted"/> was decided.</summary>
        public string PersistenceEvidence { get; set; } = "";

        /// <summary>ESXi will not run local.sh: <c>secureBoot.py -s</c> said anything but "Disabled".</summary>
        public bool SecureBoot { get; set; }

        /// <summary>What <c>secureBoot.py -s</c> printed.</summary>
        public string SecureBootStatus { get; set; } = "";

        /// <summary>The host is in maintenance mode now.</summary>
        public bool MaintenanceMode { get; set; }

        /// <summary><c>vmware -v</c>.</summary>
        public string EsxiVersion { get; set; } = "";

        /// <summary>The whole running local.sh.</summary>
        public string Content { get; set; } = "";

        /// <summary>What to know.</summary>
        public List<string> Warnings { get; } = new List<string>();
    }
}
