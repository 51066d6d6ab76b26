#!/usr/bin/env bash
# Docker HEALTHCHECK of the daemon, and the entrypoint's `status`: unhealthy at once
# when a model's last run failed (with the reason), or when its last verified backup
# is older than BACKUP_MAX_AGE_SECONDS (default 26 hours, for the daily default
# schedule; the component sets it from the cron expression).
#
# The records are written by sqlserver-backup-hook after every run, on the workdir
# volume. Before a model's first success, the age counts from the first time this
# volume was used, which a container restart does not change.
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
LIB_DIR="${SQLSERVER_BACKUP_LIB:-/usr/local/lib/sqlserver-backup}"
[[ -f "$LIB_DIR/lib.sh" ]] || LIB_DIR="$here"
# shellcheck source=image/lib.sh
source "$LIB_DIR/lib.sh"

max_age="${BACKUP_MAX_AGE_SECONDS:-93600}"
[[ -f "$GOBACKUP_DIR/models" && -f "$HEALTH_DIR/first-started-at" ]] || { echo "unhealthy: the entrypoint has not prepared GoBackup (see the container's log)"; exit 1; }
first_started="$(<"$HEALTH_DIR/first-started-at")"
now="$(date +%s)"
status=0
while IFS= read -r model; do
    [[ -n "$model" ]] || continue
    result="$(health_get "$model" result)"
    last_success="$(health_get "$model" last-success-at)"
    if [[ "$result" == failed ]]; then
        echo "unhealthy: model '$model': the backup started $(date -u -d "@$(health_get "$model" started-at)" +%Y-%m-%dT%H:%M:%SZ) failed: $(health_get "$model" reason)"
        status=1
        continue
    fi
    age=$((now - ${last_success:-$first_started}))
    if ((age > max_age)); then
        echo "unhealthy: model '$model': no verified backup for ${age}s (limit ${max_age}s)${last_success:+; the last one was $(date -u -d "@$last_success" +%Y-%m-%dT%H:%M:%SZ)}"
        status=1
    elif [[ -n "$last_success" ]]; then
        echo "ok: model '$model': last verified backup ${age}s ago: $(health_get "$model" archive)${result:+ (now: $result)}"
    else
        echo "ok: model '$model': no backup yet; the first is due within $((max_age - age))s"
    fi
done <"$GOBACKUP_DIR/models"
exit "$status"
