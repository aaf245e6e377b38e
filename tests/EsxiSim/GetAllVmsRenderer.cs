using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace VmBoot.EsxiSim
{
    /// <summary>One getallvms row's values, as vim-cmd prints them.</summary>
    public sealed record VmRow(int Vmid, string Name, string File, string GuestId, string HardwareVersion, string Notes);

    /// <summary>Lays out an inventory exactly as vim-cmd vmsvc/getallvms does (shared/esxi-facts.md).</summary>
    public static class GetAllVmsRenderer
    {
        private static readonly string[] Labels = { "Vmid", "Name", "File", "Guest OS", "Version", "Annotation" };

        public static string Render(IEnumerable<VmRow> vms, bool utf8Widths = false, bool trailingPadding = true, string newline = "\n")
        {
            int Width(string s) => utf8Widths ? Encoding.UTF8.GetByteCount(s) : s.Length;
            var rows = vms
                .OrderBy(v => v.Vmid.ToString(System.Globalization.CultureInfo.InvariantCulture), System.StringComparer.Ordinal)
                .Select(v => new[] { v.Vmid.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Name, v.File, v.GuestId, v.HardwareVersion, v.Notes })
                .ToList();
            var widths = Enumerable.Range(0, 6).Select(i => rows.Select(r => Width(r[i])).Append(Labels[i].Length).Max()).ToArray();

            var text = new StringBuilder();
            string header = string.Join("   ", Labels.Select((label, i) =>
            {
                int left = (widths[i] - label.Length) / 2;
                return new string(' ', left) + label + new string(' ', widths[i] - label.Length - left);
            })).TrimEnd();
            text.Append(header).Append(newline);
            foreach (var row in rows)
            {
                string line = string.Join("   ", row.Select((cell, i) => cell + new string(' ', widths[i] - Width(cell))));
                if (!trailingPadding)
                {
                    line = line.TrimEnd(' ');
                }

                text.Append(line.Replace("\n", newline)).Append(newline);
            }

            return text.ToString();
        }
    }
}
