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
        private static readonly string[] Properties =
        {
            "name", "config.files.vmPathName", "config.guestId", "config.version", "config.annotation", "config.managedBy", "runtime.powerState",
            "runtime.connectionState",
        };

        /// <summary>
        /// Every VM registered on the host that hostd can read, in the host's order. A VM it cannot (connectionState
        /// inaccessible or invalid: its configuration files cannot be read, as when its datastore is not mounted) has
        /// no configuration to show: it is left out, as getallvms leaves it out, and its vmid goes to <paramref name="onUnreadable"/>.
        /// </summary>
        public static async Task<List<EsxiVm>> ReadAsync(VimClient client, CancellationToken cancellationToken, Action<int>? onUnreadable = null)
        {
            var found = await client.RetrieveAllAsync("VirtualMachine", Properties, cancellationToken).ConfigureAwait(false);
            var vms = new List<EsxiVm>();
            foreach (var (obj, values) in found.Select(VimClient.PropertiesOf))
            {
                var vm = ToVm(obj, values, client.Name);
                string state = VimClient.Text(values, "runtime.connectionState");
                if (state.Length == 0 || state == "connected")
                {
                    vms.Add(vm);
                }
                else
                {
                    onUnreadable?.Invoke(vm.Vmid);
                }
            }

            return vms;
        }

        /// <summary>The VMs of one page of the property collector's answer (its returnval).</summary>
        internal static IEnumerable<EsxiVm> FromPage(XElement returned, string server)
            => returned.Elements(VimClient.Vim + "objects").Select(o => ToVm(o, server));

        /// <summary>
        /// The Vmid of a managed object id: on a host the id is the Vmid; where it is not a number (<c>vm-12</c> in
        /// govmomi's simulator and vCenter) its trailing number, which is as unique.
        /// </summary>
        internal static int VmidOf(string id)
        {
            int digits = id.Length;
            while (digits > 0 && char.IsDigit(id[digits - 1]))
            {
                digits--;
            }

            return int.TryParse(id.Substring(digits), NumberStyles.None, CultureInfo.InvariantCulture, out int vmid) ? vmid : 0;
        }

        /// <summary>One VM from its property set: a vmx path <c>[datastore] path</c> as getallvms' File column prints it.</summary>
        internal static EsxiVm ToVm(XElement found, string server)
        {
            var (obj, values) = VimClient.PropertiesOf(found);
            return ToVm(obj, values, server);
        }

        private static EsxiVm ToVm(ManagedObject obj, Dictionary<string, XElement?> values, string server)
        {
            string id = obj.Value;
            string Text(string name) => VimClient.Text(values, name);

            string file = Text("config.files.vmPathName");
            var (datastore, vmxPath) = GetAllVmsParser.SplitFile(file);
            string name = Text("name");
            string guestId = Text("config.guestId");
            string managedBy = values.TryGetValue("config.managedBy", out var managed) && managed != null ? (string?)managed.Element(VimClient.Vim + "extensionKey") ?? "" : "";
            return new EsxiVm
            {
                Vmid = VmidOf(id),
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
    }
}
