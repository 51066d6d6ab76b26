#!/usr/bin/env bash
# Integrity manifests, written next to each archive that reached the bucket.
# GoBackup runs this as its before_script and after_script (the rendered config
# says so); installed in the image as `sqlserver-backup-manifest`.
#
#   sqlserver-backup-manifest start  MODEL
#   sqlserver-backup-manifest finish MODEL LOCAL_DIR ENDPOINT BUCKET PATH REGION
#
# `finish` writes <PATH>/<archive>.manifest.json only when this run's archive is
# in the bucket: GoBackup runs after_script after failed runs too, and a manifest
# must vouch only for a backup that succeeded. Its exit status is only logged by
# GoBackup, so it never turns a good backup into a failed one.
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=image/s3.sh
source "$here/s3.sh"

log() { printf '%s %-5s manifest: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"; }

state_dir="${GOBACKUP_DIR:-${GOBACKUP_WORKDIR:-/tmp/gobackup}/.gobackup}"
mkdir -p "$state_dir"

case "${1:-}" in
    start)
        date +%s >"$state_dir/run-$2.started"
        exit 0
        ;;
    finish) ;;
    *)
        echo "usage: $0 start MODEL | finish MODEL LOCAL_DIR ENDPOINT BUCKET PATH REGION" >&2
        exit 2
        ;;
esac

model="$2" local_dir="$3"
export S3_ENDPOINT="$4" S3_BUCKET="$5" S3_REGION="$7"
path="$6"
started="$(cat "$state_dir/run-$model.started" 2>/dev/null || echo 0)"
finished="$(date +%s)"

# This run's archive: the newest local copy written since the run started.
archive=""
if [[ -d "$local_dir" ]]; then
    newest="$(find "$local_dir" -maxdepth 1 -type f -name '*.tar' -newermt "@$started" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)"
    archive="${newest:-}"
fi
if [[ -z "$archive" ]]; then
    log WARN "model $model: no archive from this run in $local_dir (the run failed before archiving, or local copies are off); no manifest."
    exit 0
fi
key="$path/$(basename "$archive")"
status=0
s3_head "$key" || status=$?
if ((status != 0)); then
    log WARN "model $model: $key is not in the bucket (the upload failed); no manifest, the local copy is kept."
    exit 0
fi

size="$(stat -c %s "$archive")"
sha256="$(sha256sum "$archive" | cut -d' ' -f1)"
databases=""
while read -r entry_size entry_path; do
    [[ -n "$entry_path" ]] || continue
    database="$(basename "$entry_path" .bacpac)"
    [[ -z "$databases" ]] || databases+=","
    databases+="$(printf '\n    {"name": "%s", "bacpac": "%s", "size": %s}' "$database" "$entry_path" "$entry_size")"
done < <(tar -tvf "$archive" | awk '$NF ~ /\.bacpac$/ {print $3, $NF}')
# Versions as JSON-safe text: letters, digits and a few separators only.
json_safe() { tr -cd 'A-Za-z0-9 ._+()-'; }
sqlpackage_version="$(sqlpackage /Version 2>/dev/null | head -n 1 | json_safe || true)"
gobackup_version="$(gobackup -v 2>/dev/null | head -n 1 | json_safe || true)"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

manifest="$(mktemp)"
trap 'rm -f "$manifest"' EXIT
cat >"$manifest" <<EOF
{
  "formatVersion": 1,
  "model": "$model",
  "archive": {"key": "$key", "size": $size, "sha256": "$sha256"},
  "databases": [$databases
  ],
  "sqlpackageVersion": "$sqlpackage_version",
  "gobackupVersion": "$gobackup_version",
  "startedAt": "$(iso "$started")",
  "finishedAt": "$(iso "$finished")",
  "host": "$(hostname)"
}
EOF
if s3_put "$manifest" "$key.manifest.json" application/json; then
    log INFO "model $model: wrote $key.manifest.json (sha256 $sha256)."
else
    log ERROR "model $model: could not write $key.manifest.json; restore will refuse this archive unless forced."
    exit 1
fi
