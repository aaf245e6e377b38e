using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace VmBoot.EsxiSim
{
    /// <summary>
    /// One simulated ESXi host: its own sshd on 127.0.0.1, a BusyBox chroot laid out like ESXi, a PAM
    /// service that locks the account after 5 failed logins, and state the tests read and change.
    /// </summary>
    public sealed class SimHost : IDisposable
    {
        /// <summary>ESXi's stock local.sh (the engine's own copy of the file).</summary>
        public static readonly string StockLocalSh = File.ReadAllText(Path.Combine(Path.GetDirectoryName(typeof(SimHost).Assembly.Location)!, "stock-local.sh"));

        public const string LocalShPath = "/etc/rc.local.d/local.sh";

        // Configuration set up when the host was installed: marked and in the first saved state.
        private static readonly string[] ConfiguredFiles = { "etc/vmware/hostd/hostsvc.xml", "etc/ssh/keys-" + SimMachine.UserName + "/authorized_keys" };

        // ESXi's firewall rulesets that matter here: name, enabled, then its rules (direction protocol port-type begin end).
        private const string FirewallRulesets = "sshServer true\nsshClient false\nhttpClient false\ndns true\nvSphereClient true\nvpxHeartbeats true\nwebAccess true\n";
        private const string FirewallRules =
            "sshServer Inbound TCP Dst 22 22\nsshClient Outbound TCP Dst 22 22\nhttpClient Outbound TCP Dst 80 80\nhttpClient Outbound TCP Dst 443 443\n" +
            "dns Outbound UDP Dst 53 53\ndns Outbound TCP Dst 53 53\nvSphereClient Inbound TCP Dst 443 443\nvSphereClient Inbound TCP Dst 902 902\n" +
            "vpxHeartbeats Outbound UDP Dst 902 902\nwebAccess Inbound TCP Dst 80 80\n";

        private const string HostsvcXml =
            "<ConfigRoot>\n  <service>\n    <ntpd>off</ntpd>\n    <sshd>on</sshd>\n    <TSM-SSH>on</TSM-SSH>\n  </service>\n</ConfigRoot>\n";

        // Where each simulator command goes inside the chroot (ESXi's own locations).
        private static readonly Dictionary<string, string> CommandPlaces = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["auto-backup.sh"] = "sbin",
            ["backup.sh"] = "sbin",
            ["secureBoot.py"] = "usr/lib/vmware/secureboot/bin",
            ["lib.sh"] = ".sim",
            ["rc.local"] = "etc",
            ["replay"] = ".sim",
            ["reboot_helper.py"] = "usr/lib/vmware/vsan/bin",
            ["esxcfg-advcfg"] = "sbin",
        };

        private static readonly UnixFileMode Mode755 = (UnixFileMode)Convert.ToInt32("755", 8);
        private static readonly UnixFileMode Mode644 = (UnixFileMode)Convert.ToInt32("644", 8);
        private static readonly UnixFileMode StickyMode1755 = (UnixFileMode)Convert.ToInt32("1755", 8);
        private static readonly UnixFileMode StickyMode1644 = (UnixFileMode)Convert.ToInt32("1644", 8);
        private readonly Dictionary<string, int> served = new Dictionary<string, int>(StringComparer.Ordinal);
        private IReadOnlyCollection<int> skippedVmids = Array.Empty<int>();
        private bool utf8Widths;
        private readonly string service;
        private readonly Dictionary<int, SimVm> inventory = new Dictionary<int, SimVm>();
        private Process? sshd;

        private readonly Func<int> portSource;

        internal SimHost(string runFolder, string runId, string name, Func<int> portSource, EsxiProfile profile)
        {
            this.portSource = portSource;
            Profile = profile;
            Name = name;
            Port = portSource();
            Folder = Path.Combine(runFolder, name);
            Root = Path.Combine(Folder, "root");
            service = $"vmboot-sim-{runId}-{name}";
        }

        /// <summary>The ESXi release this host behaves as.</summary>
        public EsxiProfile Profile { get; }

        /// <summary>The host's name (what <c>hostname</c> prints inside).</summary>
        public string Name { get; }

        /// <summary>Where the host listens; connect to 127.0.0.1.</summary>
        public string Address => "127.0.0.1";

        public int Port { get; private set; }

        /// <summary>The chroot: every path a test reads is below it.</summary>
        public string Root { get; }

        public string Folder { get; }

        public string UserName => SimMachine.UserName;

        public string Password => SimMachine.Password;

        private string Sim => Path.Combine(Root, ".sim");

        private string FaillockFolder => Path.Combine(Folder, "faillock");

        private string KeyFolder => Path.Combine(Folder, "keys");

        /// <summary>Lines for an OpenSSH known_hosts file naming this host's current keys.</summary>
        public IReadOnlyList<string> KnownHostsLines => Directory.GetFiles(KeyFolder, "*.pub").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => File.ReadAllText(f).Split(' ')).Select(p => $"[{Address}]:{Port} {p[0]} {p[1]}").ToList();

        /// <summary>The failed logins pam_faillock has counted for the simulator account.</summary>
        public int FailedLogins
        {
            get
            {
                string text = Native.Run("/usr/sbin/faillock", new[] { "--dir", FaillockFolder, "--user", UserName }, check: false);
                return text.Split('\n').Count(l => l.Length > 0 && char.IsDigit(l[0]));
            }
        }

        public IReadOnlyCollection<SimVm> Inventory => inventory.Values;

        internal void Create(string commandFolder)
        {
            Directory.CreateDirectory(Folder);
            foreach (var dir in new[] { "bin", "sbin", "etc/rc.local.d", "var/log", "var/run", "etc/vmware/hostd", "etc/ssh/keys-" + UserName, "dev", "tmp", "proc", "bootbank", "altbootbank", "vmfs/volumes", "usr/lib/vmware/secureboot/bin", "usr/lib/vmware/vsan/bin", ".sim/vms", ".sim/datastores", ".sim/faults", ".sim/tcp", ".sim/profile", ".sim/firewall", ".sim/served", ".sim/getallvms", ".sim/tardisk" })
            {
                Directory.CreateDirectory(Path.Combine(Root, dir));
            }

            File.Copy(SimMachine.BusyBox, Path.Combine(Root, "bin/busybox"));
            foreach (var library in SimMachine.BusyBoxLibraries)
            {
                string target = Path.Combine(Root, library.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(library, target);
            }

            foreach (string applet in Native.Run(SimMachine.BusyBox, new[] { "--list" }).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string link = Path.Combine(Root, "bin", applet);
                if (EsxiProfile.HostApplets.Contains(applet) && !File.Exists(link) && !File.Exists(Path.Combine(commandFolder, applet)))
                {
                    File.CreateSymbolicLink(link, "busybox");
                }
            }

            foreach (var file in Directory.GetFiles(commandFolder))
            {
                string name = Path.GetFileName(file);
                string target = Path.Combine(Root, CommandPlaces.TryGetValue(name, out var place) ? place : "bin", name);
                File.Copy(file, target, overwrite: true);
                File.SetUnixFileMode(target, name == "lib.sh" ? Mode644 : Mode755);
            }

            // The chroot's /bin/sh is the simulator's wrapper (it takes ESXi's ++group=); ash stays BusyBox.
            if (!File.Exists(Path.Combine(Root, "bin/ash")))
            {
                File.CreateSymbolicLink(Path.Combine(Root, "bin/ash"), "busybox");
            }

            // sim_hold_background tells background work by its stdin (/proc/PID/fd/0).
            Native.Run("/bin/mount", new[] { "-t", "proc", "vmboot-sim-proc", Path.Combine(Root, "proc") });

            Native.Run("/usr/bin/mknod", new[] { "-m", "666", Path.Combine(Root, "dev/null"), "c", "1", "3" });
            Native.Run("/usr/bin/mknod", new[] { "-m", "666", Path.Combine(Root, "dev/zero"), "c", "1", "5" });
            Native.Run("/usr/bin/mknod", new[] { "-m", "444", Path.Combine(Root, "dev/urandom"), "c", "1", "9" });
            File.WriteAllText(Path.Combine(Root, "etc/passwd"), $"root:x:0:0:root:/:/bin/ash\n{UserName}:x:{SimMachine.Uid}:{SimMachine.Gid}::/:/bin/ash\n");
            File.WriteAllText(Path.Combine(Root, "etc/group"), $"root:x:0:\n{UserName}:x:{SimMachine.Gid}:\n");
            WriteState(LocalShPath.TrimStart('/'), Profile.StockLocalSh, StickyMode1755);
            WriteState("etc/vmware/hostd/hostsvc.xml", HostsvcXml, StickyMode1644);
            WriteState("etc/vmware/hostd/config.xml", "<config>\n  <vmacore>\n    <ssl><doVersionCheck>false</doVersionCheck></ssl>\n  </vmacore>\n</config>\n", StickyMode1644);
            WriteState($"etc/ssh/keys-{UserName}/authorized_keys", "", StickyMode1644);
            WriteSim("hostname", Name + "\n");
            WriteSim("version", Profile.Version + "\n");
            WriteSim("profile/encrypted", Profile.EncryptedState ? "1" : "0");
            WriteSim("profile/first_difference", Profile.AutoBackupStopsAtFirstDifference ? "1" : "0");
            WriteSim("profile/altbootbank", Profile.AltBootbank ? "1" : "0");
            WriteSim("seal_key", RandomNumberGenerator.GetInt32(1, 256).ToString(CultureInfo.InvariantCulture));
            WriteSim("firewall/rulesets", FirewallRulesets);
            WriteSim("firewall/rules", FirewallRules);
            WriteSim("maintenance", "0");
            WriteSim("lockdown", "off");
            WriteSim("vpxuser", "1");
            WriteSim("vsan_node", "none");
            WriteSim("encryption_mode", "TPM");
            WriteSim("boot_epoch", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            WriteSim("clock", "3600");
            WriteSim("secure_boot", "Disabled");
            WriteSim("exec_installed_only", Profile.ExecInstalledOnly ? "1" : "0");
            File.SetUnixFileMode(Path.Combine(Root, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));

            // What ESXi root may change belongs to the simulator account; the tools stay root's.
            foreach (var owned in new[] { "etc", "bootbank", "altbootbank", "vmfs", "var", ".sim" })
            {
                Native.ChownTree(Path.Combine(Root, owned), SimMachine.Uid, SimMachine.Gid);
            }

            Native.ChownTree(Path.Combine(Root, $"etc/ssh/keys-{UserName}"), SimMachine.Uid, SimMachine.Gid);
            RenderInventory();
            // What the installer laid down is the tardisk's /etc, restored at every boot before the saved state;
            // the settings made at install time are marked and saved, local.sh is still the stock one.
            RunAsHost("cp -a /etc /.sim/tardisk/ && . /.sim/lib.sh && sim_track_files && "
                + string.Join(" && ", ConfiguredFiles.Select(f => $": > '/{Path.GetDirectoryName(f)}/.#{Path.GetFileName(f)}'"))
                + " && sim_save_state /bootbank");

            Directory.CreateDirectory(KeyFolder);
            Directory.CreateDirectory(FaillockFolder);
            NewHostKeys();
            File.WriteAllText($"/etc/pam.d/{service}",
                $"auth     required       pam_faillock.so preauth dir={FaillockFolder} deny=5 unlock_time=900\n" +
                "auth     [success=1 default=bad] pam_unix.so\n" +
                $"auth     [default=die]  pam_faillock.so authfail dir={FaillockFolder} deny=5 unlock_time=900\n" +
                $"auth     sufficient     pam_faillock.so authsucc dir={FaillockFolder} deny=5 unlock_time=900\n" +
                "auth     required       pam_deny.so\n" +
                "account  required       pam_unix.so\n" +
                "session  required       pam_permit.so\n");
            File.WriteAllText(Path.Combine(Folder, "sshd_config"),
                $"Port {Port}\nListenAddress {Address}\n" +
                $"HostKey {KeyFolder}/ssh_host_rsa_key\nHostKey {KeyFolder}/ssh_host_ecdsa_key\n" +
                $"PidFile {Folder}/sshd.pid\n" +
                "UsePAM yes\nPasswordAuthentication no\nKbdInteractiveAuthentication yes\nPubkeyAuthentication yes\n" +
                $"AuthorizedKeysFile {Root}/etc/ssh/keys-%u/authorized_keys\n" +
                $"ChrootDirectory {Root}\nAllowUsers {UserName}\nSubsystem sftp internal-sftp\n" +
                "PrintMotd no\nMaxStartups 64:30:128\nMaxSessions 64\n" +
                FipsAlgorithms +
                // ESXi's PATH (esxi-facts.md), not sshd's default for a user, which has no /sbin.
                "SetEnv PATH=/bin:/sbin\n");
            string sshdLink = Path.Combine(SimMachine.LinkFolder, service);
            File.Delete(sshdLink);
            File.CreateSymbolicLink(sshdLink, "/usr/sbin/sshd");
        }

        // ESXi's sshd runs with "FipsMode yes" and these Ciphers and MACs (/etc/ssh/sshd_config of a 6.7 host,
        // ljvblfz/ESXi). Debian's sshd has no FipsMode: the key exchanges FIPS 140 allows are listed instead (which
        // ones VMware's build keeps is unverified; curve25519 and sntrup761x25519 are not FIPS-approved).
        private const string FipsAlgorithms =
            "Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr\n" +
            "MACs hmac-sha2-256,hmac-sha2-512,hmac-sha1\n" +
            "KexAlgorithms ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256," +
            "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256\n";

        /// <summary>
        /// Every program found through PATH in SSH sessions and in the boot (local.sh), by the name it was called under,
        /// once each; recorded only on hosts started with command tracing. The simulator's own commands' inner calls and
        /// shell builtins are not programs the host must have, so they are not counted.
        /// </summary>
        public IReadOnlyCollection<string> CommandsRun
        {
            get
            {
                string log = Path.Combine(Sim, "commands-run.log");
                return File.Exists(log) ? File.ReadAllLines(log).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList() : new List<string>();
            }
        }

        // A shim for each program in /bin and /sbin, first in PATH, notes its name and runs the program.
        internal void TraceCommands()
        {
            string shims = Path.Combine(Sim, "shim");
            Directory.CreateDirectory(shims);
            foreach (string folder in new[] { "bin", "sbin" })
            {
                foreach (string program in Directory.GetFileSystemEntries(Path.Combine(Root, folder)).Select(Path.GetFileName).OfType<string>())
                {
                    string shim = Path.Combine(shims, program);
                    if (!File.Exists(shim))
                    {
                        File.WriteAllText(shim, $"#!/bin/ash\necho '{program}' >> /.sim/commands-run.log\nexec '/{folder}/{program}' \"$@\"\n");
                        File.SetUnixFileMode(shim, Mode755);
                    }
                }
            }

            Native.ChownTree(shims, SimMachine.Uid, SimMachine.Gid);
            string config = Path.Combine(Folder, "sshd_config");
            File.WriteAllText(config, File.ReadAllText(config).Replace("SetEnv PATH=/bin:/sbin\n", "SetEnv PATH=/.sim/shim:/bin:/sbin\n"));
        }

        // Every SSH command is answered from the capture instead of run (see EsxiSimulator.Replay).
        internal void ReplayFrom(string captureFile)
        {
            WriteSim("capture.txt", File.ReadAllText(captureFile));
            File.AppendAllText(Path.Combine(Folder, "sshd_config"), "ForceCommand /bin/ash /.sim/replay\n");
        }

        internal void Start()
        {
            for (int attempt = 1; ; attempt++)
            {
                if (TryStart())
                {
                    return;
                }

                // Another process took the port between our check and sshd's bind: take another.
                if (attempt == 5)
                {
                    throw new InvalidOperationException($"sshd for {Name} could not bind a port: {ReadLog()}");
                }

                string config = Path.Combine(Folder, "sshd_config");
                int old = Port;
                Port = portSource();
                File.WriteAllText(config, File.ReadAllText(config).Replace($"Port {old}\n", $"Port {Port}\n"));
            }
        }

        // Listening is proven by sshd's own log line: a TCP probe could reach another host's sshd on a reused port.
        private bool TryStart()
        {
            string log = Path.Combine(Folder, "sshd.log");
            File.Delete(log);
            var info = new ProcessStartInfo(Path.Combine(SimMachine.LinkFolder, service)) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "-D", "-f", Path.Combine(Folder, "sshd_config"), "-E", log })
            {
                info.ArgumentList.Add(arg);
            }

            sshd = Process.Start(info)!;
            string listening = $"Server listening on {Address} port {Port}.";
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                string text = ReadLog();
                if (text.Contains(listening, StringComparison.Ordinal))
                {
                    return true;
                }

                if (sshd.HasExited || text.Contains("Cannot bind any address", StringComparison.Ordinal))
                {
                    if (!sshd.HasExited)
                    {
                        sshd.Kill();
                    }

                    sshd.WaitForExit();
                    return false;
                }

                Thread.Sleep(50);
            }

            throw new TimeoutException($"sshd for {Name} did not listen on port {Port}: {ReadLog()}");
        }

        /// <summary>Registers VMs (replacing all) and lays out getallvms as vim-cmd would.</summary>
        public void SetInventory(IEnumerable<SimVm> vms, bool utf8Widths = false, IEnumerable<int>? skippedVmids = null)
        {
            this.utf8Widths = utf8Widths;
            this.skippedVmids = (skippedVmids ?? Array.Empty<int>()).ToList();
            inventory.Clear();
            string vmsFolder = Path.Combine(Sim, "vms");
            Directory.Delete(vmsFolder, recursive: true);
            Directory.CreateDirectory(vmsFolder);
            foreach (var vm in vms)
            {
                inventory.Add(vm.Vmid, vm);
                string folder = Path.Combine(vmsFolder, vm.Vmid.ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, "name"), vm.Name);
                File.WriteAllText(Path.Combine(folder, "datastore"), vm.Datastore);
                File.WriteAllText(Path.Combine(folder, "state"), vm.PoweredOn ? "on\n" : "off\n");
                File.WriteAllText(Path.Combine(folder, "on_at"), "0\n");
                File.WriteAllText(Path.Combine(folder, "heartbeat_delay"), vm.HeartbeatDelay + "\n");
                File.WriteAllText(Path.Combine(folder, "lock_tries"), vm.LockFailures + "\n");
                File.WriteAllText(Path.Combine(folder, "lock_until"), vm.LockedUntil + "\n");
                File.WriteAllText(Path.Combine(folder, "tools"), (vm.Tools ? "1" : "0") + "\n");
                File.WriteAllText(Path.Combine(folder, "shutdown_seconds"), (vm.HangsOnShutdown ? "never" : vm.ShutdownSeconds.ToString(CultureInfo.InvariantCulture)) + "\n");
                if (vm.Datastore.Length > 0)
                {
                    Directory.CreateDirectory(Path.Combine(Sim, "datastores", vm.Datastore));
                }
            }

            RenderInventory();
            Native.ChownTree(Sim, SimMachine.Uid, SimMachine.Gid);
            RunAsHost(". /.sim/lib.sh && sim_mount_ready_datastores");
        }

        /// <summary>
        /// The datastore is served by VM <paramref name="vmid"/> of this host (a storage appliance exporting NFS or
        /// iSCSI): after a boot it appears only when storage is rescanned while that VM answers (its heartbeat is
        /// green); until then the VMs on it are invalid to getallvms.
        /// </summary>
        public void ServeDatastore(string datastore, int vmid)
        {
            served[datastore] = vmid;
            Directory.CreateDirectory(Path.Combine(Sim, "datastores", datastore));
            WriteSim("served/" + datastore, vmid.ToString(CultureInfo.InvariantCulture));
            RenderInventory();
            Native.ChownTree(Sim, SimMachine.Uid, SimMachine.Gid);
        }

        // getallvms as vim-cmd lays it out, once for every set of datastores that may be missing: hostd shows a VM whose
        // datastore is not mounted as invalid. Datastores mount in groups: those mounted at boot (datastores_ready_at)
        // together, vsanDatastore while its cluster is formed, and each one served by a VM on a rescan. vim-cmd looks at
        // /vmfs/volumes to pick the table (group<N> holds a group's datastores, one per line).
        private void RenderInventory()
        {
            var used = inventory.Values.Select(v => v.Datastore).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var groups = served.Keys.OrderBy(n => n, StringComparer.Ordinal).Select(n => new List<string> { n }).ToList();
            if (used.Contains(VsanDatastore) && !served.ContainsKey(VsanDatastore))
            {
                groups.Add(new List<string> { VsanDatastore });
            }

            var atBoot = used.Where(d => d != VsanDatastore && !served.ContainsKey(d)).OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (atBoot.Count > 0)
            {
                groups.Add(atBoot);
            }

            foreach (string old in Directory.GetFiles(Path.Combine(Sim, "getallvms")))
            {
                File.Delete(old);
            }

            for (int i = 0; i < groups.Count; i++)
            {
                WriteSim($"getallvms/group{i + 1}", string.Concat(groups[i].Select(d => d + "\n")));
            }

            WriteSim("getallvms/groups", groups.Count.ToString(CultureInfo.InvariantCulture));
            for (int mask = 0; mask < 1 << groups.Count; mask++)
            {
                var missing = groups.Where((_, i) => (mask & (1 << i)) != 0).SelectMany(g => g).ToList();
                var valid = inventory.Values.Where(v => !missing.Contains(v.Datastore)).Select(v => v.ToRow());
                var invalid = skippedVmids.Concat(inventory.Values.Where(v => missing.Contains(v.Datastore)).Select(v => v.Vmid));
                string variant = string.Concat(new[] { "all" }.Concat(Enumerable.Range(0, groups.Count).Where(i => (mask & (1 << i)) != 0).Select(i => "-" + (i + 1).ToString(CultureInfo.InvariantCulture))));
                WriteSim($"getallvms/{variant}.txt", GetAllVmsRenderer.Render(valid, utf8Widths));
                WriteSim($"getallvms/{variant}.stderr", string.Concat(invalid.Select(id => $"Skipping invalid VM '{id}'\n")));
            }
        }

        /// <summary>Adds a datastore with no VMs (e.g. the one holding logs).</summary>
        public void AddDatastore(string name)
        {
            Directory.CreateDirectory(Path.Combine(Sim, "datastores", name));
            Native.ChownTree(Path.Combine(Sim, "datastores"), SimMachine.Uid, SimMachine.Gid);
            RunAsHost(". /.sim/lib.sh && sim_mount_ready_datastores");
        }

        /// <summary>The VM runs from now on (as if an admin or HA had started it), without a power-on on the host's clock.</summary>
        public void SetRunning(int vmid)
        {
            string vm = Path.Combine(Sim, "vms", vmid.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(vm, "state"), "on\n");
            File.WriteAllText(Path.Combine(vm, "on_at"), Clock.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        /// <summary>The power state vim-cmd would report: on, off or suspended.</summary>
        public string PowerState(int vmid) => File.ReadAllText(Path.Combine(Sim, "vms", vmid.ToString(CultureInfo.InvariantCulture), "state")).Trim();

        public bool SecureBoot
        {
            get => ReadSim("secure_boot") == "Enabled";
            set => WriteSim("secure_boot", value ? "Enabled" : "Disabled");
        }

        /// <summary>What <c>secureBoot.py -s</c> prints ("error": it fails with a traceback instead).</summary>
        public string SecureBootStatus
        {
            get => ReadSim("secure_boot");
            set => WriteSim("secure_boot", value);
        }

        /// <summary>In maintenance mode every power-on is refused; it survives a reboot.</summary>
        public bool MaintenanceMode
        {
            get => ReadSim("maintenance") == "1";
            set => WriteSim("maintenance", value ? "1" : "0");
        }

        /// <summary>
        /// The host's vSAN node type as <c>esxcli vsan cluster get</c> reports it (NORMAL or WITNESS), or null outside vSAN
        /// (the default).
        /// </summary>
        public string? VsanNode
        {
            get => ReadSim("vsan_node") is var node && node != "none" ? node : null;
            set => WriteSim("vsan_node", value ?? "none");
        }

        /// <summary>What <c>esxcli system settings encryption get</c> shows as Mode on 7.0 U2 and later: TPM (the default) or NONE.</summary>
        public string EncryptionMode
        {
            get => ReadSim("encryption_mode");
            set => WriteSim("encryption_mode", value);
        }

        /// <summary>Lockdown mode: off, normal or strict. vim-cmd as root is refused; vpxuser works.</summary>
        public string Lockdown
        {
            get => ReadSim("lockdown");
            set => WriteSim("lockdown", value);
        }

        /// <summary>vCenter manages the host, so its vpxuser account exists (the default).</summary>
        public bool VpxUser
        {
            get => ReadSim("vpxuser") != "0";
            set => WriteSim("vpxuser", value ? "1" : "0");
        }

        /// <summary>Whether a firewall ruleset (httpClient, sshClient, dns...) is enabled.</summary>
        public bool FirewallRulesetEnabled(string ruleset) => ReadSim("firewall/rulesets").Split('\n')
            .Any(line => line == ruleset + " true");

        public void SetFirewallRuleset(string ruleset, bool enabled) => RunAsHost($"esxcli network firewall ruleset set -r {ruleset} -e {(enabled ? "true" : "false")}");

        /// <summary>A live VIB install is pending: auto-backup.sh saves to /altbootbank (where the profile does), which the next boot uses.</summary>
        public void PendLiveInstall() => RunAsHost(": > /var/run/update_altbootbank");

        /// <summary><c>stat -c %a</c> of a file: 1755 for a stock local.sh.</summary>
        public string Mode(string path) => RunAsHost("stat -c %a " + VmBoot.Ssh.ShellQuote.Quote(path)).Trim();

        /// <summary>The marker ESXi keeps beside a modified sticky file (what auto-backup.sh saves by).</summary>
        public bool HasMarker(string path) => FileExists(path.Substring(0, path.LastIndexOf('/') + 1) + ".#" + path.Substring(path.LastIndexOf('/') + 1));

        public bool ExecInstalledOnly
        {
            get => ReadSim("exec_installed_only") == "1";
            set => WriteSim("exec_installed_only", value ? "1" : "0");
        }

        /// <summary>The host's second at which it goes down, once told to power off; else null.</summary>
        public int? PowerOffDueAt => File.Exists(Path.Combine(Sim, "poweroff_at")) ? int.Parse(ReadSim("poweroff_at"), CultureInfo.InvariantCulture) : (int?)null;

        /// <summary>Virtual seconds since the last boot.</summary>
        public int Clock => int.Parse(ReadSim("clock"), CultureInfo.InvariantCulture);

        /// <summary>Reads a file inside the host, as bytes are what byte-for-byte checks compare.</summary>
        public byte[] ReadBytes(string path) => File.ReadAllBytes(HostPath(path));

        public string ReadText(string path) => File.ReadAllText(HostPath(path));

        public bool FileExists(string path) => File.Exists(HostPath(path));

        public void WriteText(string path, string content)
        {
            string full = HostPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            Native.Chown(full, SimMachine.Uid, SimMachine.Gid);
        }

        /// <summary>
        /// The local.sh the next boot restores (the simulator unseals encrypted state, which no tool can), or
        /// null when the saved state holds none (the stock one comes back).
        /// </summary>
        public string? PersistedLocalSh()
        {
            string text = RunAsHost("bank=/bootbank; [ -f /var/run/update_altbootbank ] && [ -f /altbootbank/state.tgz ] && bank=/altbootbank; "
                + ". /.sim/lib.sh && rm -rf /tmp/sim-peek && mkdir /tmp/sim-peek && sim_unpack_state /tmp/sim-peek \"$bank\" && "
                + "if [ -f /tmp/sim-peek/etc/rc.local.d/local.sh ]; then echo saved; cat /tmp/sim-peek/etc/rc.local.d/local.sh; else echo none; fi; rm -rf /tmp/sim-peek");
            return text.StartsWith("saved\n", StringComparison.Ordinal) ? text.Substring(6) : null;
        }

        /// <summary>Lets a public key (one authorized_keys line) log in as the simulator account, saved as an admin would.</summary>
        public void AuthorizeKey(string publicKeyLine)
        {
            File.AppendAllText(HostPath($"/etc/ssh/keys-{UserName}/authorized_keys"), publicKeyLine.TrimEnd() + "\n");
            RunAsHost("/sbin/auto-backup.sh >/dev/null 2>&1");
        }

        public void ResetFailedLogins() => Native.Run("/usr/sbin/faillock", new[] { "--dir", FaillockFolder, "--user", UserName, "--reset" });

        /// <summary>From this virtual second after boot on, <c>nc -z host port</c> inside the host succeeds.</summary>
        public void OpenTcpPortAt(string host, int port, int seconds) => WriteSim($"tcp/{host}_{port}", seconds.ToString(CultureInfo.InvariantCulture));

        /// <summary>Fault: the named command (vim-cmd, auto-backup.sh, ...) hangs.</summary>
        public void HangCommand(string command) => File.AppendAllText(Path.Combine(Sim, "faults/hang"), command + "\n");

        /// <summary>Fault: the named command kills its SSH session mid-way (the client sees a dropped connection).</summary>
        public void DropConnectionIn(string command) => File.AppendAllText(Path.Combine(Sim, "faults/drop"), command + "\n");

        public void ClearFaults()
        {
            foreach (var fault in Directory.GetFiles(Path.Combine(Sim, "faults")))
            {
                File.Delete(fault);
            }

            // A full file system is emptied of its filler and unmounted, its files copied back.
            foreach (string mount in MountsBelow(Root, "vmboot-sim-full"))
            {
                string saved = mount + ".saved";
                Native.Run("/bin/sh", new[] { "-c", "rm -f \"$1/.filler\" && cp -a \"$1\" \"$2\" && umount \"$1\" && cp -a \"$2\"/. \"$1\"/ && rm -rf \"$2\"", "sh", mount, saved });
            }
        }

        /// <summary>Offer the plain "password" method instead of keyboard-interactive, as some non-ESXi servers do.</summary>
        public void OfferPasswordMethodOnly()
        {
            string config = Path.Combine(Folder, "sshd_config");
            File.WriteAllText(config, File.ReadAllText(config)
                .Replace("PasswordAuthentication no\nKbdInteractiveAuthentication yes", "PasswordAuthentication yes\nKbdInteractiveAuthentication no"));
            Native.Kill(sshd!.Id, 1);
            Thread.Sleep(300);
            WaitListening();
        }

        /// <summary>
        /// Offer OpenSSH's own algorithms (curve25519, sntrup761x25519 ...) instead of FIPS mode's, as a host whose SSH
        /// FIPS mode was switched off (esxcli system security fips140 ssh set -e false).
        /// </summary>
        public void OfferNonFipsAlgorithms()
        {
            string config = Path.Combine(Folder, "sshd_config");
            File.WriteAllText(config, File.ReadAllText(config).Replace(FipsAlgorithms, ""));
            Native.Kill(sshd!.Id, 1);
            Thread.Sleep(300);
            WaitListening();
        }

        /// <summary>Fault: a relay that cuts each connection after <paramref name="bytes"/> bytes; connect to its Port.</summary>
        public ByteLimitProxy DropConnectionAfterBytes(long bytes) => new ByteLimitProxy(Port, bytes);

        /// <summary>
        /// Fault: the file system holding <paramref name="folder"/> (e.g. /etc/rc.local.d or /bootbank) is
        /// full: a small tmpfs is mounted there with the same files, then filled up.
        /// </summary>
        public void FillFilesystem(string folder)
        {
            string full = HostPath(folder);
            string saved = Path.Combine(Folder, "saved-" + Path.GetFileName(full.TrimEnd('/')));
            Native.Run("/bin/cp", new[] { "-a", full, saved });
            Native.Run("/bin/mount", new[] { "-t", "tmpfs", "-o", "size=256k,mode=755", "vmboot-sim-full", full });
            Native.Run("/bin/sh", new[] { "-c", "cp -a \"$1\"/. \"$2\"/ && chown " + SimMachine.Uid + ":" + SimMachine.Gid + " \"$2\" && (dd if=/dev/zero of=\"$2/.filler\" bs=4k 2>/dev/null; true)", "sh", saved, full });
            Native.Run("/bin/rm", new[] { "-rf", saved });
        }

        /// <summary>Fault: new host keys, as after a reinstall; sshd re-reads them on SIGHUP.</summary>
        public void ChangeHostKey()
        {
            NewHostKeys();
            Native.Kill(sshd!.Id, 1);
            Thread.Sleep(300);
            WaitListening();
        }

        /// <summary>
        /// Power cut and boot, as ESXi does them: /etc comes back from the tardisks and then from the saved state
        /// (only marked files were saved), /tmp and /var/run are empty, datastores unmount, VMs are off (but those
        /// marked PoweredOn), the clock restarts at 0 with readiness at the given virtual times. Then /etc/rc.local
        /// runs in the foreground (local.sh only if secureBoot.py -s prints exactly Disabled); the console appears
        /// when it returns, and whatever it left running in the background is waited for.
        /// </summary>
        public BootTimeline PowerCycle(int hostdReadyAt = 0, int datastoresReadyAt = 0, int vmsStartableAt = 0, int vimCmdSeconds = 1, int powerOnSeconds = 2)
            => PowerCycle(new BootTimes { HostdReadyAt = hostdReadyAt, DatastoresReadyAt = datastoresReadyAt, VmsStartableAt = vmsStartableAt, VimCmdSeconds = vimCmdSeconds, PowerOnSeconds = powerOnSeconds }, null);

        /// <summary>The power cycle with its readiness times; <paramref name="bootEpoch"/> sets when the power came back (a cluster's time).</summary>
        public BootTimeline PowerCycle(BootTimes times, long? bootEpoch)
        {
            int hostdReadyAt = times.HostdReadyAt, datastoresReadyAt = times.DatastoresReadyAt, vmsStartableAt = times.VmsStartableAt, vimCmdSeconds = times.VimCmdSeconds, powerOnSeconds = times.PowerOnSeconds;
            // A pending live install boots from the updated bank.
            RunAsHost("if [ -f /var/run/update_altbootbank ] && [ -f /altbootbank/state.tgz ]; then cp /altbootbank/state.tgz /bootbank/state.tgz; fi; "
                + "rm -f /vmfs/volumes/*; rm -rf /etc/* /etc/.[!.]* /tmp/* /tmp/.[!.]* /var/run/*; cp -a /.sim/tardisk/etc/. /etc/ && . /.sim/lib.sh && "
                + "mkdir /tmp/sim-boot && if sim_unpack_state /tmp/sim-boot; then "
                + "(cd /tmp/sim-boot && find etc -type f) | while IFS= read -r f; do cat \"/tmp/sim-boot/$f\" > \"/$f\" 2>/dev/null || cp -a \"/tmp/sim-boot/$f\" \"/$f\"; "
                + "/bin/busybox chmod \"$(stat -c %a \"/tmp/sim-boot/$f\")\" \"/$f\"; : > \"/${f%/*}/.#${f##*/}\"; done; fi; "
                + "rm -rf /tmp/sim-boot; : > /.sim/tracked; sim_track_files");
            // A VM marked PoweredOn is started by something else (HA, an admin) as soon as its datastore is mounted.
            foreach (var folder in Directory.GetDirectories(Path.Combine(Sim, "vms")))
            {
                int vmid = int.Parse(Path.GetFileName(folder), CultureInfo.InvariantCulture);
                File.WriteAllText(Path.Combine(folder, "state"), "off\n");
                if (inventory[vmid].PoweredOn)
                {
                    File.WriteAllText(Path.Combine(folder, "started_elsewhere"), "");
                }

                File.WriteAllText(Path.Combine(folder, "on_at"), "0\n");
                File.WriteAllText(Path.Combine(folder, "lock_tries"), inventory[vmid].LockFailures + "\n");
            }

            WriteSim("hostd_ready_at", hostdReadyAt.ToString(CultureInfo.InvariantCulture));
            WriteSim("datastores_ready_at", datastoresReadyAt.ToString(CultureInfo.InvariantCulture));
            WriteSim("vms_startable_at", vmsStartableAt.ToString(CultureInfo.InvariantCulture));
            WriteSim("vimcmd_seconds", vimCmdSeconds.ToString(CultureInfo.InvariantCulture));
            WriteSim("poweron_seconds", powerOnSeconds.ToString(CultureInfo.InvariantCulture));
            // The power comes back later than the host last saw, so boots never share a time in its logs.
            long lastSeen = long.Parse(ReadSim("boot_epoch"), CultureInfo.InvariantCulture) + Clock;
            WriteSim("boot_epoch", (bootEpoch ?? Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), lastSeen + 60)).ToString(CultureInfo.InvariantCulture));
            WriteSim("clock", "0");
            ClearLanes();
            WriteSim("events.log", "");
            WriteSim("sleeps.log", "");
            WriteSim("console", "");
            foreach (var stale in new[] { "local_sh_ran", "rc_local_running", "console_ready_at", "rc_local_started_at", "poweroff_at" })
            {
                File.Delete(Path.Combine(Sim, stale));
            }

            RunAsHost(". /.sim/lib.sh && sim_mount_ready_datastores");

            // rc.local in a session of its own, so everything it leaves running can be found and waited for.
            Native.Run("/usr/bin/setsid", new[]
            {
                "/usr/sbin/chroot", $"--userspec={SimMachine.Uid}:{SimMachine.Gid}", Root, "/bin/ash", "-c",
                "export SIM_BOOT=1; PATH=/bin:/sbin; if [ -d /.sim/shim ]; then PATH=/.sim/shim:$PATH; fi; export PATH; cut -d ' ' -f 6 /proc/$$/stat > /.sim/boot_sid; /etc/rc.local < /.sim/console > /.sim/rc_local.out 2>&1",
            }, check: false, timeoutMs: 120000);
            WaitForSession(int.Parse(ReadSim("boot_sid"), CultureInfo.InvariantCulture), TimeSpan.FromSeconds(120));

            var names = inventory.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value.Name);
            var events = ReadSim("events.log").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t'))
                .Select(f => new BootEvent(int.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2], names.TryGetValue(f[2], out var n) ? n : null, f[3]))
                .ToList();
            return new BootTimeline
            {
                Host = Name,
                BootScriptsRan = File.Exists(Path.Combine(Sim, "local_sh_ran")),
                RcLocalStartedSeconds = int.Parse(ReadSim("rc_local_started_at"), CultureInfo.InvariantCulture),
                ConsoleReadySeconds = int.Parse(ReadSim("console_ready_at"), CultureInfo.InvariantCulture),
                EndSeconds = Clock,
                Events = events,
                Sleeps = ReadSim("sleeps.log").Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Output = ReadSim("rc_local.out"),
            };
        }

        /// <summary>SSH answers (sshd runs): false from <see cref="PowerOff"/> until <see cref="PowerOn"/>.</summary>
        public bool IsUp => sshd != null && !sshd.HasExited;

        /// <summary>A vim-cmd is running on the host now (one sent in the background may still be on its way).</summary>
        public bool Busy
        {
            get
            {
                // Each file is a running vim-cmd's pid (a chroot shares the machine's pids); one killed outright leaves a
                // file behind, so only live ones count.
                string inflight = Path.Combine(Sim, "inflight");
                return Directory.Exists(inflight) && Directory.EnumerateFiles(inflight).Any(f => Directory.Exists("/proc/" + Path.GetFileName(f)));
            }
        }

        /// <summary>The host is off: nothing listens on its port (connections are refused), its sessions are gone.</summary>
        public void PowerOff()
        {
            if (sshd != null && !sshd.HasExited)
            {
                sshd.Kill(entireProcessTree: true);
                sshd.WaitForExit(5000);
            }

            sshd?.Dispose();
            sshd = null;
            KillChrootProcesses(Root);
            MarkVsanUp(false);
        }

        /// <summary>sshd answers again (after <see cref="PowerCycle(BootTimes, long?)"/> has booted the host).</summary>
        public void PowerOn()
        {
            Start();
            MarkVsanUp(true);
        }

        // A vSAN member's peers see whether it is up (the cluster's shared folder).
        private void MarkVsanUp(bool up)
        {
            string member = Path.Combine(Sim, "cluster", "vsan", "hosts", Name);
            if (Directory.Exists(member))
            {
                File.WriteAllText(Path.Combine(member, "up"), up ? "1" : "0");
            }
        }

        /// <summary>
        /// Makes the host a node of its cluster's vSAN (<see cref="SimCluster.FormVsan"/>): its maintenance mode is kept
        /// where the other nodes see it, and vsanDatastore is the cluster's, mounted while the cluster is formed.
        /// </summary>
        internal void JoinVsan(string nodeType)
        {
            string member = Path.Combine(Sim, "cluster", "vsan", "hosts", Name);
            Directory.CreateDirectory(member);
            File.WriteAllText(Path.Combine(member, "up"), IsUp ? "1" : "0");
            File.WriteAllText(Path.Combine(member, "maintenance"), ReadSim("maintenance"));
            Native.ChownTree(member, SimMachine.Uid, SimMachine.Gid);
            File.Delete(Path.Combine(Sim, "maintenance"));
            File.CreateSymbolicLink(Path.Combine(Sim, "maintenance"), $"cluster/vsan/hosts/{Name}/maintenance");
            string datastore = Path.Combine(Sim, "datastores", VsanDatastore);
            if (Directory.Exists(datastore))
            {
                Directory.Delete(datastore, recursive: true);
            }

            File.CreateSymbolicLink(datastore, "../cluster/vsan/datastore");
            WriteSim("vsan_node", nodeType);
            RunAsHost(". /.sim/lib.sh && sim_mount_ready_datastores");
        }

        /// <summary>The vSAN datastore's name, as ESXi names it.</summary>
        public const string VsanDatastore = "vsanDatastore";

        /// <summary>What <c>esxcfg-advcfg -g /VSAN/IgnoreClusterMemberListUpdates</c> would print the value as (0 by default).</summary>
        public int IgnoreClusterMemberListUpdates
            => File.Exists(Path.Combine(Sim, "advcfg", "IgnoreClusterMemberListUpdates")) ? int.Parse(ReadSim("advcfg/IgnoreClusterMemberListUpdates"), CultureInfo.InvariantCulture) : 0;

        /// <summary>Shares the cluster's clock folder (a bind mount at /.sim/cluster) and records when this host's power came back.</summary>
        internal void JoinCluster(string clusterFolder)
        {
            string mountPoint = Path.Combine(Sim, "cluster");
            Directory.CreateDirectory(mountPoint);
            if (!MountsBelow(Sim).Contains(mountPoint))
            {
                Native.Run("/bin/mount", new[] { "--bind", clusterFolder, mountPoint });
            }
        }

        internal void SetBootAt(int second) => WriteSim("boot_at", second.ToString(CultureInfo.InvariantCulture));

        /// <summary>The host's own clock back to 0: from now on it follows the cluster's (what its boot did stays done).</summary>
        internal void FollowClusterClock()
        {
            WriteSim("clock", "0");
            ClearLanes();
        }

        // Every shell's own time (lib.sh's lanes) starts again from the host's clock.
        private void ClearLanes()
        {
            string lanes = Path.Combine(Sim, "lanes");
            if (Directory.Exists(lanes))
            {
                Directory.Delete(lanes, recursive: true);
            }

            if (Directory.Exists(lanes + ".lock"))
            {
                Directory.Delete(lanes + ".lock");
            }
        }

        /// <summary>Mounts the datastores whose time has come (the cluster's clock moved without a command on this host).</summary>
        internal void MountReadyDatastores() => RunAsHost(". /.sim/lib.sh && sim_mount_ready_datastores");

        // Until no process of the boot's session is left (zombies aside), or the time is up.
        private static void WaitForSession(int session, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                bool alive = false;
                foreach (var dir in Directory.GetDirectories("/proc"))
                {
                    string name = Path.GetFileName(dir);
                    if (!name.All(char.IsDigit))
                    {
                        continue;
                    }

                    try
                    {
                        string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                        var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                        if (fields[0] != "Z" && fields[3] == session.ToString(CultureInfo.InvariantCulture))
                        {
                            alive = true;
                            break;
                        }
                    }
                    catch (IOException)
                    {
                    }
                }

                if (!alive)
                {
                    return;
                }

                Thread.Sleep(20);
            }

            throw new TimeoutException($"the boot's background work (session {session}) did not finish in {timeout.TotalSeconds} s");
        }

        /// <summary>Runs a shell command inside the host as the simulator account, under BusyBox ash.</summary>
        public string RunAsHost(string command, bool check = true, int timeoutMs = 60000)
            => Native.Run("/usr/sbin/chroot", new[] { $"--userspec={SimMachine.Uid}:{SimMachine.Gid}", Root, "/bin/ash", "-c", command }, check: check, timeoutMs: timeoutMs);

        public void Dispose()
        {
            if (sshd != null && !sshd.HasExited)
            {
                sshd.Kill(entireProcessTree: true);
                sshd.WaitForExit(5000);
            }

            sshd?.Dispose();
            StopLeftovers(Folder);
            File.Delete($"/etc/pam.d/{service}");
            File.Delete(Path.Combine(SimMachine.LinkFolder, service));
        }

        /// <summary>Stops a host's sshd and its sessions by pid file (for runs whose owner died).</summary>
        internal static void StopLeftovers(string folder)
        {
            foreach (string mount in MountsBelow(folder))
            {
                Native.Run("/bin/umount", new[] { "-l", mount }, check: false);
            }

            string pidFile = Path.Combine(folder, "sshd.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
            {
                Native.Kill(pid, 9);
            }

            KillChrootProcesses(Path.Combine(folder, "root"));
        }

        // Sessions outlive a killed listener; anything still running inside the chroot goes too.
        private static void KillChrootProcesses(string root)
        {
            foreach (var proc in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsDigit)))
            {
                try
                {
                    var link = new DirectoryInfo($"/proc/{proc}/root").LinkTarget;
                    if (link == root)
                    {
                        Native.Kill(int.Parse(proc!, CultureInfo.InvariantCulture), 9);
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }
        }

        private static IEnumerable<string> MountsBelow(string folder, string? device = null) => File.ReadAllLines("/proc/mounts")
            .Select(line => line.Split(' '))
            .Where(fields => device == null || fields[0] == device)
            .Select(fields => fields[1].Replace("\\040", " "))
            .Where(mount => mount.StartsWith(folder + "/", StringComparison.Ordinal))
            .ToList();

        private void NewHostKeys()
        {
            foreach (var (type, bits) in new[] { ("rsa", "3072"), ("ecdsa", "256") })
            {
                string key = Path.Combine(KeyFolder, $"ssh_host_{type}_key");
                File.Delete(key);
                File.Delete(key + ".pub");
                Native.Run("/usr/bin/ssh-keygen", new[] { "-q", "-t", type, "-b", bits, "-N", "", "-C", Name, "-f", key });
            }
        }

        private void WaitListening()
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(Address, Port);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }
            }
        }

        private string ReadLog()
        {
            try
            {
                return File.ReadAllText(Path.Combine(Folder, "sshd.log"));
            }
            catch (IOException)
            {
                return "";
            }
        }

        // Symlinks inside the chroot (e.g. /vmfs/volumes/<ds>) point at paths inside it.
        private string HostPath(string path)
        {
            string current = Root;
            foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Combine(current, part);
                var info = new FileInfo(current);
                if (info.LinkTarget is string target && target.StartsWith('/'))
                {
                    current = Path.Combine(Root, target.TrimStart('/'));
                }
            }

            return current;
        }

        private string ReadSim(string name) => File.ReadAllText(Path.Combine(Sim, name)).Trim();

        private void WriteSim(string name, string content)
        {
            string path = Path.Combine(Sim, name);
            File.WriteAllText(path, content);
            Native.Chown(path, SimMachine.Uid, SimMachine.Gid);
        }

        private void WriteState(string relative, string content, UnixFileMode mode)
        {
            string path = Path.Combine(Root, relative);
            File.WriteAllText(path, content, new UTF8Encoding(false));
            File.SetUnixFileMode(path, mode);
        }
    }
}
