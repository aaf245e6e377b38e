using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace VmBoot.Plans
{
    /// <summary>Which VM starts in which stage, on which host, as known when the script is generated.</summary>
    public sealed class BootPreviewItem
    {
        /// <summary>Creates an item.</summary>
        public BootPreviewItem(int stage, string stageName, EsxiVm vm)
        {
            Stage = stage;
            StageName = stageName;
            Vm = vm;
        }

        /// <summary>1-based stage number.</summary>
        public int Stage { get; }

        /// <summary>The stage's name.</summary>
        public string StageName { get; }

        /// <summary>The host the VM is registered on now (the script finds it wherever it is at boot).</summary>
        public string Server => Vm.Server;

        /// <summary>The VM's name.</summary>
        public string Name => Vm.Name;

        /// <summary>The VM's vmx file, its identity at boot.</summary>
        public string File => Vm.File;

        /// <summary>The VM.</summary>
        public EsxiVm Vm { get; }
    }

    /// <summary>A plan applied to an inventory.</summary>
    public sealed class PlanResolution
    {
        /// <summary>Selected VMs in start order.</summary>
        public List<BootPreviewItem> Items { get; } = new List<BootPreviewItem>();

        /// <summary>VMs no stage selects and no exclude names (vCLS aside): a drift check reports them.</summary>
        public List<EsxiVm> Unplanned { get; } = new List<EsxiVm>();

        /// <summary>Things the admin should know (vCLS matched, empty stages...).</summary>
        public List<string> Warnings { get; } = new List<string>();
    }

    /// <summary>Applies selectors to an inventory: first stage wins, vCLS never starts.</summary>
    public static class BootPlanResolver
    {
        private static readonly Regex TagLine = new Regex(@"^\s*vmboot:\s*stage\s*=\s*(\S+)\s*$", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant);

        /// <summary>Resolves the plan against VMs from one or many hosts.</summary>
        public static PlanResolution Resolve(BootPlan plan, IEnumerable<EsxiVm> inventory)
        {
            var result = new PlanResolution();
            // Hosts answer in any order: sort, so the same inventory always gives the same script.
            var vms = inventory.OrderBy(v => v.Server, StringComparer.Ordinal).ThenBy(v => v.Vmid).ToList();
            var taken = new HashSet<EsxiVm>();
            var excluded = Matcher(plan.Exclude);
            foreach (var vm in vms.Where(v => !v.IsVcls && excluded(v)))
            {
                taken.Add(vm);
            }

            for (int i = 0; i < plan.Stages.Count; i++)
            {
                var stage = plan.Stages[i];
                var (selects, leaves) = (Matcher(stage.Select), Matcher(stage.Exclude));
                int before = result.Items.Count;
                foreach (var vm in vms)
                {
                    if (taken.Contains(vm) || !selects(vm) || leaves(vm))
                    {
                        continue;
                    }

                    if (vm.IsVcls)
                    {
                        if (!stage.Select.All)
                        {
                            result.Warnings.Add($"Stage '{stage.Name}' matches vCLS VM '{vm.Name}'{On(vm)}; vCLS VMs are never started (vCenter runs them).");
                        }

                        continue;
                    }

                    if (vm.Name.IndexOfAny(new[] { '\t', '\n', '\r' }) >= 0 || vm.File.IndexOfAny(new[] { '\t', '\n', '\r' }) >= 0)
                    {
                        result.Warnings.Add($"VM '{vm.Name.Replace("\n", "\\n")}'{On(vm)} has a tab or line break in its name or path and cannot be matched safely at boot; it is left out.");
                        continue;
                    }

                    taken.Add(vm);
                    result.Items.Add(new BootPreviewItem(i + 1, stage.Name, vm));
                }

                if (result.Items.Count == before && vms.Count > 0)
                {
                    result.Warnings.Add($"Stage '{stage.Name}' selects no VM of the inventory.");
                }
            }

            result.Unplanned.AddRange(vms.Where(v => !v.IsVcls && !taken.Contains(v)));
            if (vms.Count > 0)
            {
                result.Warnings.AddRange(UnmatchedCriteria(plan, vms));
            }

            if (result.Unplanned.Count > 0)
            {
                result.Warnings.Add(UnplannedWarning(result.Unplanned));
            }

            return result;
        }

        /// <summary>True when the selector picks the VM.</summary>
        public static bool Matches(VmSelector selector, EsxiVm vm) => Matcher(selector)(vm);

        // The selector as one test, its patterns compiled once for a whole inventory.
        private static Func<EsxiVm, bool> Matcher(VmSelector selector)
        {
            if (selector.All)
            {
                return _ => true;
            }

            var criteria = Criteria(selector).ToArray();
            return vm => criteria.Any(c => c.Test(vm));
        }

        // One entry per name, pattern, datastore, path or tag a selector lists; a VM matches the selector if any entry matches it.
        private static IEnumerable<Criterion> Criteria(VmSelector selector)
        {
            foreach (string name in selector.Names)
            {
                yield return new Criterion("names", name, vm => string.Equals(name, vm.Name, StringComparison.Ordinal), vm => new[] { vm.Name });
            }

            foreach (string pattern in selector.NameLike)
            {
                var wildcard = Wildcard(pattern);
                yield return new Criterion("nameLike", pattern, vm => wildcard.IsMatch(vm.Name), vm => new[] { vm.Name });
            }

            foreach (string pattern in selector.NameMatch)
            {
                var regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                yield return new Criterion("nameMatch", pattern, vm => regex.IsMatch(vm.Name), vm => new[] { vm.Name });
            }

            foreach (string datastore in selector.Datastores)
            {
                yield return new Criterion("datastores", datastore, vm => string.Equals(datastore, vm.Datastore, StringComparison.Ordinal), vm => new[] { vm.Datastore });
            }

            foreach (string path in selector.VmxPaths)
            {
                yield return new Criterion("vmxPaths", path, vm => string.Equals(path, vm.VmxPath, StringComparison.Ordinal) || string.Equals(path, vm.File, StringComparison.Ordinal), vm => new[] { vm.File });
            }

            foreach (string tag in selector.Tags)
            {
                yield return new Criterion("tags", tag, vm => Tags(vm.Notes).Contains(tag, StringComparer.OrdinalIgnoreCase), vm => Tags(vm.Notes));
            }
        }

        // A listed name or pattern that matches no VM at all is a typo or a renamed VM: say so, with the nearest candidates.
        private static IEnumerable<string> UnmatchedCriteria(BootPlan plan, List<EsxiVm> vms)
        {
            var selectors = new List<(string Where, VmSelector Selector)> { ("The plan's exclude", plan.Exclude) };
            foreach (var stage in plan.Stages)
            {
                selectors.Add(($"Stage '{stage.Name}'", stage.Select));
                selectors.Add(($"Stage '{stage.Name}''s exclude", stage.Exclude));
            }

            foreach (var (where, selector) in selectors)
            {
                foreach (var criterion in Criteria(selector).Where(c => !vms.Any(c.Test)))
                {
                    var nearest = Nearest(criterion.Value, vms.SelectMany(criterion.Candidates).Where(c => c.Length > 0));
                    string hint = nearest.Count == 0 ? "" : $"; did you mean {string.Join(" or ", nearest.Select(n => $"'{n}'"))}?";
                    yield return $"{where} lists {criterion.Key} '{criterion.Value}', which matches no VM of the inventory{hint}";
                }
            }
        }

        private static string UnplannedWarning(List<EsxiVm> unplanned)
        {
            const int Shown = 10;
            string names = string.Join(", ", unplanned.Take(Shown).Select(v => $"'{v.Name}'{On(v)}"));
            string more = unplanned.Count > Shown ? $" and {unplanned.Count - Shown} more" : "";
            return $"{unplanned.Count} VM(s) are in no stage and no exclude, so this plan will never start them: {names}{more}. "
                + "Add a last stage with 'all: true' to start the rest, or list them under 'exclude'.";
        }

        // Up to three candidates close to what was written: those that contain it (or it them) when there are any,
        // as 'dc01 (primary)' for 'dc01'; else those a few edits away, as 'vcsa01' for 'vcsa-02'.
        private static List<string> Nearest(string written, IEnumerable<string> candidates)
        {
            string bare = new string(written.Where(c => c != '*' && c != '?' && c != '[' && c != ']' && c != '`').ToArray());
            if (bare.Length == 0)
            {
                return new List<string>();
            }

            var distinct = candidates.Distinct(StringComparer.Ordinal).Select(c => (Name: c, Distance: Distance(bare, c))).ToList();
            var containing = distinct.Where(c => c.Name.IndexOf(bare, StringComparison.OrdinalIgnoreCase) >= 0 || bare.IndexOf(c.Name, StringComparison.OrdinalIgnoreCase) >= 0).ToList();
            int allowed = Math.Max(2, bare.Length / 3);
            return (containing.Count > 0 ? containing : distinct.Where(c => c.Distance <= allowed))
                .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
                .Take(3).Select(c => c.Name).ToList();
        }

        // Edit distance, ignoring case.
        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
                }

                (previous, current) = (current, previous);
            }

            return previous[b.Length];
        }

        private sealed class Criterion
        {
            internal Criterion(string key, string value, Func<EsxiVm, bool> test, Func<EsxiVm, IEnumerable<string>> candidates)
            {
                Key = key;
                Value = value;
                Test = test;
                Candidates = candidates;
            }

            // The plan key, as the YAML writes it.
            internal string Key { get; }

            internal string Value { get; }

            internal Func<EsxiVm, bool> Test { get; }

            // What of a VM the value is compared with, for suggestions.
            internal Func<EsxiVm, IEnumerable<string>> Candidates { get; }
        }

        /// <summary>Tags from notes lines <c>vmboot: stage=TAG</c>.</summary>
        public static IEnumerable<string> Tags(string notes) => TagLine.Matches(notes).Cast<Match>().Select(m => m.Groups[1].Value);

        private static Regex Wildcard(string pattern)
        {
            var regex = new System.Text.StringBuilder("^");
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == '`' && i + 1 < pattern.Length)
                {
                    // As in PowerShell: a backtick makes the next character literal ([, ], *, ?).
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                }
                else if (c == '*')
                {
                    regex.Append(".*");
                }
                else if (c == '?')
                {
                    regex.Append('.');
                }
                else if (c == '[' && pattern.IndexOf(']', i + 1) > i + 1)
                {
                    int close = pattern.IndexOf(']', i + 1);
                    regex.Append('[').Append(pattern.Substring(i + 1, close - i - 1).Replace("\\", "\\\\")).Append(']');
                    i = close;
                }
                else
                {
                    regex.Append(Regex.Escape(c.ToString()));
                }
            }

            return new Regex(regex.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }

        private static string On(EsxiVm vm) => vm.Server.Length > 0 ? $" on {vm.Server}" : "";
    }
}
