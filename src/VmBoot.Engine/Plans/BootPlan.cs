using System.Collections.Generic;
using System.Linq;

namespace VmBoot
{
    /// <summary>
    /// What to start at boot and in which order: stages of VMs, each started after the previous stage's
    /// gate opens. One plan serves every host of a cluster.
    /// </summary>
    public sealed class BootPlan
    {
        /// <summary>The schema version (1).</summary>
        public int Version { get; set; } = 1;

        /// <summary>Where the boot log goes.</summary>
        public BootLogSettings Log { get; set; } = new BootLogSettings();

        /// <summary>What must be ready before the first stage.</summary>
        public BootReadiness Readiness { get; set; } = new BootReadiness();

        /// <summary>How power-on failures are retried.</summary>
        public PowerOnPolicy PowerOn { get; set; } = new PowerOnPolicy();

        /// <summary>VMs never started by this plan (and not reported as unplanned).</summary>
        public VmSelector Exclude { get; set; } = new VmSelector();

        /// <summary>
        /// On vSAN nodes, run VMware's cluster shutdown and restart steps (Stop-EsxiCluster prepares the cluster before
        /// the hosts go down, Invoke-BootPlan recovers it before the first stage). False skips them.
        /// </summary>
        public bool Vsan { get; set; } = true;

        /// <summary>The stages, in order. A VM belongs to the first stage that selects it.</summary>
        public List<BootStage> Stages { get; set; } = new List<BootStage>();

        /// <summary>Where the file was read from, for messages; not saved.</summary>
        public string? Source { get; set; }

        /// <summary>Read from YAML: its complaints name keys as YAML does, not as New-BootPlan does.</summary>
        internal bool ReadFromYaml { get; set; }
    }

    /// <summary>The boot log: a file on shared storage, one per host.</summary>
    public sealed class BootLogSettings
    {
        /// <summary>Where on <see cref="Datastore"/> each host logs.</summary>
        public const string FileOnDatastore = "vmboot/{hostname}.log";

        /// <summary>The datastore holding /vmfs/volumes/&lt;datastore&gt;/vmboot/&lt;hostname&gt;.log.</summary>
        public string? Datastore { get; set; }

        /// <summary>A full path instead; <c>{hostname}</c> is replaced by the host's name at boot.</summary>
        public string? Path { get; set; }

        /// <summary>What the plan says, in its words (<c>datastore: shared ds</c>, <c>path: ...</c>); empty when it says nothing.</summary>
        public override string ToString() => Path != null ? $"path: {Path}" : Datastore != null ? $"datastore: {Datastore}" : "";
    }

    /// <summary>Readiness gates before the first stage, instead of a blind delay.</summary>
    public sealed class BootReadiness
    {
        /// <summary>Seconds to wait before checking anything.</summary>
        public int MinimumDelay { get; set; }

        /// <summary>Seconds allowed for hostd and the datastores, after which the stages start anyway.</summary>
        public int Timeout { get; set; } = 600;

        /// <summary>Datastores that must be mounted (the log's and the VMs' own are waited for too).</summary>
        public List<string> Datastores { get; set; } = new List<string>();

        /// <summary>What to do when the host boots in maintenance mode (UPS software puts hosts there before shutting them down).</summary>
        public MaintenanceModePolicy MaintenanceMode { get; set; } = MaintenanceModePolicy.Stay;

        /// <inheritdoc />
        public override string ToString() => $"{MinimumDelay} s min, {Timeout} s max"
            + (Datastores.Count > 0 ? $", datastores {string.Join(", ", Datastores)}" : "") + $", maintenance mode: {MaintenanceMode.ToString().ToLowerInvariant()}";
    }

    /// <summary>A host that boots in maintenance mode refuses every power-on.</summary>
    public enum MaintenanceModePolicy
    {
        /// <summary>Leave it there and start nothing, saying so in the log.</summary>
        Stay,

        /// <summary>Leave maintenance mode, then run the stages.</summary>
        Exit,
    }

    /// <summary>Retries for a failed power-on (a file lock, hostd still settling).</summary>
    public sealed class PowerOnPolicy
    {
        /// <summary>Attempts after the first.</summary>
        public int Retries { get; set; } = 3;

        /// <summary>Seconds before the first retry; doubled before each next one.</summary>
        public int RetryDelay { get; set; } = 10;

        /// <inheritdoc />
        public override string ToString() => $"{Retries} retries, {RetryDelay} s apart at first";
    }

    /// <summary>One stage: which VMs, the pause between their power-ons, and the gate after it.</summary>
    public sealed class BootStage
    {
        /// <summary>A short name for logs and previews.</summary>
        public string Name { get; set; } = "";

        /// <summary>Why the stage is where it is, one line, for the script's summary and the previews.</summary>
        public string? Description { get; set; }

        /// <summary>The VMs of the stage.</summary>
        public VmSelector Select { get; set; } = new VmSelector();

