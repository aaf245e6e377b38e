using System;
using System.Text;

namespace VmBoot.Inventory
{
    /// <summary>The cells of one getallvms data row, read under one candidate layout.</summary>
    internal sealed class GetAllVmsRow
    {
        private GetAllVmsRow(string[] cells)
        {
            Cells = cells;
        }

        /// <summary>Vmid, Name, File, Guest OS and Version unpadded, then the first line of Annotation as printed.</summary>
        internal string[] Cells { get; }

        /// <summary>A cell's width in a padding unit, to check which candidate layout vim-cmd used.</summary>
        internal int Width(int column, PaddingUnit unit, bool ascii)
            => unit == PaddingUnit.Char || ascii ? Cells[column].Length : Encoding.UTF8.GetByteCount(Cells[column]);

        internal bool SameCellsAs(GetAllVmsRow other)
        {
            for (int i = 0; i < Cells.Length; i++)
            {
                if (!string.Equals(Cells[i], other.Cells[i], System.StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Reads a row under a layout, or returns null when the row does not fit it.</summary>
        internal static GetAllVmsRow? TryRead(TextLine line, GetAllVmsLayout layout, bool ascii)
        {
            var slots = Slots.Of(line, layout.Unit, ascii);
            return TryRead(slots, layout);
        }

        private static GetAllVmsRow? TryRead(Slots slots, GetAllVmsLayout layout)
        {
            var starts = layout.Starts;
            int count = GetAllVmsLayout.ColumnCount;
            var cells = new string[count];
            for (int column = 0; column < count; column++)
            {
                int start = starts[column];
                int end = column + 1 < count ? starts[column + 1] - GetAllVmsLayout.Separator.Length : slots.Length;
                if (slots.IsInsideCharacter(start))
                {
                    return null;
                }

                if (column + 1 < count && !slots.AllSpaces(end, starts[column + 1]))
                {
                    return null;
                }

                // Padding follows a whole multi-line note, so the Annotation's first line keeps its spaces here.
                string cell = slots.Text(start, end, trimEnd: column + 1 < count);

                bool required = column != 3 && column != 5;
                if (cell.Length == 0 ? required : column != 5 && cell[0] == ' ')
                {
                    return null;
                }

                cells[column] = cell;
            }

            if (!IsDigits(cells[0]) || cells[2][0] != '[' || cells[2].IndexOf(']') < 0
                || cells[3].IndexOf(' ') >= 0 || cells[4].IndexOf(' ') >= 0)
            {
                return null;
            }

            return new GetAllVmsRow(cells);
        }

        private static bool IsDigits(string text)
        {
            foreach (char c in text)
            {
                if (c < '0' || c > '9')
                {
                    return false;
                }
            }

            return text.Length > 0 && text.Length <= 9;
        }

        /// <summary>A line seen in padding units: in UTF-8 mode a character fills as many slots as it has bytes.</summary>
        private readonly struct Slots
        {
            private const char Continuation = '\0';
            private readonly TextLine text;

            private Slots(TextLine text, bool plain)
            {
                this.text = text;
                IsPlain = plain;
            }

            /// <summary>One slot per character: the line itself, no continuation slots.</summary>
            internal bool IsPlain { get; }

            internal int Length => text.Length;

            internal static Slots Of(TextLine line, PaddingUnit unit, bool ascii)
            {
                if (unit == PaddingUnit.Char || ascii)
                {
                    return new Slots(line, plain: true);
                }

                var expanded = new StringBuilder(line.Length * 3);
                for (int i = 0; i < line.Length; i++)
                {
                    char c = line[i];
                    int bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) ? 2 : 3;
                    expanded.Append(c).Append(Continuation, bytes - 1);
                }

                return new Slots(new TextLine(expanded.ToString(), 0, expanded.Length), plain: false);
            }

            internal bool IsInsideCharacter(int position) => !IsPlain && position < text.Length && text[position] == Continuation;

            internal bool AllSpaces(int from, int to)
            {
                int end = Math.Min(to, text.Length);
                for (int i = from; i < end; i++)
                {
                    if (text[i] != ' ')
                    {
                        return false;
                    }
                }

                return true;
            }

            // The slots' text; with trimEnd, without its padding (cut before copying: one string per cell).
            internal string Text(int from, int to, bool trimEnd)
            {
                int end = Math.Min(to, text.Length);
                // A continuation slot follows its character at once, so trailing spaces are padding either way.
                while (trimEnd && end > from && text[end - 1] == ' ')
                {
                    end--;
                }

                string cell = text.Substring(from, end);
                return IsPlain ? cell : cell.Replace("\0", "");
            }
        }
    }
}
