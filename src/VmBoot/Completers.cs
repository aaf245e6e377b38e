using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VmBoot.Commands
{
    /// <summary>Completes from a list of candidate values: wildcard prefix match, quoted when needed.</summary>
    public abstract class ValueCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
            return Candidates()
                .Where(c => !string.IsNullOrEmpty(c.Value) && pattern.IsMatch(c.Value))
                .GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
                .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                .Select(g => new CompletionResult(Quote(g.Key), g.Key, CompletionResultType.ParameterValue, g.First().ToolTip));
        }

        /// <summary>Values and their tooltips.</summary>
        protected abstract IEnumerable<(string Value, string ToolTip)> Candidates();

        /// <summary>The parameter takes wildcards: a completed value's own [ ] * ? are escaped so it matches only itself.</summary>
        protected virtual bool TakesWildcards => false;

        private string Quote(string value)
        {
            string escaped = TakesWildcards && WildcardPattern.ContainsWildcardCharacters(value) ? WildcardPattern.Escape(value) : value;
            return escaped.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}@#&|<>".IndexOf(c) >= 0) || escaped != value
                ? "'" + escaped.Replace("'", "''") + "'"
                : escaped;
        }
    }

    /// <summary>Server names: open sessions, then hosts of the last inventory.</summary>
    public sealed class ServerCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override IEnumerable<(string Value, string ToolTip)> Candidates()
            => SessionStore.Current().Select(s => (s.Server, $"session {s.Id}: {s.UserName}@{s.Server}"))
                .Concat(InventoryCache.Current().Select(v => (v.Server, $"{v.Server} (last inventory)")));
    }

    /// <summary>VM names of the last inventory (vCLS left out: VmBoot never starts them).</summary>
    public sealed class VmNameCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override bool TakesWildcards => true;

        /// <inheritdoc />
        protected override IEnumerable<(string Value, string ToolTip)> Candidates() => VmNames();

        /// <summary>The last inventory's VM names with where each is, vCLS left out.</summary>
        internal static IEnumerable<(string Value, string ToolTip)> VmNames()
            => InventoryCache.Current().Where(v => !v.IsVcls).Select(v => (v.Name, v.Server.Length > 0 ? $"{v.Name} on {v.Server} [{v.Datastore}]" : $"{v.Name} [{v.Datastore}]"));
    }

    /// <summary>VM names for a parameter that takes names exactly (Stop-EsxiCluster -ManagementVm): nothing escaped.</summary>
    public sealed class ExactVmNameCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override IEnumerable<(string Value, string ToolTip)> Candidates() => VmNameCompleter.VmNames();
    }

    /// <summary>Datastores of the last inventory.</summary>
    public sealed class DatastoreCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override IEnumerable<(string Value, string ToolTip)> Candidates()
            => InventoryCache.Current().Select(v => (v.Datastore, $"datastore {v.Datastore}"));
    }
}
