using System.Collections.Generic;
using VmBoot.Plans;

namespace VmBoot
{
    /// <summary>A generated local.sh: the full content, its plan, and what it will start where.</summary>
    public sealed class BootScript
    {
        /// <summary>Creates the result.</summary>
        public BootScript(string content, BootPlan plan, IReadOnlyList<BootPreviewItem> preview, IReadOnlyList<EsxiVm> unplanned, IReadOnlyList<string> warnings)
        {
            Content = content;
            Plan = plan;
            Preview = preview;
            Unplanned = unplanned;
            Warnings = warnings;
        }

        /// <summary>The whole local.sh, ready to install.</summary>
        public string Content { get; }

        /// <summary>The plan it was made from.</summary>
        public BootPlan Plan { get; }

        /// <summary>Which VM starts in which stage, on which host (as registered at generation).</summary>
        public IReadOnlyList<BootPreviewItem> Preview { get; }

        /// <summary>VMs of the inventory that no stage selects and no exclude names (vCLS aside).</summary>
        public IReadOnlyList<EsxiVm> Unplanned { get; }

        /// <summary>What the admin should know.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The managed block alone.</summary>
        public string Block => ManagedBlock.Extract(Content) ?? "";

        /// <summary>Number of VMs the script will look for.</summary>
        public int VmCount => Preview.Count;

        /// <summary>Number of stages.</summary>
        public int StageCount => Plan.Stages.Count;
    }
}
