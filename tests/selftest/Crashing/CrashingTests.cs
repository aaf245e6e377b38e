using System;
using Xunit;

namespace VmBoot.SelfTest
{
    // One test passes, then the test host dies: the TRX file holds a pass and nothing else (FailingTests is
    // filtered out where this class runs).
    public class CrashingTests
    {
        [Fact]
        public void APassingTestRunsFirst() => Assert.True(true);

        [Fact]
        public void ZTheTestHostDies() => Environment.FailFast("a deliberate crash of the test host");
    }
}
