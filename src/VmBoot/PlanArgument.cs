using System;
using System.Collections;
using System.Collections.Specialized;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>
    /// What -Plan was given: a plan (Import-BootPlan, New-BootPlan), the path of a plan file, or New-BootPlan's
    /// parameters as a hashtable. <see cref="PlanArgumentTransformationAttribute"/> binds it; <see cref="Read"/> gives
    /// the plan. Reading is not done while binding: PowerShell turns any failure there into its own
    /// ParameterArgumentTransformationError, and a plan's problems deserve BootPlanInvalid with file, line and column.
    /// </summary>
    public sealed class PlanArgument
    {
        private readonly BootPlan? plan;
        private readonly string? path;
        private readonly IDictionary? parameters;
        private readonly object? unusable;

        internal PlanArgument(object value)
        {
            switch (value)
            {
                case BootPlan given: plan = given; break;
                case string file: path = file; break;
                case IDictionary table: parameters = (IDictionary)Plain(table)!; break;
                default: unusable = value; break;
            }
        }

        /// <summary>The plan, checked. A plan that cannot be used stops the cmdlet: nothing it does can follow without one.</summary>
        internal BootPlan Read(PSCmdlet cmdlet)
        {
            try
            {
                if (plan != null)
                {
                    BootPlanValidator.Validate(plan);
                    return plan;
                }

                if (parameters != null)
                {
                    return BootPlanDictionary.Read(parameters);
                }

                if (path != null)
                {
                    string file = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (!File.Exists(file))
                    {
                        cmdlet.ThrowTerminatingError(ErrorRecords.NotAFile(file));
                    }

                    return BootPlanYaml.Read(File.ReadAllText(file), file);
                }
            }
            catch (BootPlanException e)
            {
                cmdlet.ThrowTerminatingError(ErrorRecords.FromPlan(e, built: path == null));
            }

            cmdlet.ThrowTerminatingError(ErrorRecords.Create("PlanTypeInvalid", ErrorCategory.InvalidArgument, unusable,
                $"-Plan takes a plan (Import-BootPlan, New-BootPlan), a plan file's path, or New-BootPlan's parameters as a hashtable, not a {unusable?.GetType().Name}."));
            return null!;
        }

        /// <summary>
        /// PowerShell's values as plain .NET ones, for the engine: wrappers off, switches as bool, arrays and hashtables
        /// (kept in their order, keys not case-sensitive) all the way down.
        /// </summary>
        internal static object? Plain(object? value) => value switch
        {
            PSObject wrapped => Plain(wrapped.BaseObject),
            SwitchParameter flag => flag.IsPresent,
            string text => text,
            IDictionary table => table.Cast<DictionaryEntry>().Aggregate(new OrderedDictionary(StringComparer.OrdinalIgnoreCase), (plain, entry) =>
            {
                plain[entry.Key] = Plain(entry.Value);
                return plain;
            }),
            IEnumerable many => many.Cast<object?>().Select(Plain).ToArray(),
            _ => value,
        };
    }

    /// <summary>Binds -Plan: a plan, a path or a hashtable become a <see cref="PlanArgument"/>, whatever wraps them.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class PlanArgumentTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return value == null ? null! : value as PlanArgument ?? new PlanArgument(value);
        }
    }
}
