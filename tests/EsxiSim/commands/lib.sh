# Shared by the simulator's commands. Virtual time lives in /.sim/clock (seconds since boot);
# only sleep and commands that "take time" advance it. The version profile's switches are files in /.sim/profile.
SIM=/.sim
# ESXi's own PATH; the simulator's inner calls are not the host programs a trace counts (SimHost.CommandsRun).
PATH=/bin:/sbin

sim_get() {
    if [ -f "$SIM/$1" ]; then cat "$SIM/$1"; else printf '%s\n' "${2:-0}"; fi
}

sim_profile() {
    sim_get "profile/$1" "${2:-0}"
}

# Virtual time is kept per process ("lane"), so that work run at once takes the time of the longest, not the
# sum. A process's lane starts at its parent's time as it was when the process was forked (its parent's finished
# children count only if they ended before that fork), and a finished child's time is taken into its parent's
# lane the next time the parent or a later child of it looks. So `a; b` takes a + b, and `( a ) & ( b ) & wait`
# takes max(a, b). Lanes: /.sim/lanes/PID = "time parent start end" (start: the process's start in clock ticks
# since boot, as /proc gives it, so a reused pid is never mistaken; end: when the lane last moved, same ticks).
# /.sim/clock is the latest time any lane has reached (what the harness reads).
#
# In a cluster (SimCluster) the hosts share a clock, /.sim/cluster/clock, seconds since the power came back; a
# host's time is that minus /.sim/boot_at, where its own commands have not taken it further. A boot (SIM_BOOT
# set) runs on the host's own clock alone.

# pid [start]: true while the process exists (a zombie not yet reaped counts) and is the one started at start.
sim_alive() {
    read -r sim_stat 2>/dev/null < "/proc/$1/stat" || return 1
    # shellcheck disable=SC2086
    set -- "$1" "${2:-}" ${sim_stat##*) }
    sim_ppid=$4
    sim_start=${22}
    [ -z "$2" ] || [ "$2" = "$sim_start" ]
}

# pid: a process of this host's simulation (not sshd, not the harness, not init), running as this user.
sim_eligible() {
    [ "$1" -gt 1 ] 2>/dev/null && [ -O "/proc/$1" ] || return 1
    read -r sim_comm 2>/dev/null < "/proc/$1/comm" || return 1
    case $sim_comm in sshd*) return 1 ;; esac
}

# Clock ticks since boot, as /proc/PID/stat counts a process's start.
sim_ticks() {
    read -r sim_up _ < /proc/uptime
    sim_up=${sim_up%.*}${sim_up#*.}
    sim_up=${sim_up#"${sim_up%%[!0]*}"}
    echo "${sim_up:-0}"
}

# One lock for the lanes and the host's latest time; one held for 2 s is a dead holder's.
sim_lock() {
    sim_tries=0
    until mkdir "$SIM/lanes.lock" 2>/dev/null; do
        sim_tries=$((sim_tries + 1))
        [ "$sim_tries" -lt 400 ] || { rmdir "$SIM/lanes.lock" 2>/dev/null; sim_tries=0; }
        /bin/busybox usleep 5000
    done
}

sim_unlock() {
    rmdir "$SIM/lanes.lock" 2>/dev/null
}

# pid time parent start
sim_write_lane() {
    echo "$2 $3 $4 $(sim_ticks)" > "$SIM/lanes/$1.new" && mv "$SIM/lanes/$1.new" "$SIM/lanes/$1"
}

# pid [ticks]: sets sim_t to the lane's time with its finished children's taken in (their lanes go); with
# ticks, only children that ended by then (a child forked at ticks cannot have waited for the others).
sim_lane_merge() {
    local lane="$1" by="${2:-}" time parent start file child child_parent child_start child_end changed=
    read -r time parent start _ 2>/dev/null < "$SIM/lanes/$lane" || { sim_t=0; return; }
    for file in "$SIM"/lanes/*; do
        case $file in *.new) continue ;; esac
        read -r _ child_parent child_start child_end 2>/dev/null < "$file" || continue
        [ "$child_parent" = "$lane" ] || continue
        [ -z "$by" ] || [ "$child_end" -le "$by" ] || continue
        child=${file##*/}
        sim_alive "$child" "$child_start" && continue
        sim_lane_merge "$child"
        [ "$sim_t" -gt "$time" ] && time=$sim_t
        rm -f "$file"
        changed=1
    done
    [ -z "$changed" ] || sim_write_lane "$lane" "$time" "$parent" "$start"
    sim_t=$time
}

# seconds: the later of them and the cluster's time on this host's clock (in a cluster, outside a boot).
sim_no_earlier_than_cluster() {
    if [ -z "$SIM_BOOT" ] && [ -f "$SIM/cluster/clock" ] && [ -f "$SIM/boot_at" ]; then
        sim_shared=$(( $(cat "$SIM/cluster/clock") - $(cat "$SIM/boot_at") ))
        [ "$sim_shared" -gt "$1" ] && { echo "$sim_shared"; return; }
    fi
    echo "$1"
}

# The time a process with no simulated parent starts at: the host's latest, or the cluster's.
sim_fresh_time() {
    sim_t=$(sim_no_earlier_than_cluster "$(cat "$SIM/clock")")
    # Lanes of finished processes nobody will take in are already in the latest time.
    for file in "$SIM"/lanes/*; do
        case $file in *.new) continue ;; esac
        read -r _ lane_parent lane_start _ 2>/dev/null < "$file" || continue
        sim_alive "${file##*/}" "$lane_start" && continue
        [ "$lane_parent" = - ] || [ ! -f "$SIM/lanes/$lane_parent" ] && rm -f "$file"
    done
}

