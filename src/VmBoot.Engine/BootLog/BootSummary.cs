using System;
using System.Collections.Generic;
using System.Linq;
using VmBoot.BootLog;

namespace VmBoot
{
    /// <summary>One boot of one host, as its boot log tells it (or one ordered shutdown: <see cref="IsShutdown"/>).</summary>
    public sealed class BootSummary
    {
        /// <summary>This is an ordered shutdown (Stop-EsxiCluster), not a boot: its first line is shutdown-start.</summary>
        public bool IsShutdown { get; set; }

        /// <summary>A shutdown's VMs that went off: their guests shut down, or powered off hard.</summary>
        public int PoweredOff { get; set; }

        /// <summary>Of those, VMs powered off hard because their guest did not shut down in time (or the deadline came).</summary>
        public int ForcedOff { get; set; }

        /// <summary>When a shutdown's last VM went off, or null when none did.</summary>
        public DateTime? LastPoweredOff { get; set; }

        /// <summary>When the host stopped answering after a shutdown powered it off, or null.</summary>
        public DateTime? HostOff { get; set; }

        /// <summary>The host's own name.</summary>
        public string HostName { get; set; } = "";

        /// <summary>Which boot of this host in the log (1 = the oldest read).</summary>
        public int Boot { get; set; }

        /// <summary>When the boot script started.</summary>
        public DateTime BootStarted { get; set; }

        /// <summary>When it logged boot-end (shutdown-end), or null when it did not (still running, or the host went down).</summary>
        public DateTime? BootEnded { get; set; }

        /// <summary>The script logged boot-end.</summary>
        public bool Completed => BootEnded != null;

        /// <summary>Time from the script's start until hostd answered, when it did.</summary>
        public TimeSpan? HostdReadyAfter { get; set; }

        /// <summary>The stages in the order they ran.</summary>
        public List<BootStageSummary> Stages { get; } = new List<BootStageSummary>();

        /// <summary>VMs this boot powered on.</summary>
        public int PoweredOn { get; set; }

        /// <summary>VMs that were on already.</summary>
        public int AlreadyOn { get; set; }

        /// <summary>When the last VM was powered on, or null when none was.</summary>
        public DateTime? LastPoweredOn { get; set; }

        /// <summary>From the script's start to the last VM powered on.</summary>
        public TimeSpan? TimeToLastVm => LastPoweredOn - BootStarted;

        /// <summary>Failed power-ons, timeouts and VMs not started.</summary>
        public List<BootLogEvent> Problems { get; } = new List<BootLogEvent>();

        /// <summary>Every event of this boot, in order.</summary>
        public List<BootLogEvent> Events { get; } = new List<BootLogEvent>();

        /// <summary>Where the log was read.</summary>
        public string Source { get; set; } = "";

        /// <summary>Events in time order grouped into boots per host: a boot begins at each boot-start line.</summary>
        public static List<BootSummary> FromEvents(IEnumerable<BootLogEvent> events)
        {
            var boots = new List<BootSummary>();
            foreach (var host in events.GroupBy(e => e.HostName, StringComparer.Ordinal))
            {
                BootSummary? current = null;
                foreach (var e in host)
                {
                    if (current == null || e.Boot != current.Boot || e.Source != current.Source)
                    {
                        current = new BootSummary { HostName = e.HostName, Boot = e.Boot, BootStarted = e.BootStarted, Source = e.Source };
                        boots.Add(current);
                    }

                    current.Add(e);
                }
            }

            return boots.OrderBy(b => b.BootStarted).ThenBy(b => b.HostName, StringComparer.Ordinal).ToList();
        }

        private void Add(BootLogEvent e)
        {
            Events.Add(e);
            if (e.IsProblem)
            {
                Problems.Add(e);
            }

            var stage = e.Stage is int number ? Stages.FirstOrDefault(s => s.Number == number) : null;
            switch (e.Action)
            {
                case BootEvents.WaitHostd when e.Result == "ready":
                    HostdReadyAfter = e.Elapsed;
                    break;
                case BootEvents.StageStart:
                    stage = new BootStageSummary { Number = e.Stage ?? Stages.Count + 1, Name = e.StageName ?? "", Started = e.Time };
                    Stages.Add(stage);
                    break;
                case BootEvents.StageEnd when stage != null:
                    stage.Ended = e.Time;
                    break;
                case BootEvents.PowerOn when e.Result == "ok":
                    PoweredOn++;
                    LastPoweredOn = e.Time;
                    if (stage != null)
                    {
                        stage.PoweredOn++;
                    }

                    break;
                case BootEvents.PowerOn when e.Result == "already-on":
                    AlreadyOn++;
                    break;
                case BootEvents.BootEnd:
                case BootEvents.ShutdownEnd:
                    BootEnded = e.Time;
                    break;
                case BootEvents.ShutdownStart:
                    IsShutdown = true;
                    break;
                case BootEvents.Shutdown when e.Result == "off":
                case BootEvents.PowerOff when e.Result == "ok" || e.Result == "forced":
                    PoweredOff++;
                    ForcedOff += e.Result == "forced" ? 1 : 0;
                    LastPoweredOff = e.Time;
                    if (stage != null)
                    {
                        stage.PoweredOff++;
                    }

                    break;
                case BootEvents.HostOff when e.Result == "off":
                    HostOff = e.Time;
                    break;
            }

            if (stage != null && e.IsProblem)
            {
                stage.Problems++;
            }
        }
    }

    /// <summary>One stage of one boot.</summary>
    public sealed class BootStageSummary
    {
        /// <summary>1-based stage number.</summary>
        public int Number { get; set; }

        /// <summary>The stage's name in the plan.</summary>
        public string Name { get; set; } = "";

        /// <summary>When the stage began.</summary>
        public DateTime Started { get; set; }

        /// <summary>When its last VM was handled (gates after it not included), or null.</summary>
        public DateTime? Ended { get; set; }

        /// <summary>How long the stage took.</summary>
        public TimeSpan? Duration => Ended - Started;

        /// <summary>VMs powered on in this stage.</summary>
        public int PoweredOn { get; set; }

        /// <summary>In a shutdown: VMs of this stage that went off (guest shutdown or hard power-off).</summary>
        public int PoweredOff { get; set; }

        /// <summary>Failures, timeouts and VMs not started in this stage.</summary>
        public int Problems { get; set; }
    }
}
