#!/usr/bin/env bash
# Installs the tools the integration tier runs for real, into .tools/bin:
#   minio, mc   built with `go install` from their Go modules (MinIO's documented
#               way to build from source), pinned below.
# Idempotent: a tool already built at the pinned version is kept. Go's module and
# build caches make a rebuild after a version bump incremental.
set -euo pipefail

# Pinned versions (pseudo-versions: neither module publishes semver tags on the proxy).
readonly MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
readonly MC_VERSION="v0.0.0-20250313080218-cf909e1063a9"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${TOOLS_DIR:-$repo_root/.tools}"
bin_dir="$tools_dir/bin"
mkdir -p "$bin_dir"

log() { printf '%s install-test-tools: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# go_tool NAME MODULE VERSION: builds MODULE@VERSION into bin_dir unless already there.
go_tool() {
    local name="$1" module="$2" version="$3"
    local stamp="$tools_dir/$name.version"
    if [[ -x "$bin_dir/$name" && -f "$stamp" && "$(cat "$stamp")" == "$module@$version" ]]; then
        log "$name $version already built"
        return
    fi
    command -v go >/dev/null || { log "go is required to build $name"; exit 1; }
    log "building $name from $module@$version (first build takes a few minutes)"
    GOBIN="$bin_dir" GOFLAGS="-buildvcs=false" go install "$module@$version"
    printf '%s\n' "$module@$version" >"$stamp"
}

go_tool minio github.com/minio/minio "$MINIO_VERSION"
go_tool mc github.com/minio/mc "$MC_VERSION"

log "tools ready in $bin_dir"
