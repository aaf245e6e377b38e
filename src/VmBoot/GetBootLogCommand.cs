using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VmBoot.BootLog;
using VmBoot.Inventory;
using VmBoot.Plans;
using VmBoot.VSphere;

namespace VmBoot.Commands
{
    /// <summary>
    /// Reads the boot log VmBoot's script writes at every boot, from hosts (where the installed script
    /// logs) or from files: one object per event, or with -Summary one per boot of each host.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BootLog", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Get-BootLog.md", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(BootLogEvent), typeof(BootSummary))]
    public sealed class GetBootLogCommand : EsxiHostOrTextCmdlet
    {
        private readonly List<string> lines = new List<string>();

        /// <summary>
        /// The log file on the host. Default over SSH: where the installed script logs, and /var/log/vmboot.log; through
        /// the API: vmboot/HOSTNAME.log on the host's datastores. {hostname} is replaced by the host's name.
        /// </summary>
        [Parameter(ParameterSetName = ServerSet)]
        [Parameter(ParameterSetName = SessionSet)]
        [ValidateNotNullOrEmpty]
        public string? LogPath { get; set; }

        /// <summary>Ssh (the default) or VSphereApi: the log is read from its datastore through hostd, SSH or not.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet(SshProtocol, VSphereApiProtocol)]
        public string Protocol { get; set; } = SshProtocol;

        /// <summary>Only the last N boots of each host.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Last { get; set; }

        /// <summary>One summary per boot of each host instead of its events.</summary>
        [Parameter]
        public SwitchParameter Summary { get; set; }

        /// <inheritdoc />
        protected override string Activity => "Reading boot logs";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case TextSet:
                    foreach (string text in InputObject)
                    {
                        lines.AddRange((text ?? "").Split('\n'));
                    }

                    break;
                case PathSet:
                case LiteralPathSet:
                    foreach (string file in InputFiles())
                    {
                        Emit(ParseAll(File.ReadLines(file), file, d => WriteError(ErrorRecords.FromDiagnostic(d, file))), WriteObject);
                    }

                    break;
                default:
                    bool api = ParameterSetName == ServerSet && CheckProtocolParameters(Protocol);
                    if (api || ApiSessions.Any())
                    {
                        CheckLogPathOnDatastore();
                    }

                    foreach (var session in ApiSessions)
                    {
                        StartHostWork(session.Server, writer => ReadThroughApi(session.Api!, writer));
                    }

                    if (!api)
                    {
                        StartHostWork(CurrentTargets().Where(t => t.Session?.Api == null), (connection, writer) => EmitHostLogs(connection.Name, BootLogReader.Read(connection, LogPath, writer.Token),
                            LogPath ?? "the installed script's log and " + BootLogReader.FallbackPath, writer));
                        break;
                    }

                    foreach (string server in Server)
                    {
                        StartApiWork(ApiOptions(server, ApiDefaultPort), ReadThroughApi);
                    }

                    break;
            }
        }

        private void CheckLogPathOnDatastore()
        {
            if (LogPath != null && BootLogReader.SplitVolumePath(LogPath) == null)
            {
                ThrowTerminatingError(ErrorRecords.Create("BootLogPathNotOnDatastore", ErrorCategory.InvalidArgument, LogPath,
                    $"-LogPath '{LogPath}' is not on a datastore: through the vSphere API only datastore files (/vmfs/volumes/DATASTORE/...) can be read. Use -Protocol Ssh for other files."));
            }
        }

        private void ReadThroughApi(VimClient client, HostFanOut.HostWriter writer)
            => EmitHostLogs(client.Name, BootLogReader.ReadAsync(client, LogPath, writer.Token).GetAwaiter().GetResult(),
                LogPath ?? $"{BootLogSettings.FileOnDatastore} on the host's datastores; the fallback {BootLogReader.FallbackPath} is not on a datastore, so only SSH reads it", writer);

        // One host's logs as events (or summaries); no log at all is an error naming the host and where it looked.
        private void EmitHostLogs(string server, List<HostBootLog> logs, string lookedAt, HostFanOut.HostWriter writer)
        {
            if (logs.Count == 0)
            {
                writer.Error(ErrorRecords.Create("BootLogNotFound", ErrorCategory.ObjectNotFound, server,
                    $"{server}: no boot log found ({lookedAt}). "
                    + "Has the host booted since Install-BootScript? Check with Test-BootScript that the script is installed and runnable."));
                return;
            }

            var events = new List<BootLogEvent>();
            foreach (var log in logs)
            {
                string source = $"{server}:{log.Path}";
                writer.Verbose($"read {log.Path}");
                // A log shared by several hosts holds their lines too: keep this host's.
                events.AddRange(ParseAll(log.Text.Split('\n'), source, d => Report(writer, d, source))
                    .Where(e => e.HostName == log.HostName));
            }

            Emit(events, writer.Output);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Emit(ParseAll(lines, "", d => WriteError(ErrorRecords.FromDiagnostic(d, null))), WriteObject);
            }
            else
            {
                FinishHostWork();
            }
        }

        // A file that is not a boot log would give an error per line: it gets one error, and a log with a few bad
        // lines gets the first few and a count of the rest.
        private static List<BootLogEvent> ParseAll(IEnumerable<string> text, string source, Action<ParseDiagnostic> onDiagnostic)
        {
            const int Shown = 5;
            var first = new List<ParseDiagnostic>();
            int malformed = 0;
            var events = BootLogParser.Parse(text, source, d =>
            {
                if (++malformed <= Shown)
                {
                    first.Add(d);
                }
            }).ToList();
            if (events.Count == 0 && malformed > 0)
            {
                onDiagnostic(new ParseDiagnostic(DiagnosticSeverity.Error, "NotABootLog", first[0].LineNumber, first[0].Line,
                    $"not a VmBoot boot log: none of its {malformed} line(s) is a boot log event ({first[0].Message})."));
                return events;
            }

            first.ForEach(onDiagnostic);
            if (malformed > Shown)
            {
                var last = first[Shown - 1];
                onDiagnostic(new ParseDiagnostic(DiagnosticSeverity.Error, BootLogParser.MalformedId, last.LineNumber, last.Line,
                    $"{malformed - Shown} more line(s) after line {last.LineNumber} are not boot log lines either; they were skipped."));
            }

            return events;
        }

        private void Emit(List<BootLogEvent> events, Action<object> write)
        {
            var boots = BootSummary.FromEvents(events);
            if (Last > 0)
            {
                boots = boots.GroupBy(b => b.HostName, StringComparer.Ordinal)
                    .SelectMany(host => host.Skip(Math.Max(0, host.Count() - Last)))
                    .OrderBy(b => b.BootStarted).ThenBy(b => b.HostName, StringComparer.Ordinal).ToList();
            }

            foreach (var boot in boots)
            {
                if (Summary)
                {
                    write(boot);
                    continue;
                }

                foreach (var e in boot.Events)
                {
                    write(e);
                }
            }
        }
    }
}
