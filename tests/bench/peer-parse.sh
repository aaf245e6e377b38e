#!/bin/sh
# The classic pipeline (as ghettoVCB does it): squeeze 3+ blanks, split on three spaces, print fields.
sed 's/[[:blank:]]\{3,\}/   /g' "$1" | awk -F'   ' '{ print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 }'
