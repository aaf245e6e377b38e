using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;

namespace VmBoot.BootLog
{
    /// <summary>
    /// A self-contained HTML page (inline CSS and SVG, no script, no external assets) with, per power-on,
    /// a Gantt chart of every host's boot: waits, stages, gates and each VM's power-on.
    /// </summary>
    public static class BootReport
    {
        // Boots starting this long after the previous group ended belong to another power-on.
        private static readonly TimeSpan PowerOnGap = TimeSpan.FromMinutes(30);
        private static readonly int[] TickSteps = { 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 };
        private const int LabelWidth = 280;
        private const int PlotWidth = 900;
        private const int RowHeight = 22;
        private const int AxisHeight = 28;

        /// <summary>Writes the page for <paramref name="boots"/>.</summary>
        public static string Write(IReadOnlyList<BootSummary> boots, string title, DateTime generatedUtc)
        {
            var html = new StringBuilder();
            html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title)).Append("</title>\n");
            html.Append("<meta name=\"generator\" content=\"VmBoot\">\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
            html.Append("<h1>").Append(E(title)).Append("</h1>\n");
            html.Append("<p class=\"meta\">Generated ").Append(Time(generatedUtc)).Append(" UTC from ").Append(boots.Count.ToString(CultureInfo.InvariantCulture))
                .Append(" boot(s). Times are the hosts' clocks (UTC).</p>\n");
            if (boots.Count == 0)
            {
                html.Append("<p class=\"empty\">No boots in the log.</p>\n");
            }

            int chart = 0;
            foreach (var group in PowerOns(boots))
            {
                chart++;
                AppendPowerOn(html, group, chart);
            }

            html.Append("</body>\n</html>\n");
            return html.ToString();
        }

        private static List<List<BootSummary>> PowerOns(IReadOnlyList<BootSummary> boots)
        {
            var groups = new List<List<BootSummary>>();
            DateTime groupEnd = DateTime.MinValue;
            foreach (var boot in boots.OrderBy(b => b.BootStarted).ThenBy(b => b.HostName, StringComparer.Ordinal))
            {
                // A shutdown and the boot after it are charts of their own, however close.
                if (groups.Count == 0 || boot.BootStarted > groupEnd + PowerOnGap || groups[groups.Count - 1][0].IsShutdown != boot.IsShutdown)
                {
                    groups.Add(new List<BootSummary>());
                }

                groups[groups.Count - 1].Add(boot);
                var end = End(boot);
                groupEnd = end > groupEnd ? end : groupEnd;
            }

            return groups;
        }

        private static DateTime End(BootSummary boot) => boot.Events.Count == 0 ? boot.BootStarted : boot.Events.Max(e => e.Time);

