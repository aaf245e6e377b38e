using System.IO;
using System.Linq;
using VmBoot.Inventory;
using Xunit;

namespace VmBoot.Engine.Tests
{
    public class GetAllVmsParserFixtureTests
    {
        private static string Fixture(string name) => File.ReadAllText(Path.Combine(System.AppContext.BaseDirectory, "fixtures", name));

        [Fact]
        public void EmptyInventoryIsHeaderAloneAndYieldsNothing()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Fixture("empty-esxi8.txt"));
            Assert.Empty(vms);
            Assert.Empty(diagnostics);
        }

        [Fact]
        public void RealEsxi8CaptureWithOneVm()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Fixture("one-vm-esxi8.txt"), server: "esx01");
            Assert.Empty(diagnostics);
            var vm = Assert.Single(vms);
            Assert.Equal(1, vm.Vmid);
            Assert.Equal("x8", vm.Name);
            Assert.Equal("pve-esx", vm.Datastore);
            Assert.Equal("x8/x8.vmx", vm.VmxPath);
            Assert.Equal("[pve-esx] x8/x8.vmx", vm.File);
            Assert.Equal("centos9_64Guest", vm.GuestId);
            Assert.Equal("vmx-20", vm.HardwareVersion);
            Assert.Equal("", vm.Notes);
            Assert.False(vm.IsVcls);
            Assert.Equal("esx01", vm.Server);
        }

        [Theory]
        [InlineData("cluster-host.txt")]
        [InlineData("cluster-host-untrimmed-crlf.txt")]
        public void ClusterHostWithHardNamesVclsAndMultiLineNotes(string fixture)
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Fixture(fixture));
            Assert.Equal(new[] { 1, 11, 12, 2, 24, 3 }, vms.Select(v => v.Vmid));

            var web = vms.Single(v => v.Vmid == 3);
            Assert.Equal("web   [old", web.Name);
            Assert.Equal("shared ds (gold)", web.Datastore);
            Assert.Equal("web   [old/web   [old.vmx", web.VmxPath);
            Assert.Equal("Old web server.\nDo not delete: audit 2026.", web.Notes);

            var dc = vms.Single(v => v.Vmid == 2);
            Assert.Equal("dc01 (primary)", dc.Name);
            Assert.Equal("vmboot: stage=infra", dc.Notes);
            Assert.Equal("windows2019srv_64Guest", dc.GuestId);

            var embedded = vms.Single(v => v.Vmid == 11);
            Assert.Equal("", embedded.Datastore);
            Assert.StartsWith("/var/run/crx/infra/vCLS-", embedded.VmxPath);
            Assert.Equal("crxSys1Guest", embedded.GuestId);
            Assert.True(embedded.IsVcls);
            Assert.True(vms.Single(v => v.Vmid == 12).IsVcls);
            Assert.Equal(2, vms.Count(v => v.IsVcls));

            var escaped = vms.Single(v => v.Vmid == 24);
            Assert.Equal("app%2fdb", escaped.Name);
            Assert.Equal("nfs [b]", escaped.Datastore);
            Assert.Equal("db", escaped.Notes);

            if (fixture.Contains("crlf"))
            {
                var warning = Assert.Single(diagnostics);
                Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
                Assert.Equal(GetAllVmsParser.VmSkipped, warning.ErrorId);
                Assert.Contains("'6'", warning.Message);
                Assert.Equal(1, warning.LineNumber);
            }
            else
            {
                Assert.Empty(diagnostics);
            }
        }

        [Theory]
        [InlineData("japanese-chars.txt")]
        [InlineData("japanese-bytes.txt")]
        public void JapaneseNamesWhetherPaddingCountsCharactersOrBytes(string fixture)
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Fixture(fixture));
            Assert.Empty(diagnostics);
            Assert.Equal(2, vms.Count);
            Assert.Equal("仮想マシン01", vms[0].Name);
            Assert.Equal("データストア1", vms[0].Datastore);
            Assert.Equal("仮想マシン01/仮想マシン01.vmx", vms[0].VmxPath);
            Assert.Equal("windows2019srv_64Guest", vms[0].GuestId);
            Assert.Equal("本番", vms[0].Notes);
            Assert.Equal("vcsa", vms[1].Name);
            Assert.Equal("vcsa/vcsa.vmx", vms[1].VmxPath);
        }

        [Fact]
        public void WideVmidsCentreTheHeaderAndSortAsStrings()
        {
            var (vms, diagnostics) = GetAllVmsParser.Parse(Fixture("wide-vmids.txt"));
            Assert.Empty(diagnostics);
            Assert.Equal(new[] { 1, 10, 100, 1000, 10000, 11, 123456, 2, 3 }, vms.Select(v => v.Vmid));
            Assert.All(vms, v => Assert.Equal($"vm{v.Vmid}", v.Name));
            Assert.All(vms, v => Assert.Equal($"vm{v.Vmid}/vm{v.Vmid}.vmx", v.VmxPath));
        }
    }
}
