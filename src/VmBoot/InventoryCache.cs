using System;
using System.Collections.Generic;

namespace VmBoot.Commands
{
    /// <summary>The last inventory Get-EsxiVmList returned in each runspace, for tab completion only.</summary>
    internal static class InventoryCache
    {
        private static readonly PerRunspace<IReadOnlyList<EsxiVm>> LastInventory = new PerRunspace<IReadOnlyList<EsxiVm>>();

        internal static void Set(IReadOnlyList<EsxiVm> vms)
        {
            if (vms.Count > 0)
            {
                LastInventory.Set(vms);
            }
        }

        internal static IReadOnlyList<EsxiVm> Current() => LastInventory.Current ?? Array.Empty<EsxiVm>();
    }
}
