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

        /// <summary>Writes a plan that <see cref="Read"/> gives back unchanged: the keys of <see cref="PlanKeys"/> that are not at their default.</summary>
        public static string Write(BootPlan plan)
        {
            var root = new YamlMappingNode { { "version", Scalar(plan.Version) } };
            foreach (var pair in Mapping(PlanScope.Plan, plan, "", whole: false).Children)
            {
                root.Add(pair.Key, pair.Value);
            }

            root.Add("stages", new YamlSequenceNode(plan.Stages.Select(stage => Mapping(PlanScope.Stage, stage, "", whole: false))));
            var writer = new StringWriter { NewLine = "\n" };
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            string yaml = writer.ToString();
            yaml = yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml.Substring(0, yaml.Length - 4) : yaml;
            return WithOrigins(yaml, plan.Stages);
        }

        // The keys under prefix: those not at their default, those always written, and all of a group that is on (whole).
        private static YamlMappingNode Mapping(PlanScope scope, object owner, string prefix, bool whole)
        {
            var node = new YamlMappingNode();
            foreach (var (name, entry) in PlanKeys.Children(scope, prefix))
            {
                switch (entry)
                {
                    case PlanKey key when key.Get(owner) != null && (whole || key.AlwaysWritten || !key.IsDefault(owner)):
                        node.Add(name, Value(key, owner));
                        break;
                    case PlanKey _:
                        break;
                    case PlanGroup selector when selector.Selector != null:
                        var chosen = selector.Selector(owner);
                        if (selector.AlwaysWritten || !chosen.IsEmpty)
                        {
                            node.Add(name, Mapping(PlanScope.Selector, chosen, "", whole: false));
                        }

                        break;
                    case PlanGroup part when part.IsOn != null:
                        if (part.IsOn(owner))
                        {
                            node.Add(name, Mapping(scope, owner, prefix + name + ".", whole: true));
                        }

                        break;
                    default:
                        var group = Mapping(scope, owner, prefix + name + ".", whole);
                        if (group.Children.Count > 0)
                        {
                            node.Add(name, group);
                        }

                        break;
                }
            }

            return node;
        }

        private static YamlNode Value(PlanKey key, object owner) => key.Kind switch
        {
            PlanValueKind.Number => Scalar((int)key.Get(owner)!),
            PlanValueKind.Flag => new YamlScalarNode((bool)key.Get(owner)! ? "true" : "false"),
            PlanValueKind.Choice => new YamlScalarNode((string)key.Get(owner)!),
            PlanValueKind.Texts => Sequence((List<string>)key.Get(owner)!),
            _ => Text((string)key.Get(owner)!),
        };

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
        public static string MaintenanceModeText(MaintenanceModePolicy policy) => policy.ToString().ToLowerInvariant();

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

        private static YamlSequenceNode Sequence(IEnumerable<string> values) => new YamlSequenceNode(values.Select(Text));

        // Strings are always quoted, so "yes", "1" or "~" stay strings in any YAML reader.
        private static YamlScalarNode Text(string value) => new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };

        private static YamlScalarNode Scalar(int value) => new YamlScalarNode(value.ToString(CultureInfo.InvariantCulture));

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
                var children = PlanKeys.Children(PlanScope.Plan, "").ToList();
                var keys = new[] { "version" }.Concat(children.Select(c => c.Name)).Concat(new[] { "stages" }).ToArray();
                foreach (var (key, value) in Mapping(node, "the plan", keys))
                {
                    switch (key)
                    {
                        case "version":
                            hasVersion = true;
                            if (!(value is YamlScalarNode scalar && scalar.Style == ScalarStyle.Plain
                                && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int version)))
                            {
                                Report(value, $"version: expected a whole number, not '{(value as YamlScalarNode)?.Value ?? value.NodeType.ToString()}'");
                            }
                            else if (version != CurrentVersion)
                            {
                                Report(value, $"version {version} is not supported; this VmBoot reads version {CurrentVersion}");
                            }

                            break;
                        case "stages":
                            if (!(value is YamlSequenceNode stages))
                            {
                                Report(value, "'stages' must be a list of stages (each starting with '- name:')");
                                break;
                            }

                            plan.Stages = stages.Children.Select(Stage).ToList();
                            where = "";
                            break;
                        default:
                            Entry(PlanScope.Plan, plan, "", children.First(c => c.Name == key).Entry, key, value);
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
                where = PlanKeys.Stage(index);
                int problemsBefore = Problems.Count;
                var stage = new BootStage();
                Keys(PlanScope.Stage, stage, "", node, "a stage");
                positions[stage] = node;
                if (Problems.Count > problemsBefore)
                {
                    stagesWithProblems.Add(stage);
                }

                return stage;
            }

            // The keys of scope under prefix, read from a mapping into owner.
            private void Keys(PlanScope scope, object owner, string prefix, YamlNode node, string what)
            {
                var children = PlanKeys.Children(scope, prefix).ToList();
                foreach (var (key, value) in Mapping(node, what, children.Select(c => c.Name).ToArray()))
                {
                    Entry(scope, owner, prefix, children.First(c => c.Name == key).Entry, key, value);
                }
            }

            private void Entry(PlanScope scope, object owner, string prefix, PlanEntry? entry, string name, YamlNode value)
            {
                if (entry is PlanKey key)
                {
                    Value(key, owner, value);
                    return;
                }

                var group = entry as PlanGroup;
                if (group?.SetSelector != null)
                {
                    var selector = new VmSelector();
                    Keys(PlanScope.Selector, selector, "", value, name);
                    positions[selector] = value;
                    group.SetSelector(owner, selector);
                    return;
                }

                // Given at all, a part that is on or off is on (heartbeat: {} waits with the default timeout).
                group?.Switch?.Invoke(owner, true);
                Keys(scope, owner, prefix + name + ".", value, name);
                if (group?.Requires is string required && PlanKeys.Values.First(k => k.Scope == scope && k.Key == group.Key + "." + required).IsDefault(owner))
                {
                    Report(value, group.RequiresMessage!);
                }
            }

            private void Value(PlanKey key, object owner, YamlNode node)
            {
                switch (key.Kind)
                {
                    case PlanValueKind.Number:
                        key.Set(owner, Int(node, key, owner, (int)key.Get(owner)!));
                        break;
                    case PlanValueKind.Flag:
                        key.Set(owner, Bool(node, (bool)key.Get(owner)!));
                        break;
                    case PlanValueKind.Texts:
                        key.Set(owner, Strings(node));
                        break;
                    case PlanValueKind.Choice:
                        string word = Str(node);
                        if (key.Choices.Contains(word, StringComparer.Ordinal))
                        {
                            key.Set(owner, word);
                        }
                        else
                        {
                            Report(node, string.Format(CultureInfo.InvariantCulture, key.ChoiceRefusal!, key.Key.Substring(key.Key.LastIndexOf('.') + 1), word));
                        }

                        break;
                    default:
                        key.Set(owner, Str(node));
                        break;
                }
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

            // Text to number only: ranges are the validator's (PlanKeys), so New-BootPlan's plans meet the same ones.
            // Not a number: the problem is reported and the key keeps the value it had (no second, made-up problem).
            private int Int(YamlNode node, PlanKey number, object owner, int unchanged)
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
