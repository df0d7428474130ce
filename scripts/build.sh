#!/usr/bin/env bash
# The build, wherever it runs (`npm run build`, scripts/test.sh, scripts/setup.sh): tsc, then the
# wire validators compiled from their TypeBox schemas (src/wire/codegen.ts) into dist/, which
# berthd loads instead of TypeBox and ajv; likewise the compose-spec schema's validator (src/compose/codegen.ts).
# Last, berthd is bundled into one file (src/daemon/bundle.ts), which dist/src/daemon/main.js loads.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
NODE="$here/scripts/node.sh"
"$NODE" node_modules/typescript/bin/tsc -p tsconfig.json
"$NODE" dist/src/wire/codegen.js
"$NODE" dist/src/compose/codegen.js
"$NODE" dist/src/daemon/bundle.js
