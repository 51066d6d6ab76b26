#!/usr/bin/env bash
# Downloads every artifact named in image/versions.env and checks it against its
# pinned SHA-256. With --update, writes the downloaded files' checksums into
# versions.env instead (after changing a version or link; review and commit the diff).
# Needs internet access.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

update=0
[[ "${1:-}" == "--update" ]] && update=1
# shellcheck source=image/versions.env
source versions.env
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

status=0
for name in SQLPACKAGE GOBACKUP MC; do
    url_var="${name}_URL" sum_var="${name}_SHA256"
    curl --fail --silent --show-error --location --retry 3 --output "$tmp/$name" "${!url_var}"
    sum="$(sha256sum "$tmp/$name" | cut -d' ' -f1)"
    if ((update)); then
        sed -i "s/^${sum_var}=.*/${sum_var}=${sum}/" versions.env
        echo "${sum_var}=${sum}"
    elif [[ "$sum" == "${!sum_var}" ]]; then
        echo "ok       $name $sum"
    else
        echo "MISMATCH $name: pinned ${!sum_var}, downloaded $sum" >&2
        status=1
    fi
done
exit "$status"
