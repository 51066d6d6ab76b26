#!/usr/bin/env bash
# Lists backups and restores one into SQL Server. Installed in the image as
# `sqlserver-backup-restore`; the entrypoint's `list` and `restore` modes run it.
#
#   sqlserver-backup-restore list
#   sqlserver-backup-restore restore
#
# Where backups are (the same variables as the backup itself):
#   MINIO_ENDPOINT, MINIO_BUCKET, MINIO_ACCESS_KEY, MINIO_SECRET_KEY (required; keys
#   also as <NAME>_FILE), MINIO_REGION (us-east-1), MINIO_PATH (backups/sqlserver),
#   RESTORE_DATABASE (the backup's logical name, default $BACKUP_NAME or main)
# What to restore, and where:
#   RESTORE_BACKUP          latest (default) | <archive key or file name> | before:<time>
#   RESTORE_TARGET_HOST     SQL Server to import into (required)
#   RESTORE_TARGET_PORT     1433
#   RESTORE_TARGET_DATABASE a new or empty database (required)
#   RESTORE_TARGET_USERNAME sa
#   RESTORE_TARGET_PASSWORD (required; or RESTORE_TARGET_PASSWORD_FILE)
#   RESTORE_TRUST_CERT      false
#   RESTORE_FORCE           1 restores an archive without manifest or with a wrong checksum
#   RESTORE_ID              names this restore: its record <MINIO_PATH>/.restores/<id>.json
#                           in the bucket makes sure the same id never runs twice
#   RESTORE_TIMEOUT_SECONDS stop the import after this long (default: none)
# Exits non-zero with a clear message on every failure; the last line of a restore
# is "OUTCOME: succeeded", "OUTCOME: failed: <why>" or "OUTCOME: already-ran: <record>".
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
LOG_TAG=restore
# shellcheck source=image/lib.sh
source "$here/lib.sh"

RESTORING=0
# Fails the restore (or the listing) with the reason; a restore says so on its outcome line.
fail() {
    log ERROR "$1"
    if ((RESTORING)); then
        [[ -z "${RECORD:-}" ]] || finish_record failed "$1"
        echo "OUTCOME: failed: $1"
    fi
    exit 1
}

