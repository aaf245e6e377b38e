# Shared by the simulator's commands. Virtual time lives in /.sim/clock (seconds since boot);
# only sleep and commands that "take time" advance it.
SIM=/.sim

sim_get() {
    if [ -f "$SIM/$1" ]; then cat "$SIM/$1"; else printf '%s\n' "${2:-0}"; fi
}

sim_clock() {
    cat "$SIM/clock"
}

# Datastores appear under /vmfs/volumes (as symlinks, like ESXi's uuid links) once mounted.
sim_mount_ready_datastores() {
    [ "$(sim_clock)" -ge "$(sim_get datastores_ready_at)" ] || return 0
    for store in "$SIM"/datastores/*; do
        [ -d "$store" ] || continue
        [ -e "/vmfs/volumes/${store##*/}" ] || ln -s "$store" "/vmfs/volumes/${store##*/}"
    done
}

sim_advance() {
    echo "$(( $(sim_clock) + $1 ))" > "$SIM/clock.new" && mv "$SIM/clock.new" "$SIM/clock"
    sim_mount_ready_datastores
}

# Fault switch: a command named in /.sim/faults/hang hangs (really, not virtually).
sim_maybe_hang() {
    if [ -f "$SIM/faults/hang" ] && grep -qx "$1" "$SIM/faults/hang"; then
        exec /bin/busybox sleep 86400
    fi
}

# Fault switch: a command named in /.sim/faults/drop kills this SSH session mid-command.
sim_maybe_drop() {
    if [ -f "$SIM/faults/drop" ] && grep -qx "$1" "$SIM/faults/drop"; then
        kill -9 "$PPID" 2>/dev/null
        exit 1
    fi
}
