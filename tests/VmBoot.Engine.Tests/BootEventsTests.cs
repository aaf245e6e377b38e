using System.Linq;
using System.Text.RegularExpressions;
using VmBoot.BootLog;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>The event catalogue is the one list: the boot script writes exactly its on-host events, and nothing else.</summary>
    public class BootEventsTests
    {
        [Fact]
        public void TheBootScriptWritesExactlyTheCataloguedOnHostEvents()
        {
            // A plan with every gate, so the generator writes every line of its own.
            var plan = new BootPlan
            {
                Log = { Datastore = "shared" },
                Stages =
                {
                    new BootStage { Name = "vcenter", Select = { Names = { "vcsa" } }, After = { Delay = 10, Heartbeat = true, TcpHost = "vcsa.lab", TcpPort = 443, RescanDatastores = { "nfs" } } },
                    new BootStage { Name = "rest", Select = { All = true } },
                },
            };
            var inventory = new[] { new EsxiVm { Vmid = 1, Name = "vcsa", Datastore = "shared", VmxPath = "vcsa/vcsa.vmx", File = "[shared] vcsa/vcsa.vmx", Server = "esx01" } };
            string script = BootScriptGenerator.Create(plan, inventory, null, "test").Content + BootFunctions.Resource("boot-functions.sh");
            var written = Regex.Matches(script, @"\bvmboot_log ([a-z][a-z-]*)").Select(m => m.Groups[1].Value).Distinct().OrderBy(n => n, System.StringComparer.Ordinal);
            var catalogued = BootEvents.All.Where(k => k.Writers.HasFlag(BootEventWriters.OnHostScript)).Select(k => k.Name).OrderBy(n => n, System.StringComparer.Ordinal);
            Assert.Equal(catalogued, written);
        }

        [Fact]
        public void TheAboutTopicNamesEveryEvent()
        {
            string topic = System.IO.File.ReadAllText(System.IO.Path.Combine(Repository.Root(), "en-US", "about_VmBoot_BootPlan.help.txt"));
            string log = topic.Substring(topic.IndexOf("  THE LOG", System.StringComparison.Ordinal));
            Assert.All(BootEvents.Names, name => Assert.Matches(@"(?<![a-z-])" + Regex.Escape(name) + @"(?![a-z-])", log));
        }

        [Fact]
        public void EveryNameIsCataloguedOnceWithWhatItTells()
        {
            var constants = typeof(BootEvents).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).OrderBy(n => n, System.StringComparer.Ordinal);
            Assert.Equal(constants, BootEvents.All.Select(k => k.Name).OrderBy(n => n, System.StringComparer.Ordinal));
            Assert.Equal(BootEvents.All.Count, BootEvents.Names.Count);
            Assert.All(BootEvents.All, k => Assert.True(k.Tells.Length > 10 && k.Fields.Length > 0 && k.Writers != 0, k.Name));
        }
    }
}
