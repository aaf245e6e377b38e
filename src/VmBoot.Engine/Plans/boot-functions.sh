#!/bin/sh
# The functions of VmBoot's boot script. The generator copies into local.sh's managed block the ones a plan
# calls (and what they call), after the plan's own vmboot_main and vmboot_targets, in this order, and sets the
# VMBOOT_* variables after them. BusyBox ash: POSIX sh and what ESXi 6.7's BusyBox 1.22.1 has. Arguments are
# always quoted; vmids are digits by construction (awk prints them only after matching ^[0-9]+); no VM name,
# note or path is ever evaluated.
# As a file on its own it is a library: its variables are set, and its functions called, by the generated part.
# shellcheck disable=SC2154,SC2317

# Runs the plan once, in the background. A run still going (its pid alive) refuses a second start.
vmboot_start() {
    if ! mkdir /var/run/vmboot.lock 2>/dev/null; then
        vmboot_running=$(cat /var/run/vmboot.lock/pid 2>/dev/null)
        if [ -z "$vmboot_running" ] || kill -0 "$vmboot_running" 2>/dev/null; then
            VMBOOT_LOG=/var/log/vmboot.log
            vmboot_log start-refused - - - running - "another VmBoot run is still going (pid ${vmboot_running:-starting}); this start does nothing"
            return 0
        fi
        rm -rf /var/run/vmboot.lock
        mkdir /var/run/vmboot.lock || return 0
    fi
    (
        trap 'rm -rf "$VMBOOT_TMP" /var/run/vmboot.lock' EXIT
        mkdir -p "$VMBOOT_TMP"
        vmboot_main
    ) </dev/null >/dev/null 2>&1 &
    echo "$!" > /var/run/vmboot.lock/pid
}

# Until hostd answers (or readiness.timeout): as root, or as vpxuser where lockdown mode refuses root.
vmboot_wait_hostd() {
    vmboot_log wait-hostd - - - waiting - -
    until vmboot_refusal=$(vim-cmd vmsvc/getallvms 2>&1 >/dev/null </dev/null); do
        case $vmboot_refusal in
            *vim.fault.NoPermission*|*vim.fault.InvalidLogin*)
                if vim-cmd -U vpxuser -c /etc/vmware/hostd/config.xml vmsvc/getallvms </dev/null >/dev/null 2>&1; then
                    VMBOOT_VIM_USER=vpxuser
                    vmboot_log vim-user - - - vpxuser - 'root is refused (lockdown mode): using vpxuser, as ESXi autostart does'
                    break
                fi
                vmboot_log vim-user - - - failed - 'hostd refuses root and vpxuser (lockdown mode?): nothing can be started'
                return 1
                ;;
        esac
        if vmboot_timed_out "$VMBOOT_READY_BY"; then
            vmboot_log wait-hostd - - - timeout - 'hostd did not answer; starting anyway'
            return 0
        fi
        sleep 5
    done
    vmboot_log wait-hostd - - - ready - "$VMBOOT_VIM_USER"
}

# stay|exit: a host in maintenance mode refuses every power-on (UPS software puts hosts there before a shutdown).
vmboot_maintenance_mode() {
    vmboot_vim hostsvc/hostsummary 2>/dev/null | grep -q 'inMaintenanceMode = true' || return 0
    if [ "$1" = stay ]; then
        vmboot_log maintenance-mode - - - stay - 'the host booted in maintenance mode, where every power-on is refused: nothing started (plan: readiness.maintenanceMode stay)'
        return 1
    fi
    vmboot_vim hostsvc/maintenance_mode_exit >/dev/null 2>&1
    if vmboot_vim hostsvc/hostsummary 2>/dev/null | grep -q 'inMaintenanceMode = false'; then
        vmboot_log maintenance-mode - - - exited - 'the host booted in maintenance mode and left it (plan: readiness.maintenanceMode exit)'
        return 0
    fi
    vmboot_log maintenance-mode - - - failed - 'the host booted in maintenance mode and could not leave it: nothing started'
    return 1
}

