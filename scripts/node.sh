#!/usr/bin/env bash
# Runs Node 24 LTS: the project's own copy (.node/, installed by scripts/setup.sh) when the
# system's Node is older than 22, else the system's. Every berth entry point goes through here.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -x "$here/.node/bin/node" ]; then
  exec "$here/.node/bin/node" "$@"
fi
exec node "$@"
