using System;
using System.Collections.Generic;
using System.Linq;

namespace VmBoot.BootLog
{
    /// <summary>Who writes an event.</summary>
    [Flags]
    public enum BootEventWriters
    {
        /// <summary>The boot script on the host (boot-functions.sh, and the generated script's own lines).</summary>
        OnHostScript = 1,

        /// <summary>Invoke-BootPlan's remote boot.</summary>
        RemoteBoot = 2,

        /// <summary>Stop-EsxiCluster's ordered shutdown.</summary>
        RemoteShutdown = 4,
    }

    /// <summary>One kind of boot log event: its name in the log, who writes it, the fields it fills, what it tells.</summary>
    public sealed class BootEventKind
    {
        internal BootEventKind(string name, BootEventWriters writers, string fields, string tells)
        {
            Name = name;
            Writers = writers;
            Fields = fields;
            Tells = tells;
        }

        /// <summary>The action column: boot-start, power-on...</summary>
        public string Name { get; }

        /// <summary>Who writes it.</summary>
        public BootEventWriters Writers { get; }

        /// <summary>The columns it fills besides time, host and action.</summary>
        public string Fields { get; }

        /// <summary>What a line of this kind tells, as Get-BootLog's reader should understand it.</summary>
        public string Tells { get; }
    }

    /// <summary>
    /// Every event VmBoot writes to a boot log, in one place: the boot script, the remote boot and the remote shutdown
    /// write them by these names, and the parser, the summaries and the report read them by these names. A test holds
    /// boot-functions.sh and the generated script to this list, both ways.
    /// </summary>
    public static class BootEvents
    {
        /// <summary>boot-start.</summary>
        public const string BootStart = "boot-start";
        /// <summary>start-refused.</summary>
        public const string StartRefused = "start-refused";
        /// <summary>wait-ssh.</summary>
        public const string WaitSsh = "wait-ssh";
        /// <summary>wait-hostd.</summary>
        public const string WaitHostd = "wait-hostd";
        /// <summary>vim-user.</summary>
        public const string VimUser = "vim-user";
        /// <summary>maintenance-mode.</summary>
        public const string MaintenanceMode = "maintenance-mode";
        /// <summary>wait-datastore.</summary>
        public const string WaitDatastore = "wait-datastore";
        /// <summary>stage-start.</summary>
        public const string StageStart = "stage-start";
        /// <summary>power-batch.</summary>
        public const string PowerBatch = "power-batch";
        /// <summary>power-on.</summary>
        public const string PowerOn = "power-on";
        /// <summary>not-started.</summary>
        public const string NotStarted = "not-started";
        /// <summary>stage-end.</summary>
        public const string StageEnd = "stage-end";
        /// <summary>gate-delay.</summary>
        public const string GateDelay = "gate-delay";
        /// <summary>gate-heartbeat.</summary>
        public const string GateHeartbeat = "gate-heartbeat";
        /// <summary>gate-tcp.</summary>
        public const string GateTcp = "gate-tcp";
        /// <summary>rescan.</summary>
        public const string Rescan = "rescan";
        /// <summary>host-lost.</summary>
        public const string HostLost = "host-lost";
        /// <summary>boot-end.</summary>
        public const string BootEnd = "boot-end";
        /// <summary>shutdown-start.</summary>
        public const string ShutdownStart = "shutdown-start";
        /// <summary>shutdown.</summary>
        public const string Shutdown = "shutdown";
        /// <summary>power-off.</summary>
        public const string PowerOff = "power-off";
        /// <summary>deadline.</summary>
        public const string Deadline = "deadline";
        /// <summary>host-off.</summary>
        public const string HostOff = "host-off";
        /// <summary>shutdown-end.</summary>
        public const string ShutdownEnd = "shutdown-end";
        /// <summary>vsan-ignore-updates.</summary>
        public const string VsanIgnoreUpdates = "vsan-ignore-updates";
        /// <summary>vsan-prepare.</summary>
        public const string VsanPrepare = "vsan-prepare";
        /// <summary>vsan-recover.</summary>
        public const string VsanRecover = "vsan-recover";
        /// <summary>vsan-health.</summary>
        public const string VsanHealth = "vsan-health";

        private const BootEventWriters Boot = BootEventWriters.OnHostScript | BootEventWriters.RemoteBoot;
        private const BootEventWriters Remote = BootEventWriters.RemoteBoot | BootEventWriters.RemoteShutdown;
        private const BootEventWriters Everyone = Boot | BootEventWriters.RemoteShutdown;

