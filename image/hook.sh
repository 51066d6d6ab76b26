#!/usr/bin/env bash
# GoBackup's before_script and after_script for every model (the rendered config says
# so); installed in the image as `sqlserver-backup-hook`.
#
#   sqlserver-backup-hook start  MODEL
#   sqlserver-backup-hook finish MODEL ENDPOINT BUCKET PATH
#
# `finish` runs after every run, failed or not (GoBackup runs after_script once its
# temp dir is gone). It finds this run's archive in the bucket and, only for bytes
# proven to be the bucket's object, writes <archive>.manifest.json: size from the
# bucket, SHA-256 of exactly the bytes the bucket returns, the bacpacs inside. It
# prunes manifests whose archive `keep` deleted, and records the run's outcome (with
# the reason when it failed) for the health check and the entrypoint's `once`.
# GoBackup only logs this script's exit status, so it never fails a run itself.
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
LOG_TAG=hook
# shellcheck source=image/lib.sh
source "$here/lib.sh"

# GoBackup's log on the volume is appended to forever; keep its last part only.
readonly LOG_LIMIT_BYTES="${GOBACKUP_LOG_LIMIT_BYTES:-10485760}"


# Keeps GoBackup's log under LOG_LIMIT_BYTES: the last part moves to gobackup.log.1
# and the file is truncated in place (GoBackup appends, so it carries on at the start).
rotate_log() {
    [[ -f "$GOBACKUP_LOG" ]] || return 0
    local size
    size="$(stat -c %s "$GOBACKUP_LOG")"
    ((size > LOG_LIMIT_BYTES)) || return 0
    tail -c "$((LOG_LIMIT_BYTES / 10))" "$GOBACKUP_LOG" >"$GOBACKUP_LOG.1"
    : >"$GOBACKUP_LOG"
    log INFO "rotated $GOBACKUP_LOG ($size bytes; its last part is in $GOBACKUP_LOG.1)."
}

cmd_start() {
    local model="$1" offset=0
    rotate_log
    [[ -f "$GOBACKUP_LOG" ]] && offset="$(stat -c %s "$GOBACKUP_LOG")"
    health_set "$model" started-at "$(date +%s)"
    health_set "$model" log-offset "$offset"
    health_set "$model" finished-at ""
    health_set "$model" reason ""
    health_set "$model" result running
}

# GoBackup's own error lines for this run (its log since `start`), secrets redacted.
run_errors() {
    local offset="$1"
    [[ -f "$GOBACKUP_LOG" ]] || return 0
    tail -c "+$((offset + 1))" "$GOBACKUP_LOG" | sed 's/\x1b\[[0-9;]*m//g' | grep -iE 'error|fail|denied|refused|cannot' | tail -n 3 | cut -c1-400 |
        while IFS= read -r line; do redact "$line"; printf '\n'; done
}

fail() {
    local model="$1" reason="$2"
    log ERROR "model $model: $reason"
    log WARN "model $model: no manifest was written for this run."
    health_set "$model" reason "$reason"
    health_set "$model" finished-at "$(date +%s)"
    health_set "$model" result failed
    exit 0
}

# This run's archive: the newest "<time>.tar" directly under the folder whose name
# (GoBackup's local time, this container's clock) is not older than the run's start.
find_archive() {
    local listing="$1" started="$2" key best="" best_epoch=0 epoch
    while IFS=$'\t' read -r key _; do
        [[ "$key" == *.tar ]] || continue
        epoch="$(archive_epoch "$key")" || continue
        if ((epoch >= started && epoch >= best_epoch)); then
            best="$key" best_epoch="$epoch"
        fi
    done <<<"$listing"
    printf '%s' "$best"
}

