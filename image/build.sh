#!/usr/bin/env bash
# image/build.sh [TAG] [extra docker build args...]: builds the image with the images,
# versions, links and checksums of the register, image/artifacts.env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tag="${1:-sqlserver-backup:dev}"
shift || true

# shellcheck source=image/artifacts.env
source "$here/artifacts.env"
args=()
for name in BASE_IMAGE GO_BUILDER_IMAGE SQLPACKAGE_VERSION SQLPACKAGE_URL SQLPACKAGE_SHA256 GOBACKUP_VERSION GOBACKUP_URL GOBACKUP_SHA256; do
    args+=(--build-arg "$name=${!name}")
done
revision="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
exec docker build --platform linux/amd64 "${args[@]}" --build-arg "VCS_REF=$revision" --tag "$tag" "$@" "$here"
