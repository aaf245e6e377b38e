using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using VmBoot.Ssh;

namespace VmBoot.Install
{
    /// <summary>
    /// Decides whether the next boot restores the running local.sh, from evidence that holds on every ESXi
    /// version. Before 7.0 U2 the saved copy in state.tgz's local.tgz is compared. From 7.0 U2 the saved state is
    /// sealed (local.tgz.ve) and cannot be read from outside, so the evidence is what makes auto-backup.sh save
    /// the file: the sticky bit, the .#local.sh marker ESXi sets on an in-place change, and a save since the last
    /// change (or, right after a save, a second auto-backup.sh run that finds nothing left).
    /// </summary>
    public static class PersistenceCheck
    {
        // One round trip: mode, change time, marker, the boot bank the next boot uses, its save time and members
        // (joined by awk: ESXi 6.7 has no tr).
        private const string Facts =
            "f=/etc/rc.local.d/local.sh; stat -c '%a %Y' \"$f\" 2>/dev/null || echo 'none 0'; "
            + "if [ -f /etc/rc.local.d/.#local.sh ]; then echo marker; else echo no-marker; fi; "
            + "bank=/bootbank; if [ -f /var/run/update_altbootbank ] && [ -f /altbootbank/state.tgz ]; then bank=/altbootbank; fi; echo \"$bank\"; "
            + "stat -c %Y \"$bank/state.tgz\" 2>/dev/null || echo none; tar tzf \"$bank/state.tgz\" 2>/dev/null | awk '{ printf \"%s \", $0 }'; echo";

        /// <summary>Whether <paramref name="live"/>, the running local.sh, survives a reboot, and why.</summary>
        /// <param name="connection">The host.</param>
        /// <param name="live">The running local.sh.</param>
        /// <param name="secondRun">auto-backup.sh's output right after a save (install), or null (a read-only check).</param>
        /// <param name="cancellationToken">Stops the check.</param>
        public static (bool Persisted, string Evidence) Check(EsxiConnection connection, string live, AutoBackupReport? secondRun, CancellationToken cancellationToken)
            => Check(command => connection.Run(command, cancellationToken), live, secondRun);

        /// <summary>The same through any way to ask the host (the probe records each answer).</summary>
        public static (bool Persisted, string Evidence) Check(Func<string, EsxiCommandResult> ask, string live, AutoBackupReport? secondRun)
        {
            var lines = ask(Facts).Output.Split('\n');
            if (lines.Length < 5)
            {
                return (false, "the host did not answer the persistence check");
            }

            var modeAndTime = lines[0].Split(' ');
            string mode = modeAndTime[0];
            long changed = long.TryParse(modeAndTime.ElementAtOrDefault(1), NumberStyles.None, CultureInfo.InvariantCulture, out long c) ? c : 0;
            bool marker = lines[1] == "marker";
            string bank = lines[2];
            string where = bank == "/altbootbank" ? "/altbootbank/state.tgz (a live VIB install is pending: the next boot uses /altbootbank)" : $"{bank}/state.tgz";
            var members = lines[4].Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (lines[3] == "none")
            {
                return (false, $"{bank}/state.tgz does not exist: nothing has been saved; run /sbin/auto-backup.sh");
            }

            if (members.Contains("local.tgz"))
            {
                string saved = ask($"tar xzf {bank}/state.tgz -O local.tgz 2>/dev/null | tar xzf - -O etc/rc.local.d/local.sh 2>/dev/null").Output;
                bool same = BootScriptInstaller.Sha256(saved) == BootScriptInstaller.Sha256(live);
                string marking = mode.Length == 4 && marker ? "" : $"; but local.sh {(mode.Length == 4 ? "has no .#local.sh marker" : $"has mode {mode}, without the sticky bit")}, so later changes may not be saved";
                return same
                    ? (true, $"the local.sh saved in {where} is the running one{marking}")
                    : (false, $"{where} holds {(saved.Length == 0 ? "no local.sh" : "another local.sh")}: the next boot restores that; run /sbin/auto-backup.sh or install with -Force");
            }

            string sealedState = members.Contains("local.tgz.ve") ? "sealed state (local.tgz.ve, 7.0 U2 and later)" : $"unreadable state ({string.Join(", ", members)})";
            if (mode == "none")
            {
                return (false, "there is no local.sh");
            }

            if (mode.Length != 4 || !"1357".Contains(mode[0]))
            {
                return (false, $"{sealedState}: local.sh has mode {mode}, without the sticky bit: it was replaced by a new file, which auto-backup.sh may never save; install with -Force to write it in place");
            }

            if (!marker)
            {
                return (false, $"{sealedState}: ESXi has not marked local.sh as changed (no .#local.sh), so auto-backup.sh does not save it; install with -Force to write it in place");
            }

            if (secondRun != null)
            {
                bool pending = secondRun.Files.Any(f => f.Path == BootScriptInstaller.LocalSh);
                return pending
                    ? (false, $"{sealedState}: a second auto-backup.sh run still finds local.sh different from what it saved in {where}")
                    : (true, $"{sealedState}: sticky bit and .#local.sh marker in place, saved to {where}, and a second auto-backup.sh run found nothing left to save");
            }

            // Files on /bootbank (FAT) carry even seconds: a save in the same two seconds as the change counts.
            long savedAt = long.Parse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture);
            return savedAt + 2 >= changed
                ? (true, $"{sealedState}: sticky bit and .#local.sh marker in place, and {where} was saved after local.sh last changed")
                : (false, $"{sealedState}: local.sh was written after the last save of {where}; auto-backup.sh saves it within the hour if it differs from the saved copy, Install-BootScript saves it now");
        }
    }
}
