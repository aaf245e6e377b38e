namespace VmBoot.Inventory
{
    /// <summary>
    /// A line inside a larger text, not copied out: the parser reads rows in place and copies only their cells
    /// (a line becomes a string of its own only when kept whole, as a note line or in a message).
    /// </summary>
    internal readonly struct TextLine
    {
        private readonly string source;
        private readonly int start;

        internal TextLine(string source, int start, int length)
        {
            this.source = source;
            this.start = start;
            Length = length;
        }

        /// <summary>The first <paramref name="length"/> characters of <paramref name="line"/> (a line without its CR).</summary>
        internal TextLine(TextLine line, int length)
            : this(line.source, line.start, length)
        {
        }

        internal int Length { get; }

        internal char this[int index] => source[start + index];

        /// <summary>Characters <paramref name="from"/> to <paramref name="to"/> (exclusive) as a string.</summary>
        internal string Substring(int from, int to) => from >= to ? "" : source.Substring(start + from, to - from);

        internal bool IsAscii
        {
            get
            {
                int end = start + Length;
                for (int i = start; i < end; i++)
                {
                    if (source[i] >= 0x80)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        public override string ToString() => source.Substring(start, Length);
    }
}
