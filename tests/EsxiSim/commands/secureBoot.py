#!/bin/sh
# Stand-in for ESXi's secureBoot.py: -s prints whether UEFI Secure Boot is on.
. /.sim/lib.sh
sim_maybe_hang secureBoot.py
sim_maybe_drop secureBoot.py
case $1 in
    -s) if [ "$(cat /.sim/secure_boot 2>/dev/null)" = 1 ]; then echo Enabled; else echo Disabled; fi ;;
    *) echo "usage: secureBoot.py -s" >&2; exit 1 ;;
esac
