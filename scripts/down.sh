#!/usr/bin/env bash
# `npm run down`: stops the berthd started by `npm run up` (SIGTERM, clean shutdown).
set -euo pipefail
pidfile=/run/berth/berthd.pid
if [ ! -f "$pidfile" ]; then
  echo "berthd is not running"
  exit 0
fi
pid=$(cat "$pidfile")
if kill -TERM "$pid" 2>/dev/null; then
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { echo "berthd stopped"; exit 0; }
    sleep 0.1
  done
  echo "berthd did not stop within 10 s" >&2
  exit 1
fi
echo "berthd is not running"