# datastore: until it is mounted, or readiness.timeout has passed. A mounted datastore is a directory: looked at
# every second, as the test costs nothing and every VM on it waits for it.
vmboot_wait_datastore() {
    until [ -d "/vmfs/volumes/$1" ]; do
        if vmboot_timed_out "$VMBOOT_READY_BY"; then
            vmboot_log wait-datastore - - - timeout "$1" 'not mounted; starting anyway'
            return 0
        fi
        sleep 1
    done
    vmboot_log wait-datastore - - - ready "$1" -
}

# The plan's datastores that are not mounted as the run begins (see vmboot_power_on).
vmboot_note_unmounted() {
    vmboot_targets | while IFS="$VMBOOT_TAB" read -r _ vmboot_ds _; do
        [ -d "/vmfs/volumes/$vmboot_ds" ] || printf '%s\n' "$vmboot_ds"
    done > "$VMBOOT_TMP/unmounted"
}

# Until its datastore is mounted, the log lives in /tmp; then it is appended to the shared file.
vmboot_open_log() {
    if [ "$VMBOOT_LOG" = "$VMBOOT_LOG_FINAL" ]; then
        return 0
    fi
    # Never create a folder for a datastore that is not mounted (yet).
    case $VMBOOT_LOG_FINAL in
        /vmfs/volumes/*/*)
            vmboot_volume=${VMBOOT_LOG_FINAL#/vmfs/volumes/}
            [ -d "/vmfs/volumes/${vmboot_volume%%/*}" ] || return 0
            ;;
    esac
    if mkdir -p "${VMBOOT_LOG_FINAL%/*}" 2>/dev/null && cat "$VMBOOT_LOG" >> "$VMBOOT_LOG_FINAL" 2>/dev/null; then
        VMBOOT_LOG=$VMBOOT_LOG_FINAL
    fi
}

# number name pause parallel: the stage's VMs on this host. With parallel 1 one after another; above 1 in
# batches of that many, each power-on in a background subshell, a batch done when all of its power-ons are.
# pause: seconds between two power-ons, or two batches. A VM hostd shows as invalid until its datastore is
# mounted is found by reading getallvms again once that datastore is.
vmboot_stage() {
    vmboot_log stage-start "$1" - - - "$2" -
    : > "$VMBOOT_TMP/started$1"
    : > "$VMBOOT_TMP/handled$1"
    vmboot_batch=0
    vmboot_running=0
    while :; do
        vmboot_resolve "$1" > "$VMBOOT_TMP/stage$1"
        while IFS="$VMBOOT_TAB" read -r vmboot_kind vmboot_vmid vmboot_ds vmboot_name; do
            vmboot_row="$vmboot_kind$VMBOOT_TAB$vmboot_vmid$VMBOOT_TAB$vmboot_name"
            if [ "$vmboot_kind" = X ] || grep -qxF -e "$vmboot_row" "$VMBOOT_TMP/handled$1"; then
                continue
            fi
            printf '%s\n' "$vmboot_row" >> "$VMBOOT_TMP/handled$1"
            if [ "$vmboot_kind" = M ]; then
                vmboot_log not-started "$1" "$vmboot_vmid" 0 vmx-differs "$vmboot_name" 'registered with another vmx file (renamed or moved?): regenerate the script'
                continue
            fi
            if [ "$vmboot_running" = 0 ]; then
                if [ "$vmboot_batch" -gt 0 ] && [ "$3" -gt 0 ]; then
                    sleep "$3"
                fi
                vmboot_batch=$((vmboot_batch + 1))
                if [ "$4" -gt 1 ]; then
                    vmboot_log power-batch "$1" - - started - "batch $vmboot_batch: up to $4 at once"
                fi
            fi
            if [ "$4" -gt 1 ]; then
                vmboot_power_on "$1" "$vmboot_vmid" "$vmboot_ds" "$vmboot_name" &
            else
                vmboot_power_on "$1" "$vmboot_vmid" "$vmboot_ds" "$vmboot_name"
            fi
            vmboot_running=$((vmboot_running + 1))
            if [ "$vmboot_running" -ge "$4" ]; then
                vmboot_end_batch "$1" "$4"
            fi
        done < "$VMBOOT_TMP/stage$1"
        vmboot_await_invalid "$1" || break
    done
    vmboot_end_batch "$1" "$4"
    vmboot_log stage-end "$1" - - - "$2" -
}

# number: hostd lists VMs as invalid here (as it does a VM whose datastore is not mounted) and some of the stage's
# VMs are not found: waits until one of their datastores that are not mounted yet is, to read getallvms again.
# Fails when none is missing here (those VMs are on other hosts), or once readiness.timeout has passed.
vmboot_await_invalid() {
    grep -q 'Skipping invalid VM' "$VMBOOT_TMP/invalid" || return 1
    awk -F "$VMBOOT_TAB" '$1 == "X" { print $3 }' "$VMBOOT_TMP/stage$1" | while IFS= read -r vmboot_ds; do
        [ -d "/vmfs/volumes/$vmboot_ds" ] || printf '%s\n' "$vmboot_ds"
    done > "$VMBOOT_TMP/awaited"
    [ -s "$VMBOOT_TMP/awaited" ] || return 1
    while IFS= read -r vmboot_ds; do
        vmboot_log wait-datastore "$1" - - waiting "$vmboot_ds" 'VMs here are invalid until it is mounted'
    done < "$VMBOOT_TMP/awaited"
    until vmboot_timed_out "$VMBOOT_READY_BY"; do
        while IFS= read -r vmboot_ds; do
            if [ -d "/vmfs/volumes/$vmboot_ds" ]; then
                vmboot_log wait-datastore "$1" - - ready "$vmboot_ds" -
                return 0
            fi
        done < "$VMBOOT_TMP/awaited"
        sleep 1
    done
    while IFS= read -r vmboot_ds; do
        vmboot_log wait-datastore "$1" - - timeout "$vmboot_ds" 'not mounted: the VMs on it are not started'
    done < "$VMBOOT_TMP/awaited"
    return 1
}

# number parallel: waits for the batch's background power-ons
vmboot_end_batch() {
    if [ "$vmboot_running" -gt 0 ] && [ "$2" -gt 1 ]; then
        wait
        vmboot_log power-batch "$1" - - 'done' - "batch $vmboot_batch"
    fi
    vmboot_running=0
}

# Prints S<TAB>vmid<TAB>datastore<TAB>name for each of the stage's VMs registered on this host,
# M<TAB>vmid<TAB>-<TAB>name when the name is found with another vmx file, X<TAB>-<TAB>datastore<TAB>name
# when it is not found. Rows are matched by exact strings at their place (Vmid, then the name, then its
# vmx file), never by patterns. getallvms's complaints (invalid VMs) are kept in $VMBOOT_TMP/invalid.
vmboot_resolve() {
    vmboot_vim vmsvc/getallvms 2> "$VMBOOT_TMP/invalid" > "$VMBOOT_TMP/getallvms"
    vmboot_targets | awk -F "$VMBOOT_TAB" -v stage="$1" -v inventory="$VMBOOT_TMP/getallvms" '
        # 2: row i is the VM called name with that vmx file; 1: a VM of that name with another one; 0: neither.
        function holds(i, name, file,    rest, tail) {
            if (!match(rows[i], /^[0-9]+ +/)) return 0
            rest = substr(rows[i], RLENGTH + 1)
            if (substr(rest, 1, length(name)) != name) return 0
            tail = substr(rest, length(name) + 1)
            if (substr(tail, 1, 3) != "   ") return 0
            sub(/^ +/, "", tail)
            if (substr(tail, 1, length(file)) == file && substr(tail, length(file) + 1, 3) == "   ") return 2
            return substr(tail, 1, 1) == "[" ? 1 : 0
        }
        # A row that is exactly another VM of the plan is not this one moved ("web   [old" is not "web").
        function planned(i,    t) {
            for (t = 1; t <= n; t++) if (holds(i, names[t], files[t]) == 2) return 1
            return 0
        }
        function vmid(i) {
            match(rows[i], /^[0-9]+/)
            return substr(rows[i], 1, RLENGTH)
        }
        BEGIN { while ((getline row < inventory) > 0) rows[++count] = row }
        { n++; stages[n] = $1; stores[n] = $2; files[n] = $3; names[n] = $4 }
        END {
            for (t = 1; t <= n; t++) {
                if (stages[t] != stage) continue
                found = 0; moved = 0
                for (i = 1; i <= count && !found; i++) {
                    kind = holds(i, names[t], files[t])
                    if (kind == 2) found = i
                    else if (kind == 1 && !planned(i)) moved = i
                }
                if (found) print "S" FS vmid(found) FS stores[t] FS names[t]
                else if (moved) print "M" FS vmid(moved) FS "-" FS names[t]
                else print "X" FS "-" FS stores[t] FS names[t]
            }
        }'
}

# stage vmid datastore name: a VM that is on afterwards is added to the stage's started list (for its gate).
# A VM already on is never sent a power.on, as far as this run can know: its state is read first, unless its
# datastore was not mounted when the run began (it could not run then; one vim-cmd less before vCenter starts).
# If something started it since, power.on is refused with InvalidPowerState, and it is logged as already on.
vmboot_power_on() {
    until [ -d "/vmfs/volumes/$3" ] || vmboot_timed_out "$VMBOOT_READY_BY"; do
        sleep 1
    done
    if ! grep -qxF -e "$3" "$VMBOOT_TMP/unmounted" 2>/dev/null && [ "$(vmboot_state "$2")" = 'Powered on' ]; then
        vmboot_log power-on "$1" "$2" 0 already-on "$4" -
        printf '%s\t%s\n' "$2" "$4" >> "$VMBOOT_TMP/started$1"
        return 0
    fi
    vmboot_attempt=1
    vmboot_delay=$VMBOOT_RETRY_DELAY
    while :; do
        vmboot_output=$(vmboot_vim vmsvc/power.on "$2" 2>&1)
        if [ "$(vmboot_state "$2")" = 'Powered on' ]; then
            case $vmboot_output in
                *InvalidPowerState*) vmboot_log power-on "$1" "$2" 0 already-on "$4" - ;;
                *) vmboot_log power-on "$1" "$2" "$vmboot_attempt" ok "$4" - ;;
            esac
            printf '%s\t%s\n' "$2" "$4" >> "$VMBOOT_TMP/started$1"
            return 0
        fi
        vmboot_reason=$(printf '%s\n' "$vmboot_output" | sed -n 's/^ *msg = "\(.*\)".*$/\1/p' | head -n 1)
        [ -n "$vmboot_reason" ] || vmboot_reason=$(printf '%s\n' "$vmboot_output" | tail -n 1)
        if [ "$vmboot_attempt" -gt "$VMBOOT_RETRIES" ]; then
            vmboot_log power-on "$1" "$2" "$vmboot_attempt" failed "$4" "$vmboot_reason"
            return 1
        fi
        vmboot_log power-on "$1" "$2" "$vmboot_attempt" retry "$4" "$vmboot_reason"
        sleep "$vmboot_delay"
        vmboot_delay=$((vmboot_delay * 2))
        vmboot_attempt=$((vmboot_attempt + 1))
    done
}

# vmid: "Powered on", "Powered off" or "Suspended"
vmboot_state() {
    vmboot_vim vmsvc/power.getstate "$1" 2>/dev/null | tail -n 1
}

# number timeout: until each of the stage's VMs on this host answers through its tools, each with its own timeout
vmboot_gate_heartbeat() {
    while IFS="$VMBOOT_TAB" read -r vmboot_vmid vmboot_name; do
        vmboot_until=$(( $(vmboot_now) + $2 ))
        until [ "$(vmboot_vim vmsvc/get.guestheartbeatStatus "$vmboot_vmid" 2>/dev/null)" = green ]; do
            if vmboot_timed_out "$vmboot_until"; then
                vmboot_log gate-heartbeat "$1" "$vmboot_vmid" - timeout "$vmboot_name" -
                continue 2
            fi
            sleep 5
        done
        vmboot_log gate-heartbeat "$1" "$vmboot_vmid" - green "$vmboot_name" -
    done < "$VMBOOT_TMP/started$1"
}

# number host port timeout: until host:port answers (vCenter on another host, say). ESXi's firewall passes
# outbound TCP only through enabled rulesets (httpClient, for 80 and 443, is off by default): one that covers
# the port is enabled for the gate and switched off again afterwards.
vmboot_gate_tcp() {
    vmboot_ruleset=
    vmboot_rulesets=$(esxcli network firewall ruleset rule list 2>/dev/null | awk -v port="$3" '$2 == "Outbound" && $3 == "TCP" && $4 == "Dst" && port + 0 >= $5 + 0 && port + 0 <= $6 + 0 { print $1 }')
    if [ -n "$vmboot_rulesets" ] && ! esxcli network firewall ruleset list 2>/dev/null | awk -v wanted="$vmboot_rulesets" 'BEGIN { n = split(wanted, w, "\n"); for (i = 1; i <= n; i++) want[w[i]] = 1 } ($1 in want) && $2 == "true" { found = 1 } END { exit !found }'; then
        vmboot_ruleset=${vmboot_rulesets%%"
"*}
        if esxcli network firewall ruleset set -r "$vmboot_ruleset" -e true >/dev/null 2>&1; then
            vmboot_log gate-tcp "$1" - - firewall-opened - "$vmboot_ruleset for $2:$3"
        else
            vmboot_log gate-tcp "$1" - - firewall-failed - "could not enable $vmboot_ruleset for $2:$3"
            vmboot_ruleset=
        fi
    elif [ -z "$vmboot_rulesets" ]; then
        vmboot_log gate-tcp "$1" - - firewall-blocked - "no firewall ruleset lets outbound TCP $3 through: the gate can only time out"
    fi
    vmboot_until=$(( $(vmboot_now) + $4 ))
    until nc -z -w 3 "$2" "$3" </dev/null >/dev/null 2>&1; do
        if vmboot_timed_out "$vmboot_until"; then
            vmboot_log gate-tcp "$1" - - timeout - "$2:$3"
            break
        fi
        sleep 5
    done
    if ! vmboot_timed_out "$vmboot_until"; then
        vmboot_log gate-tcp "$1" - - open - "$2:$3"
    fi
    if [ -n "$vmboot_ruleset" ] && esxcli network firewall ruleset set -r "$vmboot_ruleset" -e false >/dev/null 2>&1; then
        vmboot_log gate-tcp "$1" - - firewall-restored - "$vmboot_ruleset off again"
    fi
}

# number timeout datastore...: storage this stage's VMs serve (NFS, iSCSI) appears only after a rescan
vmboot_gate_rescan() {
    vmboot_stage_number=$1
    vmboot_until=$(( $(vmboot_now) + $2 ))
    shift 2
    vmboot_log rescan "$vmboot_stage_number" - - started - "$*"
    while :; do
        esxcli storage core adapter rescan --all >/dev/null 2>&1
        vmboot_missing=
        for vmboot_ds in "$@"; do
            [ -d "/vmfs/volumes/$vmboot_ds" ] || vmboot_missing="$vmboot_missing $vmboot_ds"
        done
        if [ -z "$vmboot_missing" ]; then
            vmboot_log rescan "$vmboot_stage_number" - - ready - "$*"
            return 0
        fi
        if vmboot_timed_out "$vmboot_until"; then
            vmboot_log rescan "$vmboot_stage_number" - - timeout - "not mounted:$vmboot_missing"
            return 0
        fi
        sleep 10
    done
}

# The log's datastore never came up: keep the log on the host rather than lose it with /tmp.
vmboot_keep_log() {
    if [ "$VMBOOT_LOG" != "$VMBOOT_LOG_FINAL" ]; then
        cat "$VMBOOT_LOG" >> /var/log/vmboot.log 2>/dev/null
    fi
}

# vim-cmd as the user hostd accepts: root, or vpxuser where lockdown mode refuses root (as ESXi's own autostart does).
vmboot_vim() {
    if [ "$VMBOOT_VIM_USER" = vpxuser ]; then
        vim-cmd -U vpxuser -c /etc/vmware/hostd/config.xml "$@" </dev/null
    else
        vim-cmd "$@" </dev/null
    fi
}

# time host event stage vmid attempt result name detail
vmboot_log() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$VMBOOT_HOST" "$1" "$2" "$3" "$4" "$5" "$6" "$7" >> "$VMBOOT_LOG" 2>/dev/null
}

# Seconds since the epoch: deadlines are counted in them.
vmboot_now() {
    date +%s
}

# deadline: true once it has passed
vmboot_timed_out() {
    [ "$(vmboot_now)" -ge "$1" ]
}
