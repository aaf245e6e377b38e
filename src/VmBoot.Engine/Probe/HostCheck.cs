using System.Collections.Generic;
using System.Linq;

// What Test-EsxiHost writes: output types live in the root namespace (VmBoot.<Name>).
namespace VmBoot
{
    /// <summary>How a host meets one of VmBoot's assumptions.</summary>
    public enum CheckResult
    {
        /// <summary>As VmBoot expects.</summary>
        Pass,

        /// <summary>VmBoot works, with a consequence the user should know.</summary>
        Warn,

        /// <summary>Something VmBoot does will not work on this host.</summary>
        Fail,
    }

    /// <summary>One assumption checked on one host: what VmBoot expects, what the host showed, and what it means.</summary>
    public sealed class HostCheck
    {
        /// <summary>Creates a check's row.</summary>
        public HostCheck(string name, string expected, string observed, CheckResult result, string meaning)
        {
            Name = name;
            Expected = expected;
            Observed = observed;
            Result = result;
            Meaning = meaning;
        }

        /// <summary>The host it was checked on.</summary>
        public string Server { get; internal set; } = "";

        /// <summary>Short and stable: version, commands, getallvms, ...</summary>
        public string Name { get; }

        /// <summary>What VmBoot expects, as esxi-facts.md says it.</summary>
        public string Expected { get; }

        /// <summary>What the host showed.</summary>
        public string Observed { get; }

        /// <summary>Pass, Warn or Fail.</summary>
        public CheckResult Result { get; }

        /// <summary>What it means for the user.</summary>
        public string Meaning { get; }
    }

    /// <summary>Every check on one host.</summary>
    public sealed class HostProbeResult
    {
        /// <summary>Creates the result.</summary>
        public HostProbeResult(string server, string esxiVersion, string profile, IEnumerable<HostCheck> checks)
        {
            Server = server;
            EsxiVersion = esxiVersion;
            Profile = profile;
            Checks = checks.ToList();
            foreach (var check in Checks)
            {
                check.Server = server;
            }
        }

        /// <summary>The host, as the user named it.</summary>
        public string Server { get; }

        /// <summary>What <c>vmware -v</c> printed.</summary>
        public string EsxiVersion { get; }

        /// <summary>The ESXi release VmBoot treats the host as (6.7, 7.0, 8.0; 9.0 and later as 8.0).</summary>
        public string Profile { get; }

        /// <summary>One row per check, in the order they were made.</summary>
        public IReadOnlyList<HostCheck> Checks { get; }

        /// <summary>No check failed (warnings allowed).</summary>
        public bool Passed => Checks.All(c => c.Result != CheckResult.Fail);

        /// <summary>How many checks failed.</summary>
        public int Failed => Checks.Count(c => c.Result == CheckResult.Fail);

        /// <summary>How many checks warned.</summary>
        public int Warned => Checks.Count(c => c.Result == CheckResult.Warn);
    }
}
