#!/usr/bin/env bash
# Writes to stdout a root filesystem tar built from Debian's busybox-static: /bin/busybox, one
# symlink per applet, and the minimal /etc files an image needs.
set -euo pipefail
src=${BUSYBOX:-/bin/busybox}
[ -x "$src" ] || { echo "busybox-static is not installed ($src missing)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var,home,proc,sys,dev}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$src" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
P
cat >"$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
tty:x:5:
nogroup:x:65534:
G
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime='2024-01-01 00:00:00' -C "$root" -cf - .
