#!/bin/sh
# The seed article's recipe as the benchmark's peer: a blind wait, vCenter, a fixed pause, the rest.
sleep 300
for vmid in `vim-cmd vmsvc/getallvms | grep "vcsa" | awk '{ print $1 }'`
do
        vim-cmd vmsvc/power.on $vmid
done
sleep 120
for vmid in `vim-cmd vmsvc/getallvms | grep "shared ds" | grep -v "vcsa" | awk '{ print $1 }'`
do
        vim-cmd vmsvc/power.on $vmid
        sleep 5
done
exit 0
