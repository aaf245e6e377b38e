namespace VmBoot
{
    /// <summary>One VM registered on an ESXi host, as listed by <c>vim-cmd vmsvc/getallvms</c>.</summary>
    public sealed class EsxiVm
    {
        /// <summary>The host-local id. It changes when a VM is re-registered: never use it as identity.</summary>
        public int Vmid { get; set; }

        /// <summary>The VM name as printed (the vSphere API escapes / \ % as %2f %5c %25).</summary>
        public string Name { get; set; } = "";

        /// <summary>The datastore name; empty for embedded vCLS VMs.</summary>
        public string Datastore { get; set; } = "";

        /// <summary>The path after the datastore, as printed (absolute for embedded vCLS VMs).</summary>
        public string VmxPath { get; set; } = "";

        /// <summary>The File column as printed: <c>[datastore] path.vmx</c>.</summary>
        public string File { get; set; } = "";

        /// <summary>The guest OS identifier, e.g. <c>centos9_64Guest</c>.</summary>
        public string GuestId { get; set; } = "";

        /// <summary>The virtual hardware version, e.g. <c>vmx-13</c>.</summary>
        public string HardwareVersion { get; set; } = "";

        /// <summary>The VM's notes; lines joined with \n.</summary>
        public string Notes { get; set; } = "";

        /// <summary>True for vSphere Cluster Services VMs, which a boot script must never start.</summary>
        public bool IsVcls { get; set; }

        /// <summary>The host the row came from; empty for offline text.</summary>
        public string Server { get; set; } = "";

        /// <summary>The vSphere API's managed object id: on a host, the Vmid as text (govmomi's simulator and vCenter use <c>vm-N</c>).</summary>
        public string ObjectId { get; set; } = "";

        /// <summary>poweredOn, poweredOff or suspended, as the vSphere API reports it; empty where the source does not say (getallvms).</summary>
        public string PowerState { get; set; } = "";

        // getallvms' own column names, for people who think in vim-cmd terms. Properties rather than a
        // types file: PowerShell's first XML types file costs every Import-Module about 12 ms.

        /// <summary>The <c>Guest OS</c> column: the same as <see cref="GuestId"/>.</summary>
        public string GuestOS => GuestId;

        /// <summary>The <c>Version</c> column: the same as <see cref="HardwareVersion"/>.</summary>
        public string Version => HardwareVersion;

        /// <summary>The <c>Annotation</c> column: the same as <see cref="Notes"/>.</summary>
        public string Annotation => Notes;

        /// <inheritdoc />
        public override string ToString() => Name;
    }
}