        /// <summary>VMs the selector matched that this stage leaves to later stages.</summary>
        public VmSelector Exclude { get; set; } = new VmSelector();

        /// <summary>Seconds between two power-ons of this stage (with <see cref="Parallel"/> above 1: between two batches).</summary>
        public int Pause { get; set; }

        /// <summary>
        /// How many of this stage's VMs one host powers on at once (as HA starts a priority's VMs in parallel); the
        /// next batch starts when the whole batch is done. 1: one after another.
        /// </summary>
        public int Parallel { get; set; } = 1;

        /// <summary>
        /// When the cluster is shut down (in the reverse order of the stages): seconds this stage's guests get to shut
        /// down through VMware Tools before they are powered off hard. 120, ESXi autostart's own stop delay.
        /// </summary>
        public int ShutdownTimeout { get; set; } = DefaultShutdownTimeout;

        /// <summary>The default <see cref="ShutdownTimeout"/>.</summary>
        public const int DefaultShutdownTimeout = 120;

        /// <summary>What must happen before the next stage starts.</summary>
        public StageGate After { get; set; } = new StageGate();

        /// <summary>Where the stage came from (e.g. an HA restart priority), written as a comment above it; not read back.</summary>
        public string? Origin { get; set; }

        /// <summary>How previews name the stage: <c>'infra' (AD before vCenter: SSO needs it)</c>.</summary>
        public string Heading => Description == null ? $"'{Name}'" : $"'{Name}' ({Description})";

        /// <inheritdoc />
        public override string ToString() => Name;
    }

    /// <summary>The gate between a stage and the next. All parts given must pass (or time out).</summary>
    public sealed class StageGate
    {
        /// <summary>Seconds to wait.</summary>
        public int Delay { get; set; }

        /// <summary>Wait until this stage's VMs on this host report guest heartbeat green.</summary>
        public bool Heartbeat { get; set; }

        /// <summary>Seconds allowed for heartbeats.</summary>
        public int HeartbeatTimeout { get; set; } = 300;

        /// <summary>Wait until this host:port answers (e.g. vCenter's 443, for VMs on other hosts).</summary>
        public string? TcpHost { get; set; }

        /// <summary>The TCP port for <see cref="TcpHost"/>.</summary>
        public int TcpPort { get; set; } = 443;

        /// <summary>Seconds allowed for the TCP port.</summary>
        public int TcpTimeout { get; set; } = 600;

        /// <summary>
        /// Datastores this stage's VMs serve (a storage appliance's NFS or iSCSI): after the stage, storage is
        /// rescanned until they are mounted, so the later stages find their VMs. Empty: no rescan.
        /// </summary>
        public List<string> RescanDatastores { get; set; } = new List<string>();

        /// <summary>Seconds allowed for the rescanned datastores to appear.</summary>
        public int RescanTimeout { get; set; } = 600;

        /// <summary>What it waits for, in the words of the script's summary; <c>none</c> without any part.</summary>
        public override string ToString()
        {
            var parts = Plans.BootScriptSummary.GateParts(this, null);
            return parts.Count == 0 ? "none" : string.Join(", then ", parts);
        }
    }

    /// <summary>Chooses VMs. A VM matches if any listed criterion matches it (or <see cref="All"/>).</summary>
    public sealed class VmSelector
    {
        /// <summary>Every VM (vCLS excepted).</summary>
        public bool All { get; set; }

        /// <summary>Exact names.</summary>
        public List<string> Names { get; set; } = new List<string>();

        /// <summary>Name wildcards (* ? [abc]), case-insensitive.</summary>
        public List<string> NameLike { get; set; } = new List<string>();

        /// <summary>Name regular expressions (.NET syntax), case-insensitive.</summary>
        public List<string> NameMatch { get; set; } = new List<string>();

        /// <summary>Datastore names.</summary>
        public List<string> Datastores { get; set; } = new List<string>();

        /// <summary>vmx paths, datastore-relative (<c>vm/vm.vmx</c>) or as File (<c>[ds] vm/vm.vmx</c>).</summary>
        public List<string> VmxPaths { get; set; } = new List<string>();

        /// <summary>Tags from a notes line <c>vmboot: stage=TAG</c>.</summary>
        public List<string> Tags { get; set; } = new List<string>();

        /// <summary>True when nothing is listed.</summary>
        public bool IsEmpty => !All && Names.Count + NameLike.Count + NameMatch.Count + Datastores.Count + VmxPaths.Count + Tags.Count == 0;

        /// <summary>What it selects, in the plan's words: <c>names: vcsa01, dc01; tags: infra</c>, <c>all</c>, or empty.</summary>
        public override string ToString() => All ? "all" : string.Join("; ", new[]
            {
                ("names", Names), ("nameLike", NameLike), ("nameMatch", NameMatch), ("datastores", Datastores), ("vmxPaths", VmxPaths), ("tags", Tags),
            }.Where(c => c.Item2.Count > 0).Select(c => $"{c.Item1}: {string.Join(", ", c.Item2)}"));
    }
}
