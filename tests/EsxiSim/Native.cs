using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace VmBoot.EsxiSim
{
    /// <summary>The few OS calls the simulator needs (it runs as root).</summary>
    internal static class Native
    {
        [DllImport("libc", SetLastError = true, EntryPoint = "chown")]
        private static extern int ChownNative(string path, int owner, int group);

        [DllImport("libc", EntryPoint = "geteuid")]
        internal static extern uint GetEffectiveUserId();

        [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
        internal static extern int Kill(int pid, int signal);

        internal static void Chown(string path, int uid, int gid)
        {
            if (ChownNative(path, uid, gid) != 0)
            {
                throw new IOException($"chown {path} failed: errno {Marshal.GetLastWin32Error()}");
            }
        }

        internal static void ChownTree(string path, int uid, int gid)
        {
            Chown(path, uid, gid);
            if (Directory.Exists(path) && !new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                {
                    ChownTree(entry, uid, gid);
                }
            }
        }

        /// <summary>Runs a program to completion; throws with its output when it fails.</summary>
        internal static string Run(string file, string[] args, string? stdin = null, int timeoutMs = 60000, bool check = true)
        {
            var info = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = stdin != null,
                UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (stderr) { stderr.Append(e.Data).Append('\n'); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (stdin != null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }

            if (!process.WaitForExit(timeoutMs))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms. {stderr}");
            }

            process.WaitForExit();
            if (check && process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr}{stdout}");
            }

            return stdout.ToString();
        }
    }
}
