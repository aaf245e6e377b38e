using System;
using VmBoot.BootLog;

namespace VmBoot
{
    /// <summary>One line of VmBoot's boot log: something the boot script did or saw.</summary>
    public sealed class BootLogEvent
    {
        /// <summary>When it happened (UTC, whole seconds as the host's clock had it).</summary>
        public DateTime Time { get; set; }

        /// <summary>The host's own name (<c>hostname</c> at boot).</summary>
        public string HostName { get; set; } = "";

        /// <summary>
        /// boot-start, wait-ssh (remote runs), wait-hostd, wait-datastore, stage-start, power-batch (parallel stages), power-on, not-started,
        /// gate-heartbeat, gate-tcp, gate-delay, stage-end, boot-end; an ordered shutdown's shutdown-start, shutdown (a guest's), power-off,
        /// deadline, maintenance-mode, host-off, shutdown-end.
        /// </summary>
        public string Action { get; set; } = "";

        /// <summary>Stage number (1-based), or null for boot-wide events.</summary>
        public int? Stage { get; set; }

        /// <summary>The stage's name, taken from its stage-start line.</summary>
        public string? StageName { get; set; }

        /// <summary>The VM's id at that boot, when the event is about one VM.</summary>
        public int? Vmid { get; set; }

        /// <summary>The VM's name, when the event is about one VM.</summary>
        public string? VmName { get; set; }

        /// <summary>The datastore waited for (wait-datastore).</summary>
        public string? Datastore { get; set; }

        /// <summary>Power-on attempt (0 = none needed), when there is one.</summary>
        public int? Attempt { get; set; }

        /// <summary>ok, already-on, retry, failed, ready, timeout, green, open, waiting, done...</summary>
        public string? Result { get; set; }

        /// <summary>The detail: a reason, a datastore, host:port, seconds.</summary>
        public string? Message { get; set; }

        /// <summary>Which boot of this host in the log (1 = the oldest read).</summary>
        public int Boot { get; set; }

        /// <summary>When this boot's script started (its boot-start line).</summary>
        public DateTime BootStarted { get; set; }

        /// <summary>Time since <see cref="BootStarted"/>.</summary>
        public TimeSpan Elapsed => Time - BootStarted;

        /// <summary>The result means something went wrong (failed, timeout, not started).</summary>
        public bool IsProblem => Result == "failed" || Result == "timeout" || Result == "firewall-blocked" || Result == "firewall-failed"
            || Action == BootEvents.NotStarted || Action == BootEvents.HostLost || Result == "stopped" || (Action == BootEvents.MaintenanceMode && Result == "stay")
            || Result == "forced" || (Action == BootEvents.HostOff && Result == "skipped");

        /// <summary>Where it was read: a file or host:path.</summary>
        public string Source { get; set; } = "";

        /// <summary>Its 1-based line in <see cref="Source"/>.</summary>
        public int LineNumber { get; set; }
    }
}
