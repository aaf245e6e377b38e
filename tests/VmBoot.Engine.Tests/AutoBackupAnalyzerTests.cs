using System.IO;
using System.Linq;
using Xunit;

namespace VmBoot.Engine.Tests
{
    public class AutoBackupAnalyzerTests
    {
        private static AutoBackupReport Analyze(string fixture)
            => AutoBackupAnalyzer.Analyze(File.ReadAllLines(Path.Combine(System.AppContext.BaseDirectory, "fixtures", "auto-backup", fixture)));

        [Fact]
        public void FirstInstallOfLocalShIsAllSavedAndExpected()
        {
            var report = Analyze("esxi7-first-local-sh.txt");
            var file = Assert.Single(report.Files);
            Assert.Equal("/etc/rc.local.d/local.sh", file.Path);
            Assert.Equal(AutoBackupChangeKind.Added, file.Kind);
            Assert.Equal(16, file.LinesSaved.Count);
            Assert.Equal("#!/bin/sh", file.LinesSaved[0]);
            Assert.Empty(file.LinesDropped);
            Assert.True(file.Expected);
            Assert.True(report.StateSaved);
            Assert.True(report.OnlyExpectedChanges);
            Assert.Contains("first time", file.Explanation.Single());
        }

        [Fact]
        public void SeedHostsvcDiffMeansTheRunningHostHasNtpAutomatic()
        {
            var report = Analyze("seed-hostsvc.txt");
            var file = Assert.Single(report.Files);
            Assert.Equal("/etc/vmware/hostd/hostsvc.xml", file.Path);
            Assert.Equal(new[] { "    <ntpd>automatic</ntpd>" }, file.LinesSaved);
            Assert.Empty(file.LinesDropped);
            Assert.False(file.Expected);
            Assert.False(report.OnlyExpectedChanges);
            string meaning = file.Explanation.Single();
            Assert.Contains("NTP daemon (ntpd)", meaning);
            Assert.Contains("running host has 'automatic'", meaning);
            Assert.Contains("previous backup had no policy", meaning);
        }

        [Fact]
        public void SeedFilesDifferFormIsAChangeWithUnknownLines()
        {
            var file = Assert.Single(Analyze("seed-dvsdata.txt").Files);
            Assert.Equal(("/etc/vmware/dvsdata.db", AutoBackupChangeKind.Differs), (file.Path, file.Kind));
            Assert.Contains("distributed switch", file.Explanation.Single());
        }

        [Fact]
        public void OlderFormsBinaryAndCannotStat()
        {
            var report = Analyze("old-forms.txt");
            Assert.Equal(new[] { "/etc/vmware/dvsdata.db", "/etc/ssh/keys-root/authorized_keys", "/etc/vmware/esx.conf" }, report.Files.Select(f => f.Path));
            Assert.Equal(new[] { AutoBackupChangeKind.Binary, AutoBackupChangeKind.Added, AutoBackupChangeKind.Differs }, report.Files.Select(f => f.Kind));
            Assert.Contains("log in as 'root'", report.Files[1].Explanation.Single());
            Assert.True(report.StateSaved);
        }

        [Fact]
        public void NothingChangedMeansNothingToReport()
        {
            var report = Analyze("nothing-changed.txt");
            Assert.Empty(report.Files);
            Assert.False(report.StateSaved);
            Assert.True(report.OnlyExpectedChanges);
        }

        [Fact]
        public void HunkLinesThatLookLikeHeadersStayInTheirHunk()
        {
            var report = AutoBackupAnalyzer.Analyze(new[]
            {
                "--- /etc/rc.local.d/local.sh",
                "+++ /tmp/auto-backup.9//etc/rc.local.d/local.sh",
                "@@ -1,2 +1 @@",
                "--- a comment that starts with two dashes",
                " exit 0",
                "--- /etc/vmware/hostd/hostsvc.xml",
                "+++ /tmp/auto-backup.9//etc/vmware/hostd/hostsvc.xml",
                "@@ -2 +2 @@",
                "-    <ntpd>automatic</ntpd>",
                "+    <ntpd>off</ntpd>",
                "Saving current state in /bootbank",
            });
            Assert.Equal(new[] { "/etc/rc.local.d/local.sh", "/etc/vmware/hostd/hostsvc.xml" }, report.Files.Select(f => f.Path));
            Assert.Equal(new[] { "-- a comment that starts with two dashes" }, report.Files[0].LinesSaved);
            Assert.Equal(new[] { "    <ntpd>off</ntpd>" }, report.Files[1].LinesDropped);
        }

        [Fact]
        public void ChangedServicePolicyNamesBothSides()
        {
            var report = AutoBackupAnalyzer.Analyze(new[]
            {
                "--- /etc/vmware/hostd/hostsvc.xml",
                "+++ /tmp/auto-backup.77//etc/vmware/hostd/hostsvc.xml",
                "@@ -3,3 +3,3 @@",
                "   <service>",
                "-    <TSM-SSH>off</TSM-SSH>",
                "+    <TSM-SSH>on</TSM-SSH>",
                "   </service>",
                "Saving current state in /bootbank",
            });
            string meaning = report.Files.Single().Explanation.Single();
            Assert.Contains("SSH (TSM-SSH)", meaning);
            Assert.Contains("running host has 'off' (start and stop manually)", meaning);
            Assert.Contains("previous backup had 'on' (start and stop with the host)", meaning);
        }
    }
}
