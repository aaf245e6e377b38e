#!/bin/sh
# Simulator backup.sh: saves every marked file (.#NAME beside it) now, whatever changed; auto-backup.sh calls it
# when it finds a difference. 6.7 saves to /altbootbank while a live VIB install is pending.
. /.sim/lib.sh
sim_maybe_hang backup.sh
sim_track_files
bank=/bootbank
if [ "$(sim_profile altbootbank)" = 1 ] && [ -f /var/run/update_altbootbank ]; then
    bank=/altbootbank
fi
if ! sim_save_state "$bank"; then
    echo "Error (1) saving state to $bank" >&2
    exit 1
fi
echo "Saving current state in $bank"
