namespace VmBoot.Ssh
{
    /// <summary>POSIX sh quoting: any string becomes one literal word, whatever it holds.</summary>
    public static class ShellQuote
    {
        /// <summary>Wraps in single quotes; an embedded ' becomes '\''.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
    }
}
