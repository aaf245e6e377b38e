using Xunit;

namespace VmBoot.SelfTest
{
    // A plain failure, run on its own by filter: the Test task must name it and its message.
    public class FailingTests
    {
        [Fact]
        public void ATestThatFails() => Assert.Equal("expected text", "actual text");
    }
}