# Finds or makes this process's lane (and its ancestors' up to one that has one): sim_lane, sim_lane_parent,
# sim_lane_start.
sim_lane_resolve() {
    mkdir -p "$SIM/lanes"
    sim_lock
    sim_lane=$$
    chain=
    pid=$$
    forked=
    while :; do
        if [ -f "$SIM/lanes/$pid" ] && read -r _ _ lane_start _ 2>/dev/null < "$SIM/lanes/$pid" && sim_alive "$pid" "$lane_start"; then
            sim_lane_merge "$pid" "$forked"
            top=$pid
            break
        fi
        sim_alive "$pid" || { sim_fresh_time; top=-; break; }
        chain="$pid $sim_start $chain"
        forked=$sim_start
        if ! sim_eligible "$sim_ppid"; then
            sim_fresh_time
            top=-
            break
        fi
        pid=$sim_ppid
    done
    # shellcheck disable=SC2086
    set -- $chain
    while [ $# -ge 2 ]; do
        sim_write_lane "$1" "$sim_t" "$top" "$2"
        top=$1
        shift 2
    done
    read -r _ sim_lane_parent sim_lane_start _ < "$SIM/lanes/$sim_lane"
    sim_unlock
}

sim_clock() {
    read -r sim_now _ < "$SIM/lanes/$sim_lane"
    sim_no_earlier_than_cluster "$sim_now"
}

# Datastores appear under /vmfs/volumes (as symlinks, like ESXi's uuid links) once mounted. One served by a VM
# (NFS/iSCSI from a storage appliance) appears only on a storage rescan while that VM serves (sim_rescan).
sim_mount_ready_datastores() {
    [ "$(sim_clock)" -ge "$(sim_get datastores_ready_at)" ] || return 0
    for store in "$SIM"/datastores/*; do
        # vsanDatastore links to the cluster's shared folder, there only while the cluster is formed: mounted on
        # every node at once when it is.
        [ -d "$store" ] || [ -L "$store" ] || continue
        [ -f "$SIM/served/${store##*/}" ] && continue
        [ -e "/vmfs/volumes/${store##*/}" ] || [ -L "/vmfs/volumes/${store##*/}" ] || ln -s "$store" "/vmfs/volumes/${store##*/}"
    done
    sim_start_elsewhere
}

# A VM that something else starts at boot (HA, an admin) comes on once its datastore is mounted, not before:
# nothing can run a VM hostd cannot read.
sim_start_elsewhere() {
    for sim_marker in "$SIM"/vms/*/started_elsewhere; do
        [ -f "$sim_marker" ] || continue
        sim_vm=${sim_marker%/*}
        [ -d "/vmfs/volumes/$(cat "$sim_vm/datastore")" ] || continue
        echo on > "$sim_vm/state"
        sim_clock > "$sim_vm/on_at"
        rm -f "$sim_marker"
    done
}

sim_rescan() {
    for served in "$SIM"/served/*; do
        [ -f "$served" ] || continue
        name=${served##*/}
        vmid=$(cat "$served")
        [ "$(cat "$SIM/vms/$vmid/state" 2>/dev/null)" = on ] || continue
        [ "$(sim_clock)" -ge $(( $(cat "$SIM/vms/$vmid/on_at") + $(sim_get "vms/$vmid/heartbeat_delay" 30) )) ] || continue
        [ -e "/vmfs/volumes/$name" ] || ln -s "$SIM/datastores/$name" "/vmfs/volumes/$name"
    done
    sim_start_elsewhere
}

