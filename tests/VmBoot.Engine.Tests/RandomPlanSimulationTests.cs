using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using VmBoot.EsxiSim;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// Random inventories (names full of shell metacharacters and non-ASCII) and random plans go
    /// through the generator and run under BusyBox ash in the simulator: exactly the plan's selection
    /// starts, on the hosts where it is registered, and nothing in a name is ever executed.
    /// </summary>
    [Collection("Cluster")]
    public class RandomPlanSimulationTests
    {
        private const string Canary = "/tmp/pwned";
        private const string NameChars = "abcXYZ019 -_.()[]{}'\"$`;&|<>*?!#%=+,~\\仮想マシン";

        private static readonly Gen<string> Name = Gen.OneOf(
                Gen.String[Gen.Char[NameChars], 1, 16],
                Gen.Select(Gen.String[Gen.Char["abc"], 1, 3], Gen.OneOf(Gen.Const("$(touch " + Canary + ")"), Gen.Const("`touch " + Canary + "`"), Gen.Const("; touch " + Canary), Gen.Const("' ; touch " + Canary + " '"), Gen.Const("\"$(touch " + Canary + ")\"")), (a, b) => a + b))
            .Select(s => s.Trim())
            .Where(s => s.Length > 0 && !s.Contains("   "));

        private static readonly Gen<List<string>[]> Inventories = Name.Array[1, 5].Array[3]
            .Select(hosts => hosts.Select(names => names.Distinct().ToList()).ToArray());

        private readonly ClusterFixture fixture;

        public RandomPlanSimulationTests(ClusterFixture fixture) => this.fixture = fixture;

        private static Gen<BootPlan> Plans(List<string>[] inventories)
        {
            var all = inventories.SelectMany(n => n).Distinct().ToList();
            var pick = Gen.Int[0, all.Count - 1].Array[0, 3].Select(ix => ix.Select(i => all[i]).Distinct().ToList());
            var selector = Gen.Select(pick, pick, Gen.Bool, Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))), (names, like, firstLetter, everything) =>
            {
                // A selector with nothing in it is refused by the validator: then it takes the rest.
                var s = new VmSelector { All = everything || (names.Count == 0 && like.Count == 0) };
                s.Names.AddRange(names);
                // Wildcards derived from real names, escaped, with a trailing *: they select by prefix.
                s.NameLike.AddRange(like.Select(n => EscapeWildcards(n.Substring(0, firstLetter ? 1 : n.Length)) + "*"));
                return s;
            });
            return Gen.Select(selector.Array[1, 3], pick, (selectors, excluded) =>
            {
                var plan = new BootPlan { Log = { Datastore = "shared ds" }, Readiness = { Timeout = 60 }, PowerOn = { Retries = 0 } };
                plan.Exclude.Names.AddRange(excluded);
                for (int i = 0; i < selectors.Length; i++)
                {
                    var stage = new BootStage { Name = $"stage {i + 1}" };
                    stage.Select.All = selectors[i].All;
                    stage.Select.Names.AddRange(selectors[i].Names);
                    stage.Select.NameLike.AddRange(selectors[i].NameLike);
                    plan.Stages.Add(stage);
                }

                return plan;
            });
        }

        // The plan's rules for these plans, written out plainly: not excluded by name, and some stage takes everything,
        // names it exactly, or names a prefix of it (any case).
        private static bool Starts(BootPlan plan, string name)
            => !plan.Exclude.Names.Contains(name, StringComparer.Ordinal)
                && plan.Stages.Any(stage => stage.Select.All || stage.Select.Names.Contains(name, StringComparer.Ordinal)
                    || stage.Select.NameLike.Any(pattern => name.StartsWith(UnescapeWildcards(pattern.Substring(0, pattern.Length - 1)), StringComparison.OrdinalIgnoreCase)));

        private static string UnescapeWildcards(string text)
        {
            var plain = new System.Text.StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                plain.Append(text[i] == '`' && i + 1 < text.Length ? text[++i] : text[i]);
            }

            return plain.ToString();
        }

        private static string EscapeWildcards(string text) => string.Concat(text.Select(c => "*?[]`".IndexOf(c) >= 0 ? "`" + c : c.ToString()));

        [Fact]
        public void StartsExactlyTheSelectionAndNeverRunsANameAcrossRandomPlans()
        {
            Inventories.SelectMany(inv => Plans(inv).Select(plan => (inv, plan))).Sample(sample =>
            {
                var (inventories, plan) = sample;
                for (int h = 0; h < 3; h++)
                {
                    fixture.Simulator[h].SetInventory(inventories[h].Select((name, i) => new SimVm { Vmid = i + 1, Name = name, Datastore = "shared ds" }));
                    fixture.Simulator[h].AddDatastore("shared ds");
                }

                var script = BootScriptGenerator.Create(plan, fixture.LiveInventory(), SimHost.StockLocalSh, "fuzz");
                // What should start, worked out here from the plan and the inventory, not from the generator's preview.
                var expected = fixture.Simulator.Hosts.SelectMany((host, h) => inventories[h].Where(name => Starts(plan, name)).Select(name => (host.Address + ":" + host.Port, name))).ToHashSet();
                var started = new HashSet<(string, string)>();
                foreach (var host in fixture.Simulator.Hosts)
                {
                    fixture.Install(host, script.Content);
                    var timeline = host.PowerCycle();
                    Assert.True(timeline.BootScriptsRan);
                    foreach (var e in timeline.Events.Where(e => e.Result == "PoweredOn"))
                    {
                        Assert.True(started.Add((host.Address + ":" + host.Port, e.Name ?? "")), $"{e.Name} started twice");
                    }

                    Assert.False(host.FileExists(Canary), "a VM name was executed");
                }

                Assert.Equal(expected, started);
            }, iter: 12, threads: 1, print: s => string.Join(" | ", s.inv.Select(n => string.Join(", ", n))) + " / " + BootPlanYaml.Write(s.plan));
        }
    }
}
