#!/usr/bin/env bash
# Installs what the ESXi simulators and the script checks need, on Debian as root. Idempotent.
set -euo pipefail
missing=()
# chromium and its driver render the HTML boot report in a test; Go and govmomi's sources build the vSphere
# API simulator (tests/VSphereSim); pyvmomi is the benchmark's peer for the API.
for package in openssh-server busybox-static shellcheck pssh chromium chromium-driver golang-go golang-github-vmware-govmomi-dev python3-pyvmomi; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The chroots run Debian's regular BusyBox build (1.35, the same ash). busybox-static is built with
# FEATURE_SH_STANDALONE, whose ash runs NOEXEC applets such as date in-process, so the simulated
# clock could not stand in for date. The two packages conflict, so this one is unpacked, not installed.
destination=/var/lib/vmboot-sim/busybox
if [ ! -x "$destination/busybox" ]; then
    work=$(mktemp -d)
    chmod 777 "$work"
    (cd "$work" && apt-get download -qq busybox)
    dpkg-deb -x "$work"/busybox_*.deb "$work/unpacked"
    install -D -m 755 "$work/unpacked/bin/busybox" "$destination/busybox"
    rm -rf "$work"
fi
