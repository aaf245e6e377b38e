using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Linq;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The plan-key table is the one list: every row is read, written, read back and taken from a hashtable, without a
    /// hand-kept list of keys here; the about topic's KEYS section is the table's.
    /// </summary>
    public class PlanKeysTests
    {
        public static IEnumerable<object[]> Keys => PlanKeys.Values.Select(k => new object[] { k.Scope + ":" + k.Key });

        public static IEnumerable<object[]> NumberKeys => PlanKeys.Values.Where(k => k.Kind == PlanValueKind.Number).Select(k => new object[] { k.Scope + ":" + k.Key });

        [Theory]
        [MemberData(nameof(Keys))]
        public void EveryKeyAwayFromItsDefaultIsWrittenReadBackAndTakenFromAHashtable(string row)
        {
            var key = Row(row);
            object value = OtherThanDefault(key);
            foreach (var (plan, owner) in Places(key))
            {
                key.Set(owner, value);
                Enable(key, plan.Stages[0]);

                string yaml = BootPlanYaml.Write(plan);
                Assert.Contains(key.Key.Substring(key.Key.LastIndexOf('.') + 1) + ":", yaml);
                var back = BootPlanYaml.Read(yaml, "plan.yml");
                Assert.Equal(yaml, BootPlanYaml.Write(back));
                var (_, ownerBack) = Places(key, back).First(p => Same(p.Owner, owner, plan, back));
                Assert.Equal(Show(value), Show(key.Get(ownerBack)));

                // The same plan from New-BootPlan's words.
                Assert.Equal(yaml, BootPlanYaml.Write(BootPlanDictionary.Read(AsParameters(plan))));
            }
        }

        [Theory]
        [MemberData(nameof(NumberKeys))]
        public void EveryNumberOutOfRangeGetsTheSameComplaintInBothWords(string row)
        {
            var key = Row(row);
            foreach (int value in new[] { key.Min - 1, key.Max == int.MaxValue ? key.Min - 2 : key.Max + 1 })
            {
                var (plan, owner) = Places(key).First();
                key.Set(owner, value);
                Enable(key, plan.Stages[0]);
                var yaml = Assert.Throws<BootPlanException>(() => BootPlanYaml.Read(BootPlanYaml.Write(plan), "plan.yml"));
                var table = Assert.Throws<BootPlanException>(() => BootPlanDictionary.Read(AsParameters(plan)));
                Assert.Equal(yaml.Reason.Replace(key.Key, key.PowerShellKey), table.Reason);
                Assert.Contains($"out of range ({key.Min} to {key.Max})", yaml.Reason);
            }
        }

        [Theory]
        [InlineData("version: 1\nreadynes: {}\nstages:\n  - name: a\n    select: { all: true }\n", 2, 1, "unknown key 'readynes' in the plan")]
        [InlineData("version: 1\nreadiness: { timeout: 5, quick: true }\nstages:\n  - name: a\n    select: { all: true }\n", 2, 26, "unknown key 'quick' in readiness")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true }\n    after: { tcp: { host: vc, prot: 443 } }\n", 5, 31, "unknown key 'prot' in tcp")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true, color: red }\n", 4, 26, "unknown key 'color' in select")]
        public void AnUnknownKeyInTheYamlIsAnErrorAtItsLineAndColumn(string yaml, int line, int column, string reason)
        {
            var e = Assert.Throws<BootPlanException>(() => BootPlanYaml.Read(yaml, "plan.yml"));
            Assert.Equal((line, column), (e.Line, e.Column));
            Assert.Contains(reason, e.Reason);
        }

        [Fact]
        public void AnUnknownKeyInAHashtableIsNamedNeverTaken()
        {
            var e = Assert.Throws<BootPlanException>(() => BootPlanDictionary.Read(new Hashtable
            {
                ["Stage"] = new object[] { new Hashtable { ["Name"] = "a", ["All"] = true, ["Colour"] = "red" } },
                ["Retry"] = 3,
            }));
            Assert.Contains(e.Problems, p => p.Reason.StartsWith("unknown key 'Retry'; a plan takes Stage, LogDatastore, LogPath", StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.Reason.StartsWith("stage 1: unknown key 'Colour'; a stage takes Name, Description, ", StringComparison.Ordinal));
            Assert.Equal(2, e.Problems.Count);
        }

        [Fact]
        public void TheAboutTopicListsTheTable()
        {
            string file = Path.Combine(Repository.Root(), "en-US", "about_VmBoot_BootPlan.help.txt");
            string topic = File.ReadAllText(file);
            int start = topic.IndexOf("  KEYS\n", StringComparison.Ordinal);
            int end = topic.IndexOf("\n  MISTAKES\n", StringComparison.Ordinal);
            string expected = string.Join("\n", PlanKeys.AboutKeys()) + "\n";
            if (Environment.GetEnvironmentVariable("VMBOOT_UPDATE_DOCS") == "1")
            {
                File.WriteAllText(file, topic.Substring(0, start) + expected + topic.Substring(end));
                return;
            }

            // Out of date: run this test once with VMBOOT_UPDATE_DOCS=1 and commit the topic.
            Assert.Equal(expected, topic.Substring(start, end - start));
        }

        [Fact]
        public void EveryRowSaysWhatItDoesAndHasItsOwnNames()
        {
            Assert.All(PlanKeys.All.OfType<PlanKey>(), k => Assert.True(k.Help?.Length > 10, k.Key));
            foreach (var scope in new[] { PlanScope.Plan, PlanScope.Stage })
            {
                var names = (scope == PlanScope.Plan ? BootPlanDictionary.PlanKeyNames : BootPlanDictionary.StageKeys).ToList();
                Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            }

            Assert.Equal(PlanKeys.Values.Count, PlanKeys.Values.Select(k => k.Scope + k.Key).Distinct().Count());
        }

        private static PlanKey Row(string row) => PlanKeys.Values.Single(k => k.Scope + ":" + k.Key == row);

        // A small valid plan for each place the key can be: the plan, its first stage, or each selector.
        private static IEnumerable<(BootPlan Plan, object Owner)> Places(PlanKey key, BootPlan? given = null)
        {
            BootPlan Fresh() => given ?? new BootPlan
            {
                Stages = { new BootStage { Name = "first", Select = { Names = { "vcsa" } } }, new BootStage { Name = "rest", Select = { All = true } } },
            };

            switch (key.Scope)
            {
                case PlanScope.Plan:
                    var plan = Fresh();
                    yield return (plan, plan);
                    break;
                case PlanScope.Stage:
                    var withStage = Fresh();
                    yield return (withStage, withStage.Stages[0]);
                    break;
                default:
                    foreach (var pick in new Func<BootPlan, VmSelector>[] { p => p.Exclude, p => p.Stages[0].Select, p => p.Stages[0].Exclude })
                    {
                        var withSelector = Fresh();
                        yield return (withSelector, pick(withSelector));
                    }

                    break;
            }
        }

        private static bool Same(object owner, object original, BootPlan plan, BootPlan back) =>
            owner is BootPlan || original is BootPlan
                ? owner is BootPlan && original is BootPlan
                : owner is BootStage || original is BootStage
                    ? owner is BootStage && original is BootStage
                    : (ReferenceEquals(original, plan.Exclude) && ReferenceEquals(owner, back.Exclude))
                      || (ReferenceEquals(original, plan.Stages[0].Select) && ReferenceEquals(owner, back.Stages[0].Select))
                      || (ReferenceEquals(original, plan.Stages[0].Exclude) && ReferenceEquals(owner, back.Stages[0].Exclude));

        // A key inside a gate part is written only with its part: turn the part on, with what it needs.
        private static void Enable(PlanKey key, BootStage stage)
        {
            if (key.Scope != PlanScope.Stage)
            {
                return;
            }

            foreach (var group in PlanKeys.All.OfType<PlanGroup>().Where(g => g.Scope == PlanScope.Stage && key.Key.StartsWith(g.Key + ".", StringComparison.Ordinal)))
            {
                if (group.Key == "after.heartbeat")
                {
                    stage.After.Heartbeat = true;
                }

                if (group.Key == "after.tcp" && stage.After.TcpHost == null)
                {
                    stage.After.TcpHost = "vc.lab";
                }

                if (group.Key == "after.rescan" && stage.After.RescanDatastores.Count == 0)
                {
                    stage.After.RescanDatastores.Add("nas ds");
                }
            }
        }

        private static object OtherThanDefault(PlanKey key) => key.Kind switch
        {
            PlanValueKind.Number => (int)key.Default! == key.Min + 1 ? key.Min + 2 : key.Min + 1,
            PlanValueKind.Flag => !(bool)key.Default!,
            PlanValueKind.Choice => key.Choices.First(c => !Equals(c, key.Default)),
            PlanValueKind.Texts => new List<string> { "nas ds", "two" },
            _ => key.Key == "after.tcp.host" ? "vc.lab" : "text with spaces",
        };

        private static string Show(object? value) => value is IEnumerable<string> list ? string.Join("|", list) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

        // The plan as New-BootPlan's parameters: every key of the table by its PowerShell name, selectors under their prefix.
        private static IDictionary AsParameters(BootPlan plan)
        {
            var parameters = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            Add(parameters, PlanScope.Plan, plan, "");
            parameters[BootPlanDictionary.StageKey] = plan.Stages.Select(stage =>
            {
                var table = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                Add(table, PlanScope.Stage, stage, "");
                return (object)table;
            }).ToArray();
            return parameters;
        }

        private static void Add(IDictionary table, PlanScope scope, object owner, string prefix)
        {
            foreach (var entry in PlanKeys.All.Where(e => e.Scope == scope))
            {
                if (entry is PlanKey key)
                {
                    if (PlanKeys.SwitchedGroupOf(key) is PlanGroup part && !part.IsOn!(owner))
                    {
                        continue;
                    }

                    object? value = key.Get(owner);
                    value = key.PowerShellSaysTheOpposite ? !(bool)value! : value is List<string> list ? list.ToArray() : value;
                    if (value != null)
                    {
                        table[prefix + key.PowerShellKey.TrimStart('-')] = value;
                    }
                }
                else if (entry is PlanGroup group && owner is BootPlan plan && entry.Key == "exclude")
                {
                    Add(table, PlanScope.Selector, plan.Exclude, "Exclude");
                }
                else if (entry is PlanGroup stageSelector && owner is BootStage stage && stageSelector.Key is "select" or "exclude")
                {
                    Add(table, PlanScope.Selector, stageSelector.Key == "select" ? stage.Select : stage.Exclude, stageSelector.Key == "select" ? "" : "Exclude");
                }
            }
        }
    }
}
