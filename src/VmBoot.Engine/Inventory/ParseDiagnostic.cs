namespace VmBoot.Inventory
{
    /// <summary>How bad a parse finding is.</summary>
    public enum DiagnosticSeverity
    {
        /// <summary>Reported, nothing lost (e.g. ESXi skipping an invalid VM).</summary>
        Warning,

        /// <summary>A line could not be read; the rest of the input still is.</summary>
        Error,
    }

    /// <summary>A finding about one line of parsed text.</summary>
    public sealed class ParseDiagnostic
    {
        /// <summary>Creates a finding.</summary>
        public ParseDiagnostic(DiagnosticSeverity severity, string errorId, int lineNumber, string line, string message)
        {
            Severity = severity;
            ErrorId = errorId;
            LineNumber = lineNumber;
            Line = line;
            Message = message;
        }

        /// <summary>Warning or error.</summary>
        public DiagnosticSeverity Severity { get; }

        /// <summary>A PascalCase id, stable across releases.</summary>
        public string ErrorId { get; }

        /// <summary>1-based line number in the input.</summary>
        public int LineNumber { get; }

        /// <summary>The offending line.</summary>
        public string Line { get; }

        /// <summary>What is wrong, with the line number.</summary>
        public string Message { get; }
    }
}
