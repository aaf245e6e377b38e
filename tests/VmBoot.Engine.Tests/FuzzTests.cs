using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using VmBoot.BootLog;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.VSphere;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// Whatever a host prints or a user writes, the parsers give objects or clean errors: never an
    /// unhandled exception or a hang. Inputs: arbitrary text and mutated real captures.
    /// </summary>
    public class FuzzTests
    {
        private const string Hostile = "\t\n\r []{}():,'\"`$;&|<>*?#%=+-~\\/@!\u00a0\u3000\u4eee\u60f3\ufeff\u0000";

        private static string Fixture(params string[] parts) => File.ReadAllText(Path.Combine(new[] { AppContext.BaseDirectory, "fixtures" }.Concat(parts).ToArray()));

        private static readonly string[] GetAllVmsCaptures =
            { "cluster-host.txt", "cluster-host-untrimmed-crlf.txt", "japanese-bytes.txt", "japanese-chars.txt", "one-vm-esxi8.txt", "wide-vmids.txt", "empty-esxi8.txt" };

        private static readonly string[] AutoBackupCaptures =
            { "esxi7-first-local-sh.txt", "nothing-changed.txt", "old-forms.txt", "seed-dvsdata.txt", "seed-hostsvc.txt" };

        // One edit of a text: delete, insert, replace, duplicate or drop a line, truncate.
        private static Gen<Func<string, string>> Edit(Gen<int> position) => Gen.OneOf(
            Gen.Select(position, Gen.Int[1, 40], (p, n) => (Func<string, string>)(s => s.Length == 0 ? s : s.Remove(p % s.Length, Math.Min(n, s.Length - p % s.Length)))),
            Gen.Select(position, Gen.String[Gen.Char[Hostile + "0123456789abc"], 1, 12], (p, t) => (Func<string, string>)(s => s.Insert(s.Length == 0 ? 0 : p % (s.Length + 1), t))),
            Gen.Select(position, Gen.Char[Hostile], (p, c) => (Func<string, string>)(s => s.Length == 0 ? s : s.Remove(p % s.Length, 1).Insert(p % s.Length, c.ToString()))),
            Gen.Select(position, p => (Func<string, string>)(s =>
            {
                var lines = s.Split('\n').ToList();
                lines.Insert(p % lines.Count, lines[p % lines.Count]);
                return string.Join("\n", lines);
            })),
            Gen.Select(position, p => (Func<string, string>)(s =>
            {
                var lines = s.Split('\n').ToList();
                lines.RemoveAt(p % lines.Count);
                return string.Join("\n", lines);
            })),
            Gen.Select(position, p => (Func<string, string>)(s => s.Substring(0, s.Length == 0 ? 0 : p % s.Length))));

        private static Gen<string> Mutated(IReadOnlyList<string> originals) =>
            Gen.Select(Gen.Int[0, originals.Count - 1], Edit(Gen.Int[0, int.MaxValue]).Array[1, 8], (i, edits) => edits.Aggregate(originals[i], (text, edit) => edit(text)));

        private static Gen<string> Inputs(IReadOnlyList<string> originals) => Gen.Frequency(
            (6, Mutated(originals)),
            (2, Gen.String[Gen.Char[Hostile + "abcXYZ0189 -[]"], 0, 400]),
            (1, Gen.String));

        [Fact]
        public void GetAllVmsParserNeverThrows()
        {
            var captures = GetAllVmsCaptures.Select(f => Fixture(f)).ToList();
            Inputs(captures).Sample(text =>
            {
                var (vms, diagnostics) = GetAllVmsParser.Parse(text, "fuzz");
                Assert.All(diagnostics, d => Assert.Matches("^(GetAllVms|Esxi)[A-Za-z]+$", d.ErrorId));
                Assert.All(diagnostics, d => Assert.InRange(d.LineNumber, 1, text.Split('\n').Length));
                // Each VM's parts are cut from its File column, never made up: the datastore in brackets, then the path.
                Assert.All(vms, vm => Assert.True(vm.Vmid >= 0 && vm.File.StartsWith("[" + vm.Datastore + "]", System.StringComparison.Ordinal) && vm.File.EndsWith(vm.VmxPath, System.StringComparison.Ordinal), vm.File));
            }, iter: 4000);
        }

        [Fact]
        public void AutoBackupAnalyzerNeverThrows()
        {
            var captures = AutoBackupCaptures.Select(f => Fixture("auto-backup", f)).ToList();
            Inputs(captures).Sample(text =>
            {
                var report = AutoBackupAnalyzer.Analyze(text.Split('\n'));
                Assert.All(report.Files, f => Assert.False(string.IsNullOrWhiteSpace(f.Path)));
            }, iter: 4000);
        }

        // What a host's vSphere API answers goes through Answer (and an inventory page through FromPage): a result,
        // or an error naming the host; never another exception, never a hang.
        private static void ReadVSphereAnswer(byte[] bytes)
        {
            try
            {
                var body = VimClient.Answer(System.Net.HttpStatusCode.OK, new MemoryStream(bytes), 1 << 20, "esx01", "RetrievePropertiesEx");
                if (body.Element(VimClient.Vim + "returnval") is System.Xml.Linq.XElement returned)
                {
                    Assert.All(VimInventory.FromPage(returned, "esx01").ToList(), vm => Assert.Equal("esx01", vm.Server));
                }
            }
            catch (VSphereApiException e)
            {
                Assert.Equal("esx01", e.Server);
                Assert.StartsWith("esx01: ", e.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void VSphereAnswersGiveAResultOrAnErrorNamingTheHost()
        {
            var captures = new[] { "govmomi-content.xml", "govmomi-login-fault.xml", "govmomi-properties.xml" }.Select(f => Fixture("vsphere", f)).ToList();
            Inputs(captures).Sample(text => ReadVSphereAnswer(Encoding.UTF8.GetBytes(text)), iter: 3000);
            Gen.Byte.Array[0, 600].Sample(ReadVSphereAnswer, iter: 1000);
        }

        [Theory]
        [InlineData("<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><e>&x;</e>")]
        [InlineData("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><l>&c;</l>")]
        public void VSphereAnswersWithADtdAreRefused(string answer)
        {
            var e = Assert.Throws<VSphereApiException>(() => VimClient.Answer(System.Net.HttpStatusCode.OK, new MemoryStream(Encoding.UTF8.GetBytes(answer)), 1 << 20, "esx01", "Login"));
            Assert.Equal("VSphereProtocolError", e.ErrorId);
            Assert.Contains("DTD", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AVSphereAnswerLargerThanTheLimitIsRefused()
        {
            string page = Fixture("vsphere", "govmomi-properties.xml");
            var e = Assert.Throws<VSphereApiException>(() => VimClient.Answer(System.Net.HttpStatusCode.OK, new MemoryStream(Encoding.UTF8.GetBytes(page)), page.Length / 2, "esx01", "RetrievePropertiesEx"));
            Assert.Equal("VSphereProtocolError", e.ErrorId);
            Assert.Contains("larger than", e.Message, StringComparison.Ordinal);
            // The same answer within the limit is the host's VMs, and a fault is its type.
            var body = VimClient.Answer(System.Net.HttpStatusCode.OK, new MemoryStream(Encoding.UTF8.GetBytes(page)), page.Length * 2, "esx01", "RetrievePropertiesEx");
            Assert.Equal(4, VimInventory.FromPage(body.Element(VimClient.Vim + "returnval")!, "esx01").Count());
            var fault = Assert.Throws<VSphereApiException>(() => VimClient.Answer(System.Net.HttpStatusCode.InternalServerError, new MemoryStream(Encoding.UTF8.GetBytes(Fixture("vsphere", "govmomi-login-fault.xml"))), 1 << 20, "esx01", "Login"));
            Assert.Equal("InvalidLogin", fault.FaultType);
        }

        [Fact]
        public void PlanLoaderGivesAPlanOrALocatedError()
        {
            var plans = new List<string> { Fixture("boot-plan.example.yml"), BootPlanYaml.Write(new BootPlan { Stages = { new BootStage { Name = "all", Select = { All = true } } } }) };
            Inputs(plans).Sample(text =>
            {
                try
                {
                    var plan = BootPlanYaml.Read(text, "fuzz.yml");
                    Assert.NotEmpty(plan.Stages);
                    Assert.Equal(BootPlanYaml.Write(plan), BootPlanYaml.Write(BootPlanYaml.Read(BootPlanYaml.Write(plan), "again.yml")));
                }
                catch (BootPlanException e)
                {
                    Assert.StartsWith("fuzz.yml", e.Message);
                }
            }, iter: 3000);
        }

        [Fact]
        public void PlanLoaderRefusesAnAliasBombQuickly()
        {
            var bomb = new StringBuilder("version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
            for (int i = 1; i < 12; i++)
            {
                bomb.Append((char)('a' + i)).Append(": &").Append((char)('a' + i)).Append(" [")
                    .Append(string.Join(", ", Enumerable.Repeat("*" + (char)('a' + i - 1), 10))).Append("]\n");
            }

            var e = Assert.Throws<BootPlanException>(() => BootPlanYaml.Read(bomb + "stages: []\n", "bomb.yml"));
            Assert.StartsWith("bomb.yml:", e.Message);
        }

        [Fact]
        public void NamesWithLineBreaksOrTabsNeverReachTheScript()
        {
            var name = Gen.String[Gen.Char["ab $`'\";|&\n\r\t\u000b\u0085\u2028"], 1, 12].Where(n => n.Trim().Length > 0);
            name.Array[1, 6].Sample(names =>
            {
                var vms = names.Select((n, i) => new EsxiVm { Vmid = i + 1, Name = n, File = $"[ds] {n}/{n}.vmx", Datastore = "ds", Server = "esx01" }).ToList();
                var plan = new BootPlan { Log = { Datastore = "ds" }, Stages = { new BootStage { Name = "all", Select = { All = true } } } };
                var script = BootScriptGenerator.Create(plan, vms, null, "fuzz");
                Assert.All(script.Preview, p => Assert.Equal(-1, p.Name.IndexOfAny(new[] { '\n', '\r', '\t' })));
                Assert.Equal(vms.Count(v => v.Name.IndexOfAny(new[] { '\n', '\r', '\t' }) >= 0), script.Warnings.Count(w => w.Contains("tab or line break")));
                string block = script.Block;
                int start = block.IndexOf("cat <<'VMBOOT_TARGETS'\n", StringComparison.Ordinal) + "cat <<'VMBOOT_TARGETS'\n".Length;
                int end = block.IndexOf("\nVMBOOT_TARGETS\n", start - 1, StringComparison.Ordinal);
                var targets = end > start ? block.Substring(start, end - start).Split('\n') : Array.Empty<string>();
                Assert.Equal(script.Preview.Select(p => p.File).Distinct().Count(), targets.Length);
                Assert.All(targets, t => Assert.Matches("^1\tds\t[^\t\n]*\t[^\t\n]*$", t));
            }, iter: 2000);
        }

        [Fact]
        public void LongLinesParseWhole()
        {
            // A quadratic parser would not finish these; the test would hang instead of passing.
            string longName = new string('x', 1_000_000);
            string text = VmBoot.EsxiSim.GetAllVmsRenderer.Render(new[] { new VmBoot.EsxiSim.VmRow(1, longName, "[ds] a/a.vmx", "otherGuest", "vmx-19", "") });
            var (vms, _) = GetAllVmsParser.Parse(text);
            Assert.Equal(longName, Assert.Single(vms).Name);
            Assert.Empty(GetAllVmsParser.Parse(new string(' ', 2_000_000) + "\n" + new string('[', 2_000_000)).Vms);
            Assert.DoesNotContain(AutoBackupAnalyzer.Analyze(new[] { "--- " + new string('a', 2_000_000), "+++ b", "@@ -1 +1 @@", "-" + new string('[', 1_000_000) }).Files, f => f.Path.Length == 0);
            Assert.Throws<BootPlanException>(() => BootPlanYaml.Read("version: 1\nstages:\n  - name: " + new string('y', 1_000_000) + "\n    select: { nameMatch: ['" + new string('(', 100_000) + "'] }\n", "long.yml"));
            Assert.Single(BootLogParser.Parse(new[] { "2026-11-20T03:00:05Z\tesx01\tpower-on\t1\t2\t1\tok\t" + longName + "\t-" }, "long", _ => { }));
        }
    }
}
