using System;
using System.Collections.Generic;
using System.Globalization;
using VmBoot.Inventory;

namespace VmBoot.BootLog
{
    /// <summary>
    /// Reads the boot log the generated script writes: one tab-separated line per event,
    /// <c>time host event stage vmid attempt result name detail</c>, with '-' for an empty field.
    /// Boots are told apart by their boot-start lines (an ordered shutdown's by shutdown-start), hosts by the host
    /// field (a log may be shared).
    /// </summary>
    public static class BootLogParser
    {
        /// <summary>Error id for a line that is not a boot log line.</summary>
        public const string MalformedId = "BootLogLineMalformed";

        private const int FieldCount = 9;

        /// <summary>Streams the events of <paramref name="lines"/>; bad lines go to <paramref name="onDiagnostic"/> and are skipped.</summary>
        public static IEnumerable<BootLogEvent> Parse(IEnumerable<string> lines, string source, Action<ParseDiagnostic> onDiagnostic)
        {
            var hosts = new Dictionary<string, HostState>(StringComparer.Ordinal);
            int number = 0;
            foreach (string raw in lines)
            {
                number++;
                string line = raw.EndsWith("\r", StringComparison.Ordinal) ? raw.Substring(0, raw.Length - 1) : raw;
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                var e = ParseLine(line, out string? problem);
                if (e == null)
                {
                    onDiagnostic(new ParseDiagnostic(DiagnosticSeverity.Error, MalformedId, number, line, $"line {number}: {problem}"));
                    continue;
                }

                if (!hosts.TryGetValue(e.HostName, out var state) || e.Action == BootEvents.BootStart || e.Action == BootEvents.ShutdownStart)
                {
                    state = new HostState(e.Time, (state?.Boot ?? 0) + 1);
                    hosts[e.HostName] = state;
                }

                if (e.Action == BootEvents.StageStart && e.Stage is int stage)
                {
                    state.StageNames[stage] = e.VmName ?? "";
                }

                if (e.Stage is int known && state.StageNames.TryGetValue(known, out string? stageName))
                {
                    e.StageName = stageName;
                }

                if (e.Action == BootEvents.StageStart || e.Action == BootEvents.StageEnd)
                {
                    e.VmName = null; // that field carries the stage's name
                }
                else if (e.Action == BootEvents.WaitDatastore)
                {
                    e.Datastore = e.VmName; // and here the datastore's
                    e.VmName = null;
                }

                e.BootStarted = state.BootStarted;
                e.Boot = state.Boot;
                e.Source = source;
                e.LineNumber = number;
                yield return e;
            }
        }

        private static BootLogEvent? ParseLine(string line, out string? problem)
        {
            string[] fields = line.Split('\t');
            if (fields.Length < FieldCount)
            {
                problem = $"expected {FieldCount} tab-separated fields (time host event stage vmid attempt result name detail), found {fields.Length}.";
                return null;
            }

            if (!DateTime.TryParseExact(fields[0], "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                problem = $"'{fields[0]}' is not a time like 2026-11-25T14:30:00Z.";
                return null;
            }

            if (fields[1].Length == 0 || fields[2].Length == 0 || fields[2] == "-")
            {
                problem = "the host or event field is empty.";
                return null;
            }

            if (!TryNumber(fields[3], out int? stage) || !TryNumber(fields[4], out int? vmid) || !TryNumber(fields[5], out int? attempt))
            {
                problem = "stage, vmid and attempt must be numbers or '-'.";
                return null;
            }

            problem = null;
            return new BootLogEvent
            {
                Time = time,
                HostName = fields[1],
                Action = fields[2],
                Stage = stage,
                Vmid = vmid,
                Attempt = attempt,
                Result = Text(fields[6]),
                VmName = Text(fields[7]),
                // A reason quoted from vim-cmd may hold a tab: the detail is the rest of the line.
                Message = Text(string.Join("\t", fields, FieldCount - 1, fields.Length - FieldCount + 1)),
            };
        }

        private static string? Text(string field) => field == "-" || field.Length == 0 ? null : field;

        private static bool TryNumber(string field, out int? value)
        {
            value = null;
            if (field == "-")
            {
                return true;
            }

            if (field.Length > 0 && field.Length < 10 && int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
            {
                value = parsed;
                return true;
            }

            return false;
        }

        private sealed class HostState
        {
            public HostState(DateTime bootStarted, int boot)
            {
                BootStarted = bootStarted;
                Boot = boot;
            }

            public DateTime BootStarted { get; }

            public int Boot { get; }

            public Dictionary<int, string> StageNames { get; } = new Dictionary<int, string>();
        }
    }
}
