using System;
using System.Collections.Generic;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// How one ESXi release behaves where VmBoot depends on it (esxi-facts.md, "Boot, persistence and host states
    /// as real hosts do them"). Every simulated host is one of these.
    /// </summary>
    public sealed class EsxiProfile
    {
        /// <summary>ESXi 6.7: plain local.tgz, auto-backup stops at the first difference, /altbootbank while a live install is pending.</summary>
        public static readonly EsxiProfile Esxi67 = new EsxiProfile("6.7", "VMware ESXi 6.7.0 build-8169922", "#!/bin/sh", encryptedState: false, firstDifference: true, altBootbank: true, execInstalledOnly: false);

        /// <summary>ESXi 7.0 U3: sealed configuration (local.tgz.ve), the ++group shebang.</summary>
        public static readonly EsxiProfile Esxi70U3 = new EsxiProfile("7.0 U3", "VMware ESXi 7.0.3 build-21930508", "#!/bin/sh ++group=host/vim/vmvisor/boot", encryptedState: true, firstDifference: false, altBootbank: false, execInstalledOnly: false);

        /// <summary>ESXi 8.0 U3: as 7.0 U3, with execInstalledOnly on at run time.</summary>
        public static readonly EsxiProfile Esxi80U3 = new EsxiProfile("8.0 U3", "VMware ESXi 8.0.3 build-24022510", "#!/bin/sh ++group=host/vim/vmvisor/boot", encryptedState: true, firstDifference: false, altBootbank: false, execInstalledOnly: true);

        private EsxiProfile(string name, string version, string localShHeader, bool encryptedState, bool firstDifference, bool altBootbank, bool execInstalledOnly)
        {
            Name = name;
            Version = version;
            LocalShHeader = localShHeader;
            EncryptedState = encryptedState;
            AutoBackupStopsAtFirstDifference = firstDifference;
            AltBootbank = altBootbank;
            ExecInstalledOnly = execInstalledOnly;
        }

        /// <summary>
        /// The BusyBox applets a host offers on PATH: ESXi 6.7's own list (esxi-facts.md, "What a 6.7 host can run"),
        /// plus the VMware programs in /bin that Debian's BusyBox stands in for. 7.0 and 8.0 are assumed the same. Any
        /// other command fails as on a real host, "sh: tr: not found"; the simulator's own scripts call
        /// /bin/busybox directly for what they need beyond it.
        /// </summary>
        public static IReadOnlyCollection<string> HostApplets { get; } = new HashSet<string>(StringComparer.Ordinal)
        {
            "[", "[[", "addgroup", "adduser", "ash", "awk", "basename", "bunzip2", "bzcat", "bzip2", "cat", "chgrp", "chmod", "chown", "chvt",
            "cksum", "clear", "cp", "crond", "cut", "date", "dd", "delgroup", "deluser", "diff", "dirname", "dnsdomainname", "du", "echo", "egrep",
            "eject", "env", "expr", "false", "fdisk", "fgrep", "find", "fstrim", "getty", "grep", "groups", "gunzip", "gzip", "halt", "head",
            "hexdump", "hostname", "inetd", "init", "kill", "ln", "logger", "login", "ls", "lzop", "lzopcat", "md5sum", "mkdir", "mkfifo", "mknod",
            "mktemp", "more", "mv", "nohup", "nslookup", "od", "passwd", "poweroff", "printf", "readlink", "reboot", "reset", "resize", "rm",
            "rmdir", "sed", "seq", "setsid", "sh", "sha1sum", "sha256sum", "sha3sum", "sha512sum", "sleep", "sort", "stat", "stty", "sum", "sync",
            "tail", "tar", "taskset", "tee", "test", "time", "timeout", "touch", "true", "uname", "uniq", "unlzop", "unzip", "usleep", "vi",
            "watch", "wc", "wget", "which", "who", "xargs", "zcat",

            // VMware's own programs in /bin on 6.7 (ps, pgrep, pkill, pidof, nc, less), served by BusyBox here.
            "ps", "pgrep", "pkill", "pidof", "nc", "less",
        };

        /// <summary>Every profile, oldest first.</summary>
        public static IReadOnlyList<EsxiProfile> All { get; } = new[] { Esxi67, Esxi70U3, Esxi80U3 };

        /// <summary>6.7, 7.0 U3, 8.0 U3.</summary>
        public string Name { get; }

        /// <summary>What <c>vmware -v</c> prints.</summary>
        public string Version { get; }

        /// <summary>The first line of the stock local.sh.</summary>
        public string LocalShHeader { get; }

        /// <summary>/bootbank/state.tgz holds local.tgz.ve and encryption.info instead of local.tgz (7.0 U2 and later).</summary>
        public bool EncryptedState { get; }

        /// <summary>auto-backup.sh saves at the first differing file and prints no more diffs.</summary>
        public bool AutoBackupStopsAtFirstDifference { get; }

        /// <summary>auto-backup.sh saves to /altbootbank while /var/run/update_altbootbank exists.</summary>
        public bool AltBootbank { get; }

        /// <summary>execInstalledOnly's default at run time.</summary>
        public bool ExecInstalledOnly { get; }

        /// <summary>The stock local.sh of this release.</summary>
        public string StockLocalSh => LocalShHeader + SimHost.StockLocalSh.Substring(SimHost.StockLocalSh.IndexOf('\n'));

        /// <inheritdoc/>
        public override string ToString() => "ESXi " + Name;
    }
}
