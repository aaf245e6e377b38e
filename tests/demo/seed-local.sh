#!/bin/sh

# local configuration options

# The seed article's recipe, verbatim but for the datastore name.
LOGS=/vmfs/volumes/shared\ ds/`hostname`.txt
date >> "$LOGS"
vim-cmd vmsvc/getallvms >> "$LOGS"
sleep 300
date >> "$LOGS"
vim-cmd vmsvc/getallvms >> "$LOGS"

for vmid in `vim-cmd vmsvc/getallvms | grep "shared ds" | awk '{ print $1 }'`
do
        vim-cmd vmsvc/power.on $vmid
        sleep 5
done

date >> "$LOGS"
echo "boot finished" >> "$LOGS"
exit 0
