#!/usr/bin/env bash
# Downloads the artifacts named in image/versions.env and writes their SHA-256
# checksums into it. Run on a machine with internet access after changing a
# version or link; review and commit the diff.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=image/versions.env
source versions.env
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pin() {
    local name="$1" url="$2" sum
    curl --fail --silent --show-error --location --retry 3 --output "$tmp/$name" "$url"
    sum="$(sha256sum "$tmp/$name" | cut -d' ' -f1)"
    sed -i "s/^${name}_SHA256=.*/${name}_SHA256=${sum}/" versions.env
    echo "${name}_SHA256=${sum}"
}

pin SQLPACKAGE "$SQLPACKAGE_URL"
pin GOBACKUP "$GOBACKUP_URL"
