using System.Collections.Generic;

namespace VmBoot.Probe
{
    /// <summary>
    /// Every program VmBoot's executors run on a host (over SSH and in the generated local.sh), by the name they run
    /// it under. The host probe checks each is there; a command used anywhere must be listed here.
    /// </summary>
    public static class EsxiCommands
    {
        /// <summary>The programs, each as its callers name it.</summary>
        public static IReadOnlyList<string> Used { get; } = new[]
        {
            // hostd and the host's state
            "vim-cmd", "esxcli", "vmware", "hostname",
            // Secure Boot, and saving the configuration
            "/usr/lib/vmware/secureboot/bin/secureBoot.py", "/sbin/auto-backup.sh",
            // text and files (BusyBox applets: 6.7 has no tr)
            "awk", "cat", "chmod", "cp", "cut", "date", "grep", "head", "kill", "ls", "mkdir", "mv", "printf", "rm", "sed", "sha256sum", "sleep", "stat", "tar",
            "tail", "touch",
            // the boot script's TCP gate
            "nc",
            // VMware's vSAN cluster shutdown and restart (reboot_helper.py runs under python)
            "esxcfg-advcfg", "python",
        };
    }
}
