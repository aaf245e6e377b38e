using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VmBoot.Plans;

namespace VmBoot.Ha
{
    /// <summary>A cluster's vSphere HA settings, as the vSphere API names them (ClusterConfigInfoEx).</summary>
    public sealed class HaCluster
    {
        /// <summary>The cluster's name, for messages and stage comments.</summary>
        public string Name { get; set; } = "";

        /// <summary>dasConfig.defaultVmSettings.restartPriority (medium when unset).</summary>
        public string DefaultPriority { get; set; } = "medium";

        /// <summary>dasConfig.defaultVmSettings.restartPriorityTimeout, seconds (600 when unset).</summary>
        public int DefaultTimeout { get; set; } = 600;

        /// <summary>orchestration.defaultVmReadiness.readyCondition (none when unset).</summary>
        public string DefaultReadiness { get; set; } = "none";

        /// <summary>orchestration.defaultVmReadiness.postReadyDelay, seconds.</summary>
        public int DefaultPostReadyDelay { get; set; }

        /// <summary>The cluster's VM groups (ClusterVmGroup): name and the ids of their VMs.</summary>
        public List<HaVmGroup> Groups { get; } = new List<HaVmGroup>();

        /// <summary>VM-to-VM dependency rules (ClusterDependencyRuleInfo).</summary>
        public List<HaDependencyRule> Rules { get; } = new List<HaDependencyRule>();
    }

    /// <summary>One VM with its per-VM HA overrides (dasVmConfig, vmOrchestration); null means the cluster's.</summary>
    public sealed class HaVm
    {
        /// <summary>The managed object id (vm-123), as groups name VMs.</summary>
        public string Id { get; set; } = "";

        /// <summary>The VM as VmBoot knows it (name escaped as getallvms prints it, vmx file, host).</summary>
        public EsxiVm Vm { get; set; } = new EsxiVm();

        /// <summary>dasSettings.restartPriority; clusterRestartPriority or null: the cluster's.</summary>
        public string? Priority { get; set; }

        /// <summary>dasSettings.restartPriorityTimeout; -1 or null: the cluster's.</summary>
        public int? Timeout { get; set; }

        /// <summary>vmReadiness.readyCondition; useClusterDefault or null: the cluster's.</summary>
        public string? Readiness { get; set; }

        /// <summary>vmReadiness.postReadyDelay; -1 or null: the cluster's.</summary>
        public int? PostReadyDelay { get; set; }
    }

    /// <summary>A ClusterVmGroup.</summary>
    public sealed class HaVmGroup
    {
        /// <summary>The group's name.</summary>
        public string Name { get; set; } = "";

        /// <summary>The ids (vm-123) of its VMs.</summary>
        public List<string> VmIds { get; } = new List<string>();
    }

    /// <summary>A ClusterDependencyRuleInfo: the VMs of VmGroup start after those of DependsOnVmGroup are ready.</summary>
    public sealed class HaDependencyRule
    {
        /// <summary>The rule's name.</summary>
        public string Name { get; set; } = "";

        /// <summary>Disabled rules are left out.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>The dependent group.</summary>
        public string VmGroup { get; set; } = "";

        /// <summary>The group it depends on.</summary>
        public string DependsOnVmGroup { get; set; } = "";
    }

    /// <summary>HA settings that cannot become a boot order: a dependency cycle or a contradiction, naming the rules.</summary>
    public sealed class HaPlanException : Exception
    {
        /// <summary>Error id.</summary>
        public const string Id = "HaOrderContradiction";

        /// <summary>Creates the exception.</summary>
        public HaPlanException(string message)
            : base(message)
        {
        }
    }

    /// <summary>
    /// A boot plan in vSphere HA's own restart order (vSphere API, ClusterOrchestrationInfo): lower priorities start
    /// only after higher ones are ready; a VM that depends on others starts after they are ready; no cycles; a
    /// higher-priority VM cannot depend on a lower-priority one. One stage per priority, highest first, split where
    /// VMs of one priority depend on each other; each stage's gate is its VMs' readiness condition.
    /// </summary>
    public static class HaBootPlanBuilder
    {
        /// <summary>HA's priorities, highest first.</summary>
        public static readonly IReadOnlyList<string> Priorities = new[] { "highest", "high", "medium", "low", "lowest" };

