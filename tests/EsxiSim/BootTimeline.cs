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

namespace VmBoot.EsxiSim
{
    /// <summary>When things are ready after a power-on, in virtual seconds, and what commands cost.</summary>
    public sealed class BootTimes
    {
        /// <summary>vim-cmd fails ("Connect to localhost failed") until then.</summary>
        public int HostdReadyAt { get; set; }

        /// <summary>Datastores appear under /vmfs/volumes then.</summary>
        public int DatastoresReadyAt { get; set; }

        /// <summary>Power-ons fail with a file lock until then.</summary>
        public int VmsStartableAt { get; set; }

        /// <summary>Virtual seconds each vim-cmd takes.</summary>
        public int VimCmdSeconds { get; set; } = 1;

        /// <summary>Virtual seconds a power-on takes on top.</summary>
        public int PowerOnSeconds { get; set; } = 2;
    }
}
