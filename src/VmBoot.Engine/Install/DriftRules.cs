using System.Collections.Generic;
using System.Linq;

namespace VmBoot.Install
{
    /// <summary>
    /// When a host's installed boot script no longer matches its plan (Test-BootScript), each difference as a problem
    /// saying what to do: what the API transport and later executors reuse.
    /// </summary>
    public static class DriftRules
    {
        /// <summary>
        /// The VMs of <paramref name="server"/> no stage or exclude covers, and every problem of what is installed there
        /// against what <paramref name="plan"/> gives for today's inventory (<paramref name="expected"/>).
        /// </summary>
        public static (List<string> UnplannedVms, List<string> Problems) Check(string server, InstalledBootScript installed, BootScript expected, BootPlan plan)
        {
            var unplanned = expected.Unplanned.Where(v => v.Server == server).Select(v => v.Name).ToList();
            var problems = new List<string>();
            if (!installed.Installed)
            {
                problems.Add("No VmBoot boot script is installed: run Install-BootScript.");
            }
            else if (installed.Block != expected.Block)
            {
                problems.Add("The installed script differs from what the plan gives for today's inventory (plan or VMs changed): run Install-BootScript again.");
            }

            if (!installed.Persisted)
            {
                problems.Add($"The running local.sh will not survive a reboot as it is: {installed.PersistenceEvidence}.");
            }

            if (installed.SecureBoot)
            {
                problems.Add($"secureBoot.py -s answers '{installed.SecureBootStatus}', not 'Disabled': ESXi never runs local.sh on this host.");
            }

            if (installed.MaintenanceMode && plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Stay)
            {
                problems.Add("The host is in maintenance mode now: after a power cut it would start nothing (readiness.maintenanceMode: stay). Leave maintenance mode, or set 'exit' in the plan.");
            }

            if (unplanned.Count > 0)
            {
                problems.Add($"VMs in no stage and no exclude: {string.Join(", ", unplanned)}. Add them to the plan (or its exclude).");
            }

            return (unplanned, problems);
        }
    }
}
