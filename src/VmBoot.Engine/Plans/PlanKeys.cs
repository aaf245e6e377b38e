using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace VmBoot.Plans
{
    /// <summary>
    /// Every key of a plan, once: its YAML key, its name in PowerShell, its type, range and help line. The YAML reader
    /// and writer (<see cref="BootPlanYaml"/>), the hashtable reader (<see cref="BootPlanDictionary"/>), the validator
    /// and about_VmBoot_BootPlan's key list are driven by this table; defaults are the model's own (<see cref="BootPlan"/>).
    /// A plain key is a model property and one row here.
    /// </summary>
    public static class PlanKeys
    {
        /// <summary>The rows, in the order the YAML writer writes them and the about topic lists them.</summary>
        public static IReadOnlyList<PlanEntry> All { get; } = new PlanEntry[]
        {
            Text<BootPlan>("log.datastore", "-LogDatastore", p => p.Log.Datastore, (p, v) => p.Log.Datastore = v,
                "The boot log goes to /vmfs/volumes/<datastore>/vmboot/<hostname>.log."),
            Text<BootPlan>("log.path", "-LogPath", p => p.Log.Path, (p, v) => p.Log.Path = v,
                "Or a full path; {hostname} is replaced at boot. Without either, the readiness datastore (or the datastore most selected VMs use) is chosen, with a warning."),
            Number<BootPlan>("readiness.minimumDelay", "-MinimumDelay", 0, 86400, p => p.Readiness.MinimumDelay, (p, v) => p.Readiness.MinimumDelay = v,
                "Seconds to wait before checking anything.", alwaysWritten: true),
            Number<BootPlan>("readiness.timeout", "-ReadinessTimeout", 0, 86400, p => p.Readiness.Timeout, (p, v) => p.Readiness.Timeout = v,
                "Seconds allowed for hostd and the datastores; after it the stages start anyway (and the log says so).", alwaysWritten: true),
            Texts<BootPlan>("readiness.datastores", "-Datastore", p => p.Readiness.Datastores, (p, v) => p.Readiness.Datastores = v,
                "Datastores that must be mounted first. The log's datastore is waited for too, and each VM waits for its own datastore (within the same timeout); "
                + "a VM hostd lists as invalid until its datastore mounts is looked for again once it does. Invoke-BootPlan, on hosts that were up before it started, waits only for these."),
            Choice<BootPlan, MaintenanceModePolicy>("readiness.maintenanceMode", "-MaintenanceMode", p => p.Readiness.MaintenanceMode, (p, v) => p.Readiness.MaintenanceMode = v,
                "UPS software often puts hosts into maintenance mode before shutting them down, and they boot in it, where every power-on is refused. "
                + "stay: start nothing and log why; exit: leave maintenance mode, then run the stages.",
                "{0} is 'stay' (start nothing, the default) or 'exit' (leave maintenance mode, then start), not '{1}'"),
            Number<BootPlan>("powerOn.retries", "-Retries", 0, 100, p => p.PowerOn.Retries, (p, v) => p.PowerOn.Retries = v,
                "Attempts after a failed power-on (file locks are common right after boot).", alwaysWritten: true),
            Number<BootPlan>("powerOn.retryDelay", "-RetryDelay", 0, 3600, p => p.PowerOn.RetryDelay, (p, v) => p.PowerOn.RetryDelay = v,
                "Seconds before the first retry, doubled each time.", alwaysWritten: true),
            Flag<BootPlan>("vsan", "-SkipVsan", p => p.Vsan, (p, v) => p.Vsan = v,
                "On vSAN nodes Stop-EsxiCluster runs VMware's cluster shutdown steps before the hosts go down and Invoke-BootPlan its restart steps "
                + "before the first stage (about_VmBoot, VSAN CLUSTERS); false skips them.", powerShellSaysTheOpposite: true),
            new PlanGroup("exclude", PlanScope.Plan, "A selector: VMs never started and never reported as unplanned.")
                { Selector = o => ((BootPlan)o).Exclude, SetSelector = (o, s) => ((BootPlan)o).Exclude = s, PowerShellPrefix = "-Exclude" },

            Text<BootStage>("name", "Name", s => s.Name, (s, v) => s.Name = v ?? "", "Required, unique. Shown in the log and previews.", alwaysWritten: true),
            Text<BootStage>("description", "Description", s => s.Description, (s, v) => s.Description = v,
                "Why the stage is where it is, in one line; the boot script's opening summary and the previews show it.", oneLine: true),
            new PlanGroup("select", PlanScope.Stage, "Required. A selector (below).")
                { Selector = o => ((BootStage)o).Select, SetSelector = (o, s) => ((BootStage)o).Select = s, PowerShellPrefix = "", AlwaysWritten = true },
            new PlanGroup("exclude", PlanScope.Stage, "A selector: VMs this stage leaves to later stages.")
                { Selector = o => ((BootStage)o).Exclude, SetSelector = (o, s) => ((BootStage)o).Exclude = s, PowerShellPrefix = "Exclude" },
            Number<BootStage>("pause", "Pause", 0, 3600, s => s.Pause, (s, v) => s.Pause = v,
                "Seconds between two power-ons of this stage (between two batches when parallel is above 1)."),
            Number<BootStage>("parallel", "Parallel", 1, 64, s => s.Parallel, (s, v) => s.Parallel = v,
                "How many of the stage's VMs a host powers on at once, as vSphere HA starts one priority's VMs together. "
                + "The next batch starts when the whole batch is done; 1 is one after another, as the seed script does."),
            Number<BootStage>("shutdownTimeout", "ShutdownTimeout", 1, 86400, s => s.ShutdownTimeout, (s, v) => s.ShutdownTimeout = v,
                "For Stop-EsxiCluster, which shuts the stages down in reverse order: seconds the stage's guests get to shut down through VMware Tools "
                + "before they are powered off hard (120 is ESXi autostart's own stop delay)."),
            new PlanGroup("after", PlanScope.Stage,
                "The gate before the next stage; every part given must pass or time out (then the next stage starts, and the log says so)."),
            Number<BootStage>("after.delay", "Delay", 0, 86400, s => s.After.Delay, (s, v) => s.After.Delay = v, "Seconds to wait."),
            new PlanGroup("after.heartbeat", PlanScope.Stage, null)
                { IsOn = o => ((BootStage)o).After.Heartbeat, Switch = (o, on) => ((BootStage)o).After.Heartbeat = on },
            Number<BootStage>("after.heartbeat.timeout", "Heartbeat", 1, 86400, s => s.After.HeartbeatTimeout, (s, v) => s.After.HeartbeatTimeout = v,
                "Wait until this stage's VMs on this host report guest heartbeat green (VMware Tools answering). "
                + "In New-BootPlan, Heartbeat = $true waits with the default timeout."),
            new PlanGroup("after.tcp", PlanScope.Stage, null)
                { IsOn = o => ((BootStage)o).After.TcpHost != null, Requires = "host", RequiresMessage = "'tcp' needs a 'host' (and usually 'port')" },
            Text<BootStage>("after.tcp.host", "TcpHost", s => s.After.TcpHost, (s, v) => s.After.TcpHost = v,
                "Wait until host:port answers (\"nc -z\"), for example vCenter's 443 when vCenter runs on another host. ESXi's firewall lets outbound TCP "
                + "through only enabled rulesets: the script enables one that covers the port for the gate (httpClient for 80 and 443, off by default) "
                + "and switches it off again after. Install-BootScript warns when no ruleset covers the port: the gate could then only time out."),
            Number<BootStage>("after.tcp.port", "TcpPort", 1, 65535, s => s.After.TcpPort, (s, v) => s.After.TcpPort = v, "The port for after.tcp.host."),
            Number<BootStage>("after.tcp.timeout", "TcpTimeout", 1, 86400, s => s.After.TcpTimeout, (s, v) => s.After.TcpTimeout = v, "Seconds allowed for the port."),
            new PlanGroup("after.rescan", PlanScope.Stage, null)
            {
                IsOn = o => ((BootStage)o).After.RescanDatastores.Count > 0, Requires = "datastores",
                RequiresMessage = "'rescan' needs 'datastores': the datastores this stage's VMs serve",
            },
            Texts<BootStage>("after.rescan.datastores", "RescanDatastores", s => s.After.RescanDatastores, (s, v) => s.After.RescanDatastores = v,
                "Storage this stage's VMs serve (a NAS appliance's NFS or iSCSI on local disk): after the stage, storage is rescanned until these "
                + "datastores are mounted, so later stages find their VMs."),
            Number<BootStage>("after.rescan.timeout", "RescanTimeout", 1, 86400, s => s.After.RescanTimeout, (s, v) => s.After.RescanTimeout = v,
                "Seconds allowed for the rescanned datastores to appear."),

            Flag<VmSelector>("all", "All", s => s.All, (s, v) => s.All = v, "true: every VM (vCLS excepted), \"the rest\"."),
            Texts<VmSelector>("names", "Names", s => s.Names, (s, v) => s.Names = v,
                "Exact names (case-sensitive, as getallvms prints them; the vSphere API shows / \\ % in names as %2f %5c %25)."),
            Texts<VmSelector>("nameLike", "NameLike", s => s.NameLike, (s, v) => s.NameLike = v,
                "Wildcards * ? [abc], case-insensitive; a backtick makes the next character literal, as in PowerShell: 'web `[prod`]*'."),
            Texts<VmSelector>("nameMatch", "NameMatch", s => s.NameMatch, (s, v) => s.NameMatch = v, ".NET regular expressions, case-insensitive."),
            Texts<VmSelector>("datastores", "Datastores", s => s.Datastores, (s, v) => s.Datastores = v, "Datastore names."),
            Texts<VmSelector>("vmxPaths", "VmxPaths", s => s.VmxPaths, (s, v) => s.VmxPaths = v, "\"folder/vm.vmx\" or \"[datastore] folder/vm.vmx\"."),
            Texts<VmSelector>("tags", "Tags", s => s.Tags, (s, v) => s.Tags = v, "Values of a notes line \"vmboot: stage=<tag>\"."),
        };

        /// <summary>The value rows (no groups), in order.</summary>
        public static IReadOnlyList<PlanKey> Values { get; } = All.OfType<PlanKey>().ToList();

        /// <summary>What messages about stage <paramref name="index"/> (0-based) start with.</summary>
        public static string Stage(int index) => $"stage {(index + 1).ToString(CultureInfo.InvariantCulture)}: ";

        /// <summary>
        /// about_VmBoot_BootPlan's KEYS section, lines without their end: each key as YAML writes it, as New-BootPlan takes
        /// it, what it does, its range and default.
        /// </summary>
        public static IEnumerable<string> AboutKeys()
        {
            var lines = new List<string> { "  KEYS" };
            lines.AddRange(Wrap("Each key as the YAML writes it, then in brackets as New-BootPlan takes it (a parameter, or a key of a -Stage hashtable; "
                + "a hashtable of them can be given to -Plan too), then what it does.", "    "));
            void Say(string key, string powerShell, string help)
            {
                lines.Add("    " + key + (powerShell.Length > 0 ? $"  ({powerShell})" : ""));
                lines.AddRange(Wrap(help, "        "));
            }

            foreach (var (scope, heading) in new[] { (PlanScope.Plan, ""), (PlanScope.Stage, "Each stage:"), (PlanScope.Selector, "A selector matches a VM when any listed criterion matches:") })
            {
                lines.Add("");
                if (heading.Length > 0)
                {
                    lines.Add("    " + heading);
                }

                if (scope == PlanScope.Plan)
                {
                    Say("version", "", "Required. 1.");
                }

                foreach (var entry in All.Where(e => e.Scope == scope && e.Help != null))
                {
                    Say(entry.Key, PowerShellText(entry), entry.Help + Limits(entry));
                }

                if (scope == PlanScope.Plan)
                {
                    Say("stages", "-" + BootPlanDictionary.StageKey, "The list of stages, in order. At least one.");
                }
            }

            return lines;
        }

        private static string PowerShellText(PlanEntry entry) => entry switch
        {
            PlanKey key => key.PowerShellKey + (key.PowerShellSaysTheOpposite ? ", the opposite" : ""),
            PlanGroup group when group.PowerShellPrefix == "" => "a selector's keys: Names, All ...",
            PlanGroup group when group.PowerShellPrefix != null => $"{group.PowerShellPrefix} before a selector's key: {group.PowerShellPrefix}NameLike ...",
            _ => "",
        };

        private static string Limits(PlanEntry entry) => entry switch
        {
            PlanKey key when key.Kind == PlanValueKind.Number => $" {key.Min} to {key.Max}, default {key.Default}.",
            PlanKey key when key.Kind == PlanValueKind.Choice => " " + string.Join(" or ", key.Choices.Select(c => Equals(c, key.Default) ? c + " (default)" : c)) + ".",
            PlanKey key when key.Kind == PlanValueKind.Flag && key.Scope != PlanScope.Selector => $" Default {((bool)key.Default! ? "true" : "false")}.",
            _ => "",
        };

        private static IEnumerable<string> Wrap(string text, string indent)
        {
            var line = new System.Text.StringBuilder(indent);
            foreach (string word in text.Split(' '))
            {
                if (line.Length > indent.Length && line.Length + 1 + word.Length > 80)
                {
                    yield return line.ToString();
                    line.Clear().Append(indent);
                }

                line.Append(line.Length > indent.Length ? " " : "").Append(word);
            }

            yield return line.ToString();
        }

        /// <summary>The entries of <paramref name="scope"/> directly under <paramref name="prefix"/> ("" or "after."), by their last segment, in order.</summary>
        internal static IEnumerable<(string Name, PlanEntry? Entry)> Children(PlanScope scope, string prefix)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in All.Where(e => e.Scope == scope && e.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                string rest = entry.Key.Substring(prefix.Length);
                int dot = rest.IndexOf('.');
                string name = dot < 0 ? rest : rest.Substring(0, dot);
                if (seen.Add(name))
                {
                    // A group without a row of its own (log, readiness, powerOn) is a mapping of the rows under it.
                    yield return (name, All.FirstOrDefault(e => e.Scope == scope && e.Key == prefix + name));
                }
            }
        }

        /// <summary>The group of <paramref name="key"/> that can be on or off (after.heartbeat for after.heartbeat.timeout), if any.</summary>
        internal static PlanGroup? SwitchedGroupOf(PlanKey key) => All.OfType<PlanGroup>()
            .FirstOrDefault(g => g.Scope == key.Scope && g.IsOn != null && key.Key.StartsWith(g.Key + ".", StringComparison.Ordinal));

        internal static object NewOwner(PlanScope scope) => scope switch
        {
            PlanScope.Plan => new BootPlan(),
            PlanScope.Stage => new BootStage(),
            _ => new VmSelector(),
        };

        private static PlanKey Number<T>(string key, string powerShell, int min, int max, Func<T, int> get, Action<T, int> set, string help, bool alwaysWritten = false)
            => new PlanKey(key, ScopeOf<T>(), PlanValueKind.Number, powerShell, help, o => get((T)o), (o, v) => set((T)o, (int)v!))
            { Min = min, Max = max, AlwaysWritten = alwaysWritten };

        private static PlanKey Flag<T>(string key, string powerShell, Func<T, bool> get, Action<T, bool> set, string help, bool powerShellSaysTheOpposite = false)
            => new PlanKey(key, ScopeOf<T>(), PlanValueKind.Flag, powerShell, help, o => get((T)o), (o, v) => set((T)o, (bool)v!))
            { PowerShellSaysTheOpposite = powerShellSaysTheOpposite };

        private static PlanKey Text<T>(string key, string powerShell, Func<T, string?> get, Action<T, string?> set, string help, bool alwaysWritten = false, bool oneLine = false)
            => new PlanKey(key, ScopeOf<T>(), PlanValueKind.Text, powerShell, help, o => get((T)o), (o, v) => set((T)o, (string?)v))
            { AlwaysWritten = alwaysWritten, OneLine = oneLine };

        private static PlanKey Texts<T>(string key, string powerShell, Func<T, List<string>> get, Action<T, List<string>> set, string help)
            => new PlanKey(key, ScopeOf<T>(), PlanValueKind.Texts, powerShell, help, o => get((T)o), (o, v) => set((T)o, (List<string>)v!));

        // An enum whose members are the choices; YAML writes them in lower case.
        private static PlanKey Choice<T, TEnum>(string key, string powerShell, Func<T, TEnum> get, Action<T, TEnum> set, string help, string refusal)
            where TEnum : struct, Enum
            => new PlanKey(key, ScopeOf<T>(), PlanValueKind.Choice, powerShell, help,
                o => get((T)o).ToString().ToLowerInvariant(), (o, v) => set((T)o, (TEnum)Enum.Parse(typeof(TEnum), (string)v!, ignoreCase: true)))
            { Choices = Enum.GetNames(typeof(TEnum)).Select(n => n.ToLowerInvariant()).ToList(), ChoiceRefusal = refusal };

        private static PlanScope ScopeOf<T>() => typeof(T) == typeof(BootPlan) ? PlanScope.Plan : typeof(T) == typeof(BootStage) ? PlanScope.Stage : PlanScope.Selector;
    }

    /// <summary>Where a key is written: at the plan's top, in a stage, or in a selector.</summary>
    public enum PlanScope
    {
        /// <summary>Under the plan (readiness.timeout).</summary>
        Plan,

        /// <summary>Under each stage (after.tcp.port).</summary>
        Stage,

        /// <summary>Under each selector (select, exclude).</summary>
        Selector,
    }

    /// <summary>What a key holds.</summary>
    public enum PlanValueKind
    {
        /// <summary>A whole number in a range.</summary>
        Number,

        /// <summary>true or false.</summary>
        Flag,

        /// <summary>One text.</summary>
        Text,

        /// <summary>A list of texts (one text is a list of one).</summary>
        Texts,

        /// <summary>One of a few words.</summary>
        Choice,
    }

    /// <summary>A row of <see cref="PlanKeys"/>: a key with a value, or a group of keys.</summary>
    public abstract class PlanEntry
    {
        private protected PlanEntry(string key, PlanScope scope, string? help)
        {
            Key = key;
            Scope = scope;
            Help = help;
        }

        /// <summary>The YAML key, dotted from the plan, the stage or the selector.</summary>
        public string Key { get; }

        /// <summary>Where it is written.</summary>
        public PlanScope Scope { get; }

        /// <summary>Its line in about_VmBoot_BootPlan; null: none of its own.</summary>
        public string? Help { get; }

        /// <inheritdoc />
        public override string ToString() => Key;
    }

    /// <summary>A mapping of keys with a meaning of its own: a selector, a gate part that is on or off, one that needs a key.</summary>
    public sealed class PlanGroup : PlanEntry
    {
        internal PlanGroup(string key, PlanScope scope, string? help)
            : base(key, scope, help)
        {
        }

        /// <summary>The selector it holds, for a selector group (select, exclude).</summary>
        internal Func<object, VmSelector>? Selector { get; set; }

        internal Action<object, VmSelector>? SetSelector { get; set; }

        /// <summary>What its selector's keys are called in PowerShell before their own name (ExcludeNames).</summary>
        internal string? PowerShellPrefix { get; set; }

        /// <summary>Written even when empty.</summary>
        internal bool AlwaysWritten { get; set; }

        /// <summary>A group that is on or off (heartbeat: given at all, or not): written whole when on.</summary>
        internal Func<object, bool>? IsOn { get; set; }

        /// <summary>Turns it on or off when given (heartbeat), for groups whose state is not one of their keys.</summary>
        internal Action<object, bool>? Switch { get; set; }

        /// <summary>The key it cannot go without, and the complaint when it is missing.</summary>
        internal string? Requires { get; set; }

        internal string? RequiresMessage { get; set; }
    }

    /// <summary>A key with a value: its type, range, default (the model's) and names.</summary>
    public sealed class PlanKey : PlanEntry
    {
        private readonly Func<object, object?> get;
        private readonly Action<object, object?> set;
        private readonly Lazy<object?> modelDefault;

        internal PlanKey(string key, PlanScope scope, PlanValueKind kind, string powerShellKey, string? help, Func<object, object?> get, Action<object, object?> set)
            : base(key, scope, help)
        {
            Kind = kind;
            PowerShellKey = powerShellKey;
            this.get = get;
            this.set = set;
            // Read once from a new model object: the writer asks for every key of every plan it writes.
            modelDefault = new Lazy<object?>(() => get(PlanKeys.NewOwner(scope)));
        }

        /// <summary>What it holds.</summary>
        public PlanValueKind Kind { get; }

        /// <summary>New-BootPlan's parameter (<c>-Retries</c>) or a stage hashtable's key (<c>TcpPort</c>).</summary>
        public string PowerShellKey { get; }

        /// <summary>The smallest number allowed.</summary>
        public int Min { get; internal set; }

        /// <summary>The largest number allowed.</summary>
        public int Max { get; internal set; }

        /// <summary>The words of a choice, as YAML writes them.</summary>
        public IReadOnlyList<string> Choices { get; internal set; } = Array.Empty<string>();

        /// <summary>Written even at its default (readiness.timeout, a stage's name).</summary>
        public bool AlwaysWritten { get; internal set; }

        /// <summary>PowerShell names the opposite (-SkipVsan for vsan).</summary>
        public bool PowerShellSaysTheOpposite { get; internal set; }

        /// <summary>Text that goes into the script's comments: one line.</summary>
        public bool OneLine { get; internal set; }

        /// <summary>The complaint about a word that is none of the choices ({0}: the key as given, {1}: the word).</summary>
        internal string? ChoiceRefusal { get; set; }

        /// <summary>The model's default.</summary>
        public object? Default => modelDefault.Value;

        /// <summary>The value in <paramref name="owner"/> (a plan, a stage or a selector, as <see cref="PlanEntry.Scope"/> says).</summary>
        public object? Get(object owner) => get(owner);

        internal void Set(object owner, object? value) => set(owner, value);

        /// <summary>The value is the model's default.</summary>
        internal bool IsDefault(object owner) => SameValue(get(owner), Default);

        /// <summary>The complaint about text that is no whole number.</summary>
        public string NotANumber(string where, string text, PlanWords words = PlanWords.Yaml) => $"{where}{KeyIn(words)}: expected a whole number, not '{text}'";

        /// <summary>The complaint about <paramref name="value"/>, or null when it is in range.</summary>
        public string? Check(string where, int value, PlanWords words = PlanWords.Yaml) => value < Min || value > Max
            ? $"{where}{KeyIn(words)} is {value.ToString(CultureInfo.InvariantCulture)}, out of range ({Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)})"
            : null;

        /// <summary>The key in the words of the YAML or of New-BootPlan.</summary>
        internal string KeyIn(PlanWords words) => words == PlanWords.PowerShell ? PowerShellKey : Key;

        private static bool SameValue(object? a, object? b) => a is IList la && b is IList lb
            ? la.Cast<object>().SequenceEqual(lb.Cast<object>())
            : Equals(a, b);
    }

    /// <summary>Whose words a plan's complaints use: those of the YAML file, or those of New-BootPlan in PowerShell.</summary>
    public enum PlanWords
    {
        /// <summary>YAML keys (<c>after.tcp.port</c>, <c>all: true</c>).</summary>
        Yaml,

        /// <summary>New-BootPlan's parameters and stage hashtable keys (<c>-Retries</c>, <c>TcpPort</c>, <c>All = $true</c>).</summary>
        PowerShell,
    }
}