# While /etc/rc.local runs in the foreground, work sent to the background (stdin /dev/null, as POSIX gives an
# asynchronous list without job control) waits: the console's time is what the foreground alone takes.
sim_hold_background() {
    waited=0
    while [ -f "$SIM/rc_local_running" ] && [ "$(readlink "/proc/$$/fd/0" 2>/dev/null)" = /dev/null ] && [ "$waited" -lt 3000 ]; do
        /bin/busybox usleep 10000
        waited=$((waited + 1))
    done
}

sim_advance() {
    sim_hold_background
    sim_until=$(( $(sim_clock) + $1 ))
    sim_lock
    sim_write_lane "$sim_lane" "$sim_until" "$sim_lane_parent" "$sim_lane_start"
    [ "$sim_until" -gt "$(cat "$SIM/clock")" ] && { echo "$sim_until" > "$SIM/clock.new.$$" && mv "$SIM/clock.new.$$" "$SIM/clock"; }
    sim_unlock
    sim_mount_ready_datastores
}

# Fault switch: a command named in /.sim/faults/hang hangs (really, not virtually).
sim_maybe_hang() {
    if [ -f "$SIM/faults/hang" ] && grep -qx "$1" "$SIM/faults/hang"; then
        exec /bin/busybox sleep 86400
    fi
}

# What ESXi does when told to wait for ever (-t 0) for something that never comes: the session's end (or the host's
# power-off) ends it.
sim_wait_forever() {
    exec /bin/busybox sleep 86400
}

# vSAN (esxi-facts.md, "vSAN whole-cluster shutdown and restart"): a cluster's hosts share /.sim/cluster/vsan:
# state (formed or partitioned), datastore (vsanDatastore's files, there only while the cluster is formed) and
# hosts/NAME/{up,maintenance,entering}.
VSAN=$SIM/cluster/vsan

sim_vsan_member() {
    [ "$(sim_get vsan_node none)" != none ] && [ -d "$VSAN/hosts" ]
}

# The other members that are down, in maintenance mode or entering it: one name per line.
sim_vsan_others_away() {
    me=$(sim_get hostname)
    for member in "$VSAN"/hosts/*; do
        [ "${member##*/}" = "$me" ] && continue
        if [ "$(cat "$member/up" 2>/dev/null)" != 1 ] || [ "$(cat "$member/maintenance" 2>/dev/null)" = 1 ] || [ -f "$member/entering" ]; then
            echo "${member##*/}"
        fi
    done
}

# Entering maintenance mode on a vSAN member in the default data mode (ensureObjectAccessibility) moves its data to
# the other members: with one of them away the data has nowhere to go, and ESXi waits for ever. noAction does not wait.
sim_vsan_enter_maintenance() {
    sim_vsan_member || return 0
    : > "$VSAN/hosts/$(sim_get hostname)/entering"
    if [ "$1" != noAction ] && [ -n "$(sim_vsan_others_away)" ]; then
        sim_wait_forever
    fi
    rm -f "$VSAN/hosts/$(sim_get hostname)/entering"
}

# Fault switch: a command named in /.sim/faults/drop kills this SSH session mid-command.
sim_maybe_drop() {
    if [ -f "$SIM/faults/drop" ] && grep -qx "$1" "$SIM/faults/drop"; then
        kill -9 "$PPID" 2>/dev/null
        exit 1
    fi
}

