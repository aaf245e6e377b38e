using System.IO;
using System.Management.Automation;
using System.Text;
using VmBoot.Plans;

namespace VmBoot.Commands
{
    /// <summary>Writes a boot plan as YAML that Import-BootPlan reads back unchanged.</summary>
    [Cmdlet(VerbsData.Export, "BootPlan", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Export-BootPlan.md", DefaultParameterSetName = "Path", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportBootPlanCommand : PSCmdlet
    {
        /// <summary>The plan.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public BootPlan Plan { get; set; } = null!;

        /// <summary>The file to write.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>The file to write, taken literally.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string LiteralPath { get; set; } = null!;

        /// <summary>Do not overwrite an existing file.</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Output the file written.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ParameterSetName == "Path" ? Path : LiteralPath);
            try
            {
                BootPlanValidator.Validate(Plan);
            }
            catch (BootPlanException e)
            {
                WriteError(ErrorRecords.FromPlan(e));
                return;
            }

            FileSystemPaths.StopIfNoClobber(this, file, NoClobber);

            if (ShouldProcess(file, "Write boot plan"))
            {
                File.WriteAllText(file, BootPlanYaml.Write(Plan), new UTF8Encoding(false));
                if (PassThru)
                {
                    WriteObject(new FileInfo(file));
                }
            }
        }
    }
}
