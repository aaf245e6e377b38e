namespace VmBoot.Ssh
{
    /// <summary>POSIX sh quoting: any string becomes one literal word, whatever it holds.</summary>
    public static class ShellQuote
    {
        /// <summary>Wraps in single quotes; an embedded ' becomes '\''.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        /// <summary>The inverse of <see cref="Quote"/>; null when <paramref name="word"/> is not in that form.</summary>
        public static string? Unquote(string word)
        {
            if (word.Length < 2 || word[0] != '\'' || word[word.Length - 1] != '\'')
            {
                return null;
            }

            string joined = word.Substring(1, word.Length - 2).Replace("'\\''", "\u0000");
            return joined.IndexOf('\'') >= 0 ? null : joined.Replace('\u0000', '\'');
        }
    }
}
