using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using VmBoot.VSphere;
using VmBoot.Vsan;

namespace VmBoot.Remote
{
    /// <summary>
    /// A remote run's requests to one host through its vSphere API (hostd's SOAP endpoint): no SSH, no shell. VMs
    /// are found by the managed object ids of the last inventory read. API failures leave as <see cref="RemoteHostException"/>;
    /// a fault about one VM (InvalidState, ToolsUnavailable...) is that VM's reason instead.
    /// </summary>
    internal sealed class VSphereHostControl : IHostControl
    {
        private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(10);
        private static readonly string[] HostProperties = { "name", "config.network.dnsConfig.hostName", "runtime.inMaintenanceMode", "configManager.storageSystem" };

        private readonly RemoteTarget target;
        private readonly VimConnectionOptions? options;
        private readonly VimClient? session;
        private readonly Dictionary<int, ManagedObject> vms = new Dictionary<int, ManagedObject>();
        private VimClient? client;
        private ManagedObject host;

        internal VSphereHostControl(RemoteTarget target, VimConnectionOptions options)
        {
            this.target = target;
            this.options = options;
        }

        /// <summary>Through a session already open (New-EsxiSession's): used as it is, never logged out here.</summary>
        internal VSphereHostControl(RemoteTarget target, VimClient session)
        {
            this.target = target;
            this.session = session;
        }

        /// <inheritdoc />
        public string VimUser => session?.UserName ?? options!.UserName;

        /// <inheritdoc />
        public string Transport => "the vSphere API";

        /// <inheritdoc />
        public string PowerOffMethod(bool evenOutsideMaintenanceMode) => evenOutsideMaintenanceMode ? "ShutdownHost_Task, forced" : "ShutdownHost_Task";

        /// <inheritdoc />
        public string? Connect(CancellationToken cancellationToken) => Call(async () =>
        {
            client = session ?? await VimClient.OpenAsync(options!, cancellationToken).ConfigureAwait(false);
            var found = await client.RetrieveAllAsync("HostSystem", HostProperties, cancellationToken).ConfigureAwait(false);
            var (obj, values) = VimClient.PropertiesOf(found.FirstOrDefault() ?? throw new VSphereApiException(client.Name, VSphereFailure.ProtocolError, $"{client.Name}: the API shows no host."));
            host = obj;
            string name = VimClient.Text(values, "config.network.dnsConfig.hostName");
            return name.Length > 0 ? name : VimClient.Text(values, "name") is string other && other.Length > 0 ? other : null;
        });

        /// <inheritdoc />
        public void Close()
        {
            // A session given to the run is its owner's to log out.
            if (client != session)
            {
                client?.Dispose();
            }

            client = null;
        }

        /// <inheritdoc />
        /// <remarks>hostd answered the login, or Connect would have failed: lockdown mode refuses a user at login, not later.</remarks>
        public string? HostdRefusal(CancellationToken cancellationToken, out bool switchedUser, out bool refusedEveryUser)
        {
            switchedUser = false;
            refusedEveryUser = false;
            return null;
        }

        /// <inheritdoc />
        public bool InMaintenanceMode(CancellationToken cancellationToken) => Call(async () =>
            VimClient.Text((await Api.RetrieveOneAsync(host, new[] { "runtime.inMaintenanceMode" }, cancellationToken).ConfigureAwait(false)).Values, "runtime.inMaintenanceMode") == "true");

        /// <inheritdoc />
        public bool ExitMaintenanceMode(CancellationToken cancellationToken)
        {
            RunTask("ExitMaintenanceMode_Task", host, cancellationToken, new XElement(VimClient.Vim + "timeout", "0"));
            return !InMaintenanceMode(cancellationToken);
        }

