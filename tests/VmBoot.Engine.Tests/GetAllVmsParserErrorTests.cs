using System.Collections.Generic;
using System.Linq;
using VmBoot.Inventory;
using Xunit;

namespace VmBoot.Engine.Tests
{
    public class GetAllVmsParserErrorTests
    {
        // Laid out by vim-cmd's rules: widths 4, 5, 19, 11, 7, 10; labels centred.
        private const string Header = "Vmid   Name           File            Guest OS     Version   Annotation";
        private const string Row1 = "1      vcsa    [ds1] vcsa/vcsa.vmx   otherGuest    vmx-13              ";
        private const string Row2 = "2      web01   [ds1] web/web01.vmx   centosGuest   vmx-13    front end ";

        [Fact]
        public void TextWithoutHeaderIsOneErrorWithLineNumber()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse("hello\nworld\n");
            Assert.Empty(vms);
            var error = Assert.Single(diagnostics);
            Assert.Equal(GetAllVmsParser.HeaderNotFound, error.ErrorId);
            Assert.Equal(DiagnosticSeverity.Error, error.Severity);
            Assert.Equal(1, error.LineNumber);
            Assert.Contains("2 line(s)", error.Message);
        }

        [Fact]
        public void EmptyTextHasNoHeader()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse("");
            Assert.Empty(vms);
            Assert.Equal(GetAllVmsParser.HeaderNotFound, Assert.Single(diagnostics).ErrorId);
        }

        [Fact]
        public void TruncatedRowIsAnErrorAndTheOtherRowsSurvive()
        {
            string text = string.Join("\n", Header, Row1, "3      db01    [ds1] db0", Row2);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Equal(new[] { "vcsa", "web01" }, vms.Select(v => v.Name));
            Assert.Equal("front end", vms[1].Notes);
            var error = Assert.Single(diagnostics);
            Assert.Equal(GetAllVmsParser.RowMalformed, error.ErrorId);
            Assert.Equal(3, error.LineNumber);
            Assert.Contains("Line 3", error.Message);
        }

        [Fact]
        public void LinesBeforeTheHeaderAreReportedButDoNotStopParsing()
        {
            string text = string.Join("\n", "Tue Nov 25 06:16:27 UTC 2026", Header, Row1);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Equal("vcsa", Assert.Single(vms).Name);
            var error = Assert.Single(diagnostics);
            Assert.Equal(GetAllVmsParser.UnexpectedLine, error.ErrorId);
            Assert.Equal(1, error.LineNumber);
        }

        [Fact]
        public void GarbageAfterHeaderWithNoRowIsUnexpected()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Header + "\n\u0001\u0002binary junk\n");
            Assert.Empty(vms);
            Assert.Equal(GetAllVmsParser.UnexpectedLine, Assert.Single(diagnostics).ErrorId);
        }

        [Fact]
        public void NoteLinesThatStartWithDigitsStayNotes()
        {
            string text = string.Join("\n", Header, "1      vcsa    [ds1] vcsa/vcsa.vmx   otherGuest    vmx-13    first", "2 nodes, 3 disks", Row2);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Empty(diagnostics);
            Assert.Equal("first\n2 nodes, 3 disks", vms[0].Notes);
            Assert.Equal(2, vms.Count);
        }

        [Fact]
        public void SkippingLinesAnywhereAreWarnings()
        {
            string text = string.Join("\n", "Skipping invalid VM '6'", Header, Row1, "Skipping invalid VM '7'", Row2);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Equal(2, vms.Count);
            Assert.Equal("", vms[0].Notes);
            Assert.Equal(new[] { 1, 4 }, diagnostics.Select(d => d.LineNumber));
            Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        }

        [Fact]
        public void VmsStreamOutBeforeTheInputEnds()
        {
            var seen = new List<EsxiVm>();
            var parser = new GetAllVmsParser("", seen.Add, _ => { });
            parser.Push(Header);
            parser.Push(Row1);
            Assert.Empty(seen);
            parser.Push(Row2);
            Assert.Equal("vcsa", Assert.Single(seen).Name);
            parser.Complete();
            Assert.Equal(2, seen.Count);
        }

        [Fact]
        public void HeaderThatNoLayoutFitsIsOneErrorAndItsRowsAreSkipped()
        {
            string text = string.Join("\n", "Vmid Name File Guest OS Version Annotation", Row1, Row2, Header, Row1);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Equal("vcsa", Assert.Single(vms).Name);
            var error = Assert.Single(diagnostics);
            Assert.Equal(GetAllVmsParser.HeaderMalformed, error.ErrorId);
            Assert.Equal(1, error.LineNumber);
            Assert.Contains("2 line(s)", error.Message);
        }

        [Fact]
        public void TwoTablesInOneLogAreBothRead()
        {
            string text = string.Join("\n", Header, Row1, Header, Row2);
            var (vms, diagnostics) = GetAllVmsParser.Parse(text);
            Assert.Empty(diagnostics);
            Assert.Equal(new[] { "vcsa", "web01" }, vms.Select(v => v.Name));
        }

        [Theory]
        [InlineData("[ds1] a/a.vmx", "ds1", "a/a.vmx")]
        [InlineData("[] /var/run/crx/x.vmx", "", "/var/run/crx/x.vmx")]
        [InlineData("[nfs [gold]] a [b]/a.vmx", "nfs [gold]", "a [b]/a.vmx")]
        [InlineData("[a [b] x.vmx", "a [b", "x.vmx")]
        public void FileSplitsIntoDatastoreAndPath(string file, string datastore, string path)
        {
            Assert.Equal((datastore, path), GetAllVmsParser.SplitFile(file));
        }
    }
}