cmd_finish() {
    local model="$1"
    export MINIO_ENDPOINT="$2" MINIO_BUCKET="$3"
    local folder="$4" started offset listing name key
    started="$(health_get "$model" started-at)"
    offset="$(health_get "$model" log-offset)"
    started="${started:-0}" offset="${offset:-0}"
    listing="$(store_list "$folder" 2>&1)" ||
        fail "$model" "cannot list s3://$MINIO_BUCKET/$folder/ at $MINIO_ENDPOINT: $(redact "$listing" | tail -n 1) (a bucket that does not exist, or is outside the backup user's policy, answers Access Denied)"
    name="$(find_archive "$listing" "$started")"
    if [[ -z "$name" ]]; then
        local errors
        errors="$(run_errors "$offset" | paste -sd '|' - | sed 's/|/ | /g')"
        fail "$model" "no archive of this run reached s3://$MINIO_BUCKET/$folder/${errors:+; GoBackup said: $errors}"
    fi
    key="$folder/$name"

    # The object's size as the bucket reports it, then one pass over exactly the
    # bytes it returns: their SHA-256, their count and the bacpacs inside.
    local size
    size="$(store stat --json "store/$MINIO_BUCKET/$key" | jq -r '.size')" || fail "$model" "cannot read the size of $key from the bucket."
    # Global, not local: the EXIT trap runs after this function has returned.
    work="$(mktemp -d "${TMPDIR:-/tmp}/hook.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    mkfifo "$work/to-tar" "$work/to-count"
    tar -tvf - <"$work/to-tar" >"$work/listing" 2>/dev/null &
    local tar_pid=$!
    wc -c <"$work/to-count" >"$work/count" &
    local count_pid=$!
    local sha256="" tar_status=0
    if sha256="$(set -o pipefail; store cat "store/$MINIO_BUCKET/$key" | tee -p "$work/to-tar" "$work/to-count" | sha256sum | cut -d' ' -f1)"; then :; else
        wait "$tar_pid" "$count_pid" || true
        fail "$model" "cannot read $key back from the bucket."
    fi
    wait "$tar_pid" || tar_status=$?
    wait "$count_pid" || true
    local count
    count="$(tr -d ' ' <"$work/count")"
    [[ "$count" == "$size" ]] || fail "$model" "$key: the bucket reports $size bytes but returned $count."
    ((tar_status == 0)) || fail "$model" "$key in the bucket is not a readable tar archive."
    local databases
    databases="$(awk '$NF ~ /\.bacpac$/ {print $3 "\t" $NF}' "$work/listing" | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {bacpac: .[1], name: (.[1] | split("/") | last | sub("\\.bacpac$"; "")), size: (.[0] | tonumber)})')"
    [[ "$databases" != "[]" ]] || fail "$model" "$key holds no .bacpac file."

    jq -n \
        --arg model "$model" --arg key "$key" --argjson size "$size" --arg sha256 "$sha256" --argjson databases "$databases" \
        --arg sqlpackage "$(sqlpackage /Version 2>/dev/null | head -n 1 || true)" --arg gobackup "$(gobackup -v 2>/dev/null | head -n 1 || true)" \
        --arg startedAt "$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ)" --arg finishedAt "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(hostname)" \
        '{formatVersion: 2, model: $model, archive: {key: $key, size: $size, sha256: $sha256, verifiedFrom: "bucket"}, databases: $databases,
          sqlpackageVersion: $sqlpackage, gobackupVersion: $gobackup, startedAt: $startedAt, finishedAt: $finishedAt, host: $host}' >"$work/manifest.json"
    store pipe "store/$MINIO_BUCKET/$key.manifest.json" <"$work/manifest.json" >/dev/null ||
        fail "$model" "could not write $key.manifest.json; restore will refuse this archive unless forced."
    log INFO "model $model: verified $key in the bucket ($size bytes, sha256 $sha256); wrote $key.manifest.json."

    # Manifests whose archive is gone (GoBackup's keep deleted it) go too.
    local manifest
    while IFS=$'\t' read -r manifest _; do
        [[ "$manifest" == *.tar.manifest.json ]] || continue
        if ! grep -qxF "${manifest%.manifest.json}" <(cut -f1 <<<"$listing"); then
            store rm "store/$MINIO_BUCKET/$folder/$manifest" >/dev/null && log INFO "model $model: removed $folder/$manifest (its archive is gone)."
        fi
    done < <(store_list "$folder")

    local now
    now="$(date +%s)"
    health_set "$model" archive "$key"
    health_set "$model" sha256 "$sha256"
    health_set "$model" last-success-at "$now"
    health_set "$model" finished-at "$now"
    health_set "$model" result succeeded
}

case "${1:-}" in
    start) cmd_start "$2" ;;
    finish) cmd_finish "$2" "$3" "$4" "$5" ;;
    *)
        echo "usage: $0 start MODEL | finish MODEL ENDPOINT BUCKET PATH" >&2
        exit 2
        ;;
esac
