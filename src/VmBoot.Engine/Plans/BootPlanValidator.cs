using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace VmBoot.Plans
{
    /// <summary>Checks what the schema alone cannot: names, regexes, non-empty stages, safe values.</summary>
    public static class BootPlanValidator
    {
        private static readonly Regex HostName = new Regex(@"^[A-Za-z0-9]([A-Za-z0-9.\-:]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$", RegexOptions.CultureInvariant);

        /// <summary>Throws <see cref="BootPlanException"/> for the first problem.</summary>
        public static void Validate(BootPlan plan) => Validate(plan, null);

        internal static void Validate(BootPlan plan, BootPlanYaml.Reader? reader)
        {
            BootPlanException Fail(object at, string reason)
                => reader?.ErrorAt(at, reason) ?? new BootPlanException(plan.Source, 0, 0, reason);

            if (plan.Stages.Count == 0)
            {
                throw Fail(plan, "a plan needs at least one stage under 'stages'");
            }

            if (plan.Log.Datastore != null && plan.Log.Path != null)
            {
                throw Fail(plan, "give 'log.datastore' or 'log.path', not both");
            }

            foreach (string? text in new[] { plan.Log.Datastore, plan.Log.Path }.Concat(plan.Readiness.Datastores).Concat(plan.Stages.SelectMany(s => s.After.RescanDatastores)))
            {
                if (text != null && (text.Length == 0 || text.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
                {
                    throw Fail(plan, $"'{text}' is not a usable datastore or path");
                }
            }

            CheckSelector(plan.Exclude, Fail);
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var stage in plan.Stages)
            {
                if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.IndexOfAny(new[] { '\n', '\r', '\t' }) >= 0)
                {
                    throw Fail(stage, "every stage needs a 'name' (one line, no tabs)");
                }

                if (!names.Add(stage.Name))
                {
                    throw Fail(stage, $"two stages are named '{stage.Name}'");
                }

                if (stage.Select.IsEmpty)
                {
                    throw Fail(stage, $"stage '{stage.Name}' selects nothing; list names, nameLike, nameMatch, datastores, vmxPaths or tags, or 'all: true' for the rest");
                }

                CheckSelector(stage.Select, Fail);
                CheckSelector(stage.Exclude, Fail);
                if (stage.After.TcpHost != null && !HostName.IsMatch(stage.After.TcpHost))
                {
                    throw Fail(stage, $"'{stage.After.TcpHost}' is not a host name or address");
                }
            }
        }

        private static void CheckSelector(VmSelector selector, Func<object, string, BootPlanException> fail)
        {
            foreach (string pattern in selector.NameMatch)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw fail(selector, $"'{pattern}' is not a valid regular expression: {e.Message}");
                }
            }
        }
    }

    /// <summary>Identity comparison (netstandard2.0 has no ReferenceEqualityComparer).</summary>
    internal sealed class SameObject : IEqualityComparer<object>
    {
        internal static readonly SameObject Instance = new SameObject();

        public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

        public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
