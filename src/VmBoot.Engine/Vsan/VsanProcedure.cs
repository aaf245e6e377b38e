using System;

namespace VmBoot.Vsan
{
    /// <summary>
    /// VMware's manual shutdown and restart of a vSAN cluster (VCF 9.0 "Manually Shut Down and Restart the vSAN
    /// Cluster"; VMware's VCF power-management scripts run the same steps over SSH): each step's shell command and the
    /// answer that confirms it. Only fixed text: nothing from a plan or a host reaches these commands.
    /// </summary>
    internal static class VsanProcedure
    {
        /// <summary>The advanced option every node sets before the shutdown and clears after the restart.</summary>
        internal const string IgnoreOption = "/VSAN/IgnoreClusterMemberListUpdates";

        /// <summary>The helper that prepares (partitions) the cluster and recovers it, run on one data node only.</summary>
        internal const string RebootHelper = "/usr/lib/vmware/vsan/bin/reboot_helper.py";

        internal const string ClusterGet = "esxcli vsan cluster get";

        internal const string ReadIgnore = "esxcfg-advcfg -g " + IgnoreOption;

        internal const string EnterMaintenanceModeWithoutMigration = "esxcli system maintenanceMode set -e true -m noAction";

        internal static string SetIgnore(bool ignore) => $"esxcfg-advcfg -s {(ignore ? 1 : 0)} {IgnoreOption}";

        /// <summary>esxcfg-advcfg's confirmation: "Value of IgnoreClusterMemberListUpdates is 1".</summary>
        internal static bool ConfirmsIgnore(string answer, bool ignore) => answer.Contains($"Value of IgnoreClusterMemberListUpdates is {(ignore ? 1 : 0)}");

        /// <summary>The setting from esxcfg-advcfg -g's answer; null when it does not say.</summary>
        internal static bool? IgnoreFrom(string answer) => ConfirmsIgnore(answer, true) ? true : ConfirmsIgnore(answer, false) ? false : (bool?)null;

        internal static string Helper(string action) => $"python {RebootHelper} {action}";

        /// <summary>The helper's success line: "Cluster preparation is done."; for recover VMware's script says reboot/poweron and the 9.0 docs reboot/power-on.</summary>
        internal static bool HelperDone(string action, string answer) => action == "prepare"
            ? answer.Contains("Cluster preparation is done.")
            : answer.Contains("Cluster reboot/poweron is completed successfully!") || answer.Contains("Cluster reboot/power-on is completed successfully!");

        /// <summary>The helper was asked for something it does not do.</summary>
        internal static void CheckAction(string action)
        {
            if (action != "prepare" && action != "recover")
            {
                throw new ArgumentOutOfRangeException(nameof(action), action, "prepare or recover");
            }
        }
    }
}
