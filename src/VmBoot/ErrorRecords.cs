using System;
using System.Management.Automation;
using VmBoot.Inventory;

namespace VmBoot.Commands
{
    /// <summary>Builds the ErrorRecords every cmdlet writes, so ids and categories stay consistent.</summary>
    internal static class ErrorRecords
    {
        internal const string PathNotFound = "PathNotFound";
        internal const string PathNotFileSystem = "PathNotFileSystem";

        internal static ErrorRecord Create(string errorId, ErrorCategory category, object? target, string message, Exception? exception = null)
        {
            var record = new ErrorRecord(exception ?? new InvalidOperationException(message), errorId, category, target);
            record.ErrorDetails = new ErrorDetails(message);
            return record;
        }

        /// <summary>
        /// Routes a parse finding, wherever it was read: a warning (ESXi skipped a VM) or a non-terminating error,
        /// both naming the file or host it came from when there is one.
        /// </summary>
        internal static void Route(ParseDiagnostic diagnostic, string? source, Action<string> warning, Action<ErrorRecord> error)
        {
            if (diagnostic.Severity == DiagnosticSeverity.Warning)
            {
                warning(source == null ? diagnostic.Message : $"{source}: {diagnostic.Message}");
            }
            else
            {
                error(FromDiagnostic(diagnostic, source));
            }
        }

        /// <summary>A parse error, prefixed with the file it came from when there is one.</summary>
        internal static ErrorRecord FromDiagnostic(ParseDiagnostic diagnostic, string? source)
        {
            string message = source == null ? diagnostic.Message : $"{source}: {diagnostic.Message}";
            var exception = new FormatException(message);
            exception.Data["LineNumber"] = diagnostic.LineNumber;
            return Create(diagnostic.ErrorId, ErrorCategory.InvalidData, diagnostic.Line, message, exception);
        }

        /// <summary>An SSH failure: the id says what (SshAuthenticationFailed...), the target is the host.</summary>
        internal static ErrorRecord FromSsh(Ssh.EsxiSshException e)
        {
            var category = e.Failure switch
            {
                Ssh.SshFailure.HostNotFound => ErrorCategory.ObjectNotFound,
                Ssh.SshFailure.ConnectionRefused => ErrorCategory.ConnectionError,
                Ssh.SshFailure.ConnectionLost => ErrorCategory.ConnectionError,
                Ssh.SshFailure.ConnectTimeout => ErrorCategory.OperationTimeout,
                Ssh.SshFailure.CommandTimeout => ErrorCategory.OperationTimeout,
                Ssh.SshFailure.HostKeyUnknown => ErrorCategory.SecurityError,
                Ssh.SshFailure.HostKeyChanged => ErrorCategory.SecurityError,
                Ssh.SshFailure.AuthenticationFailed => ErrorCategory.AuthenticationError,
                Ssh.SshFailure.KeyFileInvalid => ErrorCategory.InvalidArgument,
                _ => ErrorCategory.ProtocolError,
            };
            return Create(e.ErrorId, category, e.Server, e.Message, e);
        }

        internal static ErrorRecord FromVSphere(VSphere.VSphereApiException e)
        {
            var category = e.Failure switch
            {
                VSphere.VSphereFailure.HostNotFound => ErrorCategory.ObjectNotFound,
                VSphere.VSphereFailure.ConnectionRefused => ErrorCategory.ConnectionError,
                VSphere.VSphereFailure.Timeout => ErrorCategory.OperationTimeout,
                VSphere.VSphereFailure.CertificateUnknown => ErrorCategory.SecurityError,
                VSphere.VSphereFailure.CertificateChanged => ErrorCategory.SecurityError,
                VSphere.VSphereFailure.LoginFailed => ErrorCategory.AuthenticationError,
                VSphere.VSphereFailure.SessionExpired => ErrorCategory.AuthenticationError,
                VSphere.VSphereFailure.NoPermission => ErrorCategory.PermissionDenied,
                VSphere.VSphereFailure.Fault => ErrorCategory.InvalidOperation,
                _ => ErrorCategory.ProtocolError,
            };
            return Create(e.ErrorId, category, e.Server, e.Message, e);
        }

        /// <summary>A plan file problem: the message has file:line:column.</summary>
        internal static ErrorRecord FromPlan(Plans.BootPlanException e, bool built = false)
            => Create(Plans.BootPlanException.Id, built ? ErrorCategory.InvalidArgument : ErrorCategory.ParserError, e.Source, e.Message, e);

        /// <summary>A path that is not a file: a directory says so (not "does not exist"), anything else is not found.</summary>
        internal static ErrorRecord NotAFile(string path)
            => System.IO.Directory.Exists(path)
                ? Create("PathIsDirectory", ErrorCategory.InvalidArgument, path, $"'{path}' is a directory; give the path of a file in it.")
                : PathNotFoundError(path);

        internal static ErrorRecord PathNotFoundError(string path, Exception? inner = null)
            => Create(PathNotFound, ErrorCategory.ObjectNotFound, path, $"Cannot find path '{path}' because it does not exist.", inner);
    }
}
