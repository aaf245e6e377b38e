using System;
using System.Globalization;
using System.Linq;

namespace VmBoot.Vsan
{
    /// <summary>
    /// A host's place in a vSAN cluster, as <c>esxcli vsan cluster get</c> prints it (esxi-facts.md), and whether it
    /// ignores member list updates (set by VMware's shutdown procedure, cleared by its restart).
    /// </summary>
    public sealed class VsanNode
    {
        /// <summary>Creates a node.</summary>
        public VsanNode(string nodeType, string health, int members, bool? ignoresMemberUpdates)
        {
            NodeType = nodeType;
            Health = health;
            Members = members;
            IgnoresMemberUpdates = ignoresMemberUpdates;
        }

        /// <summary>NORMAL (a data node) or WITNESS; empty where the source does not say (the API).</summary>
        public string NodeType { get; }

        /// <summary>A witness node never runs the cluster's prepare or recover.</summary>
        public bool Witness => NodeType == "WITNESS";

        /// <summary>Local Node Health State: HEALTHY once the cluster is whole.</summary>
        public string Health { get; }

        /// <summary>Sub-Cluster Member Count: the nodes this one sees (1 while partitioned).</summary>
        public int Members { get; }

        /// <summary>/VSAN/IgnoreClusterMemberListUpdates is 1 (the cluster was prepared for a power-off); null when unknown.</summary>
        public bool? IgnoresMemberUpdates { get; }

        /// <summary>The node from <c>esxcli vsan cluster get</c>'s answer; null for a host outside vSAN or an answer that says nothing.</summary>
        public static VsanNode? Parse(string clusterGet, bool? ignoresMemberUpdates = null)
        {
            string Field(string name) => clusterGet.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                .Select(l => l.Substring(name.Length + 1).Trim()).FirstOrDefault() ?? "";
            if (Field("Enabled") != "true")
            {
                return null;
            }

            int members = int.TryParse(Field("Sub-Cluster Member Count"), NumberStyles.None, CultureInfo.InvariantCulture, out int count) ? count : 0;
            return new VsanNode(Field("Local Node Type"), Field("Local Node Health State"), members, ignoresMemberUpdates);
        }

        /// <inheritdoc />
        public override string ToString() => $"vSAN {(NodeType.Length > 0 ? NodeType : "member")} node, health {(Health.Length > 0 ? Health : "unknown")}";
    }
}