        /// <summary>The catalogue, in the order a boot and a shutdown write them.</summary>
        public static IReadOnlyList<BootEventKind> All { get; } = new[]
        {
            new BootEventKind(BootStart, Boot, "detail", "a boot began: the script's start at boot, or the remote run's"),
            new BootEventKind(StartRefused, BootEventWriters.OnHostScript, "result, detail", "the script was started again while a run was still going; this start did nothing"),
            new BootEventKind(WaitSsh, Remote, "result, detail", "the host answered SSH or its API (ready), never did (timeout) or refused the run (failed)"),
            new BootEventKind(WaitHostd, Boot, "result, detail", "hostd answered vim-cmd (ready, as which user) or not in time (timeout)"),
            new BootEventKind(VimUser, Everyone, "result, detail", "lockdown mode refused root: vpxuser is used, or every user is refused (failed)"),
            new BootEventKind(MaintenanceMode, Everyone, "result, detail", "the host's maintenance mode: left at boot (exited), kept (stay), entered before a power-off"),
            new BootEventKind(WaitDatastore, Boot, "stage, result, datastore, detail", "a datastore the plan needs, or one a stage's VMs invalid to hostd wait for (waiting): mounted (ready) or not in time (timeout)"),
            new BootEventKind(StageStart, Everyone, "stage, result (its name)", "a stage began on this host, or everywhere (the runner's line)"),
            new BootEventKind(PowerBatch, Boot, "stage, result, detail", "a batch of power-ons at once began (started) or ended (done)"),
            new BootEventKind(PowerOn, Boot, "stage, vmid, attempt, result, name, detail", "a VM's power-on: ok, already-on, retry (with why) or failed"),
            new BootEventKind(NotStarted, Boot, "stage, vmid, result, name, detail", "a planned VM was not started (its vmx moved, its host lost)"),
            new BootEventKind(StageEnd, Everyone, "stage, result (its name)", "a stage ended on this host, or everywhere"),
            new BootEventKind(GateDelay, Boot, "stage, result, detail (seconds)", "the stage's fixed delay before the next"),
            new BootEventKind(GateHeartbeat, Boot, "stage, vmid, result, name", "a VM's guest heartbeat went green, or not in time"),
            new BootEventKind(GateTcp, Boot, "stage, result, detail (host:port)", "a TCP port answered (open), not in time, or the firewall blocked the gate"),
            new BootEventKind(Rescan, Boot, "stage, result, detail", "storage was rescanned for datastores a VM of the stage serves"),
            new BootEventKind(HostLost, Remote, "result, detail", "the connection to a host that had answered was lost"),
            new BootEventKind(BootEnd, Boot, "result", "the boot's run ended (done, or stopped with where)"),
            new BootEventKind(ShutdownStart, BootEventWriters.RemoteShutdown, "detail", "an ordered shutdown began"),
            new BootEventKind(Shutdown, BootEventWriters.RemoteShutdown, "stage, vmid, result, name, detail", "a guest was asked to shut down (requested) and went off, or was already off"),
            new BootEventKind(PowerOff, BootEventWriters.RemoteShutdown, "stage, vmid, result, name, detail", "a VM was powered off hard: ok (no Tools, vCLS) or forced (its timeout, the deadline)"),
            new BootEventKind(Deadline, BootEventWriters.RemoteShutdown, "result, detail", "the UPS's deadline came: everything still on is powered off hard"),
            new BootEventKind(HostOff, BootEventWriters.RemoteShutdown, "result, detail", "a host's power-off: requested, off, kept, skipped (left on, with why), failed or timeout"),
            new BootEventKind(ShutdownEnd, BootEventWriters.RemoteShutdown, "result", "the shutdown's run ended"),
            new BootEventKind(VsanIgnoreUpdates, Remote, "result (1, 0 or failed), detail", "a vSAN node's IgnoreClusterMemberListUpdates set (before a power-off) or cleared (after the recovery)"),
            new BootEventKind(VsanPrepare, BootEventWriters.RemoteShutdown, "result, detail", "reboot_helper.py prepare on one data node: the vSAN cluster partitioned for its power-off"),
            new BootEventKind(VsanRecover, BootEventWriters.RemoteBoot, "result, detail", "reboot_helper.py recover on one data node: the vSAN cluster formed again (skipped through the API)"),
            new BootEventKind(VsanHealth, BootEventWriters.RemoteBoot, "result, detail", "a vSAN node healthy with every node after the recovery, or not in time"),
        };

        /// <summary>Every event name.</summary>
        public static IReadOnlyCollection<string> Names { get; } = new HashSet<string>(All.Select(k => k.Name), StringComparer.Ordinal);

        /// <summary>The kind named <paramref name="name"/>, or null for a name VmBoot does not write.</summary>
        public static BootEventKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);
    }
}
