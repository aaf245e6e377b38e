#!/bin/sh
# Simulator auto-backup.sh: diff each persisted file against the last backup, save if any differs.
. /.sim/lib.sh
sim_maybe_hang auto-backup.sh
work="/tmp/auto-backup.$$"
mkdir -p "$work"
# As on ESXi, state.tgz holds local.tgz, which holds the persisted files.
(cd "$work" && tar xzf /bootbank/state.tgz && tar xzf local.tgz && rm -f local.tgz)
changed=0
while IFS= read -r file; do
    [ -n "$file" ] || continue
    if [ -e "$file" ] || [ -e "$work/$file" ]; then
        # "$work/$file" gives the real tool's double slash: /tmp/auto-backup.PID//etc/...
        if ! diff -N -u "$file" "$work/$file"; then
            changed=1
        fi
    fi
done < "$SIM/persisted"
if [ "$changed" = 1 ]; then
    sim_maybe_drop auto-backup.sh
    # BusyBox tar has no -T: the existing persisted files become the positional arguments.
    set --
    while IFS= read -r file; do
        if [ -e "$file" ]; then set -- "$@" "${file#/}"; fi
    done < "$SIM/persisted"
    if ! (cd / && tar czf "$work.local.tgz" "$@") 2>/dev/null || ! mkdir -p "$work.pack" || ! mv "$work.local.tgz" "$work.pack/local.tgz" \
        || ! (cd "$work.pack" && tar czf /bootbank/state.tgz.new local.tgz) 2>/dev/null || ! mv /bootbank/state.tgz.new /bootbank/state.tgz; then
        rm -rf "$work.pack"
        rm -f /bootbank/state.tgz.new
        rm -rf "$work"
        echo "Failed to save state in /bootbank" >&2
        exit 1
    fi
    rm -rf "$work.pack"
    echo "Saving current state in /bootbank"
fi
rm -rf "$work"
echo "Clock updated." >&2
echo "Time: $(date '+%H:%M:%S')   Date: $(date '+%m/%d/%Y')   UTC" >&2
