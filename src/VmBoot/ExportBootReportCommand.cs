using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VmBoot.BootLog;

namespace VmBoot.Commands
{
    /// <summary>
    /// Writes a self-contained HTML page (no scripts, no external files) with a per-host Gantt chart
    /// of each power-on: waits, stages, gates and every VM's power-on, from Get-BootLog's output.
    /// </summary>
    [Cmdlet(VerbsData.Export, "BootReport", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Export-BootReport.md", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportBootReportCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private readonly List<BootLogEvent> events = new List<BootLogEvent>();

        /// <summary>Events or summaries from Get-BootLog.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public object[] InputObject { get; set; } = null!;

        /// <summary>The HTML file to write.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>The HTML file to write, taken literally.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string LiteralPath { get; set; } = null!;

        /// <summary>The page's title.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Title { get; set; } = "VmBoot boot report";

        /// <summary>Do not overwrite an existing file.</summary>
        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Overwrite a read-only file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return the written file.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (object item in InputObject)
            {
                switch (item is PSObject wrapped ? wrapped.BaseObject : item)
                {
                    case BootLogEvent e:
                        events.Add(e);
                        break;
                    case BootSummary boot:
                        events.AddRange(boot.Events);
                        break;
                    default:
                        WriteError(ErrorRecords.Create("BootReportInputInvalid", ErrorCategory.InvalidType, item,
                            $"Export-BootReport takes the output of Get-BootLog (events or -Summary), not {item.GetType().FullName}."));
                        break;
                }
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ParameterSetName == PathSet ? Path : LiteralPath);
            FileSystemPaths.StopIfNoClobber(this, file, NoClobber);
            var existing = new FileInfo(file);

            // Events piped twice (an event and its boot's summary) are the same lines: keep one of each.
            var distinct = events.GroupBy(e => (e.Source, e.LineNumber, e.HostName, e.Time, e.Action)).Select(g => g.First()).ToList();
            var boots = BootSummary.FromEvents(distinct);
            if (!ShouldProcess(file, $"Write a boot report of {boots.Count} boot(s)"))
            {
                return;
            }

            if (existing.Exists && Force && existing.IsReadOnly)
            {
                existing.IsReadOnly = false;
            }

            try
            {
                File.WriteAllText(file, BootReport.Write(boots, Title, DateTime.UtcNow), new UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(ErrorRecords.Create("BootReportWriteFailed", ErrorCategory.WriteError, file, $"Cannot write '{file}': {e.Message}", e));
            }

            WriteVerbose($"Wrote {boots.Count} boot(s) of {boots.Select(b => b.HostName).Distinct().Count()} host(s) to {file}.");
            if (PassThru)
            {
                WriteObject(new FileInfo(file));
            }
        }
    }
}