        /// <summary>Builds the plan; warnings go to <paramref name="warnings"/>.</summary>
        /// <exception cref="HaPlanException">A dependency cycle, a higher priority depending on a lower one, or an unknown value.</exception>
        public static BootPlan Build(HaCluster cluster, IEnumerable<HaVm> vms, BootPlan template, bool includeDisabled, List<string> warnings)
        {
            var candidates = new List<(HaVm Vm, int Rank, int Timeout, string Readiness, int Delay)>();
            foreach (var vm in vms.Where(v => !v.Vm.IsVcls).GroupBy(v => v.Id, StringComparer.Ordinal).Select(g => g.First()))
            {
                string priority = Effective(vm.Priority, "clusterRestartPriority", cluster.DefaultPriority);
                if (priority == "disabled")
                {
                    if (!includeDisabled)
                    {
                        warnings.Add($"'{vm.Vm.Name}' has HA restart priority disabled: left out of the plan (-IncludeDisabled starts it last).");
                        continue;
                    }
                }
                else if (!Priorities.Contains(priority))
                {
                    throw new HaPlanException($"'{vm.Vm.Name}' has restart priority '{priority}', which is not one of vSphere's ({string.Join(", ", Priorities)}, disabled, clusterRestartPriority).");
                }

                int rank = priority == "disabled" ? Priorities.Count : Priorities.ToList().IndexOf(priority);
                string readiness = Effective(vm.Readiness, "useClusterDefault", cluster.DefaultReadiness);
                if (readiness != "none" && readiness != "poweredOn" && readiness != "guestHbStatusGreen" && readiness != "appHbStatusGreen")
                {
                    throw new HaPlanException($"'{vm.Vm.Name}' has ready condition '{readiness}', which is not one of vSphere's (none, poweredOn, guestHbStatusGreen, appHbStatusGreen, useClusterDefault).");
                }

                int timeout = vm.Timeout is int t && t >= 0 ? t : cluster.DefaultTimeout;
                int delay = vm.PostReadyDelay is int d && d >= 0 ? d : cluster.DefaultPostReadyDelay;
                candidates.Add((vm, rank, timeout, readiness, delay));
            }

            var byId = candidates.ToDictionary(c => c.Vm.Id, StringComparer.Ordinal);
            var groups = cluster.Groups.GroupBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

            // Edges: dependent -> what it depends on, with the rule that says so. Cross-priority edges must point upwards.
            var dependsOn = candidates.ToDictionary(c => c.Vm.Id, _ => new List<(string On, string Rule)>(), StringComparer.Ordinal);
            foreach (var rule in cluster.Rules.Where(r => r.Enabled))
            {
                foreach (string groupName in new[] { rule.VmGroup, rule.DependsOnVmGroup })
                {
                    if (!groups.ContainsKey(groupName))
                    {
                        throw new HaPlanException($"Rule '{rule.Name}' names VM group '{groupName}', which cluster '{cluster.Name}' does not have.");
                    }
                }

                foreach (string dependent in groups[rule.VmGroup].VmIds.Where(byId.ContainsKey))
                {
                    foreach (string on in groups[rule.DependsOnVmGroup].VmIds.Where(byId.ContainsKey))
                    {
                        if (byId[dependent].Rank < byId[on].Rank)
                        {
                            throw new HaPlanException($"Rule '{rule.Name}': '{byId[dependent].Vm.Vm.Name}' ({Priority(byId[dependent].Rank)}) depends on '{byId[on].Vm.Vm.Name}' ({Priority(byId[on].Rank)}), "
                                + "but vSphere HA does not let a higher-priority VM depend on a lower-priority one. Lower the first VM's priority or raise the second's.");
                        }

                        dependsOn[dependent].Add((on, rule.Name));
                    }
                }
            }

            // Within a priority, a VM's step is one more than the highest step of what it depends on (longest path).
            var step = new Dictionary<string, int>(StringComparer.Ordinal);
            var because = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            var visiting = new List<(string Id, string Rule)>();
            int Step(string id, string viaRule)
            {
                if (step.TryGetValue(id, out int known))
                {
                    return known;
                }

                int seen = visiting.FindIndex(v => v.Id == id);
                if (seen >= 0)
                {
                    var cycle = visiting.Skip(seen).Select(v => v.Rule).Skip(1).Concat(new[] { viaRule }).Distinct().ToList();
                    throw new HaPlanException($"The dependency rules {string.Join(", ", cycle.Select(r => $"'{r}'"))} form a cycle through '{byId[id].Vm.Vm.Name}': "
                        + "vSphere HA forbids that, and no start order can satisfy it. Remove or disable one of them.");
                }

                visiting.Add((id, viaRule));
                int mine = 0;
                var reasons = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var (on, rule) in dependsOn[id].Where(e => byId[e.On].Rank == byId[id].Rank))
                {
                    int after = Step(on, rule) + 1;
                    if (after >= mine)
                    {
                        mine = after;
                    }

                    reasons.Add(rule);
                }

                visiting.RemoveAt(visiting.Count - 1);
                step[id] = mine;
                because[id] = reasons;
                return mine;
            }

