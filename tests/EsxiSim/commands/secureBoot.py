#!/bin/sh
# Stand-in for ESXi's secureBoot.py: -s prints what /.sim/secure_boot holds (Enabled, Disabled, anything a
# firmware may report), or fails like a broken Python tool when it holds "error".
. /.sim/lib.sh
sim_maybe_hang secureBoot.py
sim_maybe_drop secureBoot.py
case $1 in
    -s)
        status=$(sim_get secure_boot Disabled)
        if [ "$status" = error ]; then
            echo "Traceback (most recent call last):" >&2
            echo "OSError: [Errno 5] Input/output error" >&2
            exit 1
        fi
        printf '%s\n' "$status"
        ;;
    *) echo "usage: secureBoot.py -s" >&2; exit 1 ;;
esac
