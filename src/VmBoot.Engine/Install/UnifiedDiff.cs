using System;
using System.Collections.Generic;
using System.Text;

namespace VmBoot.Install
{
    /// <summary>A unified diff of two small texts (local.sh sizes), as diff -u prints it.</summary>
    public static class UnifiedDiff
    {
        /// <summary>The diff from <paramref name="before"/> to <paramref name="after"/>; empty when they are equal.</summary>
        public static string Create(string before, string after, string beforeName, string afterName, int context = 3)
        {
            var a = Split(before);
            var b = Split(after);
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (int i = a.Length - 1; i >= 0; i--)
            {
                for (int j = b.Length - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }

            var edits = new List<(char Op, string Line, int A, int B)>();
            int x = 0, y = 0;
            while (x < a.Length || y < b.Length)
            {
                if (x < a.Length && y < b.Length && a[x] == b[y])
                {
                    edits.Add((' ', a[x], x++, y++));
                }
                else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
                {
                    edits.Add(('+', b[y], x, y++));
                }
                else
                {
                    edits.Add(('-', a[x], x++, y));
                }
            }

            var text = new StringBuilder();
            int k = 0;
            while (k < edits.Count)
            {
                if (edits[k].Op == ' ')
                {
                    k++;
                    continue;
                }

                int start = Math.Max(0, k - context);
                int end = k;
                int quiet = 0;
                while (end < edits.Count && quiet <= 2 * context)
                {
                    quiet = edits[end].Op == ' ' ? quiet + 1 : 0;
                    end++;
                }

                end = Math.Min(edits.Count, end - Math.Max(0, quiet - context));
                if (text.Length == 0)
                {
                    text.Append("--- ").Append(beforeName).Append('\n').Append("+++ ").Append(afterName).Append('\n');
                }

                int aCount = 0, bCount = 0;
                for (int i = start; i < end; i++)
                {
                    aCount += edits[i].Op != '+' ? 1 : 0;
                    bCount += edits[i].Op != '-' ? 1 : 0;
                }

                text.Append($"@@ -{Range(edits[start].A, aCount)} +{Range(edits[start].B, bCount)} @@\n");
                for (int i = start; i < end; i++)
                {
                    text.Append(edits[i].Op).Append(edits[i].Line).Append('\n');
                }

                k = end;
            }

            return text.ToString();
        }

        private static string Range(int start, int count) => count == 0 ? $"{start},0" : count == 1 ? $"{start + 1}" : $"{start + 1},{count}";

        private static string[] Split(string text)
            => text.Length == 0 ? new string[0] : text.TrimEnd('\n').Split('\n');
    }
}
