using System.Collections.Generic;
using System.Linq;
using VmBoot.Plans;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// Each selector against a hand-written inventory with hostile names, and the expected selection written out by
    /// hand: a selector deleted from the resolver fails here, not only in a round trip.
    /// </summary>
    public class BootPlanResolverTests
    {
        private static readonly List<EsxiVm> Inventory = new List<EsxiVm>
        {
            Vm(1, "vcsa01", "shared ds", "vcsa01/vcsa01.vmx"),
            Vm(2, "dc01 (primary)", "shared ds", "dc01/dc01.vmx", "vmboot: stage=infra"),
            Vm(3, "db 'prod' $(reboot)", "nfs [01]", "db/db.vmx"),
            Vm(4, "web*01", "nfs [01]", "web01/web01.vmx", "owner: web team\nvmboot: stage=apps"),
            Vm(5, "web02", "local-esx01", "web02/web02.vmx"),
            Vm(6, "test-old", "local-esx01", "test-old/test-old.vmx"),
            Vm(7, "vCLS-5c1d0ee2-3b3b-4b1e-9c11-8a1b2c3d4e5f", "", "/var/run/crx/infra/vCLS-5c1d0ee2/vCLS-5c1d0ee2.vmx", guest: "crxSys1Guest", vcls: true),
        };

        [Fact]
        public void NameMatchIsACaseInsensitiveRegularExpression()
            => Assert.Equal(new[] { "dc01 (primary)", "db 'prod' $(reboot)" }, Selected(new VmSelector { NameMatch = { @"^D[bc]\d*\s" } }));

        [Fact]
        public void NameLikeTakesBacktickEscapesAsPowerShellDoes()
        {
            Assert.Equal(new[] { "web*01" }, Selected(new VmSelector { NameLike = { "web`*01" } }));
            Assert.Equal(new[] { "web*01", "web02" }, Selected(new VmSelector { NameLike = { "WEB*" } }));
        }

        [Fact]
        public void NamesAreExactAndCaseSensitive()
            => Assert.Equal(new[] { "db 'prod' $(reboot)" }, Selected(new VmSelector { Names = { "db 'prod' $(reboot)", "VCSA01", "dc01" } }));

        [Fact]
        public void DatastoresMatchTheWholeNameWithBrackets()
            => Assert.Equal(new[] { "db 'prod' $(reboot)", "web*01" }, Selected(new VmSelector { Datastores = { "nfs [01]", "nfs" } }));

        [Fact]
        public void VmxPathsMatchRelativeOrAsTheFileColumn()
            => Assert.Equal(new[] { "dc01 (primary)", "web02" }, Selected(new VmSelector { VmxPaths = { "web02/web02.vmx", "[shared ds] dc01/dc01.vmx", "[nfs [01]] web01" } }));

        [Fact]
        public void TagsComeFromNotesLinesInAnyCase()
            => Assert.Equal(new[] { "web*01" }, Selected(new VmSelector { Tags = { "APPS" } }));

        [Fact]
        public void AStageExcludeLeavesItsVmsToLaterStages()
        {
            var plan = Plan(
                new BootStage { Name = "shared", Select = { Datastores = { "shared ds", "nfs [01]" } }, Exclude = { NameMatch = { "^db" }, VmxPaths = { "vcsa01/vcsa01.vmx" } } },
                new BootStage { Name = "rest", Select = { All = true } });
            var resolution = BootPlanResolver.Resolve(plan, Inventory);
            Assert.Equal(new[] { "dc01 (primary)", "web*01" }, Stage(resolution, 1));
            Assert.Equal(new[] { "vcsa01", "db 'prod' $(reboot)", "web02", "test-old" }, Stage(resolution, 2));
        }

        [Fact]
        public void ThePlanExcludeIsNeverStartedNorUnplanned()
        {
            var plan = Plan(new BootStage { Name = "all", Select = { All = true } });
            plan.Exclude.NameLike.Add("test-*");
            plan.Exclude.VmxPaths.Add("[local-esx01] web02/web02.vmx");
            var resolution = BootPlanResolver.Resolve(plan, Inventory);
            Assert.Equal(new[] { "vcsa01", "dc01 (primary)", "db 'prod' $(reboot)", "web*01" }, Stage(resolution, 1));
            Assert.Empty(resolution.Unplanned);
        }

        [Fact]
        public void ANameThatMatchesNothingIsWarnedWithTheNearestNames()
        {
            var plan = Plan(new BootStage { Name = "infra", Select = { Names = { "vcsa01", "dc01" } } }, new BootStage { Name = "rest", Select = { All = true } });
            var warnings = BootPlanResolver.Resolve(plan, Inventory).Warnings;
            Assert.Equal(new[] { "Stage 'infra' lists names 'dc01', which matches no VM of the inventory; did you mean 'dc01 (primary)'?" }, warnings);
        }

        [Fact]
        public void ATypoIsWarnedForEveryKindOfSelector()
        {
            var plan = Plan(
                new BootStage { Name = "first", Select = { Names = { "vcsa-01" }, NameLike = { "wbe*" }, Datastores = { "shared-ds" }, Tags = { "infr" } } },
                new BootStage { Name = "rest", Select = { All = true }, Exclude = { VmxPaths = { "nope/nope.vmx" } } });
            plan.Exclude.NameMatch.Add("^zz");
            var warnings = BootPlanResolver.Resolve(plan, Inventory).Warnings;
            Assert.Contains("The plan's exclude lists nameMatch '^zz', which matches no VM of the inventory", warnings);
            Assert.Contains("Stage 'first' lists names 'vcsa-01', which matches no VM of the inventory; did you mean 'vcsa01'?", warnings);
            Assert.Contains(warnings, w => w.StartsWith("Stage 'first' lists nameLike 'wbe*'", System.StringComparison.Ordinal));
            Assert.Contains("Stage 'first' lists datastores 'shared-ds', which matches no VM of the inventory; did you mean 'shared ds'?", warnings);
            Assert.Contains("Stage 'first' lists tags 'infr', which matches no VM of the inventory; did you mean 'infra'?", warnings);
            Assert.Contains("Stage 'rest''s exclude lists vmxPaths 'nope/nope.vmx', which matches no VM of the inventory", warnings);
            // 'vcsa-01' matched nothing, so the catch-all took vcsa01: no VM is left unplanned.
            Assert.DoesNotContain(warnings, w => w.Contains("never start"));
        }

        [Fact]
        public void VmsNoStageCoversAreNamedAsNeverStarted()
        {
            var plan = Plan(new BootStage { Name = "infra", Select = { Names = { "vcsa01", "dc01 (primary)" } } });
            var resolution = BootPlanResolver.Resolve(plan, Inventory);
            Assert.Equal(new[] { "db 'prod' $(reboot)", "web*01", "web02", "test-old" }, resolution.Unplanned.Select(v => v.Name));
            Assert.Equal(
                "4 VM(s) are in no stage and no exclude, so this plan will never start them: 'db 'prod' $(reboot)' on esx01, 'web*01' on esx01, 'web02' on esx01, 'test-old' on esx01. "
                + "Add a last stage with 'all: true' to start the rest, or list them under 'exclude'.",
                Assert.Single(resolution.Warnings));
        }

        [Fact]
        public void AnEmptyInventoryWarnsOfNoTypos()
            => Assert.Empty(BootPlanResolver.Resolve(Plan(new BootStage { Name = "infra", Select = { Names = { "vcsa01" } } }), new List<EsxiVm>()).Warnings);

        private static List<string> Selected(VmSelector selector)
            => Stage(BootPlanResolver.Resolve(Plan(new BootStage { Name = "only", Select = selector }), Inventory), 1);

        private static List<string> Stage(PlanResolution resolution, int stage)
            => resolution.Items.Where(i => i.Stage == stage).Select(i => i.Name).ToList();

        private static BootPlan Plan(params BootStage[] stages) => new BootPlan { Stages = stages.ToList() };

        private static EsxiVm Vm(int vmid, string name, string datastore, string path, string notes = "", string guest = "otherGuest64", bool vcls = false) => new EsxiVm
        {
            Vmid = vmid,
            Name = name,
            Datastore = datastore,
            VmxPath = path,
            File = $"[{datastore}] {path}",
            GuestId = guest,
            HardwareVersion = "vmx-19",
            Notes = notes,
            IsVcls = vcls,
            Server = "esx01",
        };
    }
}
