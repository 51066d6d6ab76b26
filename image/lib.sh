#!/usr/bin/env bash
# Shared by the image's scripts (sourced, never run): paths, logging, the `_FILE`
# secret convention, the rules GoBackup imposes on values, and MinIO access with
# the backup user's keys through mc.
# shellcheck disable=SC2034 # variables here are used by the scripts that source this

# Paths a test (or a user) may redirect.
WORKDIR="${GOBACKUP_WORKDIR:-/tmp/gobackup}"
# GoBackup keeps its local retention state and its log here, on the workdir volume.
GOBACKUP_DIR="${GOBACKUP_DIR:-$WORKDIR/.gobackup}"
# Per model, a directory of one-line files describing its runs (written by the hook,
# read by the health check and `once`): started-at, result (running, succeeded,
# failed), reason, finished-at, last-success-at, archive, sha256, log-offset.
HEALTH_DIR="$GOBACKUP_DIR/health"
GOBACKUP_LOG="$GOBACKUP_DIR/gobackup.log"
export GOBACKUP_DIR

# log LEVEL MESSAGE...: timestamp, level, the script's name; to stdout like GoBackup's own log.
log() {
    local level="$1"
    shift
    printf '%s %-5s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "${LOG_TAG:-sqlserver-backup}" "$*"
}
die() {
    log ERROR "$@"
    exit 1
}

# file_env VAR: fill VAR from the file named by VAR_FILE (the official database
# images' convention). Both at once is refused: which one would win is a guess.
file_env() {
    local var="$1"
    local file_var="${var}_FILE"
    if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
        die "both $var and $file_var are set; set only one."
    fi
    if [[ -n "${!file_var:-}" ]]; then
        local file="${!file_var}" value
        [[ -r "$file" ]] || die "$file_var points to '$file', which is not a readable file."
        value="$(<"$file")"
        # A trailing newline from `echo secret > file` is not part of the secret.
        value="${value%$'\n'}"
        export "$var"="$value"
        unset "$file_var"
    fi
}

# secret_problem VALUE: why GoBackup would mangle VALUE, or nothing. The same rule
# as components/args/rules.ts (secretProblem): GoBackup splits its sqlpackage command
# on ASCII [ \t\n\f\r], and its YAML loader refuses or folds control characters,
# U+2028/U+2029 and U+FFFE/U+FFFF inside the double-quoted string it pastes into.
secret_problem() {
    local value="$1"
    local LC_ALL=C
    if [[ -z "$value" ]]; then
        echo "is empty"
    elif [[ "$value" == *[$' \t\n\f\r']* ]]; then
        echo "contains a space, tab or line break: GoBackup splits its sqlpackage command on them, so it would be cut"
    elif [[ "$value" =~ [[:cntrl:]] || "$value" == *$'\xc2'[$'\x80'-$'\x9f']* || "$value" == *$'\xe2\x80'[$'\xa8\xa9']* || "$value" == *$'\xef\xbf'[$'\xbe\xbf']* ]]; then
        echo "contains a control character, U+2028/U+2029 or U+FFFE/U+FFFF, which GoBackup's YAML config cannot hold"
    elif [[ "$value" == *'"'* ]]; then
        echo "contains a double quote (\"): GoBackup pastes it into a double-quoted YAML string, which it would end"
    elif [[ "$value" == *\\* ]]; then
        echo "contains a backslash (\\): GoBackup pastes it into a double-quoted YAML string, where it starts an escape"
    fi
}

# redact TEXT: TEXT with every known secret value replaced, for messages that quote
# other programs' output (GoBackup logs sqlpackage's command line on failure).
redact() {
    local text="$1" var
    for var in MINIO_SECRET_KEY RESTORE_TARGET_PASSWORD GOBACKUP_WEB_PASSWORD $(compgen -v MSSQL_PASSWORD); do
        if [[ -n "${!var:-}" ]]; then text="${text//"${!var}"/[redacted]}"; fi
    done
    printf '%s' "$text"
}

# health_get MODEL FIELD: a field of MODEL's record, or nothing.
health_get() {
    local file="$HEALTH_DIR/$1/$2"
    [[ -f "$file" ]] && cat "$file"
    return 0
}

# health_set MODEL FIELD VALUE: writes a field atomically; an empty VALUE removes it.
health_set() {
    local dir="$HEALTH_DIR/$1"
    mkdir -p "$dir"
    if [[ -z "$3" ]]; then
        rm -f "$dir/$2"
    else
        printf '%s\n' "$3" >"$dir/$2.tmp"
        mv "$dir/$2.tmp" "$dir/$2"
    fi
}

# ---------------------------------------------------------------------------
# MinIO through mc, with the backup user's keys from the environment. They reach mc
# in its own environment (MC_HOST_store), never on a command line.

urlencode() {
    local text="$1" out="" char i
    local LC_ALL=C
    for ((i = 0; i < ${#text}; i++)); do
        char="${text:i:1}"
        case "$char" in
            [A-Za-z0-9._~-]) out+="$char" ;;
            *) out+="$(printf '%%%02X' "'$char")" ;;
        esac
    done
    printf '%s' "$out"
}

# store ARGS...: runs mc against MINIO_ENDPOINT as the backup user; the alias is `store`.
store() {
    local endpoint="${MINIO_ENDPOINT:?MINIO_ENDPOINT is not set}"
    local scheme="${endpoint%%://*}" hostport="${endpoint#*://}"
    MC_CONFIG_DIR="${MC_CONFIG_DIR:-$GOBACKUP_DIR/mc}" \
        MC_HOST_store="$scheme://$(urlencode "${MINIO_ACCESS_KEY:?}"):$(urlencode "${MINIO_SECRET_KEY:?}")@$hostport" \
        MC_REGION="${MINIO_REGION:-us-east-1}" \
        mc --quiet --no-color "$@"
}

# store_list FOLDER: "KEY<TAB>SIZE" for every object directly under BUCKET/FOLDER/, sorted by key.
store_list() {
    store ls --json "store/${MINIO_BUCKET:?}/$1/" | jq -r 'select(.status == "success" and .type == "file") | "\(.key)\t\(.size)"' | sort
}

# archive_epoch NAME: GoBackup's archive name (2006.01.02.15.04.05[.tar], its local
# time, read here in the same TZ) in seconds since the epoch.
archive_epoch() {
    local stamp="${1##*/}"
    stamp="${stamp%.tar}"
    [[ "$stamp" =~ ^([0-9]{4})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})\.([0-9]{2})$ ]] || return 1
    date -d "${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]} ${BASH_REMATCH[4]}:${BASH_REMATCH[5]}:${BASH_REMATCH[6]}" +%s
}
