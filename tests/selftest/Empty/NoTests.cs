namespace VmBoot.SelfTest
{
    // A test project in which xunit discovers nothing.
    public class NoTests
    {
    }
}
