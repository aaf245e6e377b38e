using System.IO;
using System.Management.Automation;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>Reads boot plans from YAML files; mistakes are reported with file, line and column.</summary>
    [Cmdlet(VerbsData.Import, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Import-BootPlan.md", DefaultParameterSetName = "Path")]
    [OutputType(typeof(BootPlan))]
    public sealed class ImportBootPlanCommand : PSCmdlet
    {
        /// <summary>Plan files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>Plan files, taken literally.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == "LiteralPath";
            foreach (string file in FileSystemPaths.ResolveExistingFiles(this, literal ? LiteralPath : Path, literal))
            {
                var plan = Read(file, this);
                if (plan != null)
                {
                    WriteObject(plan);
                }
            }
        }

        /// <summary>Reads one plan file, writing the error (and returning null) when it is invalid.</summary>
        private static BootPlan? Read(string file, PSCmdlet cmdlet)
        {
            try
            {
                return BootPlanYaml.Read(File.ReadAllText(file), file);
            }
            catch (BootPlanException e)
            {
                cmdlet.WriteError(ErrorRecords.FromPlan(e));
                return null;
            }
        }
    }
}
