using System.Collections.Generic;

namespace VmBoot.EsxiSim
{
    /// <summary>One thing vim-cmd did during a simulated boot, at a virtual time.</summary>
    public sealed record BootEvent(int Seconds, string Action, string Vmid, string? Name, string Result);

    /// <summary>What a simulated power cycle did: events in virtual seconds after power-on.</summary>
    public sealed class BootTimeline
    {
        public string Host { get; init; } = "";
        /// <summary>rc.local ran local.sh (not with Secure Boot on, or secureBoot.py saying anything but Disabled).</summary>
        public bool BootScriptsRan { get; init; }

        /// <summary>Virtual second /etc/rc.local started.</summary>
        public int RcLocalStartedSeconds { get; init; }

        /// <summary>Virtual second /etc/rc.local returned: inittab goes on, the DCUI and the ESXi Shell appear.</summary>
        public int ConsoleReadySeconds { get; init; }
        public int EndSeconds { get; init; }
        public IReadOnlyList<BootEvent> Events { get; init; } = new List<BootEvent>();
        public IReadOnlyList<string> Sleeps { get; init; } = new List<string>();
        public string Output { get; init; } = "";
    }
}
