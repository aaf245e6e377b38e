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
            foreach (var vm in vms.Where(v => !v.IsVcls && Matches(plan.Exclude, v)))
            {
                taken.Add(vm);
            }

            for (int i = 0; i < plan.Stages.Count; i++)
            {
                var stage = plan.Stages[i];
                int before = result.Items.Count;
                foreach (var vm in vms)
                {
                    if (taken.Contains(vm) || !Matches(stage.Select, vm) || Matches(stage.Exclude, vm))
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
            return result;
        }

        /// <summary>True when the selector picks the VM.</summary>
        public static bool Matches(VmSelector selector, EsxiVm vm)
        {
            if (selector.All)
            {
                return true;
            }

            return selector.Names.Any(n => string.Equals(n, vm.Name, StringComparison.Ordinal))
                || selector.NameLike.Any(p => Wildcard(p).IsMatch(vm.Name))
                || selector.NameMatch.Any(p => Regex.IsMatch(vm.Name, p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                || selector.Datastores.Any(d => string.Equals(d, vm.Datastore, StringComparison.Ordinal))
                || selector.VmxPaths.Any(p => string.Equals(p, vm.VmxPath, StringComparison.Ordinal) || string.Equals(p, vm.File, StringComparison.Ordinal))
                || (selector.Tags.Count > 0 && Tags(vm.Notes).Any(t => selector.Tags.Contains(t, StringComparer.OrdinalIgnoreCase)));
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
