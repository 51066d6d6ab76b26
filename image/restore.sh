#!/usr/bin/env bash
# Lists backups and restores one into SQL Server. Installed in the image as
# `sqlserver-backup-restore`; the entrypoint's `list` and `restore` modes run it.
#
#   sqlserver-backup-restore list
#   sqlserver-backup-restore restore
#
# Where backups are (the same variables as the backup itself):
#   MINIO_ENDPOINT, MINIO_BUCKET, MINIO_ACCESS_KEY, MINIO_SECRET_KEY (required),
#   MINIO_REGION (us-east-1), MINIO_PATH (backups/sqlserver),
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
# Exits non-zero with a clear message on every failure.
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=image/s3.sh
source "$here/s3.sh"

log() { printf '%s %-5s restore: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"; }
die() {
    log ERROR "$1"
    exit 1
}

require_vars() {
    local var
    local -a missing=()
    for var in "$@"; do [[ -n "${!var:-}" ]] || missing+=("$var"); done
    ((${#missing[@]} == 0)) || die "missing required environment variable(s): ${missing[*]}."
}

require_vars MINIO_ENDPOINT MINIO_BUCKET MINIO_ACCESS_KEY MINIO_SECRET_KEY
export S3_ENDPOINT="$MINIO_ENDPOINT" S3_BUCKET="$MINIO_BUCKET" S3_REGION="${MINIO_REGION:-us-east-1}"
database="${RESTORE_DATABASE:-${BACKUP_NAME:-main}}"
[[ "$database" =~ ^[a-z][a-z0-9_-]{0,62}$ ]] || die "RESTORE_DATABASE '$database' is not a backup name (lower-case letters, digits, - and _)."
folder="${MINIO_PATH:-backups/sqlserver}/$database"

# Archive name -> seconds since the epoch. GoBackup names archives after its local
# time (2006.01.02.15.04.05), read here in the same TZ.
archive_epoch() {
    local stamp
    stamp="$(basename "$1" .tar)"
    [[ "$stamp" =~ ^([0-9]{4})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})$ ]] || return 1
    date -d "${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]} ${BASH_REMATCH[4]}:${BASH_REMATCH[5]}:${BASH_REMATCH[6]}" +%s
}

# Fills ARCHIVES (key<TAB>size, oldest first) and MANIFESTS (set of archive keys with one).
declare -a ARCHIVES=()
declare -A MANIFESTS=()
load_listing() {
    local key size
    local listing
    listing="$(s3_list "$folder/")" || die "cannot list s3://$MINIO_BUCKET/$folder/ at $MINIO_ENDPOINT."
    while IFS=$'\t' read -r key size; do
        [[ -n "$key" ]] || continue
        case "$key" in
            *.tar.manifest.json) MANIFESTS["${key%.manifest.json}"]=1 ;;
            */.gobackup-state/*) ;;
            *.tar) ARCHIVES+=("$key"$'\t'"$size") ;;
        esac
    done <<<"$listing"
    mapfile -t ARCHIVES < <(printf '%s\n' "${ARCHIVES[@]}" | sed '/^$/d' | sort)
}

cmd_list() {
    load_listing
    if ((${#ARCHIVES[@]} == 0)); then
        log INFO "no backups under s3://$MINIO_BUCKET/$folder/."
        return 0
    fi
    printf '%-20s  %12s  %-8s  %s\n' "TIME" "BYTES" "MANIFEST" "KEY"
    local entry key size when epoch
    for entry in "${ARCHIVES[@]}"; do
        key="${entry%%$'\t'*}" size="${entry##*$'\t'}"
        if epoch="$(archive_epoch "$key")"; then when="$(date -d "@$epoch" '+%Y-%m-%d %H:%M:%S')"; else when="?"; fi
        printf '%-20s  %12s  %-8s  %s\n' "$when" "$size" "$([[ -n "${MANIFESTS[$key]:-}" ]] && echo yes || echo no)" "$key"
    done
}

# Sets SELECTED to the archive key RESTORE_BACKUP selects (a global, so die() is not
# swallowed by a command substitution).
SELECTED=""
select_archive() {
    local wanted="${RESTORE_BACKUP:-latest}" entry key chosen="" limit
    ((${#ARCHIVES[@]} > 0)) || die "no backups under s3://$MINIO_BUCKET/$folder/: nothing to restore."
    case "$wanted" in
        latest)
            chosen="${ARCHIVES[-1]%%$'\t'*}"
            ;;
        before:*)
            limit="$(date -d "${wanted#before:}" +%s 2>/dev/null)" ||
                die "RESTORE_BACKUP '$wanted': '${wanted#before:}' is not a time date understands (e.g. before:2026-11-23T02:30:00Z)."
            for entry in "${ARCHIVES[@]}"; do
                key="${entry%%$'\t'*}"
                if (($(archive_epoch "$key") < limit)); then chosen="$key"; fi
            done
            [[ -n "$chosen" ]] || die "no backup of $database was taken before ${wanted#before:}."
            ;;
        *)
            for entry in "${ARCHIVES[@]}"; do
                key="${entry%%$'\t'*}"
                if [[ "$key" == "$wanted" || "$(basename "$key")" == "$wanted" ]]; then chosen="$key"; fi
            done
            [[ -n "$chosen" ]] || die "RESTORE_BACKUP '$wanted' is not among the backups of $database (run 'list'); use latest, a key, or before:<time>."
            ;;
    esac
    SELECTED="$chosen"
}

# Reads a JSON string or number field from the manifest (our own flat format).
manifest_field() {
    sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" "$1" | head -n 1
}

cmd_restore() {
    if [[ -n "${RESTORE_TARGET_PASSWORD:-}" && -n "${RESTORE_TARGET_PASSWORD_FILE:-}" ]]; then
        die "both RESTORE_TARGET_PASSWORD and RESTORE_TARGET_PASSWORD_FILE are set; set only one."
    fi
    if [[ -n "${RESTORE_TARGET_PASSWORD_FILE:-}" ]]; then
        [[ -r "$RESTORE_TARGET_PASSWORD_FILE" ]] || die "RESTORE_TARGET_PASSWORD_FILE points to '$RESTORE_TARGET_PASSWORD_FILE', which is not a readable file."
        RESTORE_TARGET_PASSWORD="$(<"$RESTORE_TARGET_PASSWORD_FILE")"
    fi
    require_vars RESTORE_TARGET_HOST RESTORE_TARGET_DATABASE RESTORE_TARGET_PASSWORD
    local port="${RESTORE_TARGET_PORT:-1433}" user="${RESTORE_TARGET_USERNAME:-sa}" force="${RESTORE_FORCE:-0}"
    [[ "$port" =~ ^[0-9]{1,5}$ ]] || die "RESTORE_TARGET_PORT must be a port number."
    local word
    for word in "$RESTORE_TARGET_HOST" "$RESTORE_TARGET_DATABASE" "$user" "$RESTORE_TARGET_PASSWORD"; do
        [[ ! "$word" =~ [[:space:]] ]] || die "the restore target's host, database, user and password must not contain whitespace."
    done

    load_listing
    select_archive
    local key="$SELECTED"
    log INFO "restoring $key into database $RESTORE_TARGET_DATABASE on $RESTORE_TARGET_HOST,$port."

    # Global, not local: the EXIT trap runs after this function has returned.
    work="$(mktemp -d "${GOBACKUP_WORKDIR:-${TMPDIR:-/tmp}}/restore.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    s3_get "$key" "$work/archive.tar" || die "could not download $key."

    if [[ -z "${MANIFESTS[$key]:-}" ]]; then
        [[ "$force" == 1 ]] || die "$key has no manifest, so its integrity cannot be checked (its backup may have failed). Set RESTORE_FORCE=1 to restore it anyway."
        log WARN "$key has no manifest; restoring unverified because RESTORE_FORCE=1."
    else
        s3_get "$key.manifest.json" "$work/manifest.json" || die "could not download $key.manifest.json."
        local expected actual
        expected="$(manifest_field "$work/manifest.json" sha256)"
        actual="$(sha256sum "$work/archive.tar" | cut -d' ' -f1)"
        if [[ "$expected" != "$actual" ]]; then
            [[ "$force" == 1 ]] || die "$key is corrupt: its SHA-256 is $actual, the manifest says $expected. Restore another backup, or set RESTORE_FORCE=1 to use it anyway."
            log WARN "$key does not match its manifest; restoring anyway because RESTORE_FORCE=1."
        else
            log INFO "verified $key: sha256 $actual matches its manifest."
        fi
    fi

    mkdir "$work/extracted"
    tar -xf "$work/archive.tar" -C "$work/extracted" || die "$key is not a readable tar archive."
    local bacpac
    bacpac="$(find "$work/extracted" -type f -name '*.bacpac' | sort | head -n 1)"
    [[ -n "$bacpac" ]] || die "$key holds no .bacpac file."

    local -a args=(/Action:Import "/SourceFile:$bacpac" "/TargetServerName:$RESTORE_TARGET_HOST,$port"
        "/TargetDatabaseName:$RESTORE_TARGET_DATABASE" "/TargetUser:$user" "/TargetPassword:$RESTORE_TARGET_PASSWORD")
    [[ "${RESTORE_TRUST_CERT:-false}" != true ]] || args+=(/TargetTrustServerCertificate:True)
    local status=0
    sqlpackage "${args[@]}" || status=$?
    if ((status != 0)); then
        die "sqlpackage import failed (exit $status): the target database must be new or empty, and the login must be allowed to create it."
    fi
    log INFO "restored $key into $RESTORE_TARGET_DATABASE on $RESTORE_TARGET_HOST,$port."
}

case "${1:-}" in
    list) cmd_list ;;
    restore) cmd_restore ;;
    *)
        echo "usage: $0 list | restore   (settings in the environment; see the header of this script)" >&2
        exit 2
        ;;
esac