# ESXi's RAM file system puts a marker .#NAME beside a file that has the sticky bit when that file is modified
# in place; auto-backup.sh saves only marked files. The simulator sees modifications when this runs (before a
# save, on chmod): a file with the same inode and new content gets its marker; a file replaced by another inode
# loses it (the pessimistic reading of esxi-facts.md).
sim_track_files() {
    # Change time, which every write, chmod or touch moves and nothing can set back.
    find /etc -type f ! -name '.#*' -exec stat -c '%i %a %z %n' {} + 2>/dev/null | sort -k 6 > "$SIM/track.stat"
    find /etc -type f ! -name '.#*' -exec sha256sum {} + 2>/dev/null > "$SIM/track.sum"
    awk -v tracked="$SIM/tracked" -v sums="$SIM/track.sum" '
        BEGIN {
            while ((getline line < tracked) > 0) { split(line, f, "\t"); inode[f[1]] = f[2]; ctime[f[1]] = f[3]; sum[f[1]] = f[4] }
            while ((getline line < sums) > 0) now[substr(line, 67)] = substr(line, 1, 64)
        }
        {
            # inode, mode, change time (date, time with nanoseconds, zone), path
            path = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", path)
            changed = $3 "T" $4
            sticky = length($2) == 4 && substr($2, 1, 1) ~ /[1357]/
            if (path in inode) {
                if (inode[path] != $1) print "unmark\t" path
                else if (sticky && (ctime[path] != changed || sum[path] != now[path])) print "mark\t" path
            }
            print "record\t" path "\t" $1 "\t" changed "\t" now[path]
        }' "$SIM/track.stat" > "$SIM/track.out"
    grep '^record' "$SIM/track.out" | cut -f 2- > "$SIM/tracked"
    while IFS="$(printf '\t')" read -r action path; do
        case $action in
            mark) : > "${path%/*}/.#${path##*/}" ;;
            unmark) rm -f "${path%/*}/.#${path##*/}" ;;
        esac
    done < "$SIM/track.out"
}

# The files auto-backup.sh saves: those with a marker, relative to /.
sim_marked_files() {
    find /etc -type f -name '.#*' 2>/dev/null | sort | while IFS= read -r marker; do
        file="${marker%/*}/${marker##*/.#}"
        [ -f "$file" ] && printf '%s\n' "${file#/}"
    done
}

# From 7.0 U2 the saved configuration is sealed (local.tgz.ve): here a byte rotation by a per-host key that
# only the simulator's own commands know, so a tool reading state.tgz from outside sees no local.tgz.
sim_seal_sets() {
    key=$(sim_get seal_key 77)
    printf '\\000-\\377 \\%03o-\\377\\000-\\%03o\n' "$key" "$((key - 1))"
}

# Unpacks the saved state of a boot bank (default /bootbank) into a folder: etc/... as saved.
sim_unpack_state() {
    unpack_bank=${2:-/bootbank}
    [ -f "$unpack_bank/state.tgz" ] || return 1
    mkdir -p "$1/.pack" && (cd "$1/.pack" && tar xzf "$unpack_bank/state.tgz") || return 1
    if [ -f "$1/.pack/local.tgz.ve" ]; then
        set -- "$1" $(sim_seal_sets)
        tail -n +2 "$1/.pack/local.tgz.ve" | /bin/busybox tr "$3" "$2" > "$1/.pack/local.tgz" || return 1
    fi
    (cd "$1" && tar xzf .pack/local.tgz) && rm -rf "$1/.pack"
}

# Saves every marked file to a boot bank's state.tgz, sealed when the profile encrypts.
sim_save_state() {
    save_bank=$1
    save_work="/tmp/sim-save.$$"
    rm -rf "$save_work" && mkdir -p "$save_work/pack" || return 1
    # BusyBox tar has no -T: the marked files become the positional arguments.
    sim_marked_files > "$save_work/files"
    set --
    while IFS= read -r file; do set -- "$@" "$file"; done < "$save_work/files"
    if ! (cd / && tar czf "$save_work/local.tgz" "$@") 2>/dev/null; then rm -rf "$save_work"; return 1; fi
    if [ "$(sim_profile encrypted)" = 1 ]; then
        sets=$(sim_seal_sets)
        { echo VMBOOTSIM-SEALED; /bin/busybox tr "${sets% *}" "${sets#* }" < "$save_work/local.tgz"; } > "$save_work/pack/local.tgz.ve" || { rm -rf "$save_work"; return 1; }
        printf 'Mode: TPM\n' > "$save_work/pack/encryption.info"
        members="local.tgz.ve encryption.info"
    else
        mv "$save_work/local.tgz" "$save_work/pack/local.tgz"
        members=local.tgz
    fi
    # shellcheck disable=SC2086
    if ! (cd "$save_work/pack" && tar czf "$save_bank/state.tgz.new" $members) 2>/dev/null || ! mv "$save_bank/state.tgz.new" "$save_bank/state.tgz"; then
        rm -f "$save_bank/state.tgz.new"
        rm -rf "$save_work"
        return 1
    fi
    rm -rf "$save_work"
}

sim_lane_resolve
