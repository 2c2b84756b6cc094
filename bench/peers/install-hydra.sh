#!/usr/bin/env bash
# Builds Ory Hydra v2.3.0 from the Go module proxy into bench/.cache/hydra/hydra:
# a scratch module that requires it as a tool, with Hydra's own replace of
# gobuffalo/pop by ory/pop, built with SQLite. Skips what is there.
# BENCH_CACHE overrides bench/.cache.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_CACHE:-$here/.cache}/hydra
version=v2.3.0
mkdir -p "$dir"
cd "$dir"
if [ -x hydra ] && go version -m hydra 2>/dev/null | grep -q "github.com/ory/hydra/v2.*$version"; then
	echo "hydra: already built ($version)"
	exit 0
fi
# A scratch module outside the repository's go.work.
export GOWORK=off GOFLAGS=-mod=mod
[ -f go.mod ] || go mod init sesame-bench/hydra
go mod edit -replace github.com/gobuffalo/pop/v6=github.com/ory/pop/v6@v6.2.1-0.20241121111754-e5dfc0f3344b
go get -tool "github.com/ory/hydra/v2@$version"
go mod tidy
go build -tags sqlite,sqlite_omit_load_extension -o hydra github.com/ory/hydra/v2
./hydra version || true
