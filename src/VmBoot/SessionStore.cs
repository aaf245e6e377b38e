using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Threading;

namespace VmBoot.Commands
{
    /// <summary>
    /// The sessions of each runspace, kept apart so parallel runspaces never see each other's; a
    /// runspace's sessions close with it. Nothing is stored in PowerShell variables.
    /// </summary>
    internal static class SessionStore
    {
        private static readonly ConcurrentDictionary<Guid, List<EsxiSession>> ByRunspace = new ConcurrentDictionary<Guid, List<EsxiSession>>();
        private static int lastId;

        internal static int NextId() => Interlocked.Increment(ref lastId);

        internal static void Add(EsxiSession session)
        {
            var runspace = Runspace.DefaultRunspace;
            var sessions = ByRunspace.GetOrAdd(runspace.InstanceId, _ =>
            {
                runspace.StateChanged += CloseWithRunspace;
                return new List<EsxiSession>();
            });
            lock (sessions)
            {
                sessions.Add(session);
            }
        }

        internal static IReadOnlyList<EsxiSession> Current()
        {
            if (!ByRunspace.TryGetValue(Runspace.DefaultRunspace.InstanceId, out var sessions))
            {
                return new List<EsxiSession>();
            }

            lock (sessions)
            {
                return sessions.ToList();
            }
        }

        internal static void Remove(EsxiSession session)
        {
            if (ByRunspace.TryGetValue(Runspace.DefaultRunspace.InstanceId, out var sessions))
            {
                lock (sessions)
                {
                    sessions.Remove(session);
                }
            }

            session.Dispose();
        }

        private static void CloseWithRunspace(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is Runspace runspace && (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken)
                && ByRunspace.TryRemove(runspace.InstanceId, out var sessions))
            {
                foreach (var session in sessions)
                {
                    session.Dispose();
                }
            }
        }
    }
}