require_vars() {
    local var
    local -a missing=()
    for var in "$@"; do [[ -n "${!var:-}" ]] || missing+=("$var"); done
    ((${#missing[@]} == 0)) || fail "missing required environment variable(s): ${missing[*]}."
}

for var in MINIO_ACCESS_KEY MINIO_SECRET_KEY RESTORE_TARGET_PASSWORD; do file_env "$var"; done
require_vars MINIO_ENDPOINT MINIO_BUCKET MINIO_ACCESS_KEY MINIO_SECRET_KEY
mkdir -p "$GOBACKUP_DIR"
prefix="${MINIO_PATH:-backups/sqlserver}"
database="${RESTORE_DATABASE:-${BACKUP_NAME:-main}}"
[[ "$database" =~ ^[a-z][a-z0-9_-]{0,62}$ ]] || fail "RESTORE_DATABASE '$database' is not a backup name (lower-case letters, digits, - and _)."
folder="$prefix/$database"

# Fills ARCHIVES (key<TAB>size, oldest first; keys relative to the folder) and
# MANIFESTS (set of archive names that have one).
declare -a ARCHIVES=()
declare -A MANIFESTS=()
load_listing() {
    local listing name size
    listing="$(store_list "$folder" 2>&1)" ||
        fail "cannot list s3://$MINIO_BUCKET/$folder/ at $MINIO_ENDPOINT: $(redact "$listing" | tail -n 1) (check the endpoint, the bucket and the backup user's keys; a missing bucket also answers Access Denied)."
    while IFS=$'\t' read -r name size; do
        case "$name" in
            *.tar.manifest.json) MANIFESTS["${name%.manifest.json}"]=1 ;;
            *.tar) ARCHIVES+=("$name"$'\t'"$size") ;;
        esac
    done <<<"$listing"
}

cmd_list() {
    load_listing
    if ((${#ARCHIVES[@]} == 0)); then
        log INFO "no backups under s3://$MINIO_BUCKET/$folder/."
        return 0
    fi
    printf '%-20s  %12s  %-8s  %s\n' "TIME" "BYTES" "MANIFEST" "KEY"
    local entry name size when epoch
    for entry in "${ARCHIVES[@]}"; do
        name="${entry%%$'\t'*}" size="${entry##*$'\t'}"
        if epoch="$(archive_epoch "$name")"; then when="$(date -d "@$epoch" '+%Y-%m-%d %H:%M:%S')"; else when="?"; fi
        printf '%-20s  %12s  %-8s  %s\n' "$when" "$size" "$([[ -n "${MANIFESTS[$name]:-}" ]] && echo yes || echo no)" "$folder/$name"
    done
}

# Sets SELECTED to the archive name RESTORE_BACKUP selects.
SELECTED=""
select_archive() {
    local wanted="${RESTORE_BACKUP:-latest}" entry name chosen="" limit
    ((${#ARCHIVES[@]} > 0)) || fail "no backups under s3://$MINIO_BUCKET/$folder/: nothing to restore."
    case "$wanted" in
        latest)
            chosen="${ARCHIVES[-1]%%$'\t'*}"
            ;;
        before:*)
            limit="$(date -d "${wanted#before:}" +%s 2>/dev/null)" ||
                fail "RESTORE_BACKUP '$wanted': '${wanted#before:}' is not a time date understands (e.g. before:2026-11-23T02:30:00Z)."
            for entry in "${ARCHIVES[@]}"; do
                name="${entry%%$'\t'*}"
                if (($(archive_epoch "$name") < limit)); then chosen="$name"; fi
            done
            [[ -n "$chosen" ]] || fail "no backup of $database was taken before ${wanted#before:}."
            ;;
        *)
            for entry in "${ARCHIVES[@]}"; do
                name="${entry%%$'\t'*}"
                if [[ "$name" == "${wanted##*/}" ]]; then chosen="$name"; fi
            done
            [[ -n "$chosen" ]] || fail "RESTORE_BACKUP '$wanted' is not among the backups of $database (run 'list'); use latest, a key, or before:<time>."
            ;;
    esac
    SELECTED="$chosen"
}

# The id's record in the bucket: written when the restore starts, completed when it ends.
RECORD=""
claim_record() {
    local id="$1" existing
    RECORD="$prefix/.restores/$id.json"
    if existing="$(store cat "store/$MINIO_BUCKET/$RECORD" 2>/dev/null)"; then
        local summary
        summary="$(jq -r '"started \(.startedAt), \(.result // "unfinished")\(if .reason then ": " + .reason else "" end) (s3://'"$MINIO_BUCKET/$RECORD"')"' <<<"$existing" 2>/dev/null || echo "s3://$MINIO_BUCKET/$RECORD")"
        RECORD=""
        log WARN "restore '$id' already ran: $summary. Nothing is done; use a new id to restore again."
        echo "OUTCOME: already-ran: $summary"
        exit 0
    fi
    write_record "$(jq -n --arg id "$id" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg db "$database" --arg host "$RESTORE_TARGET_HOST" --arg target "$RESTORE_TARGET_DATABASE" \
        '{id: $id, startedAt: $at, backupName: $db, targetHost: $host, targetDatabase: $target}')" || fail "cannot write the restore's record s3://$MINIO_BUCKET/$RECORD."
}

write_record() {
    printf '%s\n' "$1" | store pipe "store/$MINIO_BUCKET/$RECORD" >/dev/null
    CURRENT_RECORD="$1"
}

finish_record() {
    local result="$1" reason="${2:-}"
    write_record "$(jq --arg result "$result" --arg reason "$reason" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg archive "${SELECTED:-}" \
        '. + {result: $result, finishedAt: $at, archive: $archive} + (if $reason == "" then {} else {reason: $reason} end)' <<<"$CURRENT_RECORD")" ||
        log WARN "could not complete the restore's record s3://$MINIO_BUCKET/$RECORD."
}

cmd_restore() {
    RESTORING=1
    require_vars RESTORE_TARGET_HOST RESTORE_TARGET_DATABASE RESTORE_TARGET_PASSWORD
    local port="${RESTORE_TARGET_PORT:-1433}" user="${RESTORE_TARGET_USERNAME:-sa}" force="${RESTORE_FORCE:-0}"
    [[ "$port" =~ ^[0-9]{1,5}$ ]] || fail "RESTORE_TARGET_PORT must be a port number."
    local word
    for word in "$RESTORE_TARGET_HOST" "$RESTORE_TARGET_DATABASE" "$user"; do
        [[ ! "$word" =~ [[:space:]] ]] || fail "the restore target's host, database and user must not contain whitespace."
    done
    if [[ -n "${RESTORE_ID:-}" ]]; then
        [[ "$RESTORE_ID" =~ ^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$ ]] || fail "RESTORE_ID '$RESTORE_ID' must be 1-20 lower-case letters, digits or '-'."
        claim_record "$RESTORE_ID"
    fi

    load_listing
    select_archive
    local key="$folder/$SELECTED"
    log INFO "restoring $key into database $RESTORE_TARGET_DATABASE on $RESTORE_TARGET_HOST,$port."

    # Global, not local: the EXIT trap runs after this function has returned.
    work="$(mktemp -d "$WORKDIR/restore.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    store cp "store/$MINIO_BUCKET/$key" "$work/archive.tar" >/dev/null || fail "could not download $key."

    if [[ -z "${MANIFESTS[$SELECTED]:-}" ]]; then
        [[ "$force" == 1 ]] || fail "$key has no manifest, so its integrity cannot be checked (its backup may have failed). Set RESTORE_FORCE=1 to restore it anyway."
        log WARN "$key has no manifest; restoring unverified because RESTORE_FORCE=1."
    else
        local expected actual
        expected="$(store cat "store/$MINIO_BUCKET/$key.manifest.json" | jq -r '.archive.sha256')" || fail "could not read $key.manifest.json."
        actual="$(sha256sum "$work/archive.tar" | cut -d' ' -f1)"
        if [[ "$expected" != "$actual" ]]; then
            [[ "$force" == 1 ]] || fail "$key is corrupt: its SHA-256 is $actual, the manifest says $expected. Restore another backup, or set RESTORE_FORCE=1 to use it anyway."
            log WARN "$key does not match its manifest; restoring anyway because RESTORE_FORCE=1."
        else
            log INFO "verified $key: sha256 $actual matches its manifest."
        fi
    fi

    mkdir "$work/extracted"
    tar -xf "$work/archive.tar" -C "$work/extracted" || fail "$key is not a readable tar archive."
    local bacpac
    bacpac="$(find "$work/extracted" -type f -name '*.bacpac' | sort | head -n 1)"
    [[ -n "$bacpac" ]] || fail "$key holds no .bacpac file."

    # sqlpackage takes the password only on its command line (no file or variable
    # form), so it is visible in this container's process list while the import runs.
    local -a args=(/Action:Import "/SourceFile:$bacpac" "/TargetServerName:$RESTORE_TARGET_HOST,$port"
        "/TargetDatabaseName:$RESTORE_TARGET_DATABASE" "/TargetUser:$user" "/TargetPassword:$RESTORE_TARGET_PASSWORD")
    [[ "${RESTORE_TRUST_CERT:-false}" != true ]] || args+=(/TargetTrustServerCertificate:True)
    local -a deadline=()
    [[ -z "${RESTORE_TIMEOUT_SECONDS:-}" ]] || deadline=(timeout "$RESTORE_TIMEOUT_SECONDS")
    local status=0
    TMPDIR="$work" "${deadline[@]}" sqlpackage "${args[@]}" || status=$?
    if ((status == 124)) && ((${#deadline[@]} > 0)); then
        fail "the import did not finish within $RESTORE_TIMEOUT_SECONDS seconds and was stopped; the target database may be partly written: drop it before a new restore."
    elif ((status != 0)); then
        fail "sqlpackage import failed (exit $status): the target database must be new or empty, and the login must be allowed to create it."
    fi
    log INFO "restored $key into $RESTORE_TARGET_DATABASE on $RESTORE_TARGET_HOST,$port."
    [[ -z "$RECORD" ]] || finish_record succeeded
    echo "OUTCOME: succeeded"
}

case "${1:-}" in
    list) cmd_list ;;
    restore) cmd_restore ;;
    *)
        echo "usage: $0 list | restore   (settings in the environment; see the header of this script)" >&2
        exit 2
        ;;
esac
