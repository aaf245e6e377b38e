using System.Collections.Generic;
using System.Linq;
using CsCheck;
using VmBoot.EsxiSim;
using VmBoot.Inventory;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>Render a random inventory as vim-cmd would, parse it back, compare field by field.</summary>
    public class GetAllVmsRoundTripProperties
    {
        private const string NameChars = "abcXYZ019 -_.()[]{}'\"$`;&|<>*?!#%=+,~\\/仮想マシンデータ";
        private const string NoteChars = "abc XYZ 019 -_.:()[]'\"$`;&|仮想=";

        // Names never start or end with a space: vim-cmd's padding would swallow it.
        private static readonly Gen<string> Name = Gen.String[Gen.Char[NameChars], 1, 24]
            .Select(s => s.Trim())
            .Where(s => s.Length > 0);

        private static readonly Gen<string> Word = Gen.String[Gen.Char["abcdefgh0123データ"], 1, 8];

        // Datastores hold spaces, parentheses and balanced brackets; an unbalanced "] " inside one is ambiguous in the format itself.
        private static readonly Gen<string> Datastore = Gen.OneOf(
                Word,
                Gen.Select(Word, Word, (a, b) => $"{a} ({b})"),
                Gen.Select(Word, Word, (a, b) => $"{a} [{b}]"),
                Gen.Select(Word, Word, (a, b) => $"{a} {b}"));

        private static readonly Gen<string> GuestId = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_"], 1, 24];

        // Note lines that would look like a row, a header or an ESXi warning are not notes vim-cmd could print unambiguously.
        private static readonly Gen<string> NoteLine = Gen.String[Gen.Char[NoteChars], 0, 30]
            .Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, "^[0-9]+ {3}"));

        private static readonly Gen<string> Notes = Gen.Frequency(
                (3, Gen.Const("")),
                (3, NoteLine.Array[1, 4].Select(lines => string.Join("\n", lines))))
            .Select(n => n.TrimEnd(' ', '\n'));

        private static readonly Gen<EsxiVm> Vm = Gen.Select(Name, Datastore, Name, GuestId, Gen.Int[4, 21], Notes,
            (name, datastore, folder, guest, version, notes) => new EsxiVm
            {
                Name = name,
                Datastore = datastore,
                VmxPath = $"{folder}/{name}.vmx",
                File = $"[{datastore}] {folder}/{name}.vmx",
                GuestId = guest,
                HardwareVersion = $"vmx-{version}",
                Notes = notes,
            });

        private static readonly Gen<List<EsxiVm>> Inventory = Gen.Select(Vm.Array[0, 12], Gen.Int[1, 200000].Array[12], (vms, ids) =>
        {
            var unique = ids.Distinct().ToArray();
            return vms.Take(unique.Length).Select((vm, i) => { vm.Vmid = unique[i]; return vm; }).ToList();
        });

        private static VmRow ToRow(EsxiVm vm) => new VmRow(vm.Vmid, vm.Name, vm.File, vm.GuestId, vm.HardwareVersion, vm.Notes);

        [Fact]
        public void RenderedInventoriesParseBackExactly()
        {
            Gen.Select(Inventory, Gen.Bool, Gen.Bool, Gen.Bool).Sample((inventory, utf8Widths, trailing, crlf) =>
            {
                string text = GetAllVmsRenderer.Render(inventory.Select(ToRow), utf8Widths, trailing, crlf ? "\r\n" : "\n");
                var (vms, diagnostics) = GetAllVmsParser.Parse(text, "esx01");
                Assert.Empty(diagnostics);
                var expected = inventory.OrderBy(v => v.Vmid.ToString(System.Globalization.CultureInfo.InvariantCulture), System.StringComparer.Ordinal).ToList();
                Assert.Equal(expected.Count, vms.Count);
                for (int i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Vmid, vms[i].Vmid);
                    Assert.Equal(expected[i].Name, vms[i].Name);
                    Assert.Equal(expected[i].File, vms[i].File);
                    Assert.Equal(expected[i].Datastore, vms[i].Datastore);
                    Assert.Equal(expected[i].VmxPath, vms[i].VmxPath);
                    Assert.Equal(expected[i].GuestId, vms[i].GuestId);
                    Assert.Equal(expected[i].HardwareVersion, vms[i].HardwareVersion);
                    Assert.Equal(expected[i].Notes, vms[i].Notes);
                    Assert.Equal("esx01", vms[i].Server);
                }
            }, iter: 3000);
        }

        [Fact]
        public void LinesArrivingOneByOneParseLikeTheWholeText()
        {
            Inventory.Sample(inventory =>
            {
                string text = GetAllVmsRenderer.Render(inventory.Select(ToRow));
                var whole = GetAllVmsParser.Parse(text).Vms;
                var streamed = new List<EsxiVm>();
                var parser = new GetAllVmsParser("", streamed.Add, d => Assert.Fail(d.Message));
                foreach (string line in text.Split('\n'))
                {
                    parser.Push(line);
                }

                parser.Complete();
                Assert.Equal(whole.Select(v => (v.Vmid, v.Name, v.File, v.Notes)), streamed.Select(v => (v.Vmid, v.Name, v.File, v.Notes)));
            }, iter: 500);
        }
    
        // The probe's layout check: the simulator's renderer (written from esxi-facts.md) and the engine's writer agree
        // on every table, so a difference on a real host is the host's, not the writer's.
        [Fact]
        public void ParsedTablesAreWrittenBackToTheSameText()
        {
            Gen.Select(Inventory, Gen.Bool, Gen.Bool, Gen.Bool).Sample((inventory, utf8Widths, trailing, crlf) =>
            {
                string text = GetAllVmsRenderer.Render(inventory.Select(ToRow), utf8Widths, trailing, crlf ? "\r\n" : "\n");
                var (same, how) = GetAllVmsWriter.RoundTrip(text, GetAllVmsParser.Parse(text).Vms);
                Assert.True(same, how);
                Assert.Equal(text.Replace("\r\n", "\n"), GetAllVmsWriter.WriteLike(how, GetAllVmsParser.Parse(text).Vms));
            }, iter: 1000);
        }

        [Fact]
        public void ATableOutOfVmidOrderIsNotTheSameText()
        {
            string text = GetAllVmsRenderer.Render(new[] { new VmRow(2, "b", "[ds] b/b.vmx", "otherGuest", "vmx-19", ""), new VmRow(11, "a", "[ds] a/a.vmx", "otherGuest", "vmx-19", "") });
            var lines = text.Split('\n');
            string numeric = string.Join("\n", lines[0], lines[2], lines[1], lines[3]);
            var (same, how) = GetAllVmsWriter.RoundTrip(numeric, GetAllVmsParser.Parse(numeric).Vms);
            Assert.False(same);
            Assert.StartsWith("line 2 differs: the host printed '2 ", how);
        }
    }
}
