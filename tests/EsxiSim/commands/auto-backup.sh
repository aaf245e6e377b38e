#!/bin/sh
# Simulator auto-backup.sh: diff each marked file (.#NAME beside it) against the last saved state and save all
# marked files if one differs. 6.7 stops at the first difference and saves to /altbootbank while a live VIB
# install is pending; 7.0 U2 and later seal the saved state (local.tgz.ve).
. /.sim/lib.sh
sim_maybe_hang auto-backup.sh
sim_track_files
changed=0
if [ ! -f /bootbank/state.tgz ]; then
    changed=1
else
    work="/tmp/auto-backup.$$"
    mkdir -p "$work"
    sim_unpack_state "$work" || { rm -rf "$work"; echo "Unable to extract system configuration." >&2; exit 1; }
    sim_marked_files > "$work.files"
    while IFS= read -r file; do
        # "$work//$file" gives the real tool's double slash: /tmp/auto-backup.PID//etc/...
        if ! diff -N -u "/$file" "$work//$file"; then
            changed=1
            [ "$(sim_profile first_difference)" = 1 ] && break
        fi
    done < "$work.files"
    rm -rf "$work" "$work.files"
fi
if [ "$changed" = 1 ]; then
    sim_maybe_drop auto-backup.sh
    /sbin/backup.sh 0 || exit 1
fi
echo "Clock updated." >&2
echo "Time: $(date '+%H:%M:%S')   Date: $(date '+%m/%d/%Y')   UTC" >&2
