#!/usr/bin/env bash
# `npm test`: build, layering lint, then every test layer: unit and API tests always; privileged
# integration, docker-CLI e2e tests and docker-py's integration suite as root (each starts its own
# berthd on temp dirs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
NODE="$here/scripts/node.sh"

if [ ! -d node_modules ]; then
  echo "node_modules is missing: run 'npm run up' first" >&2
  exit 1
fi
echo "== build"
rm -rf dist
bash scripts/build.sh
echo "== lint: module layering"
"$NODE" node_modules/dependency-cruiser/bin/dependency-cruise.mjs --config .dependency-cruiser.cjs --output-type err src
echo "== lint: promises"
"$NODE" node_modules/eslint/bin/eslint.js .

if [ "$(id -u)" = 0 ]; then
  export BERTH_TEST_ROOT=1
else
  echo "(not root: skipping privileged integration and e2e tests)"
fi
shopt -s globstar nullglob
files=()
if [ "${BERTH_TEST_ROOT:-}" = 1 ]; then
  # docker-py's suite (against its own berthd) is the longest file: first, so the others share
  # the second slot meanwhile.
  files+=(dist/test/conformance/docker-py.test.js)
fi
for pattern in 'dist/src/**/*.test.js' 'dist/test/api/*.test.js'; do files+=($pattern); done
if [ "${BERTH_TEST_ROOT:-}" = 1 ]; then
  for pattern in 'dist/test/integration/*.test.js' 'dist/test/e2e/*.test.js'; do files+=($pattern); done
fi
echo "== tests (${#files[@]} files)"
exec "$NODE" --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
