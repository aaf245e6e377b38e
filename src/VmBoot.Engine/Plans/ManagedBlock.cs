using System;
using System.Collections.Generic;
using System.Linq;

namespace VmBoot.Plans
{
    /// <summary>
    /// VmBoot's part of local.sh: the lines between two fixed markers, placed before the final
    /// <c>exit 0</c>. Everything outside the markers is kept byte for byte.
    /// </summary>
    public static class ManagedBlock
    {
        /// <summary>The first line of the block.</summary>
        public const string BeginMarker = "# >>> VmBoot managed block >>>";

        /// <summary>The last line of the block.</summary>
        public const string EndMarker = "# <<< VmBoot managed block <<<";

        /// <summary>Prefix of the comment lines that carry the plan.</summary>
        public const string PlanPrefix = "# vmboot-plan: ";

        /// <summary>Error id: the script has unbalanced or repeated markers.</summary>
        public const string MarkersDamaged = "BootScriptMarkersDamaged";

        /// <summary>Puts <paramref name="block"/> into <paramref name="script"/>: in place of an existing block, else before the last <c>exit 0</c>.</summary>
        /// <exception cref="FormatException">The markers are damaged (the message says how).</exception>
        public static string Merge(string script, string block, List<string>? warnings = null)
        {
            var span = Find(script);
            if (span.HasValue)
            {
                return script.Substring(0, span.Value.Start) + block + script.Substring(span.Value.End);
            }

            var lines = Lines(script);
            var exit = lines.LastOrDefault(l => l.Text.Trim() == "exit 0");
            if (exit.Text == null)
            {
                string separator = script.Length == 0 || script.EndsWith("\n", StringComparison.Ordinal) ? "" : "\n";
                string shebang = script.Length == 0 ? "#!/bin/sh\n\n" : "";
                return shebang + script + separator + block + "exit 0\n";
            }

            var earlyExit = lines.FirstOrDefault(l => l.Start < exit.Start && l.Text.TrimStart().StartsWith("exit", StringComparison.Ordinal));
            if (earlyExit.Text != null)
            {
                warnings?.Add($"local.sh exits at line {earlyExit.Number} ('{earlyExit.Text.Trim()}'), before the VmBoot block: the block would never run.");
            }

            return script.Substring(0, exit.Start) + block + script.Substring(exit.Start);
        }

        /// <summary>The block in a script, or null when there is none.</summary>
        public static string? Extract(string script)
        {
            var span = Find(script);
            return span.HasValue ? script.Substring(span.Value.Start, span.Value.End - span.Value.Start) : null;
        }

        /// <summary>The script without its block (unchanged when there is none).</summary>
        public static string Remove(string script)
        {
            var span = Find(script);
            return span.HasValue ? script.Substring(0, span.Value.Start) + script.Substring(span.Value.End) : script;
        }

        /// <summary>The plan YAML carried by a block's comment lines.</summary>
        public static string PlanText(string block) => string.Join("\n", Lines(block)
            .Where(l => l.Text.StartsWith(PlanPrefix, StringComparison.Ordinal))
            .Select(l => l.Text.Substring(PlanPrefix.Length))) + "\n";

        private static (int Start, int End)? Find(string script)
        {
            var lines = Lines(script);
            var begins = lines.Where(l => l.Text.TrimEnd('\r') == BeginMarker).ToList();
            var ends = lines.Where(l => l.Text.TrimEnd('\r') == EndMarker).ToList();
            if (begins.Count == 0 && ends.Count == 0)
            {
                return null;
            }

            if (begins.Count != 1 || ends.Count != 1 || ends[0].Start < begins[0].Start)
            {
                throw new FormatException($"local.sh has {begins.Count} begin and {ends.Count} end VmBoot marker line(s) in the wrong order; fix them by hand (keep one '{BeginMarker}' ... '{EndMarker}' pair or none).");
            }

            return (begins[0].Start, ends[0].End);
        }

        private static List<(int Number, int Start, int End, string Text)> Lines(string text)
        {
            var lines = new List<(int, int, int, string)>();
            int start = 0;
            int number = 1;
            while (start < text.Length)
            {
                int newline = text.IndexOf('\n', start);
                int end = newline < 0 ? text.Length : newline + 1;
                lines.Add((number++, start, end, text.Substring(start, (newline < 0 ? text.Length : newline) - start)));
                start = end;
            }

            return lines;
        }
    }
}
