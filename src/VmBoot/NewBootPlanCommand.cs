using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>Builds a boot plan from parameters; stages are hashtables (see the help for their keys).</summary>
    [Cmdlet(VerbsCommon.New, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/New-BootPlan.md")]
    [OutputType(typeof(BootPlan))]
    public sealed class NewBootPlanCommand : PSCmdlet
    {
        private static readonly string[] StageKeys =
        {
            "Name", "Names", "NameLike", "NameMatch", "Datastores", "VmxPaths", "Tags", "All",
            "ExcludeNames", "ExcludeNameLike", "Pause", "Parallel", "ShutdownTimeout", "Delay", "Heartbeat", "TcpHost", "TcpPort", "TcpTimeout",
            "RescanDatastores", "RescanTimeout",
        };

        /// <summary>
        /// Stages in order, as hashtables: Name; selectors Names, NameLike, NameMatch, Datastores, VmxPaths,
        /// Tags, All; ExcludeNames, ExcludeNameLike; Pause, Parallel, ShutdownTimeout; gate Delay, Heartbeat (timeout seconds), TcpHost,
        /// TcpPort, TcpTimeout, RescanDatastores, RescanTimeout.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public Hashtable[] Stage { get; set; } = null!;

        /// <summary>The datastore for /vmfs/volumes/&lt;datastore&gt;/vmboot/&lt;hostname&gt;.log.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string? LogDatastore { get; set; }

        /// <summary>A full log path instead ({hostname} is replaced at boot).</summary>
        [Parameter]
        public string? LogPath { get; set; }

        /// <summary>Datastores that must be mounted before the first stage.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(DatastoreCompleter))]
        public string[]? Datastore { get; set; }

        // Ranges are the plan schema's (checked with the plan, as for YAML); defaults are the model's.

        /// <summary>Seconds to wait at boot before checking anything.</summary>
        [Parameter]
        public int MinimumDelay { get; set; } = new BootReadiness().MinimumDelay;

        /// <summary>Seconds allowed for hostd and datastores.</summary>
        [Parameter]
        public int ReadinessTimeout { get; set; } = new BootReadiness().Timeout;

        /// <summary>Retries of a failed power-on.</summary>
        [Parameter]
        public int Retries { get; set; } = new PowerOnPolicy().Retries;

        /// <summary>Seconds before the first retry, doubled each time.</summary>
        [Parameter]
        public int RetryDelay { get; set; } = new PowerOnPolicy().RetryDelay;

        /// <summary>A host that boots in maintenance mode: Stay (start nothing) or Exit (leave it, then start).</summary>
        [Parameter]
        [ValidateSet("Stay", "Exit")]
        public string MaintenanceMode { get; set; } = "Stay";

        /// <summary>Skip VMware's vSAN cluster shutdown and restart steps on vSAN nodes (plan key vsan: false).</summary>
        [Parameter]
        public SwitchParameter SkipVsan { get; set; }

        /// <summary>Name wildcards of VMs never started.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? ExcludeNameLike { get; set; }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var plan = new BootPlan
            {
                Log = { Datastore = LogDatastore, Path = LogPath },
                Readiness = { MinimumDelay = MinimumDelay, Timeout = ReadinessTimeout, Datastores = Datastore?.ToList() ?? new List<string>(), MaintenanceMode = string.Equals(MaintenanceMode, "Exit", StringComparison.OrdinalIgnoreCase) ? MaintenanceModePolicy.Exit : MaintenanceModePolicy.Stay },
                PowerOn = { Retries = Retries, RetryDelay = RetryDelay },
                Vsan = !SkipVsan,
                Exclude = { NameLike = ExcludeNameLike?.ToList() ?? new List<string>() },
            };

            // Every problem of every stage and the plan in one error, each naming the key as written here.
            var problems = new List<BootPlanException>();
            var stagesWithProblems = new HashSet<BootStage>();
            plan.Stages = Stage.Select((table, index) => ToStage(table, index, problems, stagesWithProblems)).ToList();
            try
            {
                BootPlanValidator.Validate(plan, PlanWords.PowerShell, problems, stagesWithProblems);
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(BootPlanException.Id, ErrorCategory.InvalidArgument, null, e.Message, e));
            }

            WriteObject(plan);
        }

        private static BootStage ToStage(Hashtable table, int index, List<BootPlanException> problems, HashSet<BootStage> stagesWithProblems)
        {
            var stage = new BootStage();
            foreach (DictionaryEntry entry in table)
            {
                try
                {
                    SetKey(stage, entry, index);
                }
                catch (ArgumentException e)
                {
                    problems.Add(new BootPlanException(null, 0, 0, e.Message));
                    stagesWithProblems.Add(stage);
                }
            }

            return stage;
        }

        private static void SetKey(BootStage stage, DictionaryEntry entry, int index)
        {
            string key = StageKeys.FirstOrDefault(k => string.Equals(k, entry.Key?.ToString(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"{PlanSchema.Stage(index)}unknown key '{entry.Key}'; a stage takes {string.Join(", ", StageKeys)}");
            object? value = entry.Value is PSObject ps ? ps.BaseObject : entry.Value;
            switch (key)
            {
                case "Name": stage.Name = Text(value); break;
                case "Names": stage.Select.Names = List(value); break;
                case "NameLike": stage.Select.NameLike = List(value); break;
                case "NameMatch": stage.Select.NameMatch = List(value); break;
                case "Datastores": stage.Select.Datastores = List(value); break;
                case "VmxPaths": stage.Select.VmxPaths = List(value); break;
                case "Tags": stage.Select.Tags = List(value); break;
                case "All": stage.Select.All = Flag(value, "All", index); break;
                case "ExcludeNames": stage.Exclude.Names = List(value); break;
                case "ExcludeNameLike": stage.Exclude.NameLike = List(value); break;
                case "Pause": stage.Pause = Number(value, PlanSchema.Pause, index); break;
                case "Parallel": stage.Parallel = Number(value, PlanSchema.Parallel, index); break;
                case "ShutdownTimeout": stage.ShutdownTimeout = Number(value, PlanSchema.ShutdownTimeout, index); break;
                case "Delay": stage.After.Delay = Number(value, PlanSchema.Delay, index); break;
                case "Heartbeat":
                    stage.After.Heartbeat = !(value is bool b) || b;
                    if (!(value is bool))
                    {
                        stage.After.HeartbeatTimeout = Number(value, PlanSchema.HeartbeatTimeout, index);
                    }

                    break;
                case "TcpHost": stage.After.TcpHost = Text(value); break;
                case "TcpPort": stage.After.TcpPort = Number(value, PlanSchema.TcpPort, index); break;
                case "RescanDatastores": stage.After.RescanDatastores = List(value); break;
                case "RescanTimeout": stage.After.RescanTimeout = Number(value, PlanSchema.RescanTimeout, index); break;
                default: stage.After.TcpTimeout = Number(value, PlanSchema.TcpTimeout, index); break;
            }
        }

        // $true/$false, or the words YAML takes; never PowerShell's truthiness, where 'false' is true.
        private static bool Flag(object? value, string key, int index) => value switch
        {
            bool b => b,
            SwitchParameter s => s.IsPresent,
            string text when string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) => true,
            string text when string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new ArgumentException($"{PlanSchema.Stage(index)}{key} is $true or $false, not '{LanguagePrimitives.ConvertTo<string>(value)}'"),
        };

        private static string Text(object? value) => LanguagePrimitives.ConvertTo<string>(value);

        private static List<string> List(object? value) => LanguagePrimitives.ConvertTo<string[]>(value).ToList();

        // Whole numbers as YAML takes them (a number, or text of one); anything else gets the schema's complaint.
        private static int Number(object? value, PlanNumber number, int index)
        {
            bool whole = value is int || value is long || value is short || value is byte
                || (value is string text && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
            try
            {
                if (whole)
                {
                    return LanguagePrimitives.ConvertTo<int>(value);
                }
            }
            catch (PSInvalidCastException)
            {
            }

            throw new ArgumentException(number.NotANumber(PlanSchema.Stage(index), LanguagePrimitives.ConvertTo<string>(value), PlanWords.PowerShell));
        }
    }
}
