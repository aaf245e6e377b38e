using System;
using System.Text.RegularExpressions;

namespace VmBoot.Inventory
{
    /// <summary>Recognises vSphere Cluster Services VMs (7.0 U1 naming, later uuid naming, embedded CRX).</summary>
    public static class VclsDetector
    {
        private static readonly Regex VclsName = new Regex(
            @"^vCLS(?: \(\d+\)|-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
            RegexOptions.CultureInvariant);

        /// <summary>True when the name, guest id or path marks a vCLS VM.</summary>
        public static bool IsVcls(string name, string guestId, string vmxPath)
        {
            return (name.StartsWith("vCLS", StringComparison.Ordinal) && VclsName.IsMatch(name))
                || string.Equals(guestId, "crxSys1Guest", StringComparison.Ordinal)
                || vmxPath.StartsWith("/var/run/crx/", StringComparison.Ordinal);
        }
    }
}
