using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Install;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.Remote;
using VmBoot.Ssh;
using VmBoot.VSphere;
using VmBoot.Vsan;

namespace VmBoot.Probe
{
    /// <summary>
    /// Checks, strictly read-only, every assumption VmBoot's executors make about a host (esxi-facts.md), so a difference
    /// shows before a power cut rather than during one. Runs only commands that read: nothing on the host changes.
    /// </summary>
    public static class HostProbe
    {
        // A Vmid no host has: the fault vim-cmd prints for it shows where faults go.
        private const int AbsentVmid = 2147483646;

        /// <summary>
        /// Every check on one host; with <paramref name="plan"/>, also the datastores and TCP gates it needs. Each command
        /// the checks send and its answer go to <paramref name="record"/> when given (a capture for a bug report).
        /// </summary>
        public static HostProbeResult Run(EsxiConnection connection, BootPlan? plan, CancellationToken cancellationToken, Action<string, EsxiCommandResult>? record = null)
        {
            EsxiCommandResult Ask(string command)
            {
                var answer = connection.Run(command, cancellationToken);
                record?.Invoke(command, answer);
                return answer;
            }

            var checks = new List<HostCheck>();
            // What the installer itself reads (version, Secure Boot, execInstalledOnly, maintenance mode, local.sh), read
            // the same way here, so the probe checks what the installer will see.
            var host = BootScriptInstaller.ReadHost(connection.Name, Ask);
            string version = host.EsxiVersion;
            string profile = ProfileOf(version);
            checks.Add(VersionCheck(version, profile));

            checks.Add(Commands(Ask));

            // vim-cmd as the executors will run it: as root, or as vpxuser where lockdown mode refuses root.
            var (hostdUser, vim, getAllVms) = HostdUser(Ask);
            string vimCmd = vim ?? "vim-cmd ";
            var (vms, diagnostics) = GetAllVmsParser.Parse(getAllVms.Output, connection.Name);
            checks.Add(vim == null
                ? new HostCheck("getallvms", "a getallvms table VmBoot parses", "not checked: hostd refuses root and vpxuser", CheckResult.Warn, "see the hostd-user check.")
                : GetAllVms(getAllVms, vms, diagnostics));
            checks.Add(GetAllVmsLayoutCheck(getAllVms, vms, diagnostics));
            checks.AddRange(Guest(Ask, vimCmd, vms));
            checks.Add(FaultStream(Ask($"{vimCmd}vmsvc/power.getstate {AbsentVmid}")));

            string secureBoot = host.SecureBootStatus;
            checks.Add(new HostCheck("secure-boot", "secureBoot.py -s prints Disabled", secureBoot.Length > 0 ? secureBoot : "no answer",
                host.SecureBoot ? CheckResult.Fail : CheckResult.Pass,
                host.SecureBoot ? $"the boot script will not run here: ESXi runs local.sh only when this prints Disabled ({(secureBoot.Length > 0 ? secureBoot : "no answer")}). Boot this host from outside with Invoke-BootPlan." : "ESXi runs local.sh at boot."));

            checks.Add(new HostCheck("exec-installed-only", "either: rc.local runs local.sh through /bin/sh, an installed binary", host.ExecInstalledOnly ? "on" : "off", CheckResult.Pass,
                "does not stop local.sh."));

            checks.Add(Encryption(Ask("esxcli system settings encryption get"), profile));
            checks.AddRange(LocalSh(Ask, host));

            checks.Add(AutoBackup(Ask));

            checks.Add(MaintenanceModeCheck(host.MaintenanceMode));

            checks.Add(hostdUser);
            checks.Add(Vsan(Ask(VsanProcedure.ClusterGet)));

            if (plan != null)
            {
                foreach (string datastore in BootScriptGenerator.RequiredDatastores(plan))
                {
                    bool mounted = Ask("[ -d " + ShellQuote.Quote("/vmfs/volumes/" + datastore) + " ]").ExitStatus == 0;
                    checks.Add(new HostCheck("datastore", $"'{datastore}' mounted (the plan waits for it)", mounted ? "mounted" : "not mounted",
                        mounted ? CheckResult.Pass : CheckResult.Warn,
                        mounted ? "the plan's datastore is here." : "the boot script waits for it up to readiness.timeout, then goes on; its log stays in /var/log/vmboot.log."));
                }

                foreach (var gate in BootScriptInstaller.TcpGates(connection.Name, Ask, plan))
                {
                    checks.Add(new HostCheck("tcp-gate", $"a firewall ruleset lets outbound TCP {gate.Port} through (stage '{gate.Stage}''s gate to {gate.Host})",
                        gate.Problem == null ? "covered" : "not covered", gate.Problem == null ? CheckResult.Pass : CheckResult.Warn,
                        gate.Problem ?? "the boot script's gate can reach its port."));
                }
            }

            return new HostProbeResult(connection.Name, version, profile, checks);
        }

