#!/bin/sh
# Simulator of VMware's vSAN reboot helper (VCF power management, VCF 9.0 "Manually Shut Down and Restart the vSAN
# Cluster"; esxi-facts.md). prepare partitions the cluster for a whole-cluster power-off: vsanDatastore is gone from
# every host until recover, which needs every member up and out of maintenance mode. Two prepares at once: one fails.
. /.sim/lib.sh
if ! sim_vsan_member; then
    echo "vSAN Clustering is not enabled on this host" >&2
    exit 1
fi
if [ "$(sim_get vsan_node)" = WITNESS ]; then
    echo "This host is the cluster's witness: run the helper on a data host." >&2
    exit 1
fi
# Fault switch: /.sim/faults/vsan-ACTION holds the error the helper prints instead of doing it.
fault=
[ -f "$SIM/faults/vsan-$1" ] && fault=$(cat "$SIM/faults/vsan-$1")
case $1 in
    prepare)
        if ! mkdir "$VSAN/prepare.lock" 2>/dev/null; then
            echo "Cluster preparation failed: another host is preparing the cluster." >&2
            exit 1
        fi
        # Long enough for a second prepare started at the same time to meet the first.
        /bin/busybox usleep 500000
        sim_advance 20
        if [ -n "$fault" ]; then
            rmdir "$VSAN/prepare.lock"
            echo "$fault" >&2
            exit 1
        fi
        echo partitioned > "$VSAN/state"
        [ -d "$VSAN/datastore" ] && mv "$VSAN/datastore" "$VSAN/datastore.partitioned"
        rmdir "$VSAN/prepare.lock"
        echo "Cluster preparation is done."
        ;;
    recover)
        away=$(sim_vsan_others_away | awk '{ printf "%s ", $0 }')
        [ "$(sim_get maintenance 0)" = 1 ] && away="$away$(sim_get hostname) "
        if [ -n "$away" ]; then
            echo "Cluster recovery failed: ${away% } down or in maintenance mode." >&2
            exit 1
        fi
        sim_advance 30
        if [ -n "$fault" ]; then
            echo "$fault" >&2
            exit 1
        fi
        echo formed > "$VSAN/state"
        [ -d "$VSAN/datastore.partitioned" ] && mv "$VSAN/datastore.partitioned" "$VSAN/datastore"
        # VMware's script prints reboot/poweron, the 9.0 documentation reboot/power-on.
        if grep -q 'ESXi 8\.' "$SIM/version"; then
            echo "Cluster reboot/power-on is completed successfully!"
        else
            echo "Cluster reboot/poweron is completed successfully!"
        fi
        ;;
    *)
        echo "usage: reboot_helper.py prepare|recover" >&2
        exit 1
        ;;
esac
