#!/usr/bin/env bash
# Docker HEALTHCHECK of the daemon: healthy only while every model has had a
# successful upload within BACKUP_MAX_AGE_SECONDS (default 26 hours, for the daily
# default schedule; the component sets it from the cron expression).
#
# GoBackup writes a model's retention state, $GOBACKUP_DIR/cycler/<model>_minio.json,
# only after that model's archive reached MinIO, so its age is the age of the last
# successful backup. Before the first one, the container's start time counts, so a
# fresh container is healthy until the first backup is overdue.
set -euo pipefail

WORKDIR="${GOBACKUP_WORKDIR:-/tmp/gobackup}"
GOBACKUP_DIR="${GOBACKUP_DIR:-$WORKDIR/.gobackup}"
max_age="${BACKUP_MAX_AGE_SECONDS:-93600}"

[[ -f "$GOBACKUP_DIR/started-at" ]] || { echo "unhealthy: the entrypoint has not started GoBackup"; exit 1; }
started="$(cat "$GOBACKUP_DIR/started-at")"
now="$(date +%s)"
status=0
while IFS= read -r model; do
    [[ -n "$model" ]] || continue
    last="$started"
    for state in "$GOBACKUP_DIR/cycler/${model}_minio.json" "$GOBACKUP_DIR/cycler/${model}.json"; do
        if [[ -f "$state" ]]; then
            uploaded="$(stat -c %Y "$state")"
            ((uploaded > last)) && last="$uploaded"
        fi
    done
    age=$((now - last))
    if ((age > max_age)); then
        echo "unhealthy: no successful backup of model '$model' for ${age}s (limit ${max_age}s)"
        status=1
    else
        echo "ok: model '$model', last success or start ${age}s ago"
    fi
done <"$GOBACKUP_DIR/models"
exit "$status"