        /// <inheritdoc />
        public string? EnterMaintenanceMode(bool noDataMigration, CancellationToken cancellationToken)
        {
            var parameters = new List<XElement> { new XElement(VimClient.Vim + "timeout", "0") };
            if (noDataMigration)
            {
                parameters.Add(new XElement(VimClient.Vim + "maintenanceSpec",
                    new XElement(VimClient.Vim + "vsanMode", new XElement(VimClient.Vim + "objectAction", "noAction"))));
            }

            string? refusal = RunTask("EnterMaintenanceMode_Task", host, cancellationToken, parameters.ToArray());
            return InMaintenanceMode(cancellationToken) ? null : refusal ?? "the host is not in maintenance mode afterwards";
        }

        /// <inheritdoc />
        public List<string> Unmounted(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken)
        {
            if (datastores.Count == 0)
            {
                return new List<string>();
            }

            var mounted = AccessibleDatastores(cancellationToken);
            return datastores.Where(d => !mounted.Contains(d, StringComparer.Ordinal)).ToList();
        }

        private List<string> AccessibleDatastores(CancellationToken cancellationToken)
            => Call(async () => (await Api.RetrieveAllAsync("Datastore", new[] { "summary.name", "summary.accessible" }, cancellationToken).ConfigureAwait(false))
                .Select(VimClient.PropertiesOf).Where(d => VimClient.Text(d.Values, "summary.accessible") == "true").Select(d => VimClient.Text(d.Values, "summary.name"))
                .ToList());

        /// <inheritdoc />
        public List<string> RescanFor(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken)
        {
            Call(async () =>
            {
                var (_, values) = await Api.RetrieveOneAsync(host, new[] { "configManager.storageSystem" }, cancellationToken).ConfigureAwait(false);
                if (values.TryGetValue("configManager.storageSystem", out var storage) && storage != null)
                {
                    var system = new ManagedObject("HostStorageSystem", storage.Value);
                    await Api.CallAsync("RescanAllHba", system, cancellationToken).ConfigureAwait(false);
                    await Api.CallAsync("RescanVmfs", system, cancellationToken).ConfigureAwait(false);
                }

                return true;
            });
            return Unmounted(datastores, cancellationToken);
        }

        /// <inheritdoc />
        public List<EsxiVm> ReadInventory(string hostName, CancellationToken cancellationToken, Action<string> onProblem)
        {
            var unreadable = new List<int>();
            var found = Call(() => VimInventory.ReadAsync(Api, cancellationToken, unreadable.Add));
            InvalidVmids = unreadable;
            lock (vms)
            {
                vms.Clear();
                foreach (var vm in found)
                {
                    vm.Server = hostName;
                    vms[vm.Vmid] = new ManagedObject("VirtualMachine", vm.ObjectId);
                }
            }

            return found;
        }

        /// <inheritdoc />
        public IReadOnlyCollection<int> InvalidVmids { get; private set; } = Array.Empty<int>();

        /// <inheritdoc />
        public HashSet<string> Volumes(CancellationToken cancellationToken) => new HashSet<string>(AccessibleDatastores(cancellationToken), StringComparer.Ordinal);

        /// <inheritdoc />
        /// <remarks>Every state is read, <paramref name="knownOff"/>'s too: the API reads them all in one call.</remarks>
        public Dictionary<int, (bool WasOn, string? Reason)> PowerOn(IReadOnlyCollection<int> vmids, IReadOnlyCollection<int> knownOff, CancellationToken cancellationToken)
        {
            var before = States(vmids, cancellationToken);
            var results = new Dictionary<int, (bool, string?)>();
            var tasks = vmids.Where(v => before[v] != "poweredOn").ToDictionary(v => v, v => Task.Run(() => RunTask("PowerOnVM_Task", Vm(v), cancellationToken)));
            foreach (int vmid in vmids)
            {
                results[vmid] = before[vmid] == "poweredOn" ? (true, null) : (false, tasks[vmid].GetAwaiter().GetResult());
            }

            var after = States(tasks.Keys.ToList(), cancellationToken);
            foreach (int vmid in tasks.Keys.Where(v => results[v].Item2 == null && after[v] != "poweredOn"))
            {
                results[vmid] = (false, "the VM is not on after PowerOnVM_Task");
            }

            return results;
        }

