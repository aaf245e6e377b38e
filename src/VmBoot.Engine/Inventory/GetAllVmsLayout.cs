using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace VmBoot.Inventory
{
    /// <summary>How vim-cmd counted a cell's width when it padded it.</summary>
    internal enum PaddingUnit
    {
        Char,
        Utf8Byte,
    }

    /// <summary>
    /// One possible column layout of a getallvms table. The header centres its labels, so each
    /// column's width is known only to within one; data rows decide between the candidates.
    /// </summary>
    internal sealed class GetAllVmsLayout
    {
        internal const int ColumnCount = 6;
        internal const string Separator = "   ";
        internal static readonly string[] Labels = { "Vmid", "Name", "File", "Guest OS", "Version", "Annotation" };

        private static readonly Regex Header = new Regex(
            "^( *)Vmid +Name +File +Guest OS +Version +Annotation *$",
            RegexOptions.CultureInvariant);

        private GetAllVmsLayout(int id, int[] starts, PaddingUnit unit)
        {
            Id = id;
            Starts = starts;
            Unit = unit;
        }

        /// <summary>A small number identifying the candidate within its table.</summary>
        internal int Id { get; }

        /// <summary>Where each of the six columns starts, in <see cref="Unit"/>s.</summary>
        internal int[] Starts { get; }

        internal PaddingUnit Unit { get; }

        /// <summary>The width of column <paramref name="column"/> (0..4); the last column has none.</summary>
        internal int Width(int column) => Starts[column + 1] - Starts[column] - Separator.Length;

        internal static bool IsHeader(string line) => Header.IsMatch(line);

        /// <summary>Every layout consistent with a header line, in both padding units.</summary>
        internal static List<GetAllVmsLayout> Candidates(string header)
        {
            var labelStarts = new int[ColumnCount];
            int from = 0;
            for (int i = 0; i < ColumnCount; i++)
            {
                labelStarts[i] = header.IndexOf(Labels[i], from, System.StringComparison.Ordinal);
                from = labelStarts[i] + Labels[i].Length;
            }

            var startSets = new List<int[]>();
            Enumerate(labelStarts, 0, new int[ColumnCount], startSets);
            var result = new List<GetAllVmsLayout>(startSets.Count * 2);
            foreach (var unit in new[] { PaddingUnit.Char, PaddingUnit.Utf8Byte })
            {
                foreach (var starts in startSets)
                {
                    result.Add(new GetAllVmsLayout(result.Count, starts, unit));
                }
            }

            return result;
        }

        // A label is centred: its left padding is floor((width - label) / 2), so width is 2p+len or 2p+len+1.
        private static void Enumerate(int[] labelStarts, int column, int[] starts, List<int[]> found)
        {
            int padding = labelStarts[column] - starts[column];
            if (padding < 0)
            {
                return;
            }

            if (column == ColumnCount - 1)
            {
                found.Add((int[])starts.Clone());
                return;
            }

            int narrow = Labels[column].Length + (2 * padding);
            for (int width = narrow; width <= narrow + 1; width++)
            {
                starts[column + 1] = starts[column] + width + Separator.Length;
                Enumerate(labelStarts, column + 1, starts, found);
            }
        }
    }
}
