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
# The agent reports its version (status, metrics, the outcome line): the package's
# version from package.json next to image/ (the repository or the installed package),
# with the commit when there is one.
version="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$here/../package.json" 2>/dev/null || true)"
version="${version:-unknown}"
[[ "$revision" == unknown ]] || version="$version+$revision"
exec docker build --platform linux/amd64 "${args[@]}" --build-arg "VCS_REF=$revision" --build-arg "AGENT_VERSION=$version" --tag "$tag" "$@" "$here"