        /// <inheritdoc />
        public Dictionary<int, string> PowerStates(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
            => States(vmids, cancellationToken).ToDictionary(p => p.Key, p => p.Value switch
            {
                "poweredOn" => "Powered on",
                "poweredOff" => "Powered off",
                "suspended" => "Suspended",
                _ => "",
            });

        /// <inheritdoc />
        public Dictionary<int, (bool WasOn, bool ToolsRunning)> RequestGuestShutdown(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var answers = new Dictionary<int, (bool, bool)>();
            foreach (int vmid in vmids)
            {
                var values = Call(async () => (await Api.RetrieveOneAsync(Vm(vmid), new[] { "runtime.powerState", "guest.toolsRunningStatus" }, cancellationToken).ConfigureAwait(false)).Values);
                bool on = VimClient.Text(values, "runtime.powerState") == "poweredOn";
                string tools = VimClient.Text(values, "guest.toolsRunningStatus");
                bool running = tools == "guestToolsRunning" || tools == "guestToolsExecutingScripts";
                if (on && running)
                {
                    // ShutdownGuest has no task and returns at once: the caller polls the power state.
                    Fault(() => Api.CallAsync("ShutdownGuest", Vm(vmid), cancellationToken));
                }

                answers[vmid] = (on, running);
            }

            return answers;
        }

        /// <inheritdoc />
        public Dictionary<int, string?> PowerOff(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
        {
            var tasks = vmids.ToDictionary(v => v, v => Task.Run(() => RunTask("PowerOffVM_Task", Vm(v), cancellationToken)));
            var reasons = tasks.ToDictionary(t => t.Key, t => t.Value.GetAwaiter().GetResult());
            var after = States(vmids, cancellationToken);
            return vmids.ToDictionary(v => v, v => after[v] == "poweredOff" ? null : reasons[v] ?? "the VM is not off after PowerOffVM_Task");
        }

        /// <inheritdoc />
        public HashSet<int> GreenHeartbeats(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
            => new HashSet<int>(vmids.Where(v => Call(async () =>
                VimClient.Text((await Api.RetrieveOneAsync(Vm(v), new[] { "guestHeartbeatStatus" }, cancellationToken).ConfigureAwait(false)).Values, "guestHeartbeatStatus")) == "green"));

        /// <inheritdoc />
        /// <remarks>ShutdownHost_Task: on a direct connection the answer never comes, the connection drops: that is a yes.</remarks>
        public string? PowerOffHost(bool evenOutsideMaintenanceMode, string reason, CancellationToken cancellationToken)
        {
            try
            {
                return RunTask("ShutdownHost_Task", host, cancellationToken, new XElement(VimClient.Vim + "force", evenOutsideMaintenanceMode ? "true" : "false"));
            }
            catch (RemoteHostException e) when (e.Failure == HostFailure.Lost || e.Failure == HostFailure.NotAnswering)
            {
                return null;
            }
        }

        /// <inheritdoc />
        public bool StillAnswers(CancellationToken cancellationToken)
        {
            if (session != null)
            {
                return session.StillAnswersAsync(cancellationToken).GetAwaiter().GetResult();
            }

            Close();
            try
            {
                using (VimClient.OpenAsync(options!, cancellationToken).GetAwaiter().GetResult())
                {
                    return true;
                }
            }
            catch (VSphereApiException)
            {
                return false;
            }
        }

        private VimClient Api => client ?? throw new InvalidOperationException($"{target.Label} is not connected.");

        private ManagedObject Vm(int vmid)
        {
            lock (vms)
            {
                return vms.TryGetValue(vmid, out var vm) ? vm : throw new InvalidOperationException($"{target.Label}: VM {vmid} was not in its last inventory.");
            }
        }

        private Dictionary<int, string> States(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken)
            => vmids.ToDictionary(v => v, v => Call(async () =>
                VimClient.Text((await Api.RetrieveOneAsync(Vm(v), new[] { "runtime.powerState" }, cancellationToken).ConfigureAwait(false)).Values, "runtime.powerState")));

        // A method that returns a task, run to its end: null when it succeeded, else the host's reason.
        private string? RunTask(string method, ManagedObject on, CancellationToken cancellationToken, params object[] parameters) => Fault(async () =>
        {
            var started = await Api.CallAsync(method, on, cancellationToken, parameters).ConfigureAwait(false);
            var task = started.Element(VimClient.Vim + "returnval") is XElement t ? ManagedObject.From(t) : throw new VSphereApiException(Api.Name, VSphereFailure.ProtocolError, $"{Api.Name}: {method} returned no task.");
            var failed = await Api.WaitForTaskAsync(task, method, TaskTimeout, cancellationToken).ConfigureAwait(false);
            return failed == null ? null : Reason(failed);
        });

        /// <inheritdoc />
        /// <remarks>The API cannot tell whether the cluster is prepared: a node is returned either way.</remarks>
        public VsanNode? ReadVsan(bool preparedOnly, CancellationToken cancellationToken) => Call(async () =>
            VimClient.Text((await Api.RetrieveOneAsync(host, new[] { "config.vsanHostConfig.enabled" }, cancellationToken).ConfigureAwait(false)).Values, "config.vsanHostConfig.enabled") == "true"
                ? new VsanNode("", "", 0, null)
                : null);

        /// <inheritdoc />
        public string? VsanStepsUnavailable => $"VMware's vSAN cluster steps ({VsanProcedure.RebootHelper} prepare and recover) run only in a host's shell, "
            + "and this run talks to the host through its vSphere API";

        /// <inheritdoc />
        public string? SetVsanIgnoreMemberUpdates(bool ignore, CancellationToken cancellationToken) => VsanStepsUnavailable;

        /// <inheritdoc />
        public string? RunVsanHelper(string action, CancellationToken cancellationToken) => VsanStepsUnavailable;

        // A call whose fault is an answer (the VM's or host's reason), not a lost host.
        private string? Fault(Func<Task<string?>> call)
        {
            try
            {
                return Call(call);
            }
            catch (RemoteHostException e) when (e.InnerException is VSphereApiException api && (api.Failure == VSphereFailure.Fault || api.Failure == VSphereFailure.NoPermission))
            {
                return Reason(api);
            }
        }

        private void Fault(Func<Task<XElement>> call) => Fault(async () =>
        {
            await call().ConfigureAwait(false);
            return (string?)null;
        });

        private static string Reason(VSphereApiException e)
        {
            int colon = e.Message.IndexOf(" failed: ", StringComparison.Ordinal);
            return colon >= 0 ? e.Message.Substring(colon + " failed: ".Length) : e.Message;
        }

        // API failures as the run's: what kind, with the API's own error id and message.
        private T Call<T>(Func<Task<T>> call)
        {
            try
            {
                return call().GetAwaiter().GetResult();
            }
            catch (VSphereApiException e)
            {
                var failure = e.Failure switch
                {
                    VSphereFailure.HostNotFound => HostFailure.NotAnswering,
                    VSphereFailure.ConnectionRefused => HostFailure.NotAnswering,
                    VSphereFailure.Timeout => HostFailure.NotAnswering,
                    VSphereFailure.CertificateUnknown => HostFailure.Untrusted,
                    VSphereFailure.CertificateChanged => HostFailure.Untrusted,
                    VSphereFailure.LoginFailed => HostFailure.LoginRefused,
                    VSphereFailure.ProtocolError => HostFailure.Lost,
                    _ => HostFailure.Other,
                };
                string brief = e.Failure == VSphereFailure.ConnectionRefused ? "connection refused" : e.Failure == VSphereFailure.Timeout ? "timed out" : e.Message;
                throw new RemoteHostException(target.Label, failure, e.ErrorId, brief, e);
            }
        }
    }
}
