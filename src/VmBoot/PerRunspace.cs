using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace VmBoot.Commands
{
    /// <summary>
    /// A value per runspace, never shared with another (ForEach-Object -Parallel, jobs), dropped when its
    /// runspace closes. Nothing is kept in PowerShell variables.
    /// </summary>
    internal sealed class PerRunspace<T>
        where T : class
    {
        private readonly ConcurrentDictionary<Guid, T> values = new ConcurrentDictionary<Guid, T>();
        private readonly Action<T>? onClosed;

        /// <param name="onClosed">Called with a runspace's value when that runspace closes.</param>
        internal PerRunspace(Action<T>? onClosed = null) => this.onClosed = onClosed;

        /// <summary>This runspace's value, or null.</summary>
        internal T? Current => Runspace.DefaultRunspace is Runspace runspace && values.TryGetValue(runspace.InstanceId, out var value) ? value : null;

        /// <summary>This runspace's value, created on first use.</summary>
        internal T GetOrAdd(Func<T> create)
        {
            var runspace = Runspace.DefaultRunspace;
            return values.GetOrAdd(runspace.InstanceId, _ =>
            {
                runspace.StateChanged += Closed;
                return create();
            });
        }

        /// <summary>Replaces this runspace's value (ignored outside a runspace).</summary>
        internal void Set(T value)
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null)
            {
                return;
            }

            if (values.TryAdd(runspace.InstanceId, value))
            {
                runspace.StateChanged += Closed;
            }
            else
            {
                values[runspace.InstanceId] = value;
            }
        }

        private void Closed(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is Runspace runspace && (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken)
                && values.TryRemove(runspace.InstanceId, out var value))
            {
                onClosed?.Invoke(value);
            }
        }
    }
}
