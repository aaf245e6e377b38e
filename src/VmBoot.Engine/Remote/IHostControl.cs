using System;
using System.Collections.Generic;
using System.Threading;

namespace VmBoot.Remote
{
    /// <summary>
    /// What a remote run asks of one host, whatever carries it: SSH and vim-cmd today (<see cref="SshHostControl"/>).
    /// VMs are named by their Vmid. A failure to reach or keep the host is a <see cref="RemoteHostException"/>, which
    /// names the host and says what kind of failure it was, not which transport had it.
    /// </summary>
    internal interface IHostControl
    {
        /// <summary>What carries the requests, for messages: "SSH", "the vSphere API".</summary>
        string Transport { get; }

        /// <summary>How the host is powered off, for messages ("esxcli system shutdown poweroff", "ShutdownHost_Task").</summary>
        string PowerOffMethod(bool evenOutsideMaintenanceMode);

        /// <summary>Connects (or takes an open session) and returns what the host calls itself, or null when it does not say.</summary>
        string? Connect(CancellationToken cancellationToken);

        /// <summary>Ends what <see cref="Connect"/> opened (an open session given by the caller stays open).</summary>
        void Close();

        /// <summary>
        /// Null when hostd answers; else its refusal. Where lockdown mode refuses the user, switches to one hostd
        /// accepts (vpxuser over SSH, as ESXi's own autostart does) and says so in <paramref name="switchedUser"/>.
        /// </summary>
        string? HostdRefusal(CancellationToken cancellationToken, out bool switchedUser, out bool refusedEveryUser);

        /// <summary>The user hostd is asked as.</summary>
        string VimUser { get; }

        bool InMaintenanceMode(CancellationToken cancellationToken);

        /// <summary>Leaves maintenance mode; true when the host says it has.</summary>
        bool ExitMaintenanceMode(CancellationToken cancellationToken);

        /// <summary>
        /// Enters maintenance mode (every VM must be off); null when the host says it is in it, else why not. On a vSAN
        /// node whose cluster is being powered off, <paramref name="noDataMigration"/> (vSAN's noAction): the default mode
        /// would move its data to nodes that are going down too, and never finish.
        /// </summary>
        string? EnterMaintenanceMode(bool noDataMigration, CancellationToken cancellationToken);

        /// <summary>
        /// The host's vSAN node, or null outside vSAN. <paramref name="preparedOnly"/> (a boot): null too for a node whose
        /// cluster is certainly not prepared for a power-off, found without asking esxcli (on every host of every boot).
        /// </summary>
        Vsan.VsanNode? ReadVsan(bool preparedOnly, CancellationToken cancellationToken);

        /// <summary>Null when VMware's vSAN shutdown and restart steps can run on this host; else why not (the helper needs a shell).</summary>
        string? VsanStepsUnavailable { get; }

        /// <summary>Sets /VSAN/IgnoreClusterMemberListUpdates; null when the host confirms the value, else its answer.</summary>
        string? SetVsanIgnoreMemberUpdates(bool ignore, CancellationToken cancellationToken);

        /// <summary>reboot_helper.py prepare or recover on this host; null when it says it is done, else its answer.</summary>
        string? RunVsanHelper(string action, CancellationToken cancellationToken);

        /// <summary>Which of <paramref name="datastores"/> are not mounted.</summary>
        List<string> Unmounted(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken);

        /// <summary>Rescans storage (NFS, iSCSI served by VMs appear), then says which datastores are still missing.</summary>
        List<string> RescanFor(IReadOnlyCollection<string> datastores, CancellationToken cancellationToken);

        /// <summary>The host's VMs now, stamped with <paramref name="hostName"/>; problems go to <paramref name="onProblem"/>.</summary>
        List<EsxiVm> ReadInventory(string hostName, CancellationToken cancellationToken, Action<string> onProblem);

        /// <summary>
        /// The vmids the last <see cref="ReadInventory"/> found invalid to hostd and left out (a VM whose datastore is not
        /// mounted is one); empty where the transport does not say.
        /// </summary>
        IReadOnlyCollection<int> InvalidVmids { get; }

        /// <summary>The names of the volumes mounted now (their number grows as datastores mount).</summary>
        HashSet<string> Volumes(CancellationToken cancellationToken);

        /// <summary>
        /// Powers the VMs on at once, a VM already on left alone. The state of the VMs in <paramref name="knownOff"/>
        /// (off as far as this run knows) is not read first: a power.on refused because one is on after all says so.
        /// Per vmid: whether it was on, and null when it is on afterwards, else why not.
        /// </summary>
        Dictionary<int, (bool WasOn, string? Reason)> PowerOn(IReadOnlyCollection<int> vmids, IReadOnlyCollection<int> knownOff, CancellationToken cancellationToken);

        /// <summary>Each VM's power state ("Powered on", "Powered off", "Suspended"; empty when the host gave none).</summary>
        Dictionary<int, string> PowerStates(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken);

        /// <summary>Asks each running guest whose VMware Tools run to shut down, and returns at once. Per vmid: whether it was on, whether its Tools run.</summary>
        Dictionary<int, (bool WasOn, bool ToolsRunning)> RequestGuestShutdown(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken);

        /// <summary>Powers the VMs off hard, all at once. Per vmid: null when it is off afterwards, else why not.</summary>
        Dictionary<int, string?> PowerOff(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken);

        /// <summary>The vmids among <paramref name="vmids"/> whose guest heartbeat is green.</summary>
        HashSet<int> GreenHeartbeats(IReadOnlyCollection<int> vmids, CancellationToken cancellationToken);

        /// <summary>
        /// Powers the host off: after maintenance mode, or with <paramref name="evenOutsideMaintenanceMode"/> without it
        /// (running VMs go down with the host). Null when the host took the order (a connection dropped by the host
        /// going down counts), else its refusal.
        /// </summary>
        string? PowerOffHost(bool evenOutsideMaintenanceMode, string reason, CancellationToken cancellationToken);

        /// <summary>After its power-off: does the host still answer?</summary>
        bool StillAnswers(CancellationToken cancellationToken);
    }

    /// <summary>What kind of failure kept a run from a host.</summary>
    public enum HostFailure
    {
        /// <summary>Nothing answers yet (no route, nothing listening, no answer, the name not resolving): normal while a host boots.</summary>
        NotAnswering,

        /// <summary>The host is not the one trusted (unknown or changed key or certificate).</summary>
        Untrusted,

        /// <summary>The login was refused, or the credential could not be used. Never retried.</summary>
        LoginRefused,

        /// <summary>The connection dropped while working.</summary>
        Lost,

        /// <summary>Anything else (a command that hung, a protocol error while working).</summary>
        Other,
    }

    /// <summary>A host a run could not reach or keep; <see cref="Exception.InnerException"/> is the transport's own error.</summary>
    public sealed class RemoteHostException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public RemoteHostException(string server, HostFailure failure, string errorId, string brief, Exception inner)
            : base(inner.Message, inner)
        {
            Server = server;
            Failure = failure;
            ErrorId = errorId;
            Brief = brief;
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server { get; }

        /// <summary>What kind of failure.</summary>
        public HostFailure Failure { get; }

        /// <summary>The transport's PascalCase error id (SshConnectionRefused...).</summary>
        public string ErrorId { get; }

        /// <summary>A few words for a log line while waiting ("connection refused", "timed out"), else the message.</summary>
        public string Brief { get; }

        /// <summary>About the credential, key or trust, not the host being down.</summary>
        public bool IsSecurity => Failure == HostFailure.Untrusted || Failure == HostFailure.LoginRefused;
    }
}
