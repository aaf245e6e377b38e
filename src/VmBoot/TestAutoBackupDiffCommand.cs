using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>
    /// Explains what /sbin/auto-backup.sh printed: per file, what the running host had and is now saving,
    /// what the previous backup had and is dropping, and what it means.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "AutoBackupDiff", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Test-AutoBackupDiff.md", DefaultParameterSetName = TextSet)]
    [OutputType(typeof(AutoBackupFileChange), typeof(bool))]
    public sealed class TestAutoBackupDiffCommand : PSCmdlet
    {
        private const string TextSet = "Text";
        private readonly List<string> lines = new List<string>();

        /// <summary>auto-backup.sh output: lines from the pipeline, or one multi-line string.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TextSet, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string[] InputObject { get; set; } = null!;

        /// <summary>Files holding auto-backup.sh output; wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string[] Path { get; set; } = null!;

        /// <summary>Files holding auto-backup.sh output, taken literally.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = null!;

        /// <summary>Results of Install-BootScript or Uninstall-BootScript: their auto-backup.sh runs.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "InstallResult", ValueFromPipeline = true)]
        public InstallResult[] InstallResult { get; set; } = null!;

        /// <summary>Return only $true when nothing but local.sh differed, $false otherwise.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == TextSet)
            {
                foreach (string text in InputObject)
                {
                    lines.AddRange((text ?? "").Split('\n'));
                }

                return;
            }

            if (ParameterSetName == "InstallResult")
            {
                foreach (var result in InstallResult)
                {
                    Report(result.AutoBackupOutput.Split('\n'), result.Server);
                }

                return;
            }

            bool literal = ParameterSetName == "LiteralPath";
            foreach (string file in FileSystemPaths.ResolveExistingFiles(this, literal ? LiteralPath : Path, literal))
            {
                Report(File.ReadAllLines(file), file);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Report(lines, null);
            }
        }

        private void Report(IEnumerable<string> output, string? source)
        {
            var report = AutoBackupAnalyzer.Analyze(output);
            string prefix = source == null ? "" : source + ": ";
            if (!report.StateSaved && report.Files.Count > 0)
            {
                WriteWarning(prefix + "auto-backup.sh found differences but did not print 'Saving current state in /bootbank': the running configuration may not survive a reboot. Run /sbin/auto-backup.sh again and check /bootbank's free space.");
            }

            foreach (var file in report.Files)
            {
                if (!file.Expected)
                {
                    WriteVerbose($"{prefix}{file.Path} changed outside VmBoot: {string.Join(" ", file.Explanation)}");
                }
            }

            if (Quiet)
            {
                WriteObject(report.OnlyExpectedChanges);
                return;
            }

            WriteObject(report.Files, enumerateCollection: true);
        }
    }
}
