#!/usr/bin/env bash
# `npm run up`: install what is missing, start berthd (or reuse the running one), make the base
# image busybox:latest from Debian's busybox-static if absent, and show that it all works.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
bash scripts/setup.sh

berth="$here/bin/berth"
export BERTH_HOST="unix:///run/berth/berthd.sock"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if "$berth" version >/dev/null 2>&1; then
  say "berthd is already running"
else
  say "starting berthd (log: /var/log/berth/berthd.log)"
  mkdir -p /var/log/berth /run/berth
  setsid nohup "$here/bin/berthd" >>/var/log/berth/berthd.log 2>&1 </dev/null &
  for _ in $(seq 1 100); do
    "$berth" version >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! "$berth" version >/dev/null 2>&1; then
    echo "berthd did not come up; last log lines:" >&2
    tail -n 20 /var/log/berth/berthd.log >&2
    exit 1
  fi
fi

if ! "$berth" image inspect busybox:latest >/dev/null 2>&1; then
  say "creating busybox:latest from Debian's busybox-static"
  bash scripts/make-busybox-rootfs.sh | "$berth" import -c 'CMD ["sh"]' -m "busybox from Debian busybox-static" - busybox:latest >/dev/null
fi

"$berth" version
echo
"$berth" images
echo
say "a first container: berth run --rm busybox echo ..."
"$berth" run --rm busybox echo "hello from a berth container"
