#!/usr/bin/env bash
# Downloads every file named in the register (image/artifacts.env) and checks it
# against its pinned SHA-256. With --update, writes the downloaded files' checksums
# into the register instead (after changing a version or link; review and commit the
# diff). Needs internet access. Image digests are checked with `docker buildx
# imagetools inspect <image>` (see the README's "Mirrors").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

update=0
[[ "${1:-}" == "--update" ]] && update=1
# shellcheck source=image/artifacts.env
source artifacts.env
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

status=0
for name in SQLPACKAGE GOBACKUP; do
    url_var="${name}_URL" sum_var="${name}_SHA256"
    curl --fail --silent --show-error --location --retry 3 --output "$tmp/$name" "${!url_var}"
    sum="$(sha256sum "$tmp/$name" | cut -d' ' -f1)"
    if ((update)); then
        sed -i "s/^${sum_var}=.*/${sum_var}=${sum}/" artifacts.env
        echo "${sum_var}=${sum}"
    elif [[ "$sum" == "${!sum_var}" ]]; then
        echo "ok       $name $sum"
    else
        echo "MISMATCH $name: pinned ${!sum_var}, downloaded $sum" >&2
        status=1
    fi
done
exit "$status"
