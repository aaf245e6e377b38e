using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace VmBoot.Commands
{
    /// <summary>
    /// The sessions of each runspace, kept apart so parallel runspaces never see each other's; a
    /// runspace's sessions close with it.
    /// </summary>
    internal static class SessionStore
    {
        private static readonly PerRunspace<List<EsxiSession>> ByRunspace = new PerRunspace<List<EsxiSession>>(sessions => sessions.ForEach(s => s.Dispose()));
        private static int lastId;

        internal static int NextId() => Interlocked.Increment(ref lastId);

        internal static void Add(EsxiSession session)
        {
            var sessions = ByRunspace.GetOrAdd(() => new List<EsxiSession>());
            lock (sessions)
            {
                sessions.Add(session);
            }
        }

        internal static IReadOnlyList<EsxiSession> Current()
        {
            var sessions = ByRunspace.Current;
            if (sessions == null)
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
            var sessions = ByRunspace.Current;
            if (sessions != null)
            {
                lock (sessions)
                {
                    sessions.Remove(session);
                }
            }

            session.Dispose();
        }
    }
}
