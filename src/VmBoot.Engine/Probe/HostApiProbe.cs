using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Plans;
using VmBoot.VSphere;

namespace VmBoot.Probe
{
    /// <summary>
    /// The probe through a host's vSphere API, strictly read-only: what hostd answers without a shell (version, VMs,
    /// guests, maintenance and lockdown mode, SSH's service, vSAN, a plan's datastores). The checks of the boot script's
    /// world (Secure Boot, local.sh, the commands, auto-backup.sh) need a shell and are named as not checked.
    /// </summary>
    public static class HostApiProbe
    {
        private static readonly string[] HostProperties =
        {
            "summary.config.product.fullName", "runtime.inMaintenanceMode", "config.lockdownMode", "config.vsanHostConfig.enabled", "configManager.serviceSystem",
        };

        /// <summary>Every check the API can answer on the host <paramref name="client"/> is logged in to.</summary>
        public static async Task<HostProbeResult> RunAsync(VimClient client, BootPlan? plan, CancellationToken cancellationToken)
        {
            var hosts = await client.RetrieveAllAsync("HostSystem", HostProperties, cancellationToken).ConfigureAwait(false);
            var values = hosts.Count > 0 ? VimClient.PropertiesOf(hosts[0]).Values : new Dictionary<string, System.Xml.Linq.XElement?>();
            string Text(string path) => VimClient.Text(values, path);

            string version = Text("summary.config.product.fullName") is var named && named.Length > 0 ? named : client.FullName;
            string profile = HostProbe.ProfileOf(version);
            var checks = new List<HostCheck> { HostProbe.VersionCheck(version, profile) };

            var unreadable = new List<int>();
            var vms = await VimInventory.ReadAsync(client, cancellationToken, unreadable.Add).ConfigureAwait(false);
            int vcls = vms.Count(v => v.IsVcls);
            checks.Add(new HostCheck("inventory", "the host's VMs, read through the API",
                $"{vms.Count} VM(s){(vcls > 0 ? $", {vcls} vCLS" : "")}{(unreadable.Count > 0 ? $", {unreadable.Count} hostd cannot read (vmid {string.Join(", ", unreadable)})" : "")}",
                unreadable.Count > 0 ? CheckResult.Warn : CheckResult.Pass,
                unreadable.Count > 0 ? "hostd cannot read those VMs' configuration (inaccessible or invalid: a datastore not mounted?): they cannot be started."
                    : "plans select from these VMs; vCLS VMs are never started and are powered off last."));
            checks.Add(await GuestAsync(client, vms, cancellationToken).ConfigureAwait(false));
            checks.Add(HostProbe.MaintenanceModeCheck(Text("runtime.inMaintenanceMode") == "true"));
            checks.Add(Lockdown(Text("config.lockdownMode"), client.UserName));
            checks.Add(await SshServiceAsync(client, values, cancellationToken).ConfigureAwait(false));
            const string VsanExpected = "config.vsanHostConfig.enabled: false, or a vSAN member";
            checks.Add(Text("config.vsanHostConfig.enabled") == "true"
                ? HostProbe.VsanMember(VsanExpected, "vSAN member")
                : HostProbe.VsanNotMember(VsanExpected));

            if (plan != null)
            {
                var datastores = (await client.RetrieveAllAsync("Datastore", new[] { "summary.name", "summary.accessible" }, cancellationToken).ConfigureAwait(false))
                    .Select(d => VimClient.PropertiesOf(d).Values)
                    .ToDictionary(d => VimClient.Text(d, "summary.name"), d => VimClient.Text(d, "summary.accessible") == "true", StringComparer.Ordinal);
                foreach (string datastore in BootScriptGenerator.RequiredDatastores(plan))
                {
                    bool mounted = datastores.TryGetValue(datastore, out bool accessible) && accessible;
                    checks.Add(new HostCheck("datastore", $"'{datastore}' mounted (the plan waits for it)", mounted ? "mounted" : datastores.ContainsKey(datastore) ? "not accessible" : "not mounted",
                        mounted ? CheckResult.Pass : CheckResult.Warn,
                        mounted ? "the plan's datastore is here." : "Invoke-BootPlan waits for it up to readiness.timeout; VMs on it cannot start until it comes."));
                }
            }

            checks.Add(new HostCheck("shell-checks", "Secure Boot, local.sh, auto-backup.sh, the commands and where faults go: read in a shell", "not checked over the API", CheckResult.Warn,
                "these decide whether the host's own boot script can run: check them with Test-EsxiHost -Protocol Ssh (Install-BootScript -EnableSsh starts SSH for an install only)."));
            return new HostProbeResult(client.Name, version, profile, checks);
        }

