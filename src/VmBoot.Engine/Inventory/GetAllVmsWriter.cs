using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace VmBoot.Inventory
{
    /// <summary>
    /// Writes VMs back as <c>vim-cmd vmsvc/getallvms</c> lays them out (esxi-facts.md): the probe checks that a host's
    /// table comes back the same, and a capture swaps names for placeholders without disturbing the layout.
    /// </summary>
    public static class GetAllVmsWriter
    {
        /// <summary>
        /// The table for <paramref name="vms"/>: rows by Vmid as text, each column as wide as its widest cell (header
        /// label included), three spaces between columns, labels centred, the header without trailing spaces.
        /// </summary>
        /// <param name="vms">The VMs.</param>
        /// <param name="widthsInBytes">Count widths in UTF-8 bytes rather than characters (unverified which a host uses).</param>
        /// <param name="trailingPadding">Pad a row's last cell too, as the facts say data rows do.</param>
        public static string Write(IEnumerable<EsxiVm> vms, bool widthsInBytes = false, bool trailingPadding = true)
        {
            Func<string, int> measure = widthsInBytes ? (Func<string, int>)Encoding.UTF8.GetByteCount : s => s.Length;
            var rows = vms.Select(vm => new[] { vm.Vmid.ToString(CultureInfo.InvariantCulture), vm.Name, vm.File, vm.GuestId, vm.HardwareVersion, vm.Notes })
                .OrderBy(cells => cells[0], StringComparer.Ordinal)
                .ToList();
            var labels = GetAllVmsLayout.Labels;
            var widths = new int[labels.Length];
            for (int column = 0; column < labels.Length; column++)
            {
                widths[column] = labels[column].Length;
                foreach (var cells in rows)
                {
                    widths[column] = Math.Max(widths[column], measure(cells[column]));
                }
            }

            var table = new StringBuilder();
            var header = new StringBuilder();
            for (int column = 0; column < labels.Length; column++)
            {
                int spare = widths[column] - labels[column].Length;
                header.Append(column == 0 ? "" : GetAllVmsLayout.Separator).Append(' ', spare / 2).Append(labels[column]).Append(' ', spare - (spare / 2));
            }

            table.Append(header.ToString().TrimEnd(' ')).Append('\n');
            foreach (var cells in rows)
            {
                var row = new StringBuilder();
                for (int column = 0; column < cells.Length; column++)
                {
                    row.Append(column == 0 ? "" : GetAllVmsLayout.Separator).Append(cells[column]).Append(' ', Math.Max(0, widths[column] - measure(cells[column])));
                }

                table.Append(trailingPadding ? row.ToString() : row.ToString().TrimEnd(' ')).Append('\n');
            }

            return table.ToString();
        }

        /// <summary>
        /// How <paramref name="text"/> (a host's getallvms output, <c>Skipping invalid VM</c> lines aside) comes back when
        /// its VMs are written again: the way of padding that reproduces it exactly, or the first line that differs.
        /// </summary>
        public static (bool Same, string How) RoundTrip(string text, IReadOnlyList<EsxiVm> vms)
        {
            string table = string.Concat(text.Replace("\r\n", "\n").Split('\n')
                .Where(line => !line.StartsWith("Skipping invalid VM", StringComparison.Ordinal))
                .Select(line => line + "\n")).TrimEnd('\n') + "\n";
            foreach (var (bytes, padded, how) in Variants)
            {
                if (Write(vms, bytes, padded) == table)
                {
                    return (true, how);
                }
            }

            var ours = Write(vms).Split('\n');
            var theirs = table.Split('\n');
            int line = Enumerable.Range(0, Math.Max(ours.Length, theirs.Length)).First(i => i >= ours.Length || i >= theirs.Length || ours[i] != theirs[i]);
            return (false, $"line {line + 1} differs: the host printed '{(line < theirs.Length ? theirs[line] : "")}', VmBoot expected '{(line < ours.Length ? ours[line] : "")}'");
        }

        /// <summary>Writes <paramref name="vms"/> padded the way a successful <see cref="RoundTrip"/> found (its How).</summary>
        public static string WriteLike(string how, IEnumerable<EsxiVm> vms)
        {
            var (bytes, padded, _) = Variants.First(v => v.How == how);
            return Write(vms, bytes, padded);
        }

        private static readonly (bool Bytes, bool Padded, string How)[] Variants =
        {
            (false, true, "widths in characters"),
            (true, true, "widths in UTF-8 bytes"),
            (false, false, "widths in characters, rows without trailing padding"),
            (true, false, "widths in UTF-8 bytes, rows without trailing padding"),
        };
    }
}
