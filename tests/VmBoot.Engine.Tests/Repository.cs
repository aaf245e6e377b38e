using System;
using System.IO;

namespace VmBoot.Engine.Tests
{
    /// <summary>The repository the tests run from, for tests that check its files (the about topics) against the code.</summary>
    internal static class Repository
    {
        /// <summary>The folder holding VmBoot.psd1, found upwards from the test binaries.</summary>
        internal static string Root()
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (!File.Exists(Path.Combine(folder!.FullName, "VmBoot.psd1")))
            {
                folder = folder.Parent;
            }

            return folder.FullName;
        }
    }
}
