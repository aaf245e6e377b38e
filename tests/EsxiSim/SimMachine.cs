using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// Machine-wide pieces shared by every simulated host: a dedicated login account (never an existing
    /// one), its password, and the folder of per-host sshd links whose names select per-host PAM services.
    /// </summary>
    public static class SimMachine
    {
        public const string UserName = "vmbootsim";
        public const string StateRoot = "/var/lib/vmboot-sim";

        /// <summary>One folder per running simulator; each chroot sits below it (root-owned all the way, as sshd demands).</summary>
        internal const string RunsRoot = StateRoot + "/runs";
        internal const string LinkFolder = "/usr/local/lib/vmboot-sim";

        /// <summary>Debian's regular BusyBox build, unpacked by install-prerequisites.sh (see there why not busybox-static).</summary>
        internal const string BusyBox = StateRoot + "/busybox/busybox";
        private static readonly object Gate = new object();
        private static string? password;

        /// <summary>The simulator account's password (random per machine, kept root-only).</summary>
        public static string Password
        {
            get
            {
                EnsureReady();
                return password!;
            }
        }

        /// <summary>The shared libraries the chroot's BusyBox needs, as ldd names them.</summary>
        internal static IReadOnlyList<string> BusyBoxLibraries { get; private set; } = Array.Empty<string>();

        public static int Uid { get; private set; }

        public static int Gid { get; private set; }

        /// <summary>Checks the machine and creates the account once. Needs root, sshd, busybox-static and faillock.</summary>
        public static void EnsureReady()
        {
            lock (Gate)
            {
                if (password != null)
                {
                    return;
                }

                if (Native.GetEffectiveUserId() != 0)
                {
                    throw new InvalidOperationException("The ESXi simulator needs root: it runs sshd with chroots and PAM services.");
                }

                foreach (var tool in new[] { "/usr/sbin/sshd", BusyBox, "/usr/sbin/faillock", "/usr/bin/ssh-keygen" })
                {
                    if (!File.Exists(tool))
                    {
                        throw new InvalidOperationException($"{tool} is missing: run tests/EsxiSim/install-prerequisites.sh as root (build.ps1 -Task Test does).");
                    }
                }

                BusyBoxLibraries = Native.Run("/usr/bin/ldd", new[] { BusyBox }).Split('\n')
                    .SelectMany(line => line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
                    .Where(word => word.StartsWith('/')).Distinct().ToList();

                Directory.CreateDirectory(RunsRoot);
                Directory.CreateDirectory(LinkFolder);
                Directory.CreateDirectory("/run/sshd");
                File.SetUnixFileMode(StateRoot, (UnixFileMode)Convert.ToInt32("755", 8));
                File.SetUnixFileMode(RunsRoot, (UnixFileMode)Convert.ToInt32("755", 8));

                // The account's shell is /bin/ash, which exists only inside the chroots.
                if (Native.Run("/usr/bin/getent", new[] { "passwd", UserName }, check: false).Length == 0)
                {
                    Native.Run("/usr/sbin/useradd", new[] { "--no-create-home", "--home-dir", "/", "--shell", "/bin/ash", "--comment", "VmBoot ESXi simulator", UserName });
                }

                string passwordFile = Path.Combine(StateRoot, "account-password");
                if (!File.Exists(passwordFile))
                {
                    string fresh = "Sim-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
                    File.WriteAllText(passwordFile, fresh);
                    File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                password = File.ReadAllText(passwordFile).Trim();
                // SHA-512 crypt, as ESXi keeps in /etc/shadow (Debian would pick yescrypt).
                Native.Run("/usr/sbin/chpasswd", new[] { "--crypt-method", "SHA512" }, stdin: $"{UserName}:{password}\n");
                var fields = Native.Run("/usr/bin/getent", new[] { "passwd", UserName }).Split(':');
                Uid = int.Parse(fields[2]);
                Gid = int.Parse(fields[3]);
                RemoveStaleRuns();
            }
        }

        // A run whose owning process is gone left sshd processes and PAM files behind: clear them. A run being made
        // (a hidden name) is left alone until it has its owner; two processes may clear the same stale run at once.
        private static void RemoveStaleRuns()
        {
            foreach (var run in Directory.GetDirectories(RunsRoot))
            {
                try
                {
                    string ownerFile = Path.Combine(run, "owner.pid");
                    bool owned = File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile), out int owner) && Directory.Exists($"/proc/{owner}");
                    if (!owned && !(Path.GetFileName(run).StartsWith(".", StringComparison.Ordinal) && !File.Exists(ownerFile)))
                    {
                        RemoveRun(run);
                    }
                }
                catch (Exception e) when (e is DirectoryNotFoundException || e is FileNotFoundException)
                {
                }
            }
        }

        private static void RemoveRun(string run)
        {
            foreach (var host in Directory.GetDirectories(run))
            {
                SimHost.StopLeftovers(host);
            }

            string runId = Path.GetFileName(run);
            foreach (var file in Directory.GetFiles("/etc/pam.d", $"vmboot-sim-{runId}-*").Concat(Directory.GetFiles(LinkFolder, $"vmboot-sim-{runId}-*")))
            {
                File.Delete(file);
            }

            Directory.Delete(run, recursive: true);
        }
    }
}
