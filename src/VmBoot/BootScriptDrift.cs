using System.Collections.Generic;
using VmBoot.Install;

// What Test-BootScript writes: output types live in the root namespace (VmBoot.<Name>).
namespace VmBoot
{
    /// <summary>The drift check of one host against a plan.</summary>
    public sealed class BootScriptDrift
    {
        /// <summary>The host.</summary>
        public string Server { get; set; } = "";

        /// <summary>Everything below holds (false for a host that could not be checked).</summary>
        public bool Compliant => Checked && Problems.Count == 0;

        /// <summary>The host answered and was checked; false when it could not be reached or read (see <see cref="Problems"/>).</summary>
        public bool Checked { get; set; }

        /// <summary>A VmBoot block is installed.</summary>
        public bool Installed { get; set; }

        /// <summary>The installed block is exactly what the plan generates for today's inventory.</summary>
        public bool UpToDate { get; set; }

        /// <summary>The next boot restores the running local.sh.</summary>
        public bool Persisted { get; set; }

        /// <summary>How <see cref="Persisted"/> was decided.</summary>
        public string PersistenceEvidence { get; set; } = "";

        /// <summary>Secure Boot is reported Disabled, so ESXi will run it.</summary>
        public bool Runnable { get; set; }

        /// <summary>The host is in maintenance mode now.</summary>
        public bool MaintenanceMode { get; set; }

        /// <summary>VMs registered on the host that no stage selects and no exclude names.</summary>
        public List<string> UnplannedVms { get; } = new List<string>();

        /// <summary>What is wrong, and what to do.</summary>
        public List<string> Problems { get; } = new List<string>();

        /// <summary>What is installed on <paramref name="server"/> against what <paramref name="plan"/> gives today, with the engine's drift rules.</summary>
        internal static BootScriptDrift Check(string server, InstalledBootScript installed, BootScript expected, BootPlan plan)
        {
            var drift = new BootScriptDrift
            {
                Server = server,
                Checked = true,
                Installed = installed.Installed,
                UpToDate = installed.Block == expected.Block,
                Persisted = installed.Persisted,
                PersistenceEvidence = installed.PersistenceEvidence,
                Runnable = !installed.SecureBoot,
                MaintenanceMode = installed.MaintenanceMode,
            };
            var (unplanned, problems) = DriftRules.Check(server, installed, expected, plan);
            drift.UnplannedVms.AddRange(unplanned);
            drift.Problems.AddRange(problems);
            return drift;
        }

        /// <summary>The report of a host that could not be checked, with why.</summary>
        internal static BootScriptDrift NotChecked(string server, string why)
        {
            var drift = new BootScriptDrift { Server = server };
            drift.Problems.Add($"Could not be checked: {why}");
            return drift;
        }
    }
}
