using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CsCheck;
using VmBoot.BootLog;
using VmBoot.Inventory;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    public class BootLogTests
    {
        private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "boot-log", name);

        private static (List<BootLogEvent> Events, List<ParseDiagnostic> Errors) Parse(IEnumerable<string> lines)
        {
            var errors = new List<ParseDiagnostic>();
            var events = BootLogParser.Parse(lines, "test.log", errors.Add).ToList();
            return (events, errors);
        }

        [Fact]
        public void ReadsEveryFieldAndTellsBootsApart()
        {
            var (events, errors) = Parse(File.ReadLines(Fixture("two-boots.log")));
            Assert.Empty(errors);
            Assert.Equal(20, events.Count);
            var retry = events[9];
            Assert.Equal(new DateTime(2026, 11, 20, 3, 4, 10, DateTimeKind.Utc), retry.Time);
            Assert.Equal(DateTimeKind.Utc, retry.Time.Kind);
            Assert.Equal(("esx01", "power-on", 2, "apps", 3, "app 1", 1, "retry"), (retry.HostName, retry.Action, retry.Stage, retry.StageName, retry.Vmid, retry.VmName, retry.Attempt, retry.Result));
            Assert.Equal("The attempted operation cannot be performed in the current state (Powered on).", retry.Message);
            Assert.Equal(TimeSpan.FromSeconds(245), retry.Elapsed);
            Assert.Equal(10, retry.LineNumber);
            Assert.Equal("Failed to lock the file\t(busy)", events[11].Message);
            Assert.Null(events[4].VmName);
            Assert.Equal("infra", events[4].StageName);

            var boots = BootSummary.FromEvents(events);
            Assert.Equal(2, boots.Count);
            var first = boots[0];
            Assert.True(first.Completed);
            Assert.Equal(TimeSpan.FromSeconds(40), first.HostdReadyAfter);
            Assert.Equal((2, 0), (first.PoweredOn, first.AlreadyOn));
            Assert.Equal(TimeSpan.FromSeconds(255), first.TimeToLastVm);
            Assert.Equal(new[] { "gate-heartbeat", "power-on", "not-started" }, first.Problems.Select(p => p.Action));
            Assert.Equal(new[] { (1, "infra", 1, 1), (2, "apps", 1, 2) }, first.Stages.Select(s => (s.Number, s.Name, s.PoweredOn, s.Problems)));
            Assert.Equal(TimeSpan.FromSeconds(17), first.Stages[1].Duration);
            var second = boots[1];
            Assert.False(second.Completed);
            Assert.Equal((0, 1, (TimeSpan?)null), (second.PoweredOn, second.AlreadyOn, second.TimeToLastVm));
            Assert.Null(second.Stages[0].Ended);
        }

        [Fact]
        public void SharedLogKeepsHostsApart()
        {
            var lines = File.ReadLines(Fixture("two-boots.log")).Take(15)
                .SelectMany(l => new[] { l, l.Replace("\tesx01\t", "\tesx02\t").Replace("T03:0", "T03:1") });
            var boots = BootSummary.FromEvents(Parse(lines).Events);
            Assert.Equal(new[] { "esx01", "esx02" }, boots.Select(b => b.HostName));
            Assert.All(boots, b => Assert.Equal(15, b.Events.Count));
        }

        [Theory]
        [InlineData("2026-11-20T03:00:05Z\tesx01\tboot-start", "found 3")]
        [InlineData("2026-11-20 03:00:05\tesx01\tboot-start\t-\t-\t-\t-\t-\t-", "is not a time")]
        [InlineData("2026-11-20T03:00:05Z\tesx01\tpower-on\tone\t-\t-\t-\t-\t-", "must be numbers")]
        [InlineData("2026-11-20T03:00:05Z\tesx01\tpower-on\t1\t99999999999\t-\t-\t-\t-", "must be numbers")]
        [InlineData("2026-11-20T03:00:05Z\t\tpower-on\t1\t-\t-\t-\t-\t-", "host or event")]
        public void BadLinesAreErrorsWithTheirLineNumberAndTheRestStillReads(string bad, string expected)
        {
            var lines = File.ReadLines(Fixture("two-boots.log")).Take(3).Append(bad).Append("2026-11-20T03:01:05Z\tesx01\tboot-end\t-\t-\t-\tdone\t-\t-\r");
            var (events, errors) = Parse(lines);
            Assert.Equal(4, events.Count);
            var error = Assert.Single(errors);
            Assert.Equal(("BootLogLineMalformed", 4, DiagnosticSeverity.Error), (error.ErrorId, error.LineNumber, error.Severity));
            Assert.Contains("line 4:", error.Message);
            Assert.Contains(expected, error.Message);
        }

        [Fact]
        public void FindsTheLogPathTheGeneratedBlockWrites()
        {
            var plan = new BootPlan { Log = { Path = "/vmfs/volumes/it's shared/logs/{hostname}-boot.log" }, Stages = { new BootStage { Name = "all", Select = { All = true } } } };
            var inventory = new[] { new EsxiVm { Vmid = 1, Name = "vm1", File = "[ds] vm1/vm1.vmx", Datastore = "ds", Server = "esx01" } };
            string block = BootScriptGenerator.Create(plan, inventory, "exit 0\n", "test").Block;
            Assert.Equal("/vmfs/volumes/it's shared/logs/esx01.lab-boot.log", BootLogReader.LogPath(block, "esx01.lab"));
            Assert.Null(BootLogReader.LogPath("# nothing here\n", "esx01"));
        }

        [Fact]
        public void ReportIsSelfContainedEncodesNamesAndSplitsPowerOns()
        {
            var lines = File.ReadLines(Fixture("two-boots.log")).Select(l => l.Replace("\tapp 1\t", "\t<img src=x onerror=alert(1)>\t"));
            var boots = BootSummary.FromEvents(Parse(lines).Events);
            string html = BootReport.Write(boots, "Lab & <cluster>", new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc));
            Assert.Contains("<title>Lab &amp; &lt;cluster&gt;</title>", html);
            Assert.DoesNotContain("<img", html);
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(new Regex("(src|href)=\"?(https?:|//)"), html);
            Assert.Equal(2, Regex.Matches(html, "<section class=\"power-on\"").Count);
            Assert.Equal(3, Regex.Matches(html, "<rect class=\"bar stage\"").Count);
        }

        [Fact]
        public void ArbitraryTextGivesEventsOrCleanErrorsNeverAnException()
        {
            var field = Gen.OneOf(Gen.Const("-"), Gen.String[Gen.Char["abc 0129-:TZ\r\u00e9\u30c7"], 0, 12], Gen.Int[0, 2000].Select(i => i.ToString(CultureInfo.InvariantCulture)));
            var line = Gen.OneOf(
                field.Array[0, 12].Select(f => string.Join("\t", f)),
                field.Array[7].Select(f => "2026-11-20T03:00:05Z\t" + string.Join("\t", f)),
                Gen.String);
            line.Array[0, 40].Sample(lines =>
            {
                var (events, errors) = Parse(lines);
                Assert.Equal(lines.Count(l => l.Trim().Length > 0), events.Count + errors.Count);
                Assert.All(errors, e => Assert.Equal(BootLogParser.MalformedId, e.ErrorId));
                _ = BootReport.Write(BootSummary.FromEvents(events), "fuzz", DateTime.UtcNow);
            }, iter: 3000);
        }

        [Fact]
        public void WrittenEventsReadBackTheSame()
        {
            var text = Gen.String[Gen.Char["abcXYZ 019-_.()[]'\"$`;&|<>\u4eee\u60f3"], 1, 20].Select(s => s.Trim()).Where(s => s.Length > 0 && s != "-");
            var gen = Gen.Select(Gen.Int[0, 100000], Gen.Int[1, 9], Gen.Int[1, 4096], Gen.Int[0, 6], text, text, (t, stage, vmid, attempt, name, detail) => (t, stage, vmid, attempt, name, detail));
            gen.Array[1, 30].Sample(rows =>
            {
                var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
                var lines = rows.Select(r => string.Join("\t", start.AddSeconds(r.t).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "esx01", "power-on",
                    r.stage, r.vmid, r.attempt, "ok", r.name, r.detail)).ToList();
                var (events, errors) = Parse(lines);
                Assert.Empty(errors);
                Assert.Equal(rows.Select(r => (start.AddSeconds(r.t), r.stage, r.vmid, r.attempt, r.name, r.detail)),
                    events.Select(e => (e.Time, e.Stage!.Value, e.Vmid!.Value, e.Attempt!.Value, e.VmName!, e.Message!)));
            }, iter: 2000);
        }

        [Fact]
        public void MegabyteLinesParseWhole()
        {
            string Line(int length) => "2026-11-20T03:00:05Z\tesx01\tpower-on\t1\t2\t1\tfailed\tvm\t" + new string('x', length);
            var (events, _) = Parse(new[] { Line(4_000_000) });
            Assert.Equal(4_000_000, events[0].Message!.Length);
            var (_, errors) = Parse(new[] { "x" + new string('\t', 2_000_000) });
            Assert.Single(errors);
        }
    }
}
