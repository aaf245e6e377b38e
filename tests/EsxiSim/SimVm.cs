namespace VmBoot.EsxiSim
{
    /// <summary>A VM registered on a simulated host, with the knobs a test turns.</summary>
    public sealed class SimVm
    {
        public int Vmid { get; set; }
        public string Name { get; set; } = "";
        public string Datastore { get; set; } = "datastore1";

        /// <summary>Defaults to <c>Name/Name.vmx</c>.</summary>
        public string? VmxPath { get; set; }
        public string GuestId { get; set; } = "otherGuest64";
        public string HardwareVersion { get; set; } = "vmx-19";
        public string Notes { get; set; } = "";
        public bool PoweredOn { get; set; }

        /// <summary>Virtual seconds after power-on until tools answer (heartbeat green).</summary>
        public int HeartbeatDelay { get; set; } = 30;

        /// <summary>The next N power-on attempts fail with a file lock.</summary>
        public int LockFailures { get; set; }

        /// <summary>Power-on fails with a file lock until this many virtual seconds after boot.</summary>
        public int LockedUntil { get; set; }

        /// <summary>VMware Tools run in the guest: without them a guest shutdown is refused (ToolsUnavailable).</summary>
        public bool Tools { get; set; } = true;

        /// <summary>Virtual seconds a guest shutdown through Tools takes until the VM is off.</summary>
        public int ShutdownSeconds { get; set; } = 20;

        /// <summary>The guest accepts a shutdown request and never goes down (hung): only power.off stops it.</summary>
        public bool HangsOnShutdown { get; set; }

        internal string EffectiveVmxPath => VmxPath ?? (Datastore.Length == 0 ? $"/var/run/crx/infra/{Name}/{Name}.vmx" : $"{Name}/{Name}.vmx");

        public string File => $"[{Datastore}] {EffectiveVmxPath}";

        public VmRow ToRow() => new VmRow(Vmid, Name, File, GuestId, HardwareVersion, Notes);
    }
}
