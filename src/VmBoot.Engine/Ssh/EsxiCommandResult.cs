namespace VmBoot.Ssh
{
    /// <summary>What a remote command printed and how it exited.</summary>
    public sealed class EsxiCommandResult
    {
        /// <summary>Creates a result.</summary>
        public EsxiCommandResult(int exitStatus, string output, string error)
        {
            ExitStatus = exitStatus;
            Output = output;
            Error = error;
        }

        /// <summary>The exit status (-1 when the server sent none).</summary>
        public int ExitStatus { get; }

        /// <summary>Standard output.</summary>
        public string Output { get; }

        /// <summary>Standard error.</summary>
        public string Error { get; }
    }
}
