#!/usr/bin/env bash
# image/build.sh [TAG] [extra docker build args...]: builds the image with the
# versions, links and checksums pinned in image/versions.env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tag="${1:-sqlserver-backup:dev}"
shift || true

# shellcheck source=image/versions.env
source "$here/versions.env"
args=()
for tool in SQLPACKAGE GOBACKUP MC; do
    for field in VERSION URL SHA256; do
        name="${tool}_${field}"
        args+=(--build-arg "$name=${!name}")
    done
done
revision="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
exec docker build --platform linux/amd64 "${args[@]}" --build-arg "VCS_REF=$revision" --tag "$tag" "$@" "$here"
