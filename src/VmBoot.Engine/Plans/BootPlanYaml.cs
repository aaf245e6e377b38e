using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VmBoot.Plans
{
    /// <summary>A plan file that cannot be read: where (file, line, column) and why.</summary>
    public sealed class BootPlanException : Exception
    {
        /// <summary>Error id for every plan file problem.</summary>
        public const string Id = "BootPlanInvalid";

        /// <summary>Creates the exception.</summary>
        public BootPlanException(string? source, int line, int column, string reason, Exception? inner = null)
            : base(line > 0 ? $"{source ?? "boot plan"}:{line}:{column}: {reason}" : source != null ? $"{source}: {reason}" : reason, inner)
        {
            Source = source;
            Line = line;
            Column = column;
            Reason = reason;
        }

        /// <summary>The file, if the plan came from one.</summary>
        public new string? Source { get; }

        /// <summary>1-based line.</summary>
        public int Line { get; }

        /// <summary>1-based column.</summary>
        public int Column { get; }

        /// <summary>What is wrong, without the position.</summary>
        public string Reason { get; }

        /// <summary>Every problem found in the plan, in the order found (reading, then checking); this exception is the first.</summary>
        public IReadOnlyList<BootPlanException> Problems { get; private set; } = Array.Empty<BootPlanException>();

        /// <summary>One exception for all of <paramref name="problems"/>: the first found, the others listed after it.</summary>
        internal static BootPlanException Of(IEnumerable<BootPlanException> problems)
        {
            var ordered = problems.ToList();
            var first = ordered[0];
            var all = ordered.Count == 1 ? first : new BootPlanException(first.Source, first.Line, first.Column, first.Reason, first.InnerException,
                $"{first.Message}\n{string.Join("\n", ordered.Skip(1).Select(p => p.Message))}");
            all.Problems = ordered;
            return all;
        }

        private BootPlanException(string? source, int line, int column, string reason, Exception? inner, string message)
            : base(message, inner)
        {
            Source = source;
            Line = line;
            Column = column;
            Reason = reason;
        }
    }

    /// <summary>Reads and writes boot plans as YAML (schema: en-US/about_VmBoot_BootPlan.help.txt).</summary>
    public static class BootPlanYaml
    {
        /// <summary>The only schema version so far.</summary>
        public const int CurrentVersion = 1;

        /// <summary>Parses a plan; unknown keys, wrong types and bad values fail with line and column.</summary>
        public static BootPlan Read(string text, string? source = null)
        {
            if (TabInIndentation(text) is var (tabLine, tabColumn))
            {
                throw new BootPlanException(source, tabLine, tabColumn, "a tab in the indentation: YAML indents with spaces only (replace the tab with spaces)");
            }

            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                throw new BootPlanException(source, (int)e.Start.Line, (int)e.Start.Column, "not valid YAML: " + Unwrap(e).Message, e);
            }
            catch (Exception e) when (e is InvalidOperationException || e is ArgumentException || e is FormatException || e is NotSupportedException)
            {
                // YamlDotNet can also fail this way, without a position (a tab inside a flow mapping, an empty
                // key before a scalar...): point at the first character YAML is picky about instead.
                var (line, column) = WhereParsingStops(text) ?? FirstSuspectCharacter(text);
                throw new BootPlanException(source, line, column, "not valid YAML (check tabs and control characters here): " + e.Message, e);
            }

            if (stream.Documents.Count != 1)
            {
                throw new BootPlanException(source, 1, 1, stream.Documents.Count == 0 ? "the file is empty; a plan starts with 'version: 1'" : "one plan per file, not several YAML documents");
            }

            var reader = new Reader(source);
            var plan = reader.Plan(stream.Documents[0].RootNode);
            plan.Source = source;
            plan.ReadFromYaml = true;
            BootPlanValidator.Validate(plan, reader);
            return plan;
        }

        /// <summary>Writes a plan that <see cref="Read"/> gives back unchanged.</summary>
        public static string Write(BootPlan plan)
        {
            var root = new YamlMappingNode { { "version", Scalar(plan.Version) } };
            var log = new YamlMappingNode();
            AddIf(log, "datastore", plan.Log.Datastore);
            AddIf(log, "path", plan.Log.Path);
            if (log.Children.Count > 0)
            {
                root.Add("log", log);
            }

            var readiness = new YamlMappingNode { { "minimumDelay", Scalar(plan.Readiness.MinimumDelay) }, { "timeout", Scalar(plan.Readiness.Timeout) } };
            if (plan.Readiness.Datastores.Count > 0)
            {
                readiness.Add("datastores", Sequence(plan.Readiness.Datastores));
            }

            if (plan.Readiness.MaintenanceMode != MaintenanceModePolicy.Stay)
            {
                readiness.Add("maintenanceMode", new YamlScalarNode(MaintenanceModeText(plan.Readiness.MaintenanceMode)));
            }

            root.Add("readiness", readiness);
            root.Add("powerOn", new YamlMappingNode { { "retries", Scalar(plan.PowerOn.Retries) }, { "retryDelay", Scalar(plan.PowerOn.RetryDelay) } });
            if (!plan.Vsan)
            {
                root.Add("vsan", new YamlScalarNode("false"));
            }

            if (!plan.Exclude.IsEmpty)
            {
                root.Add("exclude", Selector(plan.Exclude));
            }

            var stages = new YamlSequenceNode();
            foreach (var stage in plan.Stages)
            {
                var node = new YamlMappingNode { { "name", Text(stage.Name) }, { "select", Selector(stage.Select) } };
                if (!stage.Exclude.IsEmpty)
                {
                    node.Add("exclude", Selector(stage.Exclude));
                }

                if (stage.Pause != 0)
                {
                    node.Add("pause", Scalar(stage.Pause));
                }

                if (stage.Parallel != 1)
                {
                    node.Add("parallel", Scalar(stage.Parallel));
                }

                if (stage.ShutdownTimeout != BootStage.DefaultShutdownTimeout)
                {
                    node.Add("shutdownTimeout", Scalar(stage.ShutdownTimeout));
                }

                var after = new YamlMappingNode();
                if (stage.After.Delay != 0)
                {
                    after.Add("delay", Scalar(stage.After.Delay));
                }

                if (stage.After.Heartbeat)
                {
                    after.Add("heartbeat", new YamlMappingNode { { "timeout", Scalar(stage.After.HeartbeatTimeout) } });
                }

                if (stage.After.TcpHost != null)
                {
                    after.Add("tcp", new YamlMappingNode { { "host", Text(stage.After.TcpHost) }, { "port", Scalar(stage.After.TcpPort) }, { "timeout", Scalar(stage.After.TcpTimeout) } });
                }

                if (stage.After.RescanDatastores.Count > 0)
                {
                    after.Add("rescan", new YamlMappingNode { { "datastores", Sequence(stage.After.RescanDatastores) }, { "timeout", Scalar(stage.After.RescanTimeout) } });
                }

                if (after.Children.Count > 0)
                {
                    node.Add("after", after);
                }

                stages.Add(node);
            }

            root.Add("stages", stages);
            var writer = new StringWriter { NewLine = "\n" };
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            string yaml = writer.ToString();
            yaml = yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml.Substring(0, yaml.Length - 4) : yaml;
            return WithOrigins(yaml, plan.Stages);
        }

        // Each stage's origin as a comment line above its "- name:" (stages are the only top-level sequence items).
        private static string WithOrigins(string yaml, IReadOnlyList<BootStage> stages)
        {
            if (stages.All(s => s.Origin == null))
            {
                return yaml;
            }

            var text = new System.Text.StringBuilder();
            int index = 0;
            foreach (string line in yaml.Split('\n'))
            {
                if (line.StartsWith("- name: ", StringComparison.Ordinal) && index < stages.Count)
                {
                    if (stages[index].Origin is string origin)
                    {
                        text.Append("# ").Append(origin.Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
                    }

                    index++;
                }

                text.Append(line).Append('\n');
            }

            return text.ToString(0, text.Length - 1);
        }

        /// <summary>The YAML word for a maintenance-mode policy.</summary>
        public static string MaintenanceModeText(MaintenanceModePolicy policy) => policy == MaintenanceModePolicy.Exit ? "exit" : "stay";

        private static Exception Unwrap(Exception e) => e.InnerException is YamlException inner ? Unwrap(inner) : e;

        // The first tab among a line's leading white space (YAML forbids tabs there; its parser reports them far away).
        private static (int Line, int Column)? TabInIndentation(string text)
        {
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                string content = line.TrimStart(' ', '\t', '-');
                if (content.Length == 0 || content[0] == '#' || content.Trim().Length == 0)
                {
                    continue;
                }

                int column = 0;
                while (column < line.Length && (line[column] == ' ' || line[column] == '\t' || line[column] == '-'))
                {
                    if (line[column] == '\t')
                    {
                        return (i + 1, column + 1);
                    }

                    column++;
                }
            }

            return null;
        }

        // Replays the low-level parser: where it throws is where the text goes wrong.
        private static (int Line, int Column)? WhereParsingStops(string text)
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(text));
            var last = YamlDotNet.Core.Mark.Empty;
            try
            {
                while (parser.MoveNext())
                {
                    last = parser.Current!.End;
                }

                return null;
            }
            catch (Exception)
            {
                return ((int)Math.Max(1, last.Line), (int)Math.Max(1, last.Column));
            }
        }

        private static (int Line, int Column) FirstSuspectCharacter(string text)
        {
            int line = 1, column = 1;
            foreach (char c in text)
            {
                if (c == '\n')
                {
                    line++;
                    column = 1;
                    continue;
                }

                if (c == '\t' || (char.IsControl(c) && c != '\r'))
                {
                    return (line, column);
                }

                column++;
            }

            return (1, 1);
        }

        private static YamlMappingNode Selector(VmSelector selector)
        {
            var node = new YamlMappingNode();
            if (selector.All)
            {
                node.Add("all", new YamlScalarNode("true"));
            }

            foreach (var (key, values) in new[] { ("names", selector.Names), ("nameLike", selector.NameLike), ("nameMatch", selector.NameMatch), ("datastores", selector.Datastores), ("vmxPaths", selector.VmxPaths), ("tags", selector.Tags) })
            {
                if (values.Count > 0)
                {
                    node.Add(key, Sequence(values));
                }
            }

            return node;
        }

        private static YamlSequenceNode Sequence(IEnumerable<string> values) => new YamlSequenceNode(values.Select(Text));

        // Strings are always quoted, so "yes", "1" or "~" stay strings in any YAML reader.
        private static YamlScalarNode Text(string value) => new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };

        private static YamlScalarNode Scalar(int value) => new YamlScalarNode(value.ToString(CultureInfo.InvariantCulture));

        private static void AddIf(YamlMappingNode node, string key, string? value)
        {
            if (value != null)
            {
                node.Add(key, Text(value));
            }
        }

        /// <summary>Schema-driven reading: every node's position is at hand for errors.</summary>
        internal sealed class Reader
        {
            private readonly string? source;
            private readonly Dictionary<object, YamlNode> positions = new Dictionary<object, YamlNode>(SameObject.Instance);
            private readonly HashSet<object> stagesWithProblems = new HashSet<object>(SameObject.Instance);

            // Where each number was read: (the object it went into, its schema key).
            private readonly Dictionary<(object Owner, string Key), YamlNode> values = new Dictionary<(object, string), YamlNode>(new OwnerAndKey());

            // What messages about the stage being read start with.
            private string where = "";

            internal Reader(string? source) => this.source = source;

            /// <summary>Every problem found so far: reading goes on past one, so a file's problems come in one run.</summary>
            internal List<BootPlanException> Problems { get; } = new List<BootPlanException>();

            internal BootPlanException Error(YamlNode node, string reason)
                => new BootPlanException(source, (int)node.Start.Line, (int)node.Start.Column, reason);

            private void Report(YamlNode node, string reason) => Problems.Add(Error(node, reason));

            /// <summary>A problem was already found while reading <paramref name="stage"/> (so a check of it could only echo that one).</summary>
            internal bool HasProblemWithin(BootStage stage) => stagesWithProblems.Contains(stage);

            /// <summary>An error at the value (or else the node) an object was read from, for checks made after reading.</summary>
            internal BootPlanException ErrorAt(object read, string? key, string reason)
                => key != null && values.TryGetValue((read, key), out var value) ? Error(value, reason)
                : positions.TryGetValue(read, out var node) ? Error(node, reason)
                : new BootPlanException(source, 1, 1, reason);

            internal BootPlan Plan(YamlNode node)
            {
                var plan = new BootPlan();
                bool hasVersion = false;
                foreach (var (key, value) in Mapping(node, "the plan", "version", "log", "readiness", "powerOn", "vsan", "exclude", "stages"))
                {
                    switch (key)
                    {
                        case "version":
                            hasVersion = true;
                            plan.Version = Int(value, new PlanNumber("version", "Version", 1, int.MaxValue), plan, CurrentVersion);
                            if (plan.Version != CurrentVersion)
                            {
                                Report(value, $"version {plan.Version} is not supported; this VmBoot reads version {CurrentVersion}");
                            }

                            break;
                        case "log":
                            foreach (var (k, v) in Mapping(value, "log", "datastore", "path"))
                            {
                                if (k == "datastore")
                                {
                                    plan.Log.Datastore = Str(v);
                                }
                                else
                                {
                                    plan.Log.Path = Str(v);
                                }
                            }

                            break;
                        case "vsan":
                            plan.Vsan = Bool(value, plan.Vsan);
                            break;
                        case "readiness":
                            foreach (var (k, v) in Mapping(value, "readiness", "minimumDelay", "timeout", "datastores", "maintenanceMode"))
                            {
                                switch (k)
                                {
                                    case "minimumDelay": plan.Readiness.MinimumDelay = Int(v, PlanSchema.MinimumDelay, plan.Readiness, plan.Readiness.MinimumDelay); break;
                                    case "timeout": plan.Readiness.Timeout = Int(v, PlanSchema.ReadinessTimeout, plan.Readiness, plan.Readiness.Timeout); break;
                                    case "maintenanceMode":
                                        string policy = Str(v);
                                        if (policy == "exit" || policy == "stay")
                                        {
                                            plan.Readiness.MaintenanceMode = policy == "exit" ? MaintenanceModePolicy.Exit : MaintenanceModePolicy.Stay;
                                        }
                                        else
                                        {
                                            Report(v, $"maintenanceMode is 'stay' (start nothing, the default) or 'exit' (leave maintenance mode, then start), not '{policy}'");
                                        }

                                        break;
                                    default: plan.Readiness.Datastores = Strings(v); break;
                                }
                            }

                            break;
                        case "powerOn":
                            foreach (var (k, v) in Mapping(value, "powerOn", "retries", "retryDelay"))
                            {
                                if (k == "retries")
                                {
                                    plan.PowerOn.Retries = Int(v, PlanSchema.Retries, plan.PowerOn, plan.PowerOn.Retries);
                                }
                                else
                                {
                                    plan.PowerOn.RetryDelay = Int(v, PlanSchema.RetryDelay, plan.PowerOn, plan.PowerOn.RetryDelay);
                                }
                            }

                            break;
                        case "exclude":
                            plan.Exclude = Selector(value, "exclude");
                            break;
                        default:
                            if (!(value is YamlSequenceNode stages))
                            {
                                Report(value, "'stages' must be a list of stages (each starting with '- name:')");
                                break;
                            }

                            plan.Stages = stages.Children.Select(Stage).ToList();
                            where = "";
                            break;
                    }
                }

                if (!hasVersion)
                {
                    Report(node, "the plan must start with 'version: 1'");
                }

                positions[plan] = node;
                return plan;
            }

            private BootStage Stage(YamlNode node, int index)
            {
                where = PlanSchema.Stage(index);
                int problemsBefore = Problems.Count;
                var stage = new BootStage();
                foreach (var (key, value) in Mapping(node, "a stage", "name", "select", "exclude", "pause", "parallel", "shutdownTimeout", "after"))
                {
                    switch (key)
                    {
                        case "name": stage.Name = Str(value); break;
                        case "select": stage.Select = Selector(value, "select"); break;
                        case "exclude": stage.Exclude = Selector(value, "exclude"); break;
                        case "pause": stage.Pause = Int(value, PlanSchema.Pause, stage, stage.Pause); break;
                        case "parallel": stage.Parallel = Int(value, PlanSchema.Parallel, stage, stage.Parallel); break;
                        case "shutdownTimeout": stage.ShutdownTimeout = Int(value, PlanSchema.ShutdownTimeout, stage, stage.ShutdownTimeout); break;
                        default: stage.After = Gate(value); break;
                    }
                }

                positions[stage] = node;
                if (Problems.Count > problemsBefore)
                {
                    stagesWithProblems.Add(stage);
                }

                return stage;
            }

            private StageGate Gate(YamlNode node)
            {
                var gate = new StageGate();
                foreach (var (key, value) in Mapping(node, "after", "delay", "heartbeat", "tcp", "rescan"))
                {
                    switch (key)
                    {
                        case "delay":
                            gate.Delay = Int(value, PlanSchema.Delay, gate, gate.Delay);
                            break;
                        case "heartbeat":
                            gate.Heartbeat = true;
                            foreach (var (k, v) in Mapping(value, "heartbeat", "timeout"))
                            {
                                gate.HeartbeatTimeout = Int(v, PlanSchema.HeartbeatTimeout, gate, gate.HeartbeatTimeout);
                            }

                            break;
                        case "rescan":
                            foreach (var (k, v) in Mapping(value, "rescan", "datastores", "timeout"))
                            {
                                if (k == "datastores")
                                {
                                    gate.RescanDatastores = Strings(v);
                                }
                                else
                                {
                                    gate.RescanTimeout = Int(v, PlanSchema.RescanTimeout, gate, gate.RescanTimeout);
                                }
                            }

                            if (gate.RescanDatastores.Count == 0)
                            {
                                Report(value, "'rescan' needs 'datastores': the datastores this stage's VMs serve");
                            }

                            break;
                        default:
                            foreach (var (k, v) in Mapping(value, "tcp", "host", "port", "timeout"))
                            {
                                switch (k)
                                {
                                    case "host": gate.TcpHost = Str(v); break;
                                    case "port": gate.TcpPort = Int(v, PlanSchema.TcpPort, gate, gate.TcpPort); break;
                                    default: gate.TcpTimeout = Int(v, PlanSchema.TcpTimeout, gate, gate.TcpTimeout); break;
                                }
                            }

                            if (gate.TcpHost == null)
                            {
                                Report(value, "'tcp' needs a 'host' (and usually 'port')");
                            }

                            break;
                    }
                }

                return gate;
            }

            private VmSelector Selector(YamlNode node, string what)
            {
                var selector = new VmSelector();
                foreach (var (key, value) in Mapping(node, what, "all", "names", "nameLike", "nameMatch", "datastores", "vmxPaths", "tags"))
                {
                    switch (key)
                    {
                        case "all": selector.All = Bool(value, selector.All); break;
                        case "names": selector.Names = Strings(value); break;
                        case "nameLike": selector.NameLike = Strings(value); break;
                        case "nameMatch": selector.NameMatch = Strings(value); break;
                        case "datastores": selector.Datastores = Strings(value); break;
                        case "vmxPaths": selector.VmxPaths = Strings(value); break;
                        default: selector.Tags = Strings(value); break;
                    }
                }

                positions[selector] = node;
                return selector;
            }

            private IEnumerable<(string Key, YamlNode Value)> Mapping(YamlNode node, string what, params string[] keys)
            {
                if (node is YamlScalarNode empty && string.IsNullOrEmpty(empty.Value) && empty.Style == ScalarStyle.Plain)
                {
                    yield break;
                }

                if (!(node is YamlMappingNode mapping))
                {
                    // A value where keys belong ('heartbeat: 300'): show the form that was probably meant.
                    string hint = node is YamlScalarNode given && !string.IsNullOrEmpty(given.Value)
                        ? $"; write '{what}: {{ {(keys.Contains("names") ? $"names: [{given.Value}]" : $"{keys[0]}: {given.Value}")} }}'"
                        : "";
                    Report(node, $"{what} must be a mapping of keys ({string.Join(", ", keys)}){hint}");
                    yield break;
                }

                foreach (var pair in mapping.Children)
                {
                    string key = pair.Key is YamlScalarNode scalar ? scalar.Value ?? "" : "";
                    if (!keys.Contains(key, StringComparer.Ordinal))
                    {
                        // Keys are case-sensitive, as everywhere in YAML: name the one that differs only in case.
                        string? meant = keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                        Report(pair.Key, meant != null
                            ? $"unknown key '{key}' in {what}: keys are case-sensitive; did you mean '{meant}'?"
                            : $"unknown key '{key}' in {what}; expected one of: {string.Join(", ", keys)}");
                        continue;
                    }

                    yield return (key, pair.Value);
                }
            }

            private string Str(YamlNode node)
            {
                if (node is YamlScalarNode scalar && scalar.Value != null)
                {
                    return scalar.Value;
                }

                Report(node, "expected a text value");
                return "";
            }

            private List<string> Strings(YamlNode node)
            {
                if (node is YamlSequenceNode sequence)
                {
                    return sequence.Children.Select(Str).ToList();
                }

                return new List<string> { Str(node) };
            }

            // Text to number only: ranges are the validator's (PlanSchema), so New-BootPlan's plans meet the same ones.
            // Not a number: the problem is reported and the key keeps the value it had (no second, made-up problem).
            private int Int(YamlNode node, PlanNumber number, object owner, int unchanged)
            {
                if (node is YamlScalarNode scalar && scalar.Style == ScalarStyle.Plain
                    && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                {
                    values[(owner, number.Key)] = node;
                    return value;
                }

                Report(node, number.NotANumber(where, (node as YamlScalarNode)?.Value ?? node.NodeType.ToString()));
                return unchanged;
            }

            private bool Bool(YamlNode node, bool unchanged)
            {
                if (node is YamlScalarNode scalar && scalar.Style == ScalarStyle.Plain)
                {
                    if (string.Equals(scalar.Value, "true", StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }

                    if (string.Equals(scalar.Value, "false", StringComparison.OrdinalIgnoreCase))
                    {
                        return false;
                    }
                }

                Report(node, "expected true or false");
                return unchanged;
            }
        }
    }
}
