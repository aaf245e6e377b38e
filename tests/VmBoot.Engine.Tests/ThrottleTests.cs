using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VmBoot.Plans;
using VmBoot.Remote;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>The remote runners' -ThrottleLimit: how many hosts are worked on at once (it used to be accepted and ignored).</summary>
    public class ThrottleTests
    {
        // Six hosts' work. Each waits until as many as the limit run together (so reaching it is proven), then keeps its
        // slot a moment longer, which a throttle that let more in would show as more at once.
        private static async Task<int> MostAtOnce(int limit)
        {
            // Enough pool threads that the pool's own pace cannot hide a throttle that lets too many in.
            ThreadPool.GetMinThreads(out int workers, out int ports);
            ThreadPool.SetMinThreads(Math.Max(workers, 16), ports);
            int now = 0, most = 0;
            using var full = new CountdownEvent(limit);
            await Throttle.RunAsync(Enumerable.Range(1, 6), limit, _ =>
            {
                InterlockedMax(ref most, Interlocked.Increment(ref now));
                lock (full)
                {
                    if (!full.IsSet)
                    {
                        full.Signal();
                    }
                }

                Assert.True(full.Wait(TimeSpan.FromSeconds(30)), "the limit was never reached");
                Thread.Sleep(50);
                Interlocked.Decrement(ref now);
            });
            return most;
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public async Task NoMoreHostsAtOnceThanTheLimitAndThatManyWhenThereIsWork(int limit)
        {
            Assert.Equal(limit, await MostAtOnce(limit));
        }

        [Fact]
        public void ALimitBelowOneIsRefusedByBothRunners()
        {
            var plan = new BootPlan { Stages = { new BootStage { Name = "all", Select = new VmSelector { All = true } } } };
            Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteBootRunner(plan, Array.Empty<RemoteTarget>(), new RemoteBootOptions { ThrottleLimit = 0 }, SystemBootClock.Instance, new RemoteRunReporter()));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteShutdownRunner(plan, Array.Empty<RemoteTarget>(), new RemoteShutdownOptions { ThrottleLimit = 0 }, SystemBootClock.Instance, new RemoteRunReporter()));
        }
    }
}
