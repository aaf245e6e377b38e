using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace VmBoot.Plans
{
    /// <summary>What a boot script will do, in plain words, for the comment that opens its block.</summary>
    public static class BootScriptSummary
    {
        private const int Width = 104;

        /// <summary>The lines (without '# '): the steps, the worst-case time to the last power-on, where it logs.</summary>
        public static IEnumerable<string> Describe(BootPlan plan, PlanResolution resolution, string logPath)
        {
            var lines = new List<string>();
            void Say(string text, string indent = "") => lines.AddRange(Wrap(text, indent));
            Say("What this block does at boot, in the background: local.sh returns at once, because ESXi's boot (and with it the DCUI and the ESXi Shell) waits for local.sh. One run at a time.");
            string datastores = string.Join(", ", BootScriptGenerator.RequiredDatastores(plan).Select(d => $"'{d}'"));
            string delay = plan.Readiness.MinimumDelay > 0 ? $"After {Seconds(plan.Readiness.MinimumDelay)}, w" : "W";
            string maintenance = plan.Readiness.MaintenanceMode == MaintenanceModePolicy.Exit
                ? "A host in maintenance mode leaves it first (readiness.maintenanceMode: exit)."
                : "A host in maintenance mode stays there and starts nothing (readiness.maintenanceMode: stay).";
            Say($"1. {delay}aits for hostd (as vpxuser if lockdown mode refuses root){(datastores.Length > 0 ? " and for datastore(s) " + datastores : "")}, at most {Seconds(plan.Readiness.Timeout)} in all. {maintenance}", "   ");
            for (int i = 0; i < plan.Stages.Count; i++)
            {
                var stage = plan.Stages[i];
                var names = resolution.Items.Where(item => item.Stage == i + 1).Select(item => item.Name).Distinct(StringComparer.Ordinal).ToList();
                string vms = names.Count == 0 ? "no VM of this cluster" : $"{names.Count} VM(s) of this cluster: {string.Join(", ", names.Take(6))}{(names.Count > 6 ? $" and {names.Count - 6} more" : "")}";
                string gates = i < plan.Stages.Count - 1 ? Gates(stage.After) : "";
                Say($"{i + 2}. Stage {i + 1} {stage.Heading}: {vms}{Pace(stage, names.Count)} (each host starts those registered on it).{gates}", "   ");
            }

            Say($"A VM hostd lists as invalid (its datastore not mounted yet) is looked for again once that datastore mounts, within the readiness timeout ({Seconds(plan.Readiness.Timeout)}).");
            Say($"Worst case, if every wait runs to its timeout and every power-on to its last retry: the last power-on {Seconds(WorstCase(plan, resolution))} after the script starts, plus vim-cmd's own time.");
            Say($"Never started: vCLS VMs. Log: {logPath} (/var/log/vmboot.log if it cannot be written there).");
            return lines;
        }

        /// <summary>Seconds from the script's start to its last power-on when every wait and retry runs out, for VMs all on one host.</summary>
        public static long WorstCase(BootPlan plan, PlanResolution resolution)
        {
            long retries = plan.PowerOn.RetryDelay * ((1L << Math.Min(plan.PowerOn.Retries, 40)) - 1);
            long total = plan.Readiness.MinimumDelay + plan.Readiness.Timeout;
            for (int i = 0; i < plan.Stages.Count; i++)
            {
                var stage = plan.Stages[i];
                long count = resolution.Items.Where(item => item.Stage == i + 1).Select(item => item.File).Distinct(StringComparer.Ordinal).LongCount();
                long batches = (count + stage.Parallel - 1) / Math.Max(1, stage.Parallel);
                total += (batches * retries) + (Math.Max(0, batches - 1) * stage.Pause);
                if (i < plan.Stages.Count - 1)
                {
                    var gate = stage.After;
                    total += (gate.Heartbeat ? count * gate.HeartbeatTimeout : 0) + (gate.TcpHost != null ? gate.TcpTimeout : 0) + gate.Delay
                        + (gate.RescanDatastores.Count > 0 ? gate.RescanTimeout : 0);
                }
            }

            return total;
        }

        /// <summary>How a stage's VMs follow each other on a host: "; up to 4 at once, batches 5 s apart".</summary>
        internal static string Pace(BootStage stage, int count)
        {
            if (count < 2)
            {
                return "";
            }

            string pause = stage.Pause > 0 ? Seconds(stage.Pause) + " apart" : "";
            if (stage.Parallel < 2)
            {
                return pause.Length > 0 ? "; " + pause : "";
            }

            return $"; up to {stage.Parallel.ToString(CultureInfo.InvariantCulture)} at once" + (pause.Length > 0 ? ", batches " + pause : "");
        }

        private static string Gates(StageGate gate)
        {
            var parts = GateParts(gate, "a firewall ruleset that lets it through is enabled meanwhile");
            return parts.Count == 0 ? "" : " Then waits for " + string.Join(", then ", parts) + ".";
        }

        /// <summary>What a stage's gate waits for, in plain words and in order; <paramref name="tcpNote"/>, if any, says how the port is reached.</summary>
        internal static List<string> GateParts(StageGate gate, string? tcpNote)
        {
            var parts = new List<string>();
            if (gate.Heartbeat)
            {
                parts.Add($"their guest heartbeats (at most {Seconds(gate.HeartbeatTimeout)} for each VM)");
            }

            if (gate.TcpHost != null)
            {
                parts.Add($"{gate.TcpHost}:{gate.TcpPort.ToString(CultureInfo.InvariantCulture)} to answer (at most {Seconds(gate.TcpTimeout)}{(tcpNote == null ? "" : "; " + tcpNote)})");
            }

            if (gate.Delay > 0)
            {
                parts.Add(Seconds(gate.Delay));
            }

            if (gate.RescanDatastores.Count > 0)
            {
                parts.Add($"a storage rescan until {string.Join(", ", gate.RescanDatastores.Select(d => $"'{d}'"))} mount(s) (at most {Seconds(gate.RescanTimeout)})");
            }

            return parts;
        }

        private static string Seconds(long seconds) => seconds < 120 ? Number(seconds) + " s"
            : seconds % 60 == 0 ? Number(seconds / 60) + " min"
            : $"{Number(seconds / 60)} min {Number(seconds % 60)} s";

        private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

        private static IEnumerable<string> Wrap(string text, string indent)
        {
            var line = new StringBuilder();
            foreach (string word in text.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > Width)
                {
                    yield return line.ToString();
                    line.Clear().Append(indent);
                }

                if (line.Length > 0 && line.ToString() != indent)
                {
                    line.Append(' ');
                }

                line.Append(word);
            }

            if (line.Length > 0)
            {
                yield return line.ToString();
            }
        }
    }
}