        private static void AppendPowerOn(StringBuilder html, List<BootSummary> boots, int chart)
        {
            DateTime origin = boots.Min(b => b.BootStarted);
            double span = Math.Max(10, (boots.Max(End) - origin).TotalSeconds);
            int step = TickSteps.FirstOrDefault(s => span / s <= 10);
            step = step == 0 ? (int)Math.Ceiling(span / 10 / 3600) * 3600 : step;
            span = Math.Ceiling(span / step) * step;
            double X(DateTime t) => LabelWidth + (t - origin).TotalSeconds / span * PlotWidth;

            bool shutdown = boots[0].IsShutdown;
            html.Append("<section class=\"").Append(shutdown ? "shutdown" : "power-on").Append("\" id=\"power-on-").Append(chart.ToString(CultureInfo.InvariantCulture)).Append("\">\n");
            html.Append(shutdown ? "<h2>Shutdown at " : "<h2>Power-on at ").Append(Time(origin)).Append(" UTC</h2>\n");
            if (shutdown)
            {
                AppendShutdownTable(html, boots);
            }
            else
            {
                AppendSummaryTable(html, boots);
            }

            var rows = boots.Select(b => (Boot: b, Lanes: Lanes(b))).ToList();
            int rowCount = rows.Sum(r => r.Lanes.Count + 1);
            int height = AxisHeight + rowCount * RowHeight + 8;
            html.Append("<svg class=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(N(LabelWidth + PlotWidth + 20)).Append("\" height=\"").Append(N(height))
                .Append("\" role=\"img\" aria-label=\"Boot timeline\">\n");
            for (int s = 0; s <= span; s += step)
            {
                double x = LabelWidth + s / span * PlotWidth;
                html.Append("<line class=\"tick\" x1=\"").Append(N(x)).Append("\" x2=\"").Append(N(x)).Append("\" y1=\"").Append(N(AxisHeight - 6)).Append("\" y2=\"").Append(N(height)).Append("\"/>");
                html.Append("<text class=\"tick-label\" x=\"").Append(N(x)).Append("\" y=\"").Append(N(AxisHeight - 10)).Append("\">").Append(Clock(s)).Append("</text>\n");
            }

            int row = 0;
            foreach (var (boot, lanes) in rows)
            {
                double y = AxisHeight + row * RowHeight;
                html.Append("<g class=\"host\" data-host=\"").Append(E(boot.HostName)).Append("\">\n");
                html.Append("<text class=\"host-label\" x=\"4\" y=\"").Append(N(y + 15)).Append("\">").Append(E(boot.HostName)).Append("</text>\n");
                row++;
                foreach (var lane in lanes)
                {
                    y = AxisHeight + row * RowHeight;
                    html.Append("<text class=\"lane-label\" x=\"16\" y=\"").Append(N(y + 15)).Append("\">").Append(E(lane.Label)).Append("</text>\n");
                    foreach (var mark in lane.Marks)
                    {
                        double x1 = X(mark.Start);
                        string data = $" data-kind=\"{mark.Kind}\" data-start=\"{N((mark.Start - origin).TotalSeconds)}\" data-end=\"{N((mark.End - origin).TotalSeconds)}\"";
                        if (mark.End > mark.Start)
                        {
                            html.Append("<rect class=\"bar ").Append(mark.Kind).Append("\"").Append(data).Append(" x=\"").Append(N(x1)).Append("\" y=\"").Append(N(y + 4))
                                .Append("\" width=\"").Append(N(Math.Max(1, X(mark.End) - x1))).Append("\" height=\"").Append(N(RowHeight - 8)).Append("\">");
                        }
                        else
                        {
                            html.Append("<circle class=\"mark ").Append(mark.Kind).Append("\"").Append(data).Append(" cx=\"").Append(N(x1)).Append("\" cy=\"").Append(N(y + RowHeight / 2))
                                .Append("\" r=\"5\">");
                        }

                        html.Append("<title>").Append(E(mark.Tip)).Append("</title>").Append(mark.End > mark.Start ? "</rect>" : "</circle>").Append('\n');
                    }

                    row++;
                }

                html.Append("</g>\n");
            }

            html.Append("</svg>\n");
            if (shutdown)
            {
                html.Append("<p class=\"legend\"><span class=\"key stage\"></span>stage (last first) <span class=\"key retry\"></span>guest shutdown asked <span class=\"key ok\"></span>off ")
                    .Append("<span class=\"key problem\"></span>powered off hard after its timeout or at the deadline, or failed <span class=\"key already\"></span>already off</p>\n</section>\n");
                return;
            }

            html.Append("<p class=\"legend\"><span class=\"key wait\"></span>waiting for hostd and datastores <span class=\"key stage\"></span>stage <span class=\"key gate\"></span>gate before the next stage <span class=\"key batch\"></span>power-ons at once (parallel) ")
                .Append("<span class=\"key ok\"></span>powered on <span class=\"key retry\"></span>retry <span class=\"key problem\"></span>failed, timeout or not started <span class=\"key already\"></span>already on</p>\n");
            html.Append("</section>\n");
        }

