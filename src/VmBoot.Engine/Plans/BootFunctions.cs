using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace VmBoot.Plans
{
    /// <summary>
    /// The boot script's shell functions, from the boot-functions.sh resource (a real file, shellchecked on its own):
    /// each with the comment lines above it, in the file's order.
    /// </summary>
    public static class BootFunctions
    {
        private static readonly Regex Definition = new Regex(@"^(vmboot_[a-z_]+)\(\) \{$", RegexOptions.CultureInvariant);
        private static readonly Regex Call = new Regex(@"\bvmboot_[a-z_]+\b", RegexOptions.CultureInvariant);
        private static readonly Lazy<List<(string Name, string Text)>> All = new Lazy<List<(string, string)>>(() => Parse(Resource("boot-functions.sh")));

        /// <summary>The functions' names, in the file's order.</summary>
        public static IEnumerable<string> Names => All.Value.Select(f => f.Name);

        /// <summary>The functions <paramref name="caller"/> calls, and those they call, in the file's order.</summary>
        public static IEnumerable<string> Needed(string caller)
        {
            var byName = All.Value.ToDictionary(f => f.Name, f => f.Text, StringComparer.Ordinal);
            var needed = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(Calls(caller, byName));
            while (pending.Count > 0)
            {
                string name = pending.Pop();
                if (needed.Add(name))
                {
                    foreach (string callee in Calls(byName[name], byName))
                    {
                        pending.Push(callee);
                    }
                }
            }

            return All.Value.Where(f => needed.Contains(f.Name)).Select(f => f.Text);
        }

        /// <summary>A text resource of the engine (Plans/NAME).</summary>
        public static string Resource(string name)
        {
            using var stream = typeof(BootFunctions).Assembly.GetManifestResourceStream("VmBoot.Plans." + name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        private static IEnumerable<string> Calls(string text, Dictionary<string, string> functions)
            => Call.Matches(text).Cast<Match>().Select(m => m.Value).Where(functions.ContainsKey).Distinct();

        // A function runs from its definition line to the first line that is "}", with the comments right above it.
        private static List<(string, string)> Parse(string file)
        {
            var lines = file.Replace("\r\n", "\n").Split('\n');
            var functions = new List<(string, string)>();
            for (int i = 0; i < lines.Length; i++)
            {
                var match = Definition.Match(lines[i]);
                if (!match.Success)
                {
                    continue;
                }

                int first = i;
                while (first > 0 && lines[first - 1].StartsWith("#", StringComparison.Ordinal) && !lines[first - 1].StartsWith("# shellcheck", StringComparison.Ordinal))
                {
                    first--;
                }

                int last = Array.IndexOf(lines, "}", i);
                functions.Add((match.Groups[1].Value, string.Join("\n", lines, first, last - first + 1) + "\n"));
                i = last;
            }

            return functions;
        }
    }
}
