using System;
using System.Threading;
using System.Threading.Tasks;

namespace VmBoot.Remote
{
    /// <summary>
    /// The time a remote run goes by: every deadline, pause and timestamp of <see cref="RemoteBootRunner"/> comes
    /// from here, so a simulated cluster can run it in virtual time.
    /// </summary>
    public interface IBootClock
    {
        /// <summary>Now, in UTC.</summary>
        DateTime UtcNow { get; }

        /// <summary>Waits <paramref name="delay"/> (or until cancelled).</summary>
        Task Delay(TimeSpan delay, CancellationToken cancellationToken);
    }

    /// <summary>The machine's clock.</summary>
    public sealed class SystemBootClock : IBootClock
    {
        /// <summary>The one instance.</summary>
        public static readonly SystemBootClock Instance = new SystemBootClock();

        private SystemBootClock()
        {
        }

        /// <inheritdoc />
        public DateTime UtcNow => DateTime.UtcNow;

        /// <inheritdoc />
        public Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);
    }
}
