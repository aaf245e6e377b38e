using System.Globalization;

namespace VmBoot.Plans
{
    /// <summary>
    /// The plan's numbers: key, range and the words of every complaint, in one place. The validator checks every
    /// plan against it (read from YAML or built by New-BootPlan), the YAML reader and New-BootPlan only turn text
    /// into numbers, so the same bad value gets the same message whichever way it comes in. Defaults are the
    /// model's own (<see cref="BootPlan"/>).
    /// </summary>
    public static class PlanSchema
    {
        /// <summary>readiness.minimumDelay, seconds.</summary>
        public static readonly PlanNumber MinimumDelay = new PlanNumber("readiness.minimumDelay", 0, 86400);

        /// <summary>readiness.timeout, seconds.</summary>
        public static readonly PlanNumber ReadinessTimeout = new PlanNumber("readiness.timeout", 0, 86400);

        /// <summary>powerOn.retries.</summary>
        public static readonly PlanNumber Retries = new PlanNumber("powerOn.retries", 0, 100);

        /// <summary>powerOn.retryDelay, seconds.</summary>
        public static readonly PlanNumber RetryDelay = new PlanNumber("powerOn.retryDelay", 0, 3600);

        /// <summary>A stage's pause, seconds.</summary>
        public static readonly PlanNumber Pause = new PlanNumber("pause", 0, 3600);

        /// <summary>A stage's parallel: power-ons at once on one host.</summary>
        public static readonly PlanNumber Parallel = new PlanNumber("parallel", 1, 64);

        /// <summary>A stage's shutdownTimeout, seconds: how long its guests get to shut down before a hard power-off.</summary>
        public static readonly PlanNumber ShutdownTimeout = new PlanNumber("shutdownTimeout", 1, 86400);

        /// <summary>A stage's after.delay, seconds.</summary>
        public static readonly PlanNumber Delay = new PlanNumber("after.delay", 0, 86400);

        /// <summary>A stage's after.heartbeat.timeout, seconds.</summary>
        public static readonly PlanNumber HeartbeatTimeout = new PlanNumber("after.heartbeat.timeout", 1, 86400);

        /// <summary>A stage's after.tcp.port.</summary>
        public static readonly PlanNumber TcpPort = new PlanNumber("after.tcp.port", 1, 65535);

        /// <summary>A stage's after.tcp.timeout, seconds.</summary>
        public static readonly PlanNumber TcpTimeout = new PlanNumber("after.tcp.timeout", 1, 86400);

        /// <summary>A stage's after.rescan.timeout, seconds.</summary>
        public static readonly PlanNumber RescanTimeout = new PlanNumber("after.rescan.timeout", 1, 86400);

        /// <summary>What messages about stage <paramref name="index"/> (0-based) start with.</summary>
        public static string Stage(int index) => $"stage {(index + 1).ToString(CultureInfo.InvariantCulture)}: ";
    }

    /// <summary>A whole number of the plan: its key (as YAML names it) and range.</summary>
    public sealed class PlanNumber
    {
        internal PlanNumber(string key, int min, int max)
        {
            Key = key;
            Min = min;
            Max = max;
        }

        /// <summary>The YAML key, dotted from the plan or the stage.</summary>
        public string Key { get; }

        /// <summary>The smallest allowed value.</summary>
        public int Min { get; }

        /// <summary>The largest allowed value.</summary>
        public int Max { get; }

        /// <summary>The complaint about text that is no whole number.</summary>
        public string NotANumber(string where, string text) => $"{where}{Key}: expected a whole number, not '{text}'";

        /// <summary>The complaint about <paramref name="value"/>, or null when it is in range.</summary>
        public string? Check(string where, int value) => value < Min || value > Max
            ? $"{where}{Key} is {value.ToString(CultureInfo.InvariantCulture)}, out of range ({Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)})"
            : null;
    }
}
