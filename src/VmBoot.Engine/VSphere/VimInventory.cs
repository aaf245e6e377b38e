using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using VmBoot.Inventory;

namespace VmBoot.VSphere
{
    /// <summary>
    /// A host's VMs through its vSphere API: a container view of every VirtualMachine and the property collector,
    /// page by page. The same <see cref="EsxiVm"/> objects getallvms gives, with the managed object id.
    /// </summary>
    public static class VimInventory
    {
        private const int PageSize = 500;

        private static readonly string[] Properties =
        {
            "name", "config.files.vmPathName", "config.guestId", "config.version", "config.annotation", "config.managedBy", "runtime.powerState",
        };

        /// <summary>Every VM registered on the host, in the host's order.</summary>
        public static async Task<List<EsxiVm>> ReadAsync(VimClient client, CancellationToken cancellationToken)
        {
            var objects = client.Objects;
            var created = await client.CallAsync("CreateContainerView", objects.ViewManager, cancellationToken,
                objects.RootFolder.Named("container"), new XElement(VimClient.Vim + "type", "VirtualMachine"), new XElement(VimClient.Vim + "recursive", "true")).ConfigureAwait(false);
            var view = ManagedObject.From(created.Element(VimClient.Vim + "returnval") ?? throw new VSphereApiException(client.Name, VSphereFailure.ProtocolError, $"{client.Name}: the host made no container view."));
            try
            {
                var vms = new List<EsxiVm>();
                var page = await client.CallAsync("RetrievePropertiesEx", objects.PropertyCollector, cancellationToken, Spec(view), Options()).ConfigureAwait(false);
                while (true)
                {
                    var returned = page.Element(VimClient.Vim + "returnval");
                    if (returned == null)
                    {
                        break;
                    }

                    vms.AddRange(FromPage(returned, client.Name));
                    string? token = (string?)returned.Element(VimClient.Vim + "token");
                    if (string.IsNullOrEmpty(token))
                    {
                        break;
                    }

                    page = await client.CallAsync("ContinueRetrievePropertiesEx", objects.PropertyCollector, cancellationToken, new XElement(VimClient.Vim + "token", token)).ConfigureAwait(false);
                }

                return vms;
            }
            finally
            {
                await DestroyQuietly(client, view).ConfigureAwait(false);
            }
        }

        /// <summary>The VMs of one page of the property collector's answer (its returnval).</summary>
        internal static IEnumerable<EsxiVm> FromPage(XElement returned, string server)
            => returned.Elements(VimClient.Vim + "objects").Select(o => ToVm(o, server));

        /// <summary>One VM from its property set: a vmx path <c>[datastore] path</c> as getallvms' File column prints it.</summary>
        internal static EsxiVm ToVm(XElement found, string server)
        {
            var obj = found.Element(VimClient.Vim + "obj");
            string id = obj?.Value ?? "";
            // A property named twice is taken once (the first): what a host sends never throws here.
            var values = found.Elements(VimClient.Vim + "propSet").GroupBy(p => (string?)p.Element(VimClient.Vim + "name") ?? "", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Element(VimClient.Vim + "val"), StringComparer.Ordinal);
            string Text(string name) => values.TryGetValue(name, out var value) && value != null ? value.Value : "";

            string file = Text("config.files.vmPathName");
            var (datastore, vmxPath) = GetAllVmsParser.SplitFile(file);
            string name = Text("name");
            string guestId = Text("config.guestId");
            string managedBy = values.TryGetValue("config.managedBy", out var managed) && managed != null ? (string?)managed.Element(VimClient.Vim + "extensionKey") ?? "" : "";
            return new EsxiVm
            {
                // On a host the id is getallvms' Vmid; elsewhere (a simulator, vCenter) it need not be a number.
                Vmid = int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int vmid) ? vmid : 0,
                ObjectId = id,
                Name = name,
                File = file,
                Datastore = datastore,
                VmxPath = vmxPath,
                GuestId = guestId,
                HardwareVersion = Text("config.version"),
                Notes = Text("config.annotation"),
                PowerState = Text("runtime.powerState"),
                IsVcls = VclsDetector.IsVcls(name, guestId, vmxPath) || string.Equals(managedBy, "com.vmware.vim.eam", StringComparison.Ordinal),
                Server = server,
            };
        }

        private static XElement Spec(ManagedObject view) => new XElement(VimClient.Vim + "specSet",
            new XElement(VimClient.Vim + "propSet",
                new XElement(VimClient.Vim + "type", "VirtualMachine"),
                Properties.Select(p => new XElement(VimClient.Vim + "pathSet", p))),
            new XElement(VimClient.Vim + "objectSet",
                view.Named("obj"),
                new XElement(VimClient.Vim + "skip", "true"),
                new XElement(VimClient.Vim + "selectSet", new XAttribute(VimClient.Xsi + "type", "TraversalSpec"),
                    new XElement(VimClient.Vim + "name", "view"),
                    new XElement(VimClient.Vim + "type", "ContainerView"),
                    new XElement(VimClient.Vim + "path", "view"),
                    new XElement(VimClient.Vim + "skip", "false"))));

        private static XElement Options() => new XElement(VimClient.Vim + "options", new XElement(VimClient.Vim + "maxObjects", PageSize.ToString(CultureInfo.InvariantCulture)));

        private static async Task DestroyQuietly(VimClient client, ManagedObject view)
        {
            try
            {
                using (var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                {
                    await client.CallAsync("DestroyView", view, cleanup.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is VSphereApiException || e is OperationCanceledException)
            {
                // The view dies with the session.
            }
        }
    }
}
