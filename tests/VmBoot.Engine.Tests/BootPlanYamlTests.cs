using System.IO;
using System.Linq;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    public class BootPlanYamlTests
    {
        private const string Full = @"version: 1
log:
  datastore: shared ds
readiness:
  minimumDelay: 30
  timeout: 900
  datastores: [shared ds, nfs01]
powerOn:
  retries: 4
  retryDelay: 15
vsan: false
exclude:
  nameLike: ['test-*']
  names: [""old vcsa""]
stages:
  - name: infra
    select:
      names: [vcsa01]
      nameLike: ['dc*']
      nameMatch: ['^(ad|dns)\d+$']
      tags: [infra]
    exclude:
      vmxPaths: ['[shared ds] dc-old/dc-old.vmx']
    pause: 10
    after:
      delay: 30
      heartbeat: { timeout: 240 }
      tcp: { host: vcsa01.example.com, port: 443, timeout: 900 }
  - name: storage first
    select:
      datastores: [nfs01]
      vmxPaths: [db/db.vmx]
  - name: rest
    select: { all: true }
    pause: 5
";

        [Fact]
        public void TheFullPlanIsReadAsWrittenAndRoundTrips()
        {
            var plan = BootPlanYaml.Read(Full, "full.yml");
            Assert.Equal(30, plan.Readiness.MinimumDelay);
            Assert.Equal(new[] { "shared ds", "nfs01" }, plan.Readiness.Datastores);
            Assert.Equal(4, plan.PowerOn.Retries);
            Assert.Equal(new[] { "old vcsa" }, plan.Exclude.Names);
            Assert.Equal(3, plan.Stages.Count);
            var infra = plan.Stages[0];
            Assert.Equal(@"^(ad|dns)\d+$", Assert.Single(infra.Select.NameMatch));
            Assert.Equal("infra", Assert.Single(infra.Select.Tags));
            Assert.Equal("[shared ds] dc-old/dc-old.vmx", Assert.Single(infra.Exclude.VmxPaths));
            Assert.True(infra.After.Heartbeat);
            Assert.Equal(240, infra.After.HeartbeatTimeout);
            Assert.Equal("vcsa01.example.com", infra.After.TcpHost);
            Assert.True(plan.Stages[2].Select.All);

            // Every other key, read as written in Full (not only through a round trip, whose two sides are both ours).
            Assert.Equal("shared ds", plan.Log.Datastore);
            Assert.Equal(900, plan.Readiness.Timeout);
            Assert.Equal(15, plan.PowerOn.RetryDelay);
            Assert.False(plan.Vsan);
            Assert.True(new BootPlan().Vsan);
            Assert.Equal(new[] { "test-*" }, plan.Exclude.NameLike);
            Assert.Equal(("infra", "storage first", "rest"), (plan.Stages[0].Name, plan.Stages[1].Name, plan.Stages[2].Name));
            Assert.Equal(new[] { "vcsa01" }, infra.Select.Names);
            Assert.Equal(new[] { "dc*" }, infra.Select.NameLike);
            Assert.Equal((10, 30, 443, 900), (infra.Pause, infra.After.Delay, infra.After.TcpPort, infra.After.TcpTimeout));
            Assert.Equal(new[] { "nfs01" }, plan.Stages[1].Select.Datastores);
            Assert.Equal(new[] { "db/db.vmx" }, plan.Stages[1].Select.VmxPaths);
            Assert.Equal(5, plan.Stages[2].Pause);
            Assert.False(plan.Stages[1].After.Heartbeat);

            string written = BootPlanYaml.Write(plan);
            var again = BootPlanYaml.Read(written);
            Assert.Equal(written, BootPlanYaml.Write(again));
            Assert.Equal(Shape(plan), Shape(again));
        }

        [Fact]
        public void ThePlanCanBeReadBackFromTheGeneratedBlock()
        {
            var plan = BootPlanYaml.Read(Full);
            var inventory = new[] { new EsxiVm { Vmid = 1, Name = "vcsa01", Datastore = "shared ds", VmxPath = "vcsa01/vcsa01.vmx", File = "[shared ds] vcsa01/vcsa01.vmx", Server = "esx01" } };
            var script = BootScriptGenerator.Create(plan, inventory, null, "test");
            var back = BootPlanYaml.Read(ManagedBlock.PlanText(script.Block));
            Assert.Equal(BootPlanYaml.Write(plan), BootPlanYaml.Write(back));
            Assert.Equal(script.Content, ManagedBlock.Merge(ManagedBlock.Remove(script.Content), script.Block));
        }

        [Fact]
        public void DamagedMarkersAreRefusedNotGuessed()
        {
            string damaged = "#!/bin/sh\n" + ManagedBlock.BeginMarker + "\necho half a block\nexit 0\n";
            var e = Assert.Throws<System.FormatException>(() => ManagedBlock.Merge(damaged, ManagedBlock.BeginMarker + "\n" + ManagedBlock.EndMarker + "\n"));
            Assert.Contains("marker", e.Message);
        }

        [Fact]
        public void TheCommentedExampleFileIsAValidPlan()
        {
            string path = Path.Combine(System.AppContext.BaseDirectory, "fixtures", "boot-plan.example.yml");
            var plan = BootPlanYaml.Read(File.ReadAllText(path), path);
            Assert.True(plan.Stages.Count >= 2);
        }

        [Theory]
        [InlineData("version: 1\nstages:\n  - name: a\n    selekt: { all: true }\n", 4, 5, "unknown key 'selekt'")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true }\n    pause: soon\n", 5, 12, "expected a whole number")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: maybe }\n", 4, 20, "expected true or false")]
        [InlineData("version: 2\nstages: []\n", 1, 10, "version 2 is not supported")]
        [InlineData("stages:\n  - name: a\n    select: { all: true }\n", 1, 1, "must start with 'version: 1'")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: {}\n", 3, 5, "selects nothing")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { nameMatch: ['(unclosed'] }\n", 4, 13, "not a valid regular expression")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true }\n  - name: a\n    select: { all: true }\n", 5, 5, "two stages are named 'a'")]
        [InlineData("version: 1\nstages: [\n", 3, 1, "not valid YAML")]
        [InlineData("version: 1\nreadiness:\n  timeout: -5\nstages:\n  - name: a\n    select: { all: true }\n", 3, 12, "readiness.timeout is -5, out of range (0 to 86400)")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true }\n    after: { tcp: { host: 'vc; reboot', port: 443 } }\n", 3, 5, "not a host name")]
        [InlineData("version: 1\nstages:\n  - name: a\n  \tselect: { all: true }\n", 4, 3, "a tab in the indentation: YAML indents with spaces only")]
        [InlineData("version: 1\nreadiness:\n  MaintenanceMode: exit\nstages:\n  - name: a\n    select: { all: true }\n", 3, 3, "keys are case-sensitive; did you mean 'maintenanceMode'?")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: { all: true }\n    after: { heartbeat: 300 }\n  - name: b\n    select: { all: true }\n", 5, 25, "write 'heartbeat: { timeout: 300 }'")]
        [InlineData("version: 1\nstages:\n  - name: a\n    select: vcsa01\n", 4, 13, "write 'select: { names: [vcsa01] }'")]
        public void MistakesAreReportedWithLineAndColumn(string yaml, int line, int column, string reason)
        {
            var e = Assert.Throws<BootPlanException>(() => BootPlanYaml.Read(yaml, "plan.yml"));
            Assert.Contains(reason, e.Reason);
            Assert.Equal((line, column), (e.Line, e.Column));
            Assert.StartsWith($"plan.yml:{line}:{column}: ", e.Message);
        }

        [Fact]
        public void EveryProblemOfAFileComesInOneRun()
        {
            const string yaml = "version: 1\nreadiness:\n  timeout: soon\n  MaintenanceMode: exit\nstages:\n  - name: a\n    select: { all: maybe }\n    pause: -3\n  - name: a\n    select: { names: [x] }\n";
            var e = Assert.Throws<BootPlanException>(() => BootPlanYaml.Read(yaml, "plan.yml"));
            Assert.Equal(
                new[]
                {
                    (3, 12, "readiness.timeout: expected a whole number, not 'soon'"),
                    (4, 3, "unknown key 'MaintenanceMode' in readiness: keys are case-sensitive; did you mean 'maintenanceMode'?"),
                    (7, 20, "expected true or false"),
                    (8, 12, "stage 1: pause is -3, out of range (0 to 3600)"),
                    (9, 5, "two stages are named 'a'"),
                },
                e.Problems.Select(p => (p.Line, p.Column, p.Reason)));
            Assert.StartsWith("plan.yml:3:12: ", e.Message);
            Assert.Equal(5, e.Message.Split('\n').Length);
            Assert.Contains("plan.yml:9:5: two stages are named 'a'", e.Message);
        }

        private static string Shape(BootPlan plan) => string.Join("|", plan.Stages.Select(s =>
            $"{s.Name};{s.Select.All};{string.Join(",", s.Select.Names)};{string.Join(",", s.Select.NameLike)};{string.Join(",", s.Select.NameMatch)};" +
            $"{string.Join(",", s.Select.Datastores)};{string.Join(",", s.Select.VmxPaths)};{string.Join(",", s.Select.Tags)};{string.Join(",", s.Exclude.VmxPaths)};" +
            $"{s.Pause};{s.After.Delay};{s.After.Heartbeat};{s.After.HeartbeatTimeout};{s.After.TcpHost};{s.After.TcpPort};{s.After.TcpTimeout}"))
            + $"|{plan.Log.Datastore}|{plan.Readiness.MinimumDelay}|{plan.Readiness.Timeout}|{string.Join(",", plan.Readiness.Datastores)}|{plan.PowerOn.Retries}|{plan.PowerOn.RetryDelay}|{plan.Vsan}|{string.Join(",", plan.Exclude.Names)}";
    }
}
