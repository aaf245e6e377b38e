using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>Builds a boot plan from parameters; stages are hashtables (see the help for their keys).</summary>
    [Cmdlet(VerbsCommon.New, "BootPlan")]
    [OutputType(typeof(BootPlan))]
    public sealed class NewBootPlanCommand : PSCmdlet
    {
        private static readonly string[] StageKeys =
        {
            "Name", "Names", "NameLike", "NameMatch", "Datastores", "VmxPaths", "Tags", "All",
            "ExcludeNames", "ExcludeNameLike", "Pause", "Delay", "Heartbeat", "TcpHost", "TcpPort", "TcpTimeout",
            "RescanDatastores", "RescanTimeout",
        };

        /// <summary>
        /// Stages in order, as hashtables: Name; selectors Names, NameLike, NameMatch, Datastores, VmxPaths,
        /// Tags, All; ExcludeNames, ExcludeNameLike; Pause; gate Delay, Heartbeat (timeout seconds), TcpHost,
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

        /// <summary>Seconds to wait at boot before checking anything.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int MinimumDelay { get; set; }

        /// <summary>Seconds allowed for hostd and datastores.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int ReadinessTimeout { get; set; } = 600;

        /// <summary>Retries of a failed power-on.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int Retries { get; set; } = 3;

        /// <summary>Seconds before the first retry, doubled each time.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int RetryDelay { get; set; } = 10;

        /// <summary>A host that boots in maintenance mode: Stay (start nothing) or Exit (leave it, then start).</summary>
        [Parameter]
        [ValidateSet("Stay", "Exit")]
        public string MaintenanceMode { get; set; } = "Stay";

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
                Exclude = { NameLike = ExcludeNameLike?.ToList() ?? new List<string>() },
            };
            try
            {
                plan.Stages = Stage.Select(ToStage).ToList();
                BootPlanValidator.Validate(plan);
            }
            catch (BootPlanException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(BootPlanException.Id, ErrorCategory.InvalidArgument, null, e.Reason, e));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(ErrorRecords.Create(BootPlanException.Id, ErrorCategory.InvalidArgument, null, e.Message, e));
            }

            WriteObject(plan);
        }

        private static BootStage ToStage(Hashtable table, int index)
        {
            var stage = new BootStage();
            foreach (DictionaryEntry entry in table)
            {
                string key = StageKeys.FirstOrDefault(k => string.Equals(k, entry.Key?.ToString(), StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"Stage {index + 1}: unknown key '{entry.Key}'; expected one of: {string.Join(", ", StageKeys)}.");
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
                    case "All": stage.Select.All = LanguagePrimitives.IsTrue(value); break;
                    case "ExcludeNames": stage.Exclude.Names = List(value); break;
                    case "ExcludeNameLike": stage.Exclude.NameLike = List(value); break;
                    case "Pause": stage.Pause = Number(value, key, index); break;
                    case "Delay": stage.After.Delay = Number(value, key, index); break;
                    case "Heartbeat":
                        stage.After.Heartbeat = !(value is bool b) || b;
                        if (!(value is bool))
                        {
                            stage.After.HeartbeatTimeout = Number(value, key, index);
                        }

                        break;
                    case "TcpHost": stage.After.TcpHost = Text(value); break;
                    case "TcpPort": stage.After.TcpPort = Number(value, key, index); break;
                    case "RescanDatastores": stage.After.RescanDatastores = List(value); break;
                    case "RescanTimeout": stage.After.RescanTimeout = Number(value, key, index); break;
                    default: stage.After.TcpTimeout = Number(value, key, index); break;
                }
            }

            return stage;
        }

        private static string Text(object? value) => LanguagePrimitives.ConvertTo<string>(value);

        private static List<string> List(object? value) => LanguagePrimitives.ConvertTo<string[]>(value).ToList();

        private static int Number(object? value, string key, int index)
        {
            try
            {
                return LanguagePrimitives.ConvertTo<int>(value);
            }
            catch (PSInvalidCastException)
            {
                throw new ArgumentException($"Stage {index + 1}: {key} must be a whole number of seconds, not '{value}'.");
            }
        }
    }
}