        // The API's guest view: guest.toolsRunningStatus and guestHeartbeatStatus on a running VM.
        private static async Task<HostCheck> GuestAsync(VimClient client, List<EsxiVm> vms, CancellationToken cancellationToken)
        {
            const string Expected = "on a running VM: guestHeartbeatStatus green, gray, yellow or red; guest.toolsRunningStatus set";
            var running = vms.FirstOrDefault(v => !v.IsVcls && v.PowerState == "poweredOn");
            if (running == null)
            {
                return HostProbe.NoGuestRunning(Expected);
            }

            var (_, values) = await client.RetrieveOneAsync(new ManagedObject("VirtualMachine", running.ObjectId), new[] { "guestHeartbeatStatus", "guest.toolsRunningStatus" }, cancellationToken).ConfigureAwait(false);
            string tools = VimClient.Text(values, "guest.toolsRunningStatus");
            return HostProbe.GuestCheck(Expected, running.ObjectId, VimClient.Text(values, "guestHeartbeatStatus"), $"'{tools}'", tools.Length > 0);
        }

        // esxi-facts.md: under lockdown mode the API takes vpxuser and the Exception Users only.
        private static HostCheck Lockdown(string mode, string user)
        {
            const string Expected = "lockdownDisabled, or lockdown mode with VmBoot's account in the Exception Users";
            if (mode.Length == 0 || mode == "lockdownDisabled")
            {
                return new HostCheck("lockdown", Expected, mode.Length == 0 ? "not reported" : mode, CheckResult.Pass, "any account with the permissions can reach the API.");
            }

            return new HostCheck("lockdown", Expected, $"{mode}; {user} was let in", CheckResult.Warn,
                $"only vpxuser and the Exception Users reach this host: {user} is one of them, keep it so (and root refused over SSH: the boot script uses vpxuser).");
        }

        // STIG: SSH stopped, policy off; VmBoot's API runners need no SSH, and the installer can start it for an install only.
        private static async Task<HostCheck> SshServiceAsync(VimClient client, Dictionary<string, System.Xml.Linq.XElement?> host, CancellationToken cancellationToken)
        {
            const string Expected = "TSM-SSH stopped with policy off (ESXi's default and the STIG's), or as the site runs it";
            if (!host.TryGetValue("configManager.serviceSystem", out var reference) || reference == null)
            {
                return new HostCheck("ssh-service", Expected, "no HostServiceSystem", CheckResult.Warn, "Install-BootScript -EnableSsh cannot start SSH through this host's API.");
            }

            var (running, policy) = await SshServiceWindow.ReadAsync(client, ManagedObject.From(reference), cancellationToken).ConfigureAwait(false);
            string observed = $"{(running ? "running" : "stopped")}, policy '{policy}'";
            return running && policy == "on"
                ? new HostCheck("ssh-service", Expected, observed, CheckResult.Warn, "SSH starts with the host and runs: the STIG makes this a finding. VmBoot needs SSH only to install the boot script (Install-BootScript -EnableSsh starts it for that and puts it back).")
                : new HostCheck("ssh-service", Expected, observed, CheckResult.Pass, running
                    ? "SSH runs now: the shell checks and Install-BootScript work over it."
                    : "SSH is off: the API does the power event; Install-BootScript -EnableSsh starts SSH for an install and puts it back.");
        }
    }
}
