using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VmBoot.Inventory;

namespace VmBoot.Commands
{
    /// <summary>
    /// Reads the VMs registered on ESXi hosts: live over SSH (<c>vim-cmd vmsvc/getallvms</c>) or the vSphere API
    /// (many hosts in parallel), or from getallvms text on the pipeline or in files.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "EsxiVmList", HelpUri = "https://github.com/vmboot/VmBoot/blob/main/src/VmBoot/Help/Get-EsxiVmList.md", DefaultParameterSetName = LiteralPathSet)]
    [OutputType(typeof(EsxiVm))]
    public sealed class GetEsxiVmListCommand : EsxiHostOrTextCmdlet
    {
        private const int CompletionCacheLimit = 20000;
        private readonly List<EsxiVm> returned = new List<EsxiVm>();
        private GetAllVmsParser? textParser;

        /// <summary>The host the text or files came from: each VM's Server, as a live read fills it.</summary>
        [Parameter(ParameterSetName = TextSet)]
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        /// <summary>Ssh (vim-cmd over SSH, the default) or VSphereApi (hostd's SOAP API on 443, with -Credential).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateSet(SshProtocol, VSphereApiProtocol)]
        public string Protocol { get; set; } = SshProtocol;

        /// <inheritdoc />
        protected override string Activity => UsesApi(Protocol) ? "Reading VM inventories (vSphere API)" : "Reading VM inventories (vim-cmd vmsvc/getallvms)";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            bool api = ParameterSetName == ServerSet && CheckProtocolParameters(Protocol);

            if (api)
            {
                foreach (string server in Server)
                {
                    StartApiInventory(ApiOptions(server, ApiDefaultPort), Return);
                }

                return;
            }

            if (ParameterSetName == ServerSet || ParameterSetName == SessionSet)
            {
                foreach (var session in ApiSessions)
                {
                    StartApiInventory(session, Return);
                }

                StartHostWork(CurrentTargets().Where(t => t.Session?.Api == null), (connection, writer) => LiveInventory.Read(connection, writer.Token, vm => writer.OnPipeline(() => Return(vm)), diagnostic => Report(writer, diagnostic, connection.Name)));
                return;
            }

            if (ParameterSetName == TextSet)
            {
                // The parameter set is known only once pipeline input is bound, so the parser starts here.
                textParser ??= NewParser(source: null);
                foreach (string text in InputObject ?? new string[0])
                {
                    textParser.Push(text);
                }

                return;
            }

            foreach (string file in InputFiles())
            {
                WriteVerbose($"Reading getallvms output from '{file}'.");
                var parser = NewParser(file);
                using (var reader = new StreamReader(file, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
                {
                    string? line;
                    while ((line = reader.ReadLine()) != null && !Stopping)
                    {
                        parser.Push(line);
                    }
                }

                parser.Complete();
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            textParser?.Complete();
            FinishHostWork();
            InventoryCache.Set(returned);
        }

        private void Return(EsxiVm vm)
        {
            // Completion needs names, not a copy of a 100,000-row capture.
            if (returned.Count < CompletionCacheLimit)
            {
                returned.Add(vm);
            }

            WriteObject(vm);
        }

        private GetAllVmsParser NewParser(string? source) => new GetAllVmsParser(
            server: HostName ?? "",
            onVm: Return,
            onDiagnostic: diagnostic => ErrorRecords.Route(diagnostic, source, WriteWarning, WriteError));
    }
}
