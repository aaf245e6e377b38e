using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace VmBoot.Inventory
{
    /// <summary>
    /// Streams <c>vim-cmd vmsvc/getallvms</c> text into <see cref="EsxiVm"/> objects. Feed it lines
    /// (or multi-line strings) with <see cref="Push"/>, then call <see cref="Complete"/>. A VM is
    /// handed out once the next row shows its notes have ended and the layout is certain.
    /// </summary>
    public sealed class GetAllVmsParser
    {
        /// <summary>Error id: the input has no getallvms header.</summary>
        public const string HeaderNotFound = "GetAllVmsHeaderNotFound";

        /// <summary>Error id: a header whose label spacing no vim-cmd layout produces.</summary>
        public const string HeaderMalformed = "GetAllVmsHeaderMalformed";

        /// <summary>Error id: a row starts like a VM row but does not fit the header's columns.</summary>
        public const string RowMalformed = "GetAllVmsRowMalformed";

        /// <summary>Error id: a line that belongs to no VM row.</summary>
        public const string UnexpectedLine = "GetAllVmsUnexpectedLine";

        /// <summary>Warning id: ESXi skipped a VM it could not read.</summary>
        public const string VmSkipped = "EsxiSkippedInvalidVm";

        private const int MaxLinesRememberedBeforeHeader = 20;
        private static readonly Regex Skipping = new Regex(@"^Skipping invalid VM '([^']*)'", RegexOptions.CultureInvariant);

        private readonly string server;
        private readonly Action<EsxiVm> onVm;
        private readonly Action<ParseDiagnostic> onDiagnostic;
        private readonly List<(int Number, string Text)> linesBeforeHeader = new List<(int, string)>();
        private readonly RepeatedValues repeated = new RepeatedValues();
        private int linesBeforeHeaderCount;
        private bool headerSeen;
        private int lineNumber;
        private Table? table;

        /// <summary>Creates a parser that reports VMs and findings as they are read.</summary>
        /// <param name="server">Stamped on every VM's <see cref="EsxiVm.Server"/>.</param>
        /// <param name="onVm">Receives each VM, in input order.</param>
        /// <param name="onDiagnostic">Receives warnings and errors, each with its line number.</param>
        public GetAllVmsParser(string server, Action<EsxiVm> onVm, Action<ParseDiagnostic> onDiagnostic)
        {
            this.server = server ?? "";
            this.onVm = onVm ?? throw new ArgumentNullException(nameof(onVm));
            this.onDiagnostic = onDiagnostic ?? throw new ArgumentNullException(nameof(onDiagnostic));
        }

        /// <summary>Parses a whole text at once.</summary>
        public static (List<EsxiVm> Vms, List<ParseDiagnostic> Diagnostics) Parse(string text, string server = "")
        {
            var vms = new List<EsxiVm>();
            var diagnostics = new List<ParseDiagnostic>();
            var parser = new GetAllVmsParser(server, vms.Add, diagnostics.Add);
            parser.Push(text);
            parser.Complete();
            return (vms, diagnostics);
        }

        /// <summary>Adds one line, or several separated by LF or CRLF. A final line break adds no empty line.</summary>
        public void Push(string text)
        {
            if (text == null)
            {
                return;
            }

            int start = 0;
            while (start <= text.Length)
            {
                int end = text.IndexOf('\n', start);
                if (end < 0)
                {
                    if (start < text.Length || start == 0)
                    {
                        PushLine(new TextLine(text, start, text.Length - start));
                    }

                    return;
                }

                PushLine(new TextLine(text, start, end - start));
                start = end + 1;
                if (start == text.Length)
                {
                    return;
                }
            }
        }

        /// <summary>Ends the input: hands out the last VMs and reports a missing header.</summary>
        public void Complete()
        {
            table?.Close();
            table = null;
            if (!headerSeen)
            {
                var (number, text) = linesBeforeHeader.Count > 0 ? linesBeforeHeader[0] : (1, "");
                string first = text.Length > 0 ? $" Line {number} reads '{Shorten(text)}'." : "";
                Report(DiagnosticSeverity.Error, HeaderNotFound, number, text,
                    $"This is not vim-cmd vmsvc/getallvms output: no 'Vmid   Name   File   Guest OS   Version   Annotation' header in {lineNumber} line(s).{first}");
            }
        }

        private void PushLine(TextLine raw)
        {
            lineNumber++;
            var text = raw.Length > 0 && raw[raw.Length - 1] == '\r' ? new TextLine(raw, raw.Length - 1) : raw;

            // A data row starts with its Vmid's digits and is read in place; any other line becomes a string.
            if (table != null && text.Length > 0 && text[0] >= '0' && text[0] <= '9')
            {
                table.Add(lineNumber, text);
                return;
            }

            string line = text.ToString();
            var skipped = line.Length > 0 && line[0] == 'S' ? SkippedVmWarning(line, lineNumber) : null;
            if (skipped != null)
            {
                onDiagnostic(skipped);
                return;
            }

            if (line.IndexOf("Vmid", StringComparison.Ordinal) >= 0 && GetAllVmsLayout.IsHeader(line))
            {
                table?.Close();
                ReportLinesBeforeHeader();
                headerSeen = true;
                var candidates = GetAllVmsLayout.Candidates(line);
                table = candidates.Count > 0 ? new Table(this, candidates) : Table.Rejected(this, lineNumber, line);
                return;
            }

            if (table != null)
            {
                table.Add(lineNumber, text);
            }
            else if (line.Trim().Length > 0)
            {
                linesBeforeHeaderCount++;
                if (linesBeforeHeader.Count < MaxLinesRememberedBeforeHeader)
                {
                    linesBeforeHeader.Add((lineNumber, line));
                }
            }
        }

        /// <summary>The vmid of a "Skipping invalid VM" line, or null for any other line.</summary>
        public static int? InvalidVmid(string line)
        {
            var skipped = Skipping.Match(line);
            return skipped.Success && int.TryParse(skipped.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int vmid) ? vmid : (int?)null;
        }

        /// <summary>The warning for an ESXi "Skipping invalid VM 'N'" line (stderr or stdout), or null for any other line.</summary>
        public static ParseDiagnostic? SkippedVmWarning(string line, int lineNumber)
        {
            var skipped = Skipping.Match(line);
            return skipped.Success
                ? new ParseDiagnostic(DiagnosticSeverity.Warning, VmSkipped, lineNumber, line,
                    $"ESXi skipped invalid VM '{skipped.Groups[1].Value}' (line {lineNumber}): it is registered but its configuration could not be read, so it is not listed.")
                : null;
        }

        private void ReportLinesBeforeHeader()
        {
            foreach (var (number, text) in linesBeforeHeader)
            {
                Report(DiagnosticSeverity.Error, UnexpectedLine, number, text,
                    $"Line {number} comes before the getallvms header and was ignored: '{Shorten(text)}'.");
            }

            if (linesBeforeHeaderCount > linesBeforeHeader.Count)
            {
                var last = linesBeforeHeader[linesBeforeHeader.Count - 1];
                Report(DiagnosticSeverity.Error, UnexpectedLine, last.Number, last.Text,
                    $"{linesBeforeHeaderCount - linesBeforeHeader.Count} more line(s) before the getallvms header were ignored.");
            }

            linesBeforeHeader.Clear();
            linesBeforeHeaderCount = 0;
        }

        private void Report(DiagnosticSeverity severity, string id, int number, string line, string message)
            => onDiagnostic(new ParseDiagnostic(severity, id, number, line, message));

        private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 77) + "...";

        /// <summary>One getallvms table: its candidate layouts and the rows not yet handed out.</summary>
        private sealed class Table
        {
            private readonly GetAllVmsParser parser;
            private readonly List<GetAllVmsLayout> all;
            private readonly HashSet<int> rowStartGaps;
            private readonly int[][] widestCell;
            private readonly List<Record> pending = new List<Record>();
            // One row's reads per column set (on an ASCII line both padding units read alike), reused row after row.
            private readonly GetAllVmsRow?[] readByColumns;
            private readonly bool[] columnsRead;
            private List<GetAllVmsLayout> live;
            private bool acceptingNotes;

            private readonly int rejectedHeaderNumber;
            private readonly string? rejectedHeader;
            private int rejectedLines;

            internal Table(GetAllVmsParser parser, List<GetAllVmsLayout> candidates, int rejectedHeaderNumber = 0, string? rejectedHeader = null)
            {
                this.rejectedHeaderNumber = rejectedHeaderNumber;
                this.rejectedHeader = rejectedHeader;
                this.parser = parser;
                all = candidates;
                live = candidates;
                rowStartGaps = new HashSet<int>(candidates.Select(c => c.Starts[1]));
                widestCell = candidates.Select(_ => new int[GetAllVmsLayout.ColumnCount]).ToArray();
                readByColumns = new GetAllVmsRow?[Math.Max(1, candidates.Count / 2)];
                columnsRead = new bool[readByColumns.Length];
            }

            /// <summary>A table under a header no layout fits: its lines are counted and reported once.</summary>
            internal static Table Rejected(GetAllVmsParser parser, int number, string header)
                => new Table(parser, new List<GetAllVmsLayout>(), number, header);

            internal void Add(int number, TextLine text)
            {
                if (rejectedHeader != null)
                {
                    rejectedLines += text.ToString().Trim().Length > 0 ? 1 : 0;
                    return;
                }

                if (LooksLikeRow(text))
                {
                    AddRow(number, text);
                    return;
                }

                string line = text.ToString();
                if (acceptingNotes && pending.Count > 0)
                {
                    var last = pending[pending.Count - 1];
                    (last.NoteLines ??= new List<string>()).Add(line);
                }
                else if (line.Trim().Length > 0)
                {
                    parser.Report(DiagnosticSeverity.Error, UnexpectedLine, number, line,
                        $"Line {number} is not a VM row and follows no VM whose notes it could continue: '{Shorten(line)}'.");
                }
            }

            internal void Close()
            {
                if (rejectedHeader != null)
                {
                    parser.Report(DiagnosticSeverity.Error, HeaderMalformed, rejectedHeaderNumber, rejectedHeader,
                        $"Line {rejectedHeaderNumber} has the getallvms labels but not vim-cmd's spacing (three spaces between centred columns), so its columns are unknown; {rejectedLines} line(s) under it were skipped.");
                    return;
                }

                if (pending.Count > 0 && !AllAgree(pending))
                {
                    live = new List<GetAllVmsLayout> { MostConsistent() };
                }

                Flush(pending.Count);
            }

            // A row starts with a Vmid padded to the first column, then a name; note lines that merely start with a digit do not.
            private bool LooksLikeRow(TextLine line)
            {
                int digits = 0;
                while (digits < line.Length && line[digits] >= '0' && line[digits] <= '9')
                {
                    digits++;
                }

                int gapEnd = digits;
                while (gapEnd < line.Length && line[gapEnd] == ' ')
                {
                    gapEnd++;
                }

                return digits > 0 && gapEnd < line.Length && gapEnd - digits >= GetAllVmsLayout.Separator.Length && rowStartGaps.Contains(gapEnd);
            }

            private void AddRow(int number, TextLine line)
            {
                var record = new Record(live);
                List<GetAllVmsLayout>? fitting = null;
                bool ascii = line.IsAscii;
                int half = readByColumns.Length;
                Array.Clear(columnsRead, 0, columnsRead.Length);
                for (int l = 0; l < live.Count; l++)
                {
                    var layout = live[l];
                    GetAllVmsRow? row;
                    if (!ascii)
                    {
                        row = GetAllVmsRow.TryRead(line, layout, ascii);
                    }
                    else if (columnsRead[layout.Id % half])
                    {
                        row = readByColumns[layout.Id % half];
                    }
                    else
                    {
                        // On an ASCII line both padding units read alike: read once per column set.
                        row = GetAllVmsRow.TryRead(line, layout, ascii);
                        readByColumns[layout.Id % half] = row;
                        columnsRead[layout.Id % half] = true;
                    }

                    if (row == null)
                    {
                        // The first layout that does not fit: from here on the fitting ones are listed apart.
                        fitting ??= live.Take(l).ToList();
                        continue;
                    }

                    record.Rows[l] = row;
                    fitting?.Add(layout);
                    var widest = widestCell[layout.Id];
                    for (int i = 0; i < widest.Length; i++)
                    {
                        widest[i] = Math.Max(widest[i], row.Width(i, layout.Unit, ascii));
                    }
                }

                if (fitting != null && fitting.Count == 0)
                {
                    string text = line.ToString();
                    parser.Report(DiagnosticSeverity.Error, RowMalformed, number, text,
                        $"Line {number} starts like a VM row but does not fit the columns of the header above it (truncated or damaged?): '{Shorten(text)}'.");
                    acceptingNotes = false;
                    return;
                }

                // The candidate list itself is kept when nothing was pruned: rows then cost no allocation for it.
                if (fitting != null)
                {
                    live = fitting;
                }

                pending.Add(record);
                acceptingNotes = true;
                int ready = 0;
                while (ready < pending.Count - 1 && Agrees(pending[ready]))
                {
                    ready++;
                }

                Flush(ready);
            }

            private bool Agrees(Record record)
            {
                var first = record.ReadBy(live[0].Id);
                if (first == null)
                {
                    return false;
                }

                for (int i = 1; i < live.Count; i++)
                {
                    var other = record.ReadBy(live[i].Id);
                    if (other == null || (!ReferenceEquals(other, first) && !other.SameCellsAs(first)))
                    {
                        return false;
                    }
                }

                return true;
            }

            private bool AllAgree(List<Record> records) => records.All(Agrees);

            // vim-cmd makes each column exactly as wide as its widest cell or label; the layout closest to that wins.
            private GetAllVmsLayout MostConsistent()
            {
                return live
                    .OrderByDescending(l => Enumerable.Range(0, GetAllVmsLayout.ColumnCount - 1)
                        .Count(i => l.Width(i) == Math.Max(GetAllVmsLayout.Labels[i].Length, widestCell[l.Id][i])))
                    .ThenBy(l => l.Id)
                    .First();
            }

            private void Flush(int count)
            {
                if (count == 0)
                {
                    return;
                }

                var layout = live[0];
                for (int i = 0; i < count; i++)
                {
                    var record = pending[i];
                    var row = record.ReadBy(layout.Id)!;
                    parser.onVm(ToVm(row, record.NoteLines, parser.server, parser.repeated));
                }

                pending.RemoveRange(0, count);
            }

            private static EsxiVm ToVm(GetAllVmsRow row, List<string>? noteLines, string server, RepeatedValues repeated)
            {
                var cells = row.Cells;
                var (datastore, vmxPath) = SplitFile(cells[2]);
                string notes = cells[5];
                if (noteLines != null)
                {
                    var builder = new StringBuilder(notes);
                    foreach (var noteLine in noteLines)
                    {
                        builder.Append('\n').Append(noteLine);
                    }

                    notes = builder.ToString();
                }

                return new EsxiVm
                {
                    Vmid = int.Parse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture),
                    ObjectId = cells[0],
                    Name = cells[1],
                    File = cells[2],
                    Datastore = repeated.Share(datastore),
                    VmxPath = vmxPath,
                    GuestId = repeated.Share(cells[3]),
                    HardwareVersion = repeated.Share(cells[4]),
                    Notes = notes.TrimEnd(' ', '\n'),
                    IsVcls = VclsDetector.IsVcls(cells[1], cells[3], vmxPath),
                    Server = server,
                };
            }
        }

        /// <summary>
        /// Splits <c>[datastore] path</c>; datastore names may hold brackets, so prefer the bracket that balances.
        /// Anything else (the vSphere API may send any text) is a path with no datastore.
        /// </summary>
        internal static (string Datastore, string Path) SplitFile(string file)
        {
            if (!file.StartsWith("[", StringComparison.Ordinal))
            {
                return ("", file);
            }

            int depth = 0;
            int close = -1;
            for (int i = 0; i < file.Length; i++)
            {
                if (file[i] == '[')
                {
                    depth++;
                }
                else if (file[i] == ']' && --depth == 0 && (i + 1 == file.Length || file[i + 1] == ' '))
                {
                    close = i;
                    break;
                }
            }

            if (close < 0)
            {
                close = file.IndexOf("] ", StringComparison.Ordinal);
                if (close < 0)
                {
                    close = file.LastIndexOf(']');
                }
            }

            if (close < 1)
            {
                return ("", file);
            }

            string path = close + 2 <= file.Length ? file.Substring(close + 2) : "";
            return (file.Substring(1, close - 1), path);
        }

        /// <summary>
        /// Guest ids, hardware versions and datastores repeat from row to row: VMs share one string each, so a large
        /// inventory keeps fewer objects alive. Bounded, so hostile input cannot grow it without end.
        /// </summary>
        private sealed class RepeatedValues
        {
            private const int Capacity = 4096;
            private readonly Dictionary<string, string> values = new Dictionary<string, string>(StringComparer.Ordinal);

            internal string Share(string value)
            {
                if (values.TryGetValue(value, out string? shared))
                {
                    return shared;
                }

                if (values.Count < Capacity)
                {
                    values.Add(value, value);
                }

                return value;
            }
        }

        private sealed class Record
        {
            // The layouts live when the row was read (a list that is replaced, never changed, when layouts are pruned).
            private readonly List<GetAllVmsLayout> layouts;

            internal Record(List<GetAllVmsLayout> layouts)
            {
                this.layouts = layouts;
                Rows = new GetAllVmsRow?[layouts.Count];
            }

            /// <summary>The row as each of those layouts reads it, in their order; null where it does not fit.</summary>
            internal GetAllVmsRow?[] Rows { get; }

            /// <summary>The row as layout <paramref name="id"/> reads it, or null.</summary>
            internal GetAllVmsRow? ReadBy(int id)
            {
                for (int i = 0; i < layouts.Count; i++)
                {
                    if (layouts[i].Id == id)
                    {
                        return Rows[i];
                    }
                }

                return null;
            }

            /// <summary>Lines continuing the notes; null until there is one.</summary>
            internal List<string>? NoteLines { get; set; }
        }
    }
}
