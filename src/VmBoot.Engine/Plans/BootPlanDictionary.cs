using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace VmBoot.Plans
{
    /// <summary>
    /// Reads a plan from New-BootPlan's parameters, as a dictionary (a splatted hashtable): the plan's keys by their
    /// PowerShell names (<c>LogDatastore</c>, <c>Retries</c>) and <c>Stage</c>, a list of stage dictionaries
    /// (<c>Name</c>, <c>Names</c>, <c>TcpPort</c>...). Names are <see cref="PlanKeys"/>' PowerShell names, not case-sensitive.
    /// Values are plain .NET values: PowerShell's wrappers are the caller's to take off.
    /// </summary>
    public static class BootPlanDictionary
    {
        /// <summary>The key of the stages.</summary>
        public const string StageKey = "Stage";

        /// <summary>The plan, checked; every problem of every stage and the plan in one <see cref="BootPlanException"/>, in New-BootPlan's words.</summary>
        public static BootPlan Read(IDictionary parameters)
        {
            var plan = new BootPlan();
            var problems = new List<BootPlanException>();
            var stagesWithProblems = new HashSet<BootStage>();
            var planKeys = Keys(PlanScope.Plan).ToList();
            foreach (DictionaryEntry entry in parameters)
            {
                string name = entry.Key?.ToString() ?? "";
                if (string.Equals(name, StageKey, StringComparison.OrdinalIgnoreCase))
                {
                    plan.Stages = Items(entry.Value).Select((item, index) => Stage(item, index, problems, stagesWithProblems)).ToList();
                    continue;
                }

                if (Set(planKeys, plan, name, entry.Value, "") is string problem)
                {
                    problems.Add(new BootPlanException(null, 0, 0, problem.Length > 0 ? problem : $"unknown key '{name}'; a plan takes {StageKey}, {string.Join(", ", planKeys.Select(k => k.Name))}"));
                }
            }

            BootPlanValidator.Validate(plan, PlanWords.PowerShell, problems, stagesWithProblems);
            return plan;
        }

        /// <summary>The keys a stage dictionary takes, in order.</summary>
        public static IEnumerable<string> StageKeys => Keys(PlanScope.Stage).Select(k => k.Name);

        /// <summary>The keys of the plan's own (New-BootPlan's parameters), in order.</summary>
        public static IEnumerable<string> PlanKeyNames => Keys(PlanScope.Plan).Select(k => k.Name);

        private static BootStage Stage(object? item, int index, List<BootPlanException> problems, HashSet<BootStage> stagesWithProblems)
        {
            var stage = new BootStage();
            string where = PlanKeys.Stage(index);
            if (!(item is IDictionary table))
            {
                problems.Add(new BootPlanException(null, 0, 0, $"{where}a stage is a hashtable (@{{ Name = 'vcenter'; Names = 'vcsa01' }}), not '{Text(item)}'"));
                stagesWithProblems.Add(stage);
                return stage;
            }

            var stageKeys = Keys(PlanScope.Stage).ToList();
            foreach (DictionaryEntry entry in table)
            {
                string name = entry.Key?.ToString() ?? "";
                if (Set(stageKeys, stage, name, entry.Value, where) is string problem)
                {
                    problems.Add(new BootPlanException(null, 0, 0, problem.Length > 0 ? problem : $"{where}unknown key '{name}'; a stage takes {string.Join(", ", stageKeys.Select(k => k.Name))}"));
                    stagesWithProblems.Add(stage);
                }
            }

            return stage;
        }

        // Null when set; "" for an unknown name; else the complaint.
        private static string? Set(List<(string Name, PlanKey Key, Func<object, object> Owner)> keys, object owner, string name, object? value, string where)
        {
            var match = keys.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match.Key == null)
            {
                return "";
            }

            var key = match.Key;
            object target = match.Owner(owner);
            // The plan's own keys are New-BootPlan's parameters: named with their dash.
            string shown = owner is BootPlan ? "-" + match.Name : match.Name;
            var group = PlanKeys.SwitchedGroupOf(key);
            if (group?.Switch != null && value is bool on)
            {
                // Heartbeat = $true: the part with its default; $false: without it.
                group.Switch(target, on);
                return null;
            }

            switch (key.Kind)
            {
                case PlanValueKind.Number:
                    if (!(WholeNumber(value) is int number))
                    {
                        return key.NotANumber(where, Text(value), PlanWords.PowerShell);
                    }

                    group?.Switch?.Invoke(target, true);
                    key.Set(target, number);
                    return null;
                case PlanValueKind.Flag:
                    bool? flag = value is bool b ? b
                        : string.Equals(value as string, "true", StringComparison.OrdinalIgnoreCase) ? true
                        : string.Equals(value as string, "false", StringComparison.OrdinalIgnoreCase) ? false
                        : (bool?)null;
                    if (flag == null)
                    {
                        // $true/$false, or the words YAML takes; never PowerShell's truthiness, where 'false' is true.
                        return $"{where}{shown} is $true or $false, not '{Text(value)}'";
                    }

                    key.Set(target, key.PowerShellSaysTheOpposite ? !flag.Value : flag.Value);
                    return null;
                case PlanValueKind.Choice:
                    string word = Text(value);
                    if (!key.Choices.Contains(word, StringComparer.OrdinalIgnoreCase))
                    {
                        return where + string.Format(CultureInfo.InvariantCulture, key.ChoiceRefusal!, shown, word);
                    }

                    key.Set(target, word);
                    return null;
                case PlanValueKind.Texts:
                    key.Set(target, Items(value).Select(Text).ToList());
                    return null;
                default:
                    key.Set(target, value == null ? null : Text(value));
                    return null;
            }
        }

        // Each key's PowerShell name, with the object it goes into: a selector's keys under their group's prefix (ExcludeNames).
        private static IEnumerable<(string Name, PlanKey Key, Func<object, object> Owner)> Keys(PlanScope scope)
        {
            foreach (var entry in PlanKeys.All.Where(e => e.Scope == scope))
            {
                if (entry is PlanKey key)
                {
                    yield return (key.PowerShellKey.TrimStart('-'), key, owner => owner);
                }
                else if (entry is PlanGroup group && group.Selector != null)
                {
                    foreach (var criterion in PlanKeys.Values.Where(k => k.Scope == PlanScope.Selector))
                    {
                        yield return (group.PowerShellPrefix!.TrimStart('-') + criterion.PowerShellKey, criterion, owner => group.Selector(owner));
                    }
                }
            }
        }

        // Whole numbers as YAML takes them (a number, or text of one).
        private static int? WholeNumber(object? value) => value switch
        {
            int i => i,
            short s => s,
            byte b => b,
            long l when l >= int.MinValue && l <= int.MaxValue => (int)l,
            string text when int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed) => parsed,
            _ => null,
        };

        private static IEnumerable<object?> Items(object? value) => value switch
        {
            null => Enumerable.Empty<object?>(),
            string text => new object?[] { text },
            IDictionary one => new object?[] { one },
            IEnumerable many => many.Cast<object?>(),
            _ => new[] { value },
        };

        private static string Text(object? value) => value switch
        {
            null => "",
            string text => text,
            IEnumerable many => string.Join(" ", many.Cast<object?>().Select(Text)),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
