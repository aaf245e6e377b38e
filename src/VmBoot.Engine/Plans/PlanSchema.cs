using System.Globalization;

namespace VmBoot.Plans
{
    /// <summary>
    /// The plan's numbers: keys, range and the words of every complaint, in one place. The validator checks every
    /// plan against it (read from YAML or built by New-BootPlan), the YAML reader and New-BootPlan only turn text
    /// into numbers, so the same bad value gets the same complaint whichever way it comes in, naming the key as
    /// the user wrote it (<see cref="PlanWords"/>). Defaults are the model's own (<see cref="BootPlan"/>).
    /// </summary>
    public static class PlanSchema
    {
        /// <summary>readiness.minimumDelay, seconds.</summary>
        public static readonly PlanNumber MinimumDelay = new PlanNumber("readiness.minimumDelay", "-MinimumDelay", 0, 86400);

        /// <summary>readiness.timeout, seconds.</summary>
        public static readonly PlanNumber ReadinessTimeout = new PlanNumber("readiness.timeout", "-ReadinessTimeout", 0, 86400);

        /// <summary>powerOn.retries.</summary>
        public static readonly PlanNumber Retries = new PlanNumber("powerOn.retries", "-Retries", 0, 100);

        /// <summary>powerOn.retryDelay, seconds.</summary>
        public static readonly PlanNumber RetryDelay = new PlanNumber("powerOn.retryDelay", "-RetryDelay", 0, 3600);

        /// <summary>A stage's pause, seconds.</summary>
        public static readonly PlanNumber Pause = new PlanNumber("pause", "Pause", 0, 3600);

        /// <summary>A stage's parallel: power-ons at once on one host.</summary>
        public static readonly PlanNumber Parallel = new PlanNumber("parallel", "Parallel", 1, 64);

        /// <summary>A stage's shutdownTimeout, seconds: how long its guests get to shut down before a hard power-off.</summary>
        public static readonly PlanNumber ShutdownTimeout = new PlanNumber("shutdownTimeout", "ShutdownTimeout", 1, 86400);

        /// <summary>A stage's after.delay, seconds.</summary>
        public static readonly PlanNumber Delay = new PlanNumber("after.delay", "Delay", 0, 86400);

        /// <summary>A stage's after.heartbeat.timeout, seconds.</summary>
        public static readonly PlanNumber HeartbeatTimeout = new PlanNumber("after.heartbeat.timeout", "Heartbeat", 1, 86400);

        /// <summary>A stage's after.tcp.port.</summary>
        public static readonly PlanNumber TcpPort = new PlanNumber("after.tcp.port", "TcpPort", 1, 65535);

        /// <summary>A stage's after.tcp.timeout, seconds.</summary>
        public static readonly PlanNumber TcpTimeout = new PlanNumber("after.tcp.timeout", "TcpTimeout", 1, 86400);

        /// <summary>A stage's after.rescan.timeout, seconds.</summary>
        public static readonly PlanNumber RescanTimeout = new PlanNumber("after.rescan.timeout", "RescanTimeout", 1, 86400);

        /// <summary>What messages about stage <paramref name="index"/> (0-based) start with.</summary>
        public static string Stage(int index) => $"stage {(index + 1).ToString(CultureInfo.InvariantCulture)}: ";
    }

    /// <summary>Whose words a plan's complaints use: those of the YAML file, or those of New-BootPlan in PowerShell.</summary>
    public enum PlanWords
    {
        /// <summary>YAML keys (<c>after.tcp.port</c>, <c>all: true</c>).</summary>
        Yaml,

        /// <summary>New-BootPlan's parameters and stage hashtable keys (<c>-Retries</c>, <c>TcpPort</c>, <c>All = $true</c>).</summary>
        PowerShell,
    }

    /// <summary>A whole number of the plan: its key as YAML and as New-BootPlan name it, and its range.</summary>
    public sealed class PlanNumber
    {
        internal PlanNumber(string key, string powerShellKey, int min, int max)
        {
            Key = key;
            PowerShellKey = powerShellKey;
            Min = min;
            Max = max;
        }

        /// <summary>The YAML key, dotted from the plan or the stage.</summary>
        public string Key { get; }

        /// <summary>New-BootPlan's parameter (<c>-Retries</c>) or stage hashtable key (<c>TcpPort</c>).</summary>
        public string PowerShellKey { get; }

        /// <summary>The smallest allowed value.</summary>
        public int Min { get; }

        /// <summary>The largest allowed value.</summary>
        public int Max { get; }

        /// <summary>The complaint about text that is no whole number.</summary>
        public string NotANumber(string where, string text, PlanWords words = PlanWords.Yaml) => $"{where}{KeyIn(words)}: expected a whole number, not '{text}'";

        /// <summary>The complaint about <paramref name="value"/>, or null when it is in range.</summary>
        public string? Check(string where, int value, PlanWords words = PlanWords.Yaml) => value < Min || value > Max
            ? $"{where}{KeyIn(words)} is {value.ToString(CultureInfo.InvariantCulture)}, out of range ({Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)})"
            : null;

        private string KeyIn(PlanWords words) => words == PlanWords.PowerShell ? PowerShellKey : Key;
    }
}
