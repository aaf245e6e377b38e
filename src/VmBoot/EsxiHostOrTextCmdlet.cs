using System.Management.Automation;

namespace VmBoot.Commands
{
    /// <summary>
    /// Base for cmdlets that read what a host prints either live over SSH or from files and the
    /// pipeline: -Path, -LiteralPath and -InputObject next to -Server and -Session. LiteralPath is the
    /// default set, so a FileInfo, whose Name would also fit -Server, binds as a file.
    /// </summary>
    public abstract class EsxiHostOrTextCmdlet : VSphereCapableCmdlet
    {
        /// <summary>Parameter set: text from the pipeline.</summary>
        protected const string TextSet = "Text";

        /// <summary>Parameter set: files, wildcards allowed.</summary>
        protected const string PathSet = "Path";

        /// <summary>Parameter set: files, taken literally.</summary>
        protected const string LiteralPathSet = "LiteralPath";

        /// <summary>Files holding the text; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>Files holding the text, taken literally. Not mandatory, so that no input at all is an error that says what to give, not a prompt.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>The text: one line at a time (Get-Content, a command) or whole strings.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TextSet, ValueFromPipeline = true)]
        [AllowEmptyString]
        [AllowNull]
        public string[] InputObject { get; set; } = null!;

        /// <summary>The files this record names, resolved (errors written for missing ones).</summary>
        private protected System.Collections.Generic.IEnumerable<string> InputFiles()
        {
            if (ParameterSetName == LiteralPathSet && LiteralPath == null)
            {
                ThrowTerminatingError(ErrorRecords.Create("InputRequired", ErrorCategory.InvalidArgument, null,
                    $"{MyInvocation.MyCommand.Name} reads hosts (-Server, -Session), files (-Path, -LiteralPath) or text from the pipeline: give one of them."));
            }

            return FileSystemPaths.ResolveExistingFiles(this, ParameterSetName == PathSet ? Path : LiteralPath!, ParameterSetName == LiteralPathSet);
        }
    }
}
