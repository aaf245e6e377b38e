using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace VmBoot.Commands
{
    /// <summary>
    /// Makes VmBoot.Engine and its dependencies (SSH.NET, YamlDotNet, BouncyCastle...) loadable from the
    /// module's Dependencies folder without touching the versions other modules (PowerCLI, Posh-SSH) load.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        internal const string DependencyFolderName = "Dependencies";

        internal static string DependencyFolder { get; } = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", DependencyFolderName);

        private static bool IsNetFramework =>
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary>Called by PowerShell when the module is imported.</summary>
        public void OnImport()
        {
            if (IsNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve += ResolveOnNetFramework;
            }
            else
            {
                DependencyLoadContext.Register(DependencyFolder);
            }
        }

        /// <summary>Called by PowerShell when the module is removed.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (IsNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveOnNetFramework;
            }
            else
            {
                DependencyLoadContext.Unregister();
            }
        }

        // Windows PowerShell 5.1 has one load context: answer only for files that ship in our folder.
        private static Assembly? ResolveOnNetFramework(object? sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? "";
            string path = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
