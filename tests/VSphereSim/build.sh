#!/bin/sh
# Builds vspheresim in GOPATH mode against Debian's govmomi sources (golang-github-vmware-govmomi-dev):
# nothing is downloaded. Usage: build.sh OUTPUT
set -eu
out=$1
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
mkdir -p "$(dirname "$out")"
here=$(cd "$(dirname "$0")" && pwd)
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/vmboot"
cp "$here/main.go" "$gopath/src/vmboot/"
cd "$gopath/src/vmboot"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="${GOCACHE:-$HOME/.cache/go-build}" go build -o "$out" .
