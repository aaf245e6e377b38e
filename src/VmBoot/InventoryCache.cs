using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;

namespace VmBoot.Commands
{
    /// <summary>The last inventory Get-EsxiVmList returned in each runspace, for tab completion only.</summary>
    internal static class InventoryCache
    {
        private static readonly ConcurrentDictionary<Guid, IReadOnlyList<EsxiVm>> ByRunspace = new ConcurrentDictionary<Guid, IReadOnlyList<EsxiVm>>();

        internal static void Set(IReadOnlyList<EsxiVm> vms)
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null || vms.Count == 0)
            {
                return;
            }

            if (ByRunspace.TryAdd(runspace.InstanceId, vms))
            {
                runspace.StateChanged += Forget;
            }
            else
            {
                ByRunspace[runspace.InstanceId] = vms;
            }
        }

        internal static IReadOnlyList<EsxiVm> Current()
            => Runspace.DefaultRunspace != null && ByRunspace.TryGetValue(Runspace.DefaultRunspace.InstanceId, out var vms) ? vms : Array.Empty<EsxiVm>();

        private static void Forget(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is Runspace runspace && (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken))
            {
                ByRunspace.TryRemove(runspace.InstanceId, out _);
            }
        }
    }
}
