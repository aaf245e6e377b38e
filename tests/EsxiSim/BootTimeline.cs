using System.Collections.Generic;

namespace VmBoot.EsxiSim
{
    /// <summary>One thing vim-cmd did during a simulated boot, at a virtual time.</summary>
    public sealed record BootEvent(int Seconds, string Action, string Vmid, string? Name, string Result);

    /// <summary>What a simulated power cycle did: events in virtual seconds after power-on.</summary>
    public sealed class BootTimeline
    {
        public string Host { get; init; } = "";
        public bool BootScriptsRan { get; init; }
        public int EndSeconds { get; init; }
        public IReadOnlyList<BootEvent> Events { get; init; } = new List<BootEvent>();
        public IReadOnlyList<string> Sleeps { get; init; } = new List<string>();
        public string Output { get; init; } = "";
    }
}
