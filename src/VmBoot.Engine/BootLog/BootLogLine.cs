using System.Globalization;
using System.Text;

namespace VmBoot.BootLog
{
    /// <summary>
    /// Writes an event as the boot script's <c>vmboot_log</c> does: <c>time host event stage vmid attempt result name
    /// detail</c>, tab-separated, '-' for an empty field; <see cref="BootLogParser"/> reads it back.
    /// </summary>
    public static class BootLogLine
    {
        /// <summary>One line, without its line break.</summary>
        public static string Format(BootLogEvent e)
        {
            // The name field carries the stage's name on stage lines and the datastore on wait-datastore lines.
            string? name = e.Action == BootEvents.StageStart || e.Action == BootEvents.StageEnd ? e.StageName
                : e.Action == BootEvents.WaitDatastore ? e.Datastore
                : e.VmName;
            var line = new StringBuilder();
            line.Append(e.Time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
                .Append('\t').Append(Field(e.HostName))
                .Append('\t').Append(Field(e.Action))
                .Append('\t').Append(Number(e.Stage))
                .Append('\t').Append(Number(e.Vmid))
                .Append('\t').Append(Number(e.Attempt))
                .Append('\t').Append(Field(e.Result))
                .Append('\t').Append(Field(name))
                .Append('\t').Append(Field(e.Message));
            return line.ToString();
        }

        private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

        // A field never holds the separators: tabs and line breaks (from a quoted vim-cmd reason) become spaces.
        private static string Field(string? text) => string.IsNullOrEmpty(text) ? "-"
            : text!.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ');
    }
}