            foreach (var candidate in candidates)
            {
                Step(candidate.Vm.Id, "");
            }

            var plan = new BootPlan
            {
                Log = { Datastore = template.Log.Datastore, Path = template.Log.Path },
                Readiness = { MinimumDelay = template.Readiness.MinimumDelay, Timeout = template.Readiness.Timeout, Datastores = template.Readiness.Datastores.ToList(), MaintenanceMode = template.Readiness.MaintenanceMode },
                PowerOn = { Retries = template.PowerOn.Retries, RetryDelay = template.PowerOn.RetryDelay },
                Exclude = template.Exclude,
            };
            var ordered = candidates
                .GroupBy(c => (c.Rank, Step: step[c.Vm.Id]))
                .OrderBy(g => g.Key.Rank).ThenBy(g => g.Key.Step)
                .ToList();
            foreach (var stageVms in ordered)
            {
                var members = stageVms.OrderBy(c => c.Vm.Vm.Name, StringComparer.Ordinal).ToList();
                string priority = Priority(stageVms.Key.Rank);
                var rules = members.SelectMany(m => because[m.Vm.Id]).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList();
                var stage = new BootStage
                {
                    Name = stageVms.Key.Step == 0 ? $"HA {priority}" : $"HA {priority}, step {(stageVms.Key.Step + 1).ToString(CultureInfo.InvariantCulture)}",
                    Select = { Names = members.Select(m => m.Vm.Vm.Name).Distinct(StringComparer.Ordinal).ToList() },
                    Origin = stageVms.Key.Rank == Priorities.Count
                        ? $"VMs whose HA restart priority is disabled (cluster {cluster.Name}), started last because -IncludeDisabled was given"
                        : $"vSphere HA restart priority {priority} (cluster {cluster.Name})"
                            + (rules.Count > 0 ? $", after the VMs they depend on by rule(s) {string.Join(", ", rules.Select(r => $"'{r}'"))}" : ""),
                };
                // HA's readiness: the stage is ready when its VMs are. Guest (or application) heartbeats -> a heartbeat gate.
                if (members.Any(m => m.Readiness == "guestHbStatusGreen" || m.Readiness == "appHbStatusGreen"))
                {
                    stage.After.Heartbeat = true;
                    stage.After.HeartbeatTimeout = Math.Max(1, members.Max(m => m.Timeout));
                }

                foreach (var app in members.Where(m => m.Readiness == "appHbStatusGreen"))
                {
                    warnings.Add($"'{app.Vm.Vm.Name}' is ready for HA when its application heartbeats are green; a host cannot see those, so stage '{stage.Name}' waits for its guest heartbeat instead.");
                }

                stage.After.Delay = members.Max(m => m.Delay);
                plan.Stages.Add(stage);
            }

            if (plan.Stages.Count == 0)
            {
                throw new HaPlanException($"Cluster '{cluster.Name}' has no VM that HA would restart (all disabled, vCLS, or none given): there is nothing to plan.");
            }

            return plan;
        }

        private static string Priority(int rank) => rank < Priorities.Count ? Priorities[rank] : "disabled";

        private static string Effective(string? value, string inherit, string clusterDefault)
            => string.IsNullOrEmpty(value) || value == inherit ? clusterDefault : value!;
    }
}