        private static void AppendSummaryTable(StringBuilder html, List<BootSummary> boots)
        {
            html.Append("<table class=\"summary\">\n<thead><tr><th>Host</th><th>Script started</th><th>hostd ready</th><th>Last VM on</th><th>Powered on</th><th>Already on</th><th>Problems</th><th>Completed</th></tr></thead>\n<tbody>\n");
            foreach (var boot in boots)
            {
                html.Append("<tr data-host=\"").Append(E(boot.HostName)).Append("\"><td>").Append(E(boot.HostName)).Append("</td><td>").Append(Time(boot.BootStarted))
                    .Append("</td><td>").Append(boot.HostdReadyAfter is TimeSpan hostd ? "+" + Clock(hostd.TotalSeconds) : "")
                    .Append("</td><td>").Append(boot.TimeToLastVm is TimeSpan last ? "+" + Clock(last.TotalSeconds) : "")
                    .Append("</td><td>").Append(N(boot.PoweredOn)).Append("</td><td>").Append(N(boot.AlreadyOn))
                    .Append("</td><td class=\"").Append(boot.Problems.Count > 0 ? "bad" : "good").Append("\">").Append(N(boot.Problems.Count))
                    .Append("</td><td>").Append(boot.Completed ? "yes" : "no (no boot-end logged)").Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
            AppendProblems(html, boots);
        }

        private static void AppendProblems(StringBuilder html, List<BootSummary> boots)
        {
            var problems = boots.SelectMany(b => b.Problems).ToList();
            if (problems.Count > 0)
            {
                html.Append("<ul class=\"problems\">\n");
                foreach (var p in problems)
                {
                    html.Append("<li>").Append(E(p.HostName)).Append(" +").Append(Clock(p.Elapsed.TotalSeconds)).Append(": ").Append(E(p.Action)).Append(' ')
                        .Append(E(p.VmName ?? "")).Append(' ').Append(E(p.Result ?? "")).Append(p.Message == null ? "" : " – " + E(p.Message)).Append("</li>\n");
                }

                html.Append("</ul>\n");
            }
        }

        private static void AppendShutdownTable(StringBuilder html, List<BootSummary> boots)
        {
            html.Append("<table class=\"summary\">\n<thead><tr><th>Host</th><th>Shutdown started</th><th>Last VM off</th><th>VMs off</th><th>Powered off hard</th><th>Host off</th><th>Problems</th><th>Completed</th></tr></thead>\n<tbody>\n");
            foreach (var boot in boots)
            {
                html.Append("<tr data-host=\"").Append(E(boot.HostName)).Append("\"><td>").Append(E(boot.HostName)).Append("</td><td>").Append(Time(boot.BootStarted))
                    .Append("</td><td>").Append(boot.LastPoweredOff is DateTime last ? "+" + Clock((last - boot.BootStarted).TotalSeconds) : "")
                    .Append("</td><td>").Append(N(boot.PoweredOff)).Append("</td><td>").Append(N(boot.ForcedOff))
                    .Append("</td><td>").Append(boot.HostOff is DateTime off ? "+" + Clock((off - boot.BootStarted).TotalSeconds) : "")
                    .Append("</td><td class=\"").Append(boot.Problems.Count > 0 ? "bad" : "good").Append("\">").Append(N(boot.Problems.Count))
                    .Append("</td><td>").Append(boot.Completed ? "yes" : "no (no shutdown-end logged)").Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
            AppendProblems(html, boots);
        }

        private static List<Lane> Lanes(BootSummary boot)
        {
            var lanes = new List<Lane>();
            var readiness = new Lane("readiness");
            DateTime? waitStarted = null;
            foreach (var e in boot.Events)
            {
                if ((e.Action == BootEvents.WaitSsh || e.Action == BootEvents.WaitHostd || e.Action == BootEvents.WaitDatastore) && e.Result != "waiting")
                {
                    var from = waitStarted ?? boot.BootStarted;
                    string what = e.Action == BootEvents.WaitSsh ? "SSH (remote run)" : e.Action == BootEvents.WaitHostd ? "hostd" : "datastore " + e.Datastore;
                    readiness.Marks.Add(new Mark(e.IsProblem ? "wait problem" : "wait", from, e.Time, $"{what}: {e.Result} after {Clock((e.Time - from).TotalSeconds)}"));
                    waitStarted = e.Time;
                }
            }

            if (readiness.Marks.Count > 0)
            {
                lanes.Add(readiness);
            }

            for (int i = 0; i < boot.Stages.Count; i++)
            {
                var stage = boot.Stages[i];
                var lane = new Lane($"stage {stage.Number.ToString(CultureInfo.InvariantCulture)}: {stage.Name}");
                var ended = stage.Ended ?? End(boot);
                lane.Marks.Add(new Mark("stage", stage.Started, ended, $"stage {stage.Name}: {Clock((ended - stage.Started).TotalSeconds)}, "
                    + (boot.IsShutdown ? $"{stage.PoweredOff} VM(s) off" : $"{stage.PoweredOn} VM(s) powered on")));
                DateTime? next = i + 1 < boot.Stages.Count ? boot.Stages[i + 1].Started : (DateTime?)null;
                if (!boot.IsShutdown && stage.Ended is DateTime end && next is DateTime nextStart && nextStart > end)
                {
                    var gateEvents = boot.Events.Where(e => e.Stage == stage.Number && e.Action.StartsWith("gate-", StringComparison.Ordinal) && e.Result != "waiting").ToList();
                    var gates = gateEvents.Select(e => $"{e.Action} {e.Result}").Distinct().ToList();
                    lane.Marks.Add(new Mark(gateEvents.Any(e => e.IsProblem) ? "gate problem" : "gate", end, nextStart, $"gate before stage {i + 2}: {Clock((nextStart - end).TotalSeconds)} ({(gates.Count == 0 ? "delay" : string.Join(", ", gates))})"));
                }

                lanes.Add(lane);
                var batches = Batches(boot, stage.Number);
                if (batches.Marks.Count > 0)
                {
                    lanes.Add(batches);
                }

                foreach (var vm in boot.Events.Where(e => e.Stage == stage.Number && e.Vmid != null && (e.Action == BootEvents.PowerOn || e.Action == BootEvents.NotStarted || e.Action == BootEvents.Shutdown || e.Action == BootEvents.PowerOff))
                             .GroupBy(e => e.VmName ?? e.Vmid!.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal))
                {
                    var vmLane = new Lane(vm.Key);
                    foreach (var e in vm)
                    {
                        string kind = e.IsProblem ? "problem" : e.Result == "retry" || e.Result == "requested" ? "retry" : e.Result == "already-on" || e.Result == "already-off" ? "already" : "ok";
                        vmLane.Marks.Add(new Mark("vm " + kind, e.Time, e.Time, $"{vm.Key}: {e.Action} {e.Result} at +{Clock(e.Elapsed.TotalSeconds)}{(e.Attempt > 0 ? $", attempt {e.Attempt}" : "")}{(e.Message == null ? "" : " – " + e.Message)}"));
                    }

                    lanes.Add(vmLane);
                }
            }

            // VMware's vSAN cluster steps (Stop-EsxiCluster's prepare, Invoke-BootPlan's recovery), in one lane of their own.
            var vsan = new Lane("vSAN cluster");
            foreach (var e in boot.Events.Where(e => e.Action.StartsWith("vsan-", StringComparison.Ordinal)))
            {
                vsan.Marks.Add(new Mark("vm " + (e.IsProblem ? "problem" : "ok"), e.Time, e.Time,
                    $"{e.Action} {e.Result} at +{Clock(e.Elapsed.TotalSeconds)}{(e.Message == null ? "" : " – " + e.Message)}"));
            }

            if (vsan.Marks.Count > 0)
            {
                lanes.Add(vsan);
            }

            var hostOff = new Lane("host power-off");
            foreach (var e in boot.Events.Where(e => e.Action == BootEvents.HostOff || (boot.IsShutdown && e.Action == BootEvents.MaintenanceMode)))
            {
                hostOff.Marks.Add(new Mark("vm " + (e.IsProblem ? "problem" : e.Result == "off" ? "ok" : "retry"), e.Time, e.Time,
                    $"{e.Action} {e.Result} at +{Clock(e.Elapsed.TotalSeconds)}{(e.Message == null ? "" : " – " + e.Message)}"));
            }

            if (hostOff.Marks.Count > 0)
            {
                lanes.Add(hostOff);
            }

            return lanes;
        }

        // A stage's batches (parallel power-ons): a bar from each power-batch started line to its done line, the VMs
        // the log has between them in its tip.
        private static Lane Batches(BootSummary boot, int stage)
        {
            var lane = new Lane("  power-ons at once");
            BootLogEvent? open = null;
            var names = new List<string>();
            foreach (var e in boot.Events.Where(e => e.Stage == stage))
            {
                if (e.Action == BootEvents.PowerBatch && e.Result == "started")
                {
                    open = e;
                    names.Clear();
                }
                else if (e.Action == BootEvents.PowerOn && open != null && e.Result != "retry")
                {
                    names.Add(e.VmName ?? e.Vmid?.ToString(CultureInfo.InvariantCulture) ?? "?");
                }
                else if (e.Action == BootEvents.PowerBatch && e.Result == "done" && open != null)
                {
                    lane.Marks.Add(new Mark("batch", open.Time, e.Time > open.Time ? e.Time : open.Time.AddSeconds(1),
                        $"{open.Message}: {names.Count} VM(s) in {Clock((e.Time - open.Time).TotalSeconds)}: {string.Join(", ", names)}"));
                    open = null;
                }
            }

            return lane;
        }

        private static string E(string text) => WebUtility.HtmlEncode(text);

        private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

        private static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        private static string Clock(double seconds)
        {
            var t = TimeSpan.FromSeconds(Math.Round(seconds));
            return t.TotalHours >= 1 ? ((int)t.TotalHours).ToString(CultureInfo.InvariantCulture) + t.ToString("\\:mm\\:ss", CultureInfo.InvariantCulture)
                : t.ToString("m\\:ss", CultureInfo.InvariantCulture);
        }

        private sealed class Lane
        {
            public Lane(string label) => Label = label;

            public string Label { get; }

            public List<Mark> Marks { get; } = new List<Mark>();
        }

        private sealed class Mark
        {
            public Mark(string kind, DateTime start, DateTime end, string tip)
            {
                Kind = kind;
                Start = start;
                End = end;
                Tip = tip;
            }

            public string Kind { get; }

            public DateTime Start { get; }

            public DateTime End { get; }

            public string Tip { get; }
        }

        private const string Css = @"body { font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px; color: #1d2125; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #5f6b76; margin: 0 0 12px; }
table.summary { border-collapse: collapse; margin: 8px 0 12px; }
table.summary th, table.summary td { border: 1px solid #d5dbe0; padding: 3px 10px; text-align: left; }
table.summary th { background: #f2f4f6; }
td.bad { color: #b3261e; font-weight: 600; }
ul.problems { color: #b3261e; }
svg.gantt { display: block; background: #fff; border: 1px solid #d5dbe0; }
.tick { stroke: #e6e9ec; }
.tick-label { font-size: 11px; fill: #5f6b76; text-anchor: middle; }
.host-label { font-weight: 600; font-size: 13px; }
.lane-label { font-size: 12px; fill: #39424a; white-space: pre; }
rect.wait { fill: #b9c3cc; }
rect.stage { fill: #2f6fb5; }
rect.gate { fill: #9cc2ea; }
rect.batch { fill: #6a8fb3; }
rect.problem { fill: #b3261e; }
circle.ok { fill: #2e8540; }
circle.retry { fill: #e08a00; }
circle.problem { fill: #b3261e; }
circle.already { fill: #8a949e; }
.legend { font-size: 12px; color: #39424a; }
.key { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -2px; }
.key.wait { background: #b9c3cc; } .key.stage { background: #2f6fb5; } .key.gate { background: #9cc2ea; } .key.batch { background: #6a8fb3; }
.key.ok { background: #2e8540; border-radius: 6px; } .key.retry { background: #e08a00; border-radius: 6px; }
.key.problem { background: #b3261e; border-radius: 6px; } .key.already { background: #8a949e; border-radius: 6px; }
";
    }
}
