using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using VmBoot.Ha;
using VmBoot.Inventory;

namespace VmBoot.Commands
{
    /// <summary>
    /// Reads PowerCLI's objects (Get-VM, Get-Cluster) by property name only: VmBoot never references PowerCLI's
    /// assemblies, and loads and works where PowerCLI is not installed.
    /// </summary>
    internal static class PowerCliObjects
    {
        /// <summary>A PowerCLI VirtualMachine: it has ExtensionData.Config.Files.VmPathName.</summary>
        internal static bool IsVm(object? value) => Text(value, "ExtensionData", "Config", "Files", "VmPathName") != null;

        /// <summary>The VM as getallvms would show it: name escaped as the vSphere API stores it (%25 %2f %5c), its vmx file, its host.</summary>
        internal static EsxiVm ToEsxiVm(object vm)
        {
            string file = Text(vm, "ExtensionData", "Config", "Files", "VmPathName") ?? "";
            string datastore = "";
            string vmxPath = file;
            if (file.StartsWith("[", StringComparison.Ordinal) && file.IndexOf("] ", StringComparison.Ordinal) is int close && close > 0)
            {
                datastore = file.Substring(1, close - 1);
                vmxPath = file.Substring(close + 2);
            }

            string name = Escape(Text(vm, "Name") ?? "");
            string guestId = Text(vm, "ExtensionData", "Config", "GuestId") ?? Text(vm, "GuestId") ?? "";
            return new EsxiVm
            {
                Name = name,
                Datastore = datastore,
                VmxPath = vmxPath,
                File = file,
                GuestId = guestId,
                HardwareVersion = Text(vm, "ExtensionData", "Config", "Version") ?? Text(vm, "HardwareVersion") ?? "",
                Notes = Text(vm, "Notes") ?? "",
                Server = Text(vm, "VMHost", "Name") ?? Text(vm, "VMHost") ?? "",
                IsVcls = VclsDetector.IsVcls(name, guestId, vmxPath),
            };
        }

        /// <summary>The vSphere API's escaping of VM names, which getallvms prints: % first, then / and \.</summary>
        internal static string Escape(string name) => name.Replace("%", "%25").Replace("/", "%2f").Replace("\\", "%5c");

        /// <summary>The VM's managed object id (vm-123): ExtensionData.MoRef.Value, or PowerCLI's Id without its type.</summary>
        internal static string Id(object vm)
            => Text(vm, "ExtensionData", "MoRef", "Value") ?? (Text(vm, "Id") is string id ? id.Substring(id.IndexOf('-') + 1) : "");

        /// <summary>The HA settings of a PowerCLI Cluster (ExtensionData.ConfigurationEx).</summary>
        internal static HaCluster ToHaCluster(object cluster, out Dictionary<string, (string? Priority, int? Timeout)> vmSettings, out Dictionary<string, (string? Readiness, int? Delay)> vmReadiness)
        {
            var config = Get(cluster, "ExtensionData", "ConfigurationEx")
                ?? throw new ArgumentException($"'{Text(cluster, "Name")}' has no ExtensionData.ConfigurationEx: pass a cluster from PowerCLI's Get-Cluster.");
            var ha = new HaCluster
            {
                Name = Text(cluster, "Name") ?? "",
                DefaultPriority = Text(config, "DasConfig", "DefaultVmSettings", "RestartPriority") ?? "medium",
                DefaultTimeout = Number(config, "DasConfig", "DefaultVmSettings", "RestartPriorityTimeout") is int timeout && timeout >= 0 ? timeout : 600,
                DefaultReadiness = Text(config, "Orchestration", "DefaultVmReadiness", "ReadyCondition") ?? "none",
                DefaultPostReadyDelay = Math.Max(0, Number(config, "Orchestration", "DefaultVmReadiness", "PostReadyDelay") ?? 0),
            };
            vmSettings = new Dictionary<string, (string?, int?)>(StringComparer.Ordinal);
            foreach (object entry in Items(Get(config, "DasVmConfig")))
            {
                vmSettings[Text(entry, "Key", "Value") ?? ""] = (Text(entry, "DasSettings", "RestartPriority") ?? Text(entry, "RestartPriority"), Number(entry, "DasSettings", "RestartPriorityTimeout"));
            }

            vmReadiness = new Dictionary<string, (string?, int?)>(StringComparer.Ordinal);
            foreach (object entry in Items(Get(config, "VmOrchestration")))
            {
                vmReadiness[Text(entry, "Vm", "Value") ?? ""] = (Text(entry, "VmReadiness", "ReadyCondition"), Number(entry, "VmReadiness", "PostReadyDelay"));
            }

            // ClusterVmGroup has Vm; ClusterHostGroup (Host) is not about start order.
            foreach (object group in Items(Get(config, "Group")).Where(g => HasProperty(g, "Vm")))
            {
                var vmGroup = new HaVmGroup { Name = Text(group, "Name") ?? "" };
                vmGroup.VmIds.AddRange(Items(Get(group, "Vm")).Select(m => Text(m, "Value") ?? "").Where(v => v.Length > 0));
                ha.Groups.Add(vmGroup);
            }

            foreach (object rule in Items(Get(config, "Rule")).Where(r => HasProperty(r, "DependsOnVmGroup")))
            {
                ha.Rules.Add(new HaDependencyRule
                {
                    Name = Text(rule, "Name") ?? "",
                    Enabled = !(Get(rule, "Enabled") is bool enabled) || enabled,
                    VmGroup = Text(rule, "VmGroup") ?? "",
                    DependsOnVmGroup = Text(rule, "DependsOnVmGroup") ?? "",
                });
            }

            return ha;
        }

        /// <summary>A property path's value (PSObject wrappers taken off), or null.</summary>
        internal static object? Get(object? value, params string[] path)
        {
            foreach (string name in path)
            {
                if (value == null)
                {
                    return null;
                }

                value = Unwrap(PSObject.AsPSObject(value).Properties[name]?.Value);
            }

            return value;
        }

        internal static string? Text(object? value, params string[] path) => Get(value, path) is object found ? LanguagePrimitives.ConvertTo<string>(found) : null;

        private static int? Number(object? value, params string[] path)
        {
            var found = Get(value, path);
            return found != null && LanguagePrimitives.TryConvertTo(found, CultureInfo.InvariantCulture, out int number) ? number : (int?)null;
        }

        // The .NET object behind a PowerShell wrapper; a PSCustomObject keeps its wrapper, which holds its properties.
        internal static object? Unwrap(object? value) => value is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject) ? wrapped.BaseObject : value;

        private static bool HasProperty(object value, string name) => PSObject.AsPSObject(value).Properties[name] != null;

        private static IEnumerable<object> Items(object? value) => value is IEnumerable items && !(value is string)
            ? items.Cast<object?>().Where(i => i != null).Select(i => Unwrap(i)!)
            : value != null ? new[] { value } : Array.Empty<object>();
    }

    /// <summary>Lets a parameter of EsxiVm objects take PowerCLI VMs (Get-VM) as well.</summary>
    internal sealed class EsxiVmInputAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = PowerCliObjects.Unwrap(inputData);
            if (value is IEnumerable items && !(value is string))
            {
                var all = items.Cast<object?>().ToList();
                return all.Any(PowerCliObjects.IsVm) ? all.Select(Convert).ToArray() : inputData;
            }

            return PowerCliObjects.IsVm(inputData) ? Convert(inputData) : inputData;
        }

        private static object? Convert(object? item) => PowerCliObjects.IsVm(item) ? PowerCliObjects.ToEsxiVm(item!) : PowerCliObjects.Unwrap(item);
    }
}
