using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;

namespace VmBoot.Commands
{
    /// <summary>Resolves -Path (wildcards) and -LiteralPath to existing files, writing an error for each miss.</summary>
    internal static class FileSystemPaths
    {
        /// <summary>Error id of -NoClobber on an existing file, as Export-Csv and Out-File say it.</summary>
        internal const string NoClobberId = "NoClobber";

        /// <summary>Stops the cmdlet, as PowerShell's own Export cmdlets do, when -NoClobber meets an existing file.</summary>
        internal static void StopIfNoClobber(PSCmdlet cmdlet, string file, bool noClobber)
        {
            if (noClobber && File.Exists(file))
            {
                cmdlet.ThrowTerminatingError(ErrorRecords.Create(NoClobberId, ErrorCategory.ResourceExists, file,
                    $"'{file}' exists and -NoClobber was given. Choose another path or leave out -NoClobber."));
            }
        }

        internal static IEnumerable<string> ResolveExistingFiles(PSCmdlet cmdlet, string[] paths, bool literal)
        {
            foreach (string path in paths)
            {
                var resolved = new List<string>();
                try
                {
                    if (literal)
                    {
                        resolved.Add(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _));
                        RequireFileSystem(provider, path);
                    }
                    else
                    {
                        resolved.AddRange(cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider));
                        RequireFileSystem(provider, path);
                    }
                }
                catch (ItemNotFoundException e)
                {
                    cmdlet.WriteError(ErrorRecords.PathNotFoundError(path, e));
                    continue;
                }
                catch (PSArgumentException e)
                {
                    cmdlet.WriteError(ErrorRecords.Create(ErrorRecords.PathNotFileSystem, ErrorCategory.InvalidArgument, path, e.Message, e));
                    continue;
                }

                foreach (string file in resolved)
                {
                    if (File.Exists(file))
                    {
                        yield return file;
                    }
                    else
                    {
                        cmdlet.WriteError(ErrorRecords.NotAFile(file));
                    }
                }
            }
        }

        private static void RequireFileSystem(ProviderInfo provider, string path)
        {
            if (provider.ImplementingType != typeof(FileSystemProvider))
            {
                throw new PSArgumentException($"'{path}' is not a file system path (provider {provider.Name}).");
            }
        }
    }
}
