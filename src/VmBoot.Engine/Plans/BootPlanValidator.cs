using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace VmBoot.Plans
{
    /// <summary>Checks every plan, however it was made: every key against its row of <see cref="PlanKeys"/>, names, regexes, non-empty stages, safe values.</summary>
    public static class BootPlanValidator
    {
        private static readonly Regex HostName = new Regex(@"^[A-Za-z0-9]([A-Za-z0-9.\-:]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Throws one <see cref="BootPlanException"/> for every problem (the first, the others in its
        /// <see cref="BootPlanException.Problems"/>), in YAML's words for a plan read from YAML and in New-BootPlan's
        /// for one built in PowerShell.
        /// </summary>
        public static void Validate(BootPlan plan) => Validate(plan, plan.ReadFromYaml ? PlanWords.Yaml : PlanWords.PowerShell, null, null, null);

        /// <summary>
        /// As <see cref="Validate(BootPlan)"/>, after the <paramref name="earlier"/> problems found while building the
        /// plan; a stage in <paramref name="stagesWithProblems"/> is not also called empty (its selector may be what failed).
        /// </summary>
        public static void Validate(BootPlan plan, PlanWords words, IEnumerable<BootPlanException> earlier, ICollection<BootStage> stagesWithProblems)
            => Validate(plan, words, null, earlier, stagesWithProblems);

        internal static void Validate(BootPlan plan, BootPlanYaml.Reader reader) => Validate(plan, PlanWords.Yaml, reader, null, null);

        private static void Validate(BootPlan plan, PlanWords words, BootPlanYaml.Reader? reader, IEnumerable<BootPlanException>? earlier, ICollection<BootStage>? stagesWithProblems)
        {
            // The reader's problems first, then these: a file's problems all come in one run.
            var problems = reader?.Problems ?? earlier?.ToList() ?? new List<BootPlanException>();
            bool yaml = words == PlanWords.Yaml;
            BootPlanException Fail(object at, string reason, string? key = null)
                => reader?.ErrorAt(at, key, reason) ?? new BootPlanException(plan.Source, 0, 0, reason);

            // Each key as its row says: a number in range, a one-line text.
            void CheckKeys(PlanScope scope, object owner, string where = "")
            {
                foreach (var key in PlanKeys.Values.Where(k => k.Scope == scope))
                {
                    if (key.Kind == PlanValueKind.Number && key.Check(where, (int)key.Get(owner)!, words) is string problem)
                    {
                        problems.Add(Fail(owner, problem, key.Key));
                    }

                    if (key.OneLine && key.Get(owner) is string text && text.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
                    {
                        problems.Add(Fail(owner, $"{where}{key.KeyIn(words)} is one line", key.Key));
                    }
                }
            }

            CheckKeys(PlanScope.Plan, plan);

            if (plan.Stages.Count == 0)
            {
                problems.Add(Fail(plan, yaml ? "a plan needs at least one stage under 'stages'" : "a plan needs at least one stage in -Stage"));
            }

            if (plan.Log.Datastore != null && plan.Log.Path != null)
            {
                problems.Add(Fail(plan, yaml ? "give 'log.datastore' or 'log.path', not both" : "give -LogDatastore or -LogPath, not both"));
            }

            foreach (string? text in new[] { plan.Log.Datastore, plan.Log.Path }.Concat(plan.Readiness.Datastores).Concat(plan.Stages.SelectMany(s => s.After.RescanDatastores)))
            {
                if (text != null && (text.Length == 0 || text.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
                {
                    problems.Add(Fail(plan, $"'{text}' is not a usable datastore or path"));
                }
            }

            CheckSelector(plan.Exclude, (at, reason) => problems.Add(Fail(at, reason)));
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int index = 0; index < plan.Stages.Count; index++)
            {
                var stage = plan.Stages[index];
                string where = PlanKeys.Stage(index);
                CheckKeys(PlanScope.Stage, stage, where);
                if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.IndexOfAny(new[] { '\n', '\r', '\t' }) >= 0)
                {
                    problems.Add(Fail(stage, yaml ? "every stage needs a 'name' (one line, no tabs)" : $"{where}every stage needs a Name (one line, no tabs)"));
                }

                if (!names.Add(stage.Name))
                {
                    problems.Add(Fail(stage, $"two stages are named '{stage.Name}'"));
                }

                if (stage.Select.IsEmpty && reader?.HasProblemWithin(stage) != true && stagesWithProblems?.Contains(stage) != true)
                {
                    problems.Add(Fail(stage, yaml
                        ? $"stage '{stage.Name}' selects nothing; list names, nameLike, nameMatch, datastores, vmxPaths or tags, or 'all: true' for the rest"
                        : $"stage '{stage.Name}' selects nothing; give Names, NameLike, NameMatch, Datastores, VmxPaths or Tags, or All = $true for the rest"));
                }

                CheckSelector(stage.Select, (at, reason) => problems.Add(Fail(at, reason)));
                CheckSelector(stage.Exclude, (at, reason) => problems.Add(Fail(at, reason)));
                if (stage.After.TcpHost != null && !HostName.IsMatch(stage.After.TcpHost))
                {
                    problems.Add(Fail(stage, $"'{stage.After.TcpHost}' is not a host name or address"));
                }
            }

            if (problems.Count > 0)
            {
                throw BootPlanException.Of(problems);
            }
        }

        private static void CheckSelector(VmSelector selector, Action<object, string> report)
        {
            foreach (string pattern in selector.NameMatch)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    report(selector, $"'{pattern}' is not a valid regular expression: {e.Message}");
                }
            }
        }
    }

    /// <summary>(object, key) pairs compared by the object's identity and the key's text.</summary>
    internal sealed class OwnerAndKey : IEqualityComparer<(object Owner, string Key)>
    {
        public bool Equals((object Owner, string Key) x, (object Owner, string Key) y) => ReferenceEquals(x.Owner, y.Owner) && x.Key == y.Key;

        public int GetHashCode((object Owner, string Key) obj) => (SameObject.Instance.GetHashCode(obj.Owner) * 31) + obj.Key.GetHashCode();
    }

    /// <summary>Identity comparison (netstandard2.0 has no ReferenceEqualityComparer).</summary>
    internal sealed class SameObject : IEqualityComparer<object>
    {
        internal static readonly SameObject Instance = new SameObject();

        public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

        public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