        /// <summary>
        /// The checks that concern installing the boot script and are not the installer's own reads: the commands the
        /// script runs, auto-backup.sh, a hostd user the script can start VMs as, and vSAN (whose recovery the script cannot do).
        /// </summary>
        public static List<HostCheck> ForInstall(EsxiConnection connection, CancellationToken cancellationToken)
        {
            EsxiCommandResult Ask(string command) => connection.Run(command, cancellationToken);
            return new List<HostCheck> { Commands(Ask), AutoBackup(Ask), HostdUser(Ask).Check, Vsan(Ask(VsanProcedure.ClusterGet)) };
        }

        // What booting a host from outside relies on (Invoke-BootPlan): its VMs read, started as VmBoot's user, guests and
        // faults read, maintenance mode, vSAN, the plan's datastores.
        private static readonly HashSet<string> RemoteBootChecks = new HashSet<string>(StringComparer.Ordinal)
        {
            "version", "getallvms", "inventory", "guest", "fault-stream", "maintenance-mode", "hostd-user", "lockdown", "datastore",
        };

        /// <summary>
        /// The checks that concern booting <paramref name="target"/> from outside with <paramref name="plan"/>, over the
        /// target's own transport (Invoke-BootPlan -WhatIf). Read-only; maintenance mode passes when the plan leaves it.
        /// </summary>
        public static async Task<List<HostCheck>> ForRemoteBootAsync(RemoteTarget target, BootPlan plan, CancellationToken cancellationToken)
        {
            HostProbeResult result;
            if (target.ApiSession != null)
            {
                result = await HostApiProbe.RunAsync(target.ApiSession, plan, cancellationToken).ConfigureAwait(false);
            }
            else if (target.ApiOptions != null)
            {
                using (var client = await VimClient.OpenAsync(target.ApiOptions, cancellationToken).ConfigureAwait(false))
                {
                    result = await HostApiProbe.RunAsync(client, plan, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (target.Connection != null)
            {
                result = Run(target.Connection, plan, cancellationToken);
            }
            else
            {
                using (var connection = EsxiConnection.Open(target.Options!, cancellationToken))
                {
                    result = Run(connection, plan, cancellationToken);
                }
            }

            bool leaves = plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Exit;
            // Before a boot no guest runs: only a guest misread is worth saying.
            return result.Checks.Where(c => RemoteBootChecks.Contains(c.Name) && !(c.Name == "guest" && c.Result == CheckResult.Warn))
                .Select(c => c.Name == "maintenance-mode" && c.Observed == "on" && leaves
                    ? new HostCheck(c.Name, c.Expected, c.Observed, CheckResult.Pass, "the plan leaves it first (readiness.maintenanceMode: exit).")
                    : c)
                .ToList();
        }

        /// <summary>The host's product line and the ESXi release VmBoot treats it as.</summary>
        internal static HostCheck VersionCheck(string version, string profile)
        {
            const string Expected = "VMware ESXi 6.7, 7.0 or 8.0";
            if (!version.StartsWith("VMware ESXi", StringComparison.Ordinal))
            {
                return new HostCheck("version", Expected, version.Length > 0 ? version : "no answer", CheckResult.Fail, "this does not answer like an ESXi host.");
            }

            bool assumed = profile.StartsWith("8.0 (", StringComparison.Ordinal);
            return new HostCheck("version", Expected, version, assumed ? CheckResult.Warn : CheckResult.Pass,
                assumed ? $"treated as ESXi 8.0 ({profile}); VmBoot is tested on 6.7, 7.0 U3 and 8.0 U3." : $"treated as ESXi {profile}.");
        }

        /// <summary>Maintenance mode now: every power-on is refused in it.</summary>
        internal static HostCheck MaintenanceModeCheck(bool on) => new HostCheck("maintenance-mode", "off, or a plan that leaves it (readiness.maintenanceMode: exit)", on ? "on" : "off",
            on ? CheckResult.Warn : CheckResult.Pass,
            on ? "every power-on is refused while the host is in maintenance mode: a plan with readiness.maintenanceMode: stay starts nothing here." : "power-ons are allowed.");

        /// <summary>The release VmBoot treats a host as, from <c>vmware -v</c>: 6.7, 7.0 or 8.0; later ones as 8.0, said so.</summary>
        public static string ProfileOf(string version)
        {
            var words = version.Split(' ');
            string number = words.Length >= 3 ? words[2] : "";
            if (number.StartsWith("6.7", StringComparison.Ordinal) || number.StartsWith("7.0", StringComparison.Ordinal) || number.StartsWith("8.0", StringComparison.Ordinal))
            {
                return number.Substring(0, 3);
            }

            return number.Length > 0 ? $"8.0 (assumed for {number})" : "8.0 (assumed: version unknown)";
        }

        private static HostCheck Commands(Func<string, EsxiCommandResult> ask)
        {
            var missing = ask("for c in " + string.Join(" ", EsxiCommands.Used.Select(ShellQuote.Quote)) + "; do command -v \"$c\" >/dev/null 2>&1 || echo \"$c\"; done").Output
                .Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToList();
            return new HostCheck("commands", $"{EsxiCommands.Used.Count} programs VmBoot runs on a host", missing.Count == 0 ? "all there" : "missing: " + string.Join(", ", missing),
                missing.Count == 0 ? CheckResult.Pass : CheckResult.Fail,
                missing.Count == 0 ? "every command VmBoot sends exists here." : "VmBoot's commands using these would fail here; please report it with Test-EsxiHost's output.");
        }

        private static HostCheck AutoBackup(Func<string, EsxiCommandResult> ask)
        {
            bool there = ask("[ -x /sbin/auto-backup.sh ]").ExitStatus == 0;
            return new HostCheck("auto-backup", "/sbin/auto-backup.sh is there", there ? "there" : "missing", there ? CheckResult.Pass : CheckResult.Fail,
                there ? "Install-BootScript can save local.sh so it survives a reboot." : "local.sh cannot be saved: it would be lost at the next reboot.");
        }

        private static HostCheck GetAllVms(EsxiCommandResult answer, List<EsxiVm> vms, List<ParseDiagnostic> diagnostics)
        {
            const string Expected = "a getallvms table VmBoot parses (Vmid, Name, File, Guest OS, Version, Annotation)";
            if (answer.ExitStatus != 0)
            {
                return new HostCheck("getallvms", Expected, $"exit status {answer.ExitStatus}: {FirstLine(answer.Error)}", CheckResult.Fail, "VmBoot cannot read this host's VMs.");
            }

            var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            int skipping = answer.Error.Split('\n').Concat(answer.Output.Split('\n')).Count(l => l.StartsWith("Skipping invalid VM", StringComparison.Ordinal));
            string observed = $"{vms.Count} VM(s){(skipping > 0 ? $", {skipping} 'Skipping invalid VM' line(s)" : "")}{(errors.Count > 0 ? $"; line {errors[0].LineNumber}: {errors[0].Message}" : "")}";
            return errors.Count > 0
                ? new HostCheck("getallvms", Expected, observed, CheckResult.Fail, $"{errors.Count} line(s) could not be read: those VMs would be missing from plans. Please report it.")
                : new HostCheck("getallvms", Expected, observed, skipping > 0 ? CheckResult.Warn : CheckResult.Pass,
                    skipping > 0 ? "hostd skips VMs it cannot load: they are not in the inventory and cannot be started." : "every VM is read.");
        }

        // esxi-facts.md: getallvms's layout (three-space gaps, widths from the widest cell, centred labels, rows by Vmid as
        // text). The parser tolerates more than this; a difference here is evidence the facts are incomplete.
        private static HostCheck GetAllVmsLayoutCheck(EsxiCommandResult answer, List<EsxiVm> vms, List<ParseDiagnostic> diagnostics)
        {
            const string Expected = "getallvms written back from its VMs gives the same text";
            if (answer.ExitStatus != 0 || diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return new HostCheck("getallvms-layout", Expected, "not checked: the table could not be read", CheckResult.Warn, "see the getallvms check.");
            }

            var (same, how) = GetAllVmsWriter.RoundTrip(answer.Output, vms);
            return new HostCheck("getallvms-layout", Expected, same ? "same text, " + how : how, same ? CheckResult.Pass : CheckResult.Warn,
                same ? "the table is laid out as esxi-facts.md says." : "VmBoot reads this table, but it is laid out differently from what VmBoot knows: please report it with Test-EsxiHost -CapturePath.");
        }

        // esxi-facts.md: from 7.0 U2 the saved configuration is sealed (local.tgz.ve), so the installer proves a save from
        // ESXi's change marks instead of reading local.sh back; before, the saved copy is compared.
        private static HostCheck Encryption(EsxiCommandResult answer, string profile)
        {
            const string Expected = "7.0 U2 and later: esxcli system settings encryption get shows Mode TPM or NONE; earlier: no such command";
            string mode = answer.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Mode:", StringComparison.Ordinal)).Select(l => l.Substring(5).Trim()).FirstOrDefault() ?? "";
            if (answer.ExitStatus == 0 && (mode == "TPM" || mode == "NONE"))
            {
                bool requireSecureBoot = answer.Output.Contains("Require Secure Boot: true");
                return new HostCheck("encryption", Expected, $"Mode {mode}{(requireSecureBoot ? ", Secure Boot required" : "")}", CheckResult.Pass,
                    "the saved configuration is sealed: VmBoot proves local.sh is saved from ESXi's change marks and the save time, as it cannot read it back.");
            }

            bool absent = (answer.Output + answer.Error).Contains("Unknown command or namespace");
            if (absent && !profile.StartsWith("8.0", StringComparison.Ordinal))
            {
                return new HostCheck("encryption", Expected, "no such command (before 7.0 U2)", CheckResult.Pass,
                    "the saved configuration is readable: VmBoot compares the saved local.sh with the running one.");
            }

            return new HostCheck("encryption", Expected, absent ? "no such command on 8.0" : $"exit status {answer.ExitStatus}: '{FirstLine(answer.Output + answer.Error)}'", CheckResult.Warn,
                "VmBoot cannot tell how this host seals its saved configuration; the persistence evidence still decides. Please report it.");
        }

        // esxi-facts.md: a vSAN cluster needs VMware's own shutdown and restart steps around a whole-cluster power cut.
        private static HostCheck Vsan(EsxiCommandResult answer)
        {
            const string Expected = "esxcli vsan cluster get: 'vSAN Clustering is not enabled on this host', or the node's Enabled, type and health";
            string text = answer.Output + answer.Error;
            if (text.Contains("vSAN Clustering is not enabled"))
            {
                return VsanNotMember(Expected);
            }

            if (VsanNode.Parse(text) is VsanNode node)
            {
                return VsanMember(Expected, node.ToString());
            }

            return new HostCheck("vsan", Expected, $"exit status {answer.ExitStatus}: '{FirstLine(text)}'", CheckResult.Warn, "VmBoot cannot tell whether this host is in a vSAN cluster. Please report it.");
        }

        /// <summary>Not a vSAN node: nothing beyond its VMs to power off or on.</summary>
        internal static HostCheck VsanNotMember(string expected) => new HostCheck("vsan", expected, "not a vSAN member", CheckResult.Pass, "VmBoot's shutdown and boot cover this host's VMs.");

        /// <summary>No VM runs to read a guest from: checked another time.</summary>
        internal static HostCheck NoGuestRunning(string expected)
            => new HostCheck("guest", expected, "not checked: no VM runs now", CheckResult.Warn, "run Test-EsxiHost again while VMs run to check how this host reports guests.");

        /// <summary>
        /// How the host reports a running guest, over either transport: the heartbeat is one of green, gray, yellow, red
        /// (esxi-facts.md), and the Tools state is given.
        /// </summary>
        internal static HostCheck GuestCheck(string expected, string vm, string heartbeat, string toolsObserved, bool toolsGiven)
        {
            bool word = heartbeat == "green" || heartbeat == "gray" || heartbeat == "yellow" || heartbeat == "red";
            return new HostCheck("guest", expected, $"VM {vm}: heartbeat '{heartbeat}', toolsRunningStatus {toolsObserved}", word && toolsGiven ? CheckResult.Pass : CheckResult.Fail,
                word && toolsGiven ? "heartbeat gates and guest shutdowns read guests as they are." : "heartbeat gates and guest shutdowns would misread guests here. Please report it.");
        }

        /// <summary>A vSAN member: its cluster's recovery is a step for one node, which the host's own script cannot take.</summary>
        internal static HostCheck VsanMember(string expected, string observed) => new HostCheck("vsan", expected, observed, CheckResult.Warn,
            "after a whole-cluster shutdown vsanDatastore comes back only once the cluster is recovered, a step for one node of the cluster: "
            + "Stop-EsxiCluster and Invoke-BootPlan run VMware's vSAN steps over SSH; the host's own boot script cannot, and only waits for vsanDatastore (about_VmBoot, VSAN CLUSTERS).");

        // How the host reports a running guest (esxi-facts.md: get.guestheartbeatStatus prints one word; get.guest
        // has toolsRunningStatus), on the first running VM of the first few.
        private static IEnumerable<HostCheck> Guest(Func<string, EsxiCommandResult> ask, string vimCmd, List<EsxiVm> vms)
        {
            const string Expected = "on a running VM: get.guestheartbeatStatus prints green, gray, yellow or red; get.guest has toolsRunningStatus";
            var candidates = vms.Where(v => !v.IsVcls).Take(20).ToList();
            var states = ask("for id in " + string.Join(" ", candidates.Select(v => v.Vmid.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                + "; do printf '%s\\t%s\\n' \"$id\" \"$(" + vimCmd + "vmsvc/power.getstate \"$id\" </dev/null 2>/dev/null | tail -n 1)\"; done").Output;
            string? running = states.Split('\n').Select(l => l.Split('\t')).Where(f => f.Length == 2 && f[1].Trim() == "Powered on").Select(f => f[0].Trim()).FirstOrDefault();
            if (running == null || candidates.Count == 0)
            {
                yield return NoGuestRunning(Expected);
                yield break;
            }

            string heartbeat = ask($"{vimCmd}vmsvc/get.guestheartbeatStatus {running}").Output.Trim();
            bool tools = ask($"{vimCmd}vmsvc/get.guest {running}").Output.Contains("toolsRunningStatus = ");
            yield return GuestCheck(Expected, running, heartbeat, tools ? "there" : "missing", tools);
        }

        // esxi-facts.md: faults go to stderr, and VmBoot reads refusals there.
        private static HostCheck FaultStream(EsxiCommandResult answer)
        {
            const string Expected = "vim.fault.NotFound on stderr for a Vmid that does not exist";
            bool onError = answer.Error.Contains("vim.fault.NotFound");
            bool onOutput = answer.Output.Contains("vim.fault.NotFound");
            string observed = onError ? "on stderr" : onOutput ? "on stdout" : $"neither (stdout '{FirstLine(answer.Output)}', stderr '{FirstLine(answer.Error)}')";
            return new HostCheck("fault-stream", Expected, $"{observed}, exit status {answer.ExitStatus}", onError ? CheckResult.Pass : CheckResult.Warn,
                onError ? "refusals (lockdown mode, power-on faults) are read where they are." : "this host reports faults elsewhere than VmBoot reads them: a refusal could go unnoticed. Please report it.");
        }

        private static IEnumerable<HostCheck> LocalSh(Func<string, EsxiCommandResult> ask, InstallPlan host)
        {
            // The installer reads the mode only of a local.sh that exists.
            if (host.LocalShMode.Length == 0)
            {
                yield return new HostCheck("local-sh", $"{BootScriptInstaller.LocalSh} with mode 1755 (sticky)", "missing", CheckResult.Warn,
                    "Install-BootScript creates it; ESXi ships one, so something removed it.");
                yield break;
            }

            string mode = host.LocalShMode;
            bool sticky = mode.Length == 4 && mode[0] == '1';
            yield return new HostCheck("local-sh", $"{BootScriptInstaller.LocalSh} with mode 1755 (sticky)", $"mode {mode}", sticky ? CheckResult.Pass : CheckResult.Warn,
                sticky ? "ESXi marks it when it is changed in place, so auto-backup.sh saves it." : "without the sticky bit ESXi may not mark it as changed, and auto-backup.sh may not save it: Install-BootScript -Force writes it in place with 1755.");

            var (block, damaged) = Block(host.Current);
            if (damaged != null)
            {
                yield return new HostCheck("boot-script", "VmBoot's block in local.sh, saved in /bootbank", damaged, CheckResult.Fail, "Install-BootScript refuses to touch it until the markers are mended by hand.");
                yield break;
            }

            if (block == null)
            {
                yield return new HostCheck("boot-script", "VmBoot's block in local.sh, saved in /bootbank", "not installed", CheckResult.Warn, "nothing starts VMs at boot from this host's own script (Install-BootScript).");
                yield break;
            }

            var (persisted, evidence) = PersistenceCheck.Check(ask, host.Current, null);
            yield return new HostCheck("boot-script", "VmBoot's block in local.sh, saved in /bootbank", persisted ? "installed and saved" : $"installed, not saved ({evidence})",
                persisted ? CheckResult.Pass : CheckResult.Fail, persisted ? evidence : "the next boot restores the old local.sh: run Install-BootScript -Force.");
        }

        private static (string? Block, string? Damaged) Block(string localSh)
        {
            try
            {
                return (ManagedBlock.Extract(localSh), null);
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
        }

        // The boot script and the remote runners use root, or vpxuser when lockdown mode refuses root. Returns getallvms's
        // answer as the user that works (the root one when none does), so the table is asked for once.
        private static (HostCheck Check, string? Vim, EsxiCommandResult GetAllVms) HostdUser(Func<string, EsxiCommandResult> ask)
        {
            const string Expected = "hostd answers vim-cmd as root, or as vpxuser under lockdown mode";
            var asRoot = ask(LiveInventory.Command);
            if (asRoot.ExitStatus == 0)
            {
                return (new HostCheck("hostd-user", Expected, "root", CheckResult.Pass, "the boot script starts VMs as root."), "vim-cmd ", asRoot);
            }

            bool refused = Remote.SshHostControl.RefusesUser(asRoot.Error);
            string asVpxUser = "vim-cmd " + Remote.SshHostControl.VpxUserOptions;
            if (refused && ask(asVpxUser + "vmsvc/getallvms") is var asVpx && asVpx.ExitStatus == 0)
            {
                return (new HostCheck("hostd-user", Expected, "vpxuser (root refused: lockdown mode)", CheckResult.Warn, "the boot script uses vpxuser, as ESXi autostart does; it exists only while vCenter manages the host."), asVpxUser, asVpx);
            }

            return (new HostCheck("hostd-user", Expected, refused ? "root and vpxuser refused" : FirstLine(asRoot.Error), CheckResult.Fail,
                "nothing can be started from this host's own script: add root to the lockdown Exception Users, or boot it from outside."), null, asRoot);
        }

        internal static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();
    }
}
