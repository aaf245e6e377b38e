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

        /// <summary>
        /// A -Plan value: a plan object, or the path of a plan file. A plan that cannot be used stops the cmdlet
        /// (a terminating error): nothing it does can follow without one. Import-BootPlan, which reads many files,
        /// writes a non-terminating error per bad file instead.
        /// </summary>
        internal static BootPlan? FromParameter(PSCmdlet cmdlet, object planOrPath)
        {
            object plan = planOrPath is PSObject wrapped ? wrapped.BaseObject : planOrPath;
            if (plan is BootPlan ready)
            {
                return ready;
            }

            if (plan is string path)
            {
                string file = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                if (!File.Exists(file))
                {
                    cmdlet.ThrowTerminatingError(ErrorRecords.NotAFile(file));
                }

                try
                {
                    return BootPlanYaml.Read(File.ReadAllText(file), file);
                }
                catch (BootPlanException e)
                {
                    cmdlet.ThrowTerminatingError(ErrorRecords.FromPlan(e));
                }
            }

            cmdlet.ThrowTerminatingError(ErrorRecords.Create("PlanTypeInvalid", ErrorCategory.InvalidArgument, plan,
                $"-Plan takes a plan (Import-BootPlan, New-BootPlan) or a plan file path, not a {plan.GetType().Name}."));
            return null;
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
