using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace VmBoot.Commands
{
    /// <summary>
    /// The module-private load context of the "bridge" pattern: the default context resolves only
    /// VmBoot.Engine here; everything the engine references then loads beside it, from our folder.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        internal const string EngineAssemblyName = "VmBoot.Engine";

        /// <summary>Where builds for .NET 8 and later sit, under the dependency folder.</summary>
        internal const string ModernFolderName = "net8.0";
        private static DependencyLoadContext? instance;
        private static readonly object EngineLock = new object();
        private static string? dependencyFolder;
        private readonly string folder;
        private readonly HashSet<string> frameworkAssemblies;

        private DependencyLoadContext(string folder)
        {
            this.folder = folder;
            frameworkAssemblies = FrameworkAssemblyNames();
        }

        // Import-Module -Force removes then imports again: the context (and the engine in it) is kept,
        // the handler comes and goes with the module. The context is made when the engine is first
        // needed, not at import (it reads the runtime's whole assembly list).
        internal static void Register(string folder)
        {
            dependencyFolder = folder;
            Default.Resolving -= ResolveEngine;
            Default.Resolving += ResolveEngine;
        }

        internal static void Unregister() => Default.Resolving -= ResolveEngine;

        /// <inheritdoc />
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Types the runtime and PowerShell share (System.*, netstandard shims) must stay the runtime's own.
            string name = assemblyName.Name ?? "";
            if (frameworkAssemblies.Contains(name))
            {
                return null;
            }

            // A dependency whose .NET 8 build differs (SSH.NET: the platform's crypto instead of BouncyCastle's) ships
            // that build in a subfolder, for PowerShell 7.4 and later; the one beside it serves 7.2, 7.3 (.NET 6, 7)
            // and Windows PowerShell.
            string path = Path.Combine(folder, ModernFolderName, name + ".dll");
            if (Environment.Version.Major < 8 || !File.Exists(path))
            {
                path = Path.Combine(folder, name + ".dll");
            }

            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
        {
            if (name.Name != EngineAssemblyName || dependencyFolder is null)
            {
                return null;
            }

            // Cmdlets may first need the engine on several threads at once: one context only.
            lock (EngineLock)
            {
                instance ??= new DependencyLoadContext(dependencyFolder);
            }

            return instance.LoadFromAssemblyName(name);
        }

        private static HashSet<string> FrameworkAssemblyNames()
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string paths)
            {
                foreach (string path in paths.Split(Path.PathSeparator))
                {
                    names.Add(Path.GetFileNameWithoutExtension(path));
                }
            }

            return names;
        }
    }
}
