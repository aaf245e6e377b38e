using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using VmBoot.Inventory;

namespace VmBoot.Remote
{
    /// <summary>Where a host is in a remote run.</summary>
    internal enum RemoteHostState
    {
        /// <summary>Not answering yet (SSH, or the vSphere API).</summary>
        WaitingForAnswer,

        /// <summary>It answers; hostd does not yet.</summary>
        WaitingForHostd,

        /// <summary>hostd answers; the host is a node of a vSAN cluster prepared for a power-off, which is recovered once every node is here.</summary>
        WaitingForVsan,

        /// <summary>hostd answers; the plan's datastores are not all mounted yet.</summary>
        WaitingForDatastores,

        /// <summary>Its VMs can be started.</summary>
        Ready,

        /// <summary>Reachable, but nothing may be started there (maintenance mode kept, hostd refusing every user).</summary>
        Blocked,

        /// <summary>Unreachable or lost: the run goes on without it.</summary>
        Failed,
    }

    /// <summary>One host of a remote run: where it is in the run, and <see cref="Control"/>, which carries the run's requests to it.</summary>
    internal sealed class RemoteHost
    {
        internal RemoteHost(RemoteTarget target)
        {
            Target = target;
            Name = target.Label;
            Control = target.CreateControl();
        }

        internal RemoteTarget Target { get; }

        /// <summary>The host's own name once it answers (what the on-host script logs), else the user's name for it.</summary>
        internal string Name { get; private set; }

        internal RemoteHostState State { get; set; } = RemoteHostState.WaitingForAnswer;

        /// <summary>The requests the run makes of this host, over SSH or through its vSphere API.</summary>
        internal IHostControl Control { get; }

        /// <summary>Why the last connection attempt failed (for the message when the host never answers).</summary>
        internal string? LastRefusal { get; set; }

        /// <summary>When it first answered.</summary>
        internal DateTime Answered { get; set; }

        /// <summary>hostd and datastores are waited for until then.</summary>
        internal DateTime ReadyBy { get; set; }

        /// <summary>Its vSAN node, when it is one (read once the host answers, unless the plan says vsan: false).</summary>
        internal Vsan.VsanNode? Vsan { get; set; }

        /// <summary>Datastores still to be mounted.</summary>
        internal List<string> MissingDatastores { get; set; } = new List<string>();

        /// <summary>
        /// This run saw the host come up (it did not answer, hostd did not, or a datastore was not mounted): a VM hostd
        /// lists as invalid may be one whose datastore is still to be mounted, and is waited for.
        /// </summary>
        internal bool SawBoot { get; set; }

        /// <summary>Datastores this run saw unmounted: a VM on one could not be running then.</summary>
        internal HashSet<string> SeenUnmounted { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>VMs this run saw invalid to hostd: not running then either.</summary>
        internal HashSet<int> SeenInvalid { get; } = new HashSet<int>();

        /// <summary>The volumes mounted when the inventory was last read on a host this run saw come up.</summary>
        internal HashSet<string>? VolumesAtRead { get; private set; }

        internal bool IsUsable => State == RemoteHostState.Ready || State == RemoteHostState.Blocked;

        /// <summary>Connects and takes the host's own name (the user's name for it when it gives none).</summary>
        internal void Connect(CancellationToken cancellationToken) => Name = Control.Connect(cancellationToken) ?? Target.Label;

        /// <summary>
        /// Connects (see <see cref="Connect"/>); a host that does not let the run in is closed again and its failure
        /// returned, its brief kept as <see cref="LastRefusal"/>. What to make of the failure is the caller's.
        /// </summary>
        internal RemoteHostException? TryConnect(CancellationToken cancellationToken)
        {
            try
            {
                Connect(cancellationToken);
                return null;
            }
            catch (RemoteHostException e)
            {
                Close();
                LastRefusal = e.Brief;
                return e;
            }
        }

        internal void UseLabelAsName() => Name = Target.Label;

        /// <summary>Closes what the run opened.</summary>
        internal void Close() => Control.Close();

        /// <summary>The host's VMs now, stamped with its name (on a host this run saw come up, the volumes mounted first).</summary>
        internal List<EsxiVm> ReadInventory(CancellationToken cancellationToken, Action<string> onProblem)
        {
            VolumesAtRead = SawBoot ? Control.Volumes(cancellationToken) : null;
            var vms = Control.ReadInventory(Name, cancellationToken, onProblem);
            SeenInvalid.UnionWith(Control.InvalidVmids);
            return vms;
        }

        /// <summary>Of <paramref name="vms"/>, those this run knows were off at some moment: no need to read their state before a power-on.</summary>
        internal List<int> KnownOff(IEnumerable<EsxiVm> vms) => vms.Where(v => SeenInvalid.Contains(v.Vmid) || SeenUnmounted.Contains(v.Datastore)).Select(v => v.Vmid).ToList();
    }
}
