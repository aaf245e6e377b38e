using System;
using System.Threading;
using VmBoot.Ssh;

namespace VmBoot.Inventory
{
    /// <summary>Reads a host's inventory over an open connection with <c>vim-cmd vmsvc/getallvms</c>.</summary>
    public static class LiveInventory
    {
        /// <summary>The command, fixed: nothing from the caller reaches the shell.</summary>
        public const string Command = "vim-cmd vmsvc/getallvms";

        /// <summary>Error id: vim-cmd itself failed (hostd down, not an ESXi host...).</summary>
        public const string VimCmdFailed = "VimCmdFailed";

        /// <summary>Streams the host's VMs, each stamped with <see cref="EsxiConnection.Name"/>.</summary>
        public static void Read(EsxiConnection connection, CancellationToken cancellationToken, Action<EsxiVm> onVm, Action<ParseDiagnostic> onDiagnostic)
        {
            var result = connection.Run(Command, cancellationToken);
            int stderrLine = 0;
            foreach (string line in result.Error.Split('\n'))
            {
                stderrLine++;
                var skipped = GetAllVmsParser.SkippedVmWarning(line.TrimEnd('\r'), stderrLine);
                if (skipped != null)
                {
                    onDiagnostic(skipped);
                }
            }

            if (result.ExitStatus != 0)
            {
                string why = result.Error.Trim().Length > 0 ? result.Error.Trim() : $"exit status {result.ExitStatus}";
                onDiagnostic(new ParseDiagnostic(DiagnosticSeverity.Error, VimCmdFailed, 0, "",
                    $"'{Command}' failed on {connection.Name}: {why}. Is hostd running (/etc/init.d/hostd status)?"));
                return;
            }

            var parser = new GetAllVmsParser(connection.Name, onVm, onDiagnostic);
            parser.Push(result.Output);
            parser.Complete();
        }
    }
}
