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
        private static DependencyLoadContext? instance;
        private readonly string folder;
        private readonly HashSet<string> frameworkAssemblies;

        private DependencyLoadContext(string folder)
        {
            this.folder = folder;
            frameworkAssemblies = FrameworkAssemblyNames();
        }

        // Import-Module -Force removes then imports again: the context (and the engine in it) is kept,
        // the handler comes and goes with the module.
        internal static void Register(string folder)
        {
            instance ??= new DependencyLoadContext(folder);
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

            string path = Path.Combine(folder, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
            => name.Name == EngineAssemblyName ? instance?.LoadFromAssemblyName(name) : null;

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
