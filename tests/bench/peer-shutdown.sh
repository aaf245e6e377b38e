#!/bin/sh
# The peer of Stop-EsxiCluster: the UPS shutdown admins write by hand and run on each host over ssh. Every VM
# in turn: guest shutdown, wait up to 120 s, power off; then maintenance mode and the host's power-off.
for id in $(vim-cmd vmsvc/getallvms 2>/dev/null | awk 'NR > 1 { print $1 }'); do
    vim-cmd vmsvc/power.getstate "$id" | grep -q 'Powered on' || continue
    vim-cmd vmsvc/power.shutdown "$id" >/dev/null 2>&1
    waited=0
    while [ "$waited" -lt 120 ] && vim-cmd vmsvc/power.getstate "$id" | grep -q 'Powered on'; do
        sleep 5
        waited=$((waited + 5))
    done
    vim-cmd vmsvc/power.off "$id" >/dev/null 2>&1
done
vim-cmd hostsvc/maintenance_mode_enter >/dev/null 2>&1
esxcli system shutdown poweroff -d 10 -r 'UPS on battery'
