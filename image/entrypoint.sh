#!/usr/bin/env bash
# Entrypoint of the sqlserver-backup image.
#
#   entrypoint.sh [once|daemon|check]      (default: $RUN_MODE, else daemon)
#   entrypoint.sh list|restore              list backups, restore one (see restore.sh)
#   entrypoint.sh <any other command...>   runs that command (e.g. gobackup -v)
#
# It makes sure a backup can never fail silently: every missing variable is named
# in one message, values GoBackup would mangle are refused with the reason, `once`
# exits with GoBackup's status, and `daemon` execs GoBackup so signals reach it.
# Secrets are never printed. Defaults are applied here, in one place, never with
# ${VAR:-x} inside GoBackup's config (GoBackup reads that as an empty variable).
set -euo pipefail

# ---------------------------------------------------------------------------
# Logging: timestamp, level, message; to stdout like GoBackup's own log.
log() {
    local level="$1"
    shift
    printf '%s %-5s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "$*"
}
die() {
    log ERROR "$@"
    exit 1
}

# ---------------------------------------------------------------------------
# Paths a test (or a user) may redirect.
CONFIG_FILE="${GOBACKUP_CONFIG:-/etc/gobackup/gobackup.yml}"
WORKDIR="${GOBACKUP_WORKDIR:-/tmp/gobackup}"
# GoBackup keeps its local retention state and log here: on the workdir volume,
# so the local copies' `keep` survives restarts.
export GOBACKUP_DIR="${GOBACKUP_DIR:-$WORKDIR/.gobackup}"
RENDERED_CONFIG="${GOBACKUP_RENDERED_CONFIG:-$GOBACKUP_DIR/gobackup.yml}"

# ---------------------------------------------------------------------------
# file_env VAR: fill VAR from the file named by VAR_FILE (the official database
# images' convention). Both at once is refused: which one would win is a guess.
file_env() {
    local var="$1"
    local file_var="${var}_FILE"
    if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
        die "both $var and $file_var are set; set only one."
    fi
    if [[ -n "${!file_var:-}" ]]; then
        local file="${!file_var}"
        [[ -r "$file" ]] || die "$file_var points to '$file', which is not a readable file."
        local value
        value="$(<"$file")"
        # A trailing newline from `echo secret > file` is not part of the secret.
        value="${value%$'\n'}"
        export "$var"="$value"
        unset "$file_var"
    fi
}

# secret_problem VALUE: why GoBackup would mangle VALUE, or nothing. Kept in step
# with components/rules.ts (secretProblem).
secret_problem() {
    local value="$1"
    if [[ -z "$value" ]]; then
        echo "is empty"
    elif [[ "$value" =~ [[:space:]] ]]; then
        echo "contains whitespace or a line break: GoBackup splits its sqlpackage command on whitespace, so it would be cut"
    elif [[ "$value" =~ [[:cntrl:]] ]]; then
        echo "contains a control character, which cannot appear in GoBackup's YAML config"
    elif [[ "$value" == *'"'* ]]; then
        echo "contains a double quote (\"): GoBackup pastes it into a double-quoted YAML string, which it would end"
    elif [[ "$value" == *\\* ]]; then
        echo "contains a backslash (\\): GoBackup pastes it into a double-quoted YAML string, where it starts an escape"
    fi
}

# literal_problem VALUE: why a non-secret VALUE cannot be written into the config.
# GoBackup expands $NAME anywhere in the file, and splits the sqlpackage command
# on whitespace.
literal_problem() {
    local value="$1"
    if [[ -z "$value" ]]; then
        echo "is empty"
    elif [[ "$value" == *'$'* ]]; then
        echo "contains \$, which GoBackup would expand as a variable (it has no escape)"
    elif [[ "$value" =~ [[:space:]] || "$value" =~ [[:cntrl:]] ]]; then
        echo "contains whitespace or control characters: GoBackup splits its sqlpackage command on whitespace"
    elif [[ "$value" == *'"'* || "$value" == *\\* ]]; then
        echo "contains a quote or backslash"
    fi
}

# ---------------------------------------------------------------------------
# The variables a config references: ${NAME} occurrences, each once.
referenced_variables() {
    # shellcheck disable=SC2016 # literal ${ and } are what we look for
    grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' "$1" | tr -d '${}' | sort -u || true
}

# Checks that every variable the config references is set and safe. Names every
# missing one in a single message.
check_referenced_variables() {
    local config="$1" var problem
    local -a missing=() bad=()
    while IFS= read -r var; do
        [[ -n "$var" ]] || continue
        file_env "$var"
        if [[ -z "${!var:-}" ]]; then
            missing+=("$var")
            continue
        fi
        problem="$(secret_problem "${!var}")"
        [[ -z "$problem" ]] || bad+=("$var $problem")
    done < <(referenced_variables "$config")
    if ((${#missing[@]} > 0)); then
        die "missing required environment variable(s): ${missing[*]} (each may also be given as <NAME>_FILE)."
    fi
    if ((${#bad[@]} > 0)); then
        local item
        for item in "${bad[@]}"; do log ERROR "$item."; done
        die "refusing to start: GoBackup would mangle the value(s) above; change them."
    fi
}

# ---------------------------------------------------------------------------
# Rendering a config from the environment, for users without Pulumi. The same
# shape as components/gobackupConfig.ts renders (a contract test compares them).
apply_defaults() {
    : "${MSSQL_PORT:=1433}"
    : "${MSSQL_USERNAME:=sa}"
    : "${MSSQL_TRUST_CERT:=true}"
    : "${MINIO_REGION:=us-east-1}"
    : "${MINIO_PATH:=backups/sqlserver}"
    : "${BACKUP_NAME:=main}"
    : "${BACKUP_CRON:=0 2 * * *}"
    : "${BACKUP_KEEP:=14}"
    : "${LOCAL_KEEP:=2}"
    : "${MINIO_TIMEOUT:=300}"
    : "${MINIO_MAX_RETRIES:=3}"
}

validate_render_inputs() {
    local -a missing=() problems=()
    local var problem
    for var in MSSQL_PASSWORD MINIO_ACCESS_KEY MINIO_SECRET_KEY; do file_env "$var"; done
    for var in MSSQL_HOST MSSQL_DATABASE MSSQL_PASSWORD MINIO_ENDPOINT MINIO_BUCKET MINIO_ACCESS_KEY MINIO_SECRET_KEY; do
        [[ -n "${!var:-}" ]] || missing+=("$var")
    done
    if ((${#missing[@]} > 0)); then
        die "missing required environment variable(s): ${missing[*]} (secrets may also be given as <NAME>_FILE, or mount a config at $CONFIG_FILE)."
    fi
    apply_defaults
    for var in MSSQL_PASSWORD MINIO_ACCESS_KEY MINIO_SECRET_KEY; do
        problem="$(secret_problem "${!var}")"
        [[ -z "$problem" ]] || problems+=("$var $problem")
    done
    for var in MSSQL_HOST MSSQL_DATABASE MSSQL_USERNAME MINIO_ENDPOINT MINIO_BUCKET MINIO_REGION MINIO_PATH BACKUP_NAME; do
        problem="$(literal_problem "${!var}")"
        [[ -z "$problem" ]] || problems+=("$var $problem")
    done
    if ! [[ "$MSSQL_PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$MSSQL_PORT < 1 || 10#$MSSQL_PORT > 65535)); then
        problems+=("MSSQL_PORT must be a port number from 1 to 65535")
    fi
    [[ "$MSSQL_TRUST_CERT" =~ ^(true|false)$ ]] || problems+=("MSSQL_TRUST_CERT must be true or false")
    [[ "$MINIO_ENDPOINT" =~ ^https?://[^/]+$ ]] ||
        problems+=("MINIO_ENDPOINT must be a URL with scheme and no path, e.g. http://minio:9000")
    [[ "$MINIO_PATH" =~ ^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$ ]] ||
        problems+=("MINIO_PATH must be segments of letters, digits, '.', '_', '-' joined by '/', no leading or trailing '/'")
    [[ "$BACKUP_NAME" =~ ^[a-z][a-z0-9_-]{0,62}$ ]] ||
        problems+=("BACKUP_NAME must be lower-case letters, digits, '-' or '_', starting with a letter")
    [[ "$BACKUP_CRON" =~ ^[0-9A-Za-z*?,/\ -]+$ ]] || problems+=("BACKUP_CRON may only hold digits, names, '*', ',', '-', '/', '?' and spaces")
    local fields
    read -r -a fields <<<"$BACKUP_CRON"
    ((${#fields[@]} == 5)) || problems+=("BACKUP_CRON must have exactly 5 fields (minute hour day month weekday), got '$BACKUP_CRON'")
    for var in BACKUP_KEEP MINIO_TIMEOUT; do
        [[ "${!var}" =~ ^[1-9][0-9]*$ ]] || problems+=("$var must be a whole number of at least 1")
    done
    for var in LOCAL_KEEP MINIO_MAX_RETRIES; do
        [[ "${!var}" =~ ^[0-9]+$ ]] || problems+=("$var must be a whole number")
    done
    if ((${#problems[@]} > 0)); then
        local item
        for item in "${problems[@]}"; do log ERROR "$item."; done
        die "invalid configuration: ${#problems[@]} problem(s) above."
    fi
}

# Writes the config. Every value was validated above (no quote, backslash, $ or
# whitespace), so double-quoting is exact; secrets appear only as ${NAME}.
render_config() {
    local target="$1"
    local local_storage="" manifest_scripts=""
    if ((LOCAL_KEEP > 0)); then
        local_storage="
      local:
        type: local
        path: \"$WORKDIR/archives/$BACKUP_NAME\"
        keep: $LOCAL_KEEP"
        # Integrity manifests read the archive from the local copy (see manifest.sh).
        manifest_scripts="
    before_script: \"sqlserver-backup-manifest start $BACKUP_NAME\"
    after_script: \"sqlserver-backup-manifest finish $BACKUP_NAME $WORKDIR/archives/$BACKUP_NAME $MINIO_ENDPOINT $MINIO_BUCKET $MINIO_PATH/$BACKUP_NAME $MINIO_REGION\""
    fi
    mkdir -p "$(dirname "$target")"
    (
        umask 077
        cat >"$target" <<EOF
# Rendered by the sqlserver-backup entrypoint from its environment.
workdir: "$WORKDIR"
web:
  enabled: false
models:
  $BACKUP_NAME:
    description: "SQL Server database $MSSQL_DATABASE on $MSSQL_HOST,$MSSQL_PORT"
    schedule:
      cron: "$BACKUP_CRON"$manifest_scripts
    databases:
      $BACKUP_NAME:
        type: mssql
        host: "$MSSQL_HOST"
        port: $MSSQL_PORT
        database: "$MSSQL_DATABASE"
        username: "$MSSQL_USERNAME"
        password: "\${MSSQL_PASSWORD}"
        trust_server_certificate: $MSSQL_TRUST_CERT
    compress_with:
      type: tar
      filename_format: "2006.01.02.15.04.05"
    default_storage: minio
    storages:
      minio:
        type: minio
        bucket: "$MINIO_BUCKET"
        endpoint: "$MINIO_ENDPOINT"
        region: "$MINIO_REGION"
        path: "$MINIO_PATH/$BACKUP_NAME"
        access_key_id: "\${MINIO_ACCESS_KEY}"
        secret_access_key: "\${MINIO_SECRET_KEY}"
        force_path_style: true
        timeout: $MINIO_TIMEOUT
        max_retries: $MINIO_MAX_RETRIES
        keep: $BACKUP_KEEP$local_storage
EOF
    )
}

# ---------------------------------------------------------------------------
# Connectivity pre-checks: a TCP connect to each host:port, with a clear message.
preflight_targets() {
    if [[ -n "${PREFLIGHT_TARGETS:-}" ]]; then
        # shellcheck disable=SC2086 # word splitting intended: a space-separated list
        printf '%s\n' $PREFLIGHT_TARGETS
        return
    fi
    [[ -n "${MSSQL_HOST:-}" ]] && printf '%s:%s\n' "$MSSQL_HOST" "${MSSQL_PORT:-1433}"
    if [[ -n "${MINIO_ENDPOINT:-}" ]]; then
        local hostport="${MINIO_ENDPOINT#*://}"
        if [[ "$hostport" != *:* ]]; then
            if [[ "$MINIO_ENDPOINT" == https://* ]]; then hostport="$hostport:443"; else hostport="$hostport:80"; fi
        fi
        printf '%s\n' "$hostport"
    fi
    return 0
}

preflight() {
    if [[ "${SKIP_PREFLIGHT:-0}" == "1" ]]; then
        log INFO "connectivity pre-checks skipped (SKIP_PREFLIGHT=1)."
        return
    fi
    local target host port failed=0
    while IFS= read -r target; do
        [[ -n "$target" ]] || continue
        host="${target%:*}"
        port="${target##*:}"
        # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
        if timeout "${PREFLIGHT_TIMEOUT:-5}" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; then
            log INFO "reached $host:$port."
        else
            log ERROR "cannot reach $host:$port over TCP within ${PREFLIGHT_TIMEOUT:-5}s: check the host name, port, network and firewall (SKIP_PREFLIGHT=1 skips this check)."
            failed=1
        fi
    done < <(preflight_targets)
    ((failed == 0)) || die "connectivity pre-checks failed."
}

# ---------------------------------------------------------------------------
prepare() {
    mkdir -p "$WORKDIR" "$GOBACKUP_DIR" || die "cannot create $WORKDIR or $GOBACKUP_DIR: is the workdir volume writable by uid $(id -u)?"
    [[ -w "$WORKDIR" ]] || die "$WORKDIR is not writable by uid $(id -u): mount a volume there the user can write."
    local config
    if [[ -f "$CONFIG_FILE" ]]; then
        config="$CONFIG_FILE"
        log INFO "using the mounted config $config."
    else
        validate_render_inputs
        render_config "$RENDERED_CONFIG"
        config="$RENDERED_CONFIG"
        log INFO "rendered $config from the environment (model '$BACKUP_NAME', schedule '$BACKUP_CRON')."
    fi
    check_referenced_variables "$config"
    ACTIVE_CONFIG="$config"
    # The models the health check watches, and when this container started.
    sed -n '/^models:/,/^[^ #]/{s/^  \([a-z][a-z0-9_-]*\):[[:space:]]*$/\1/p}' "$config" >"$GOBACKUP_DIR/models"
    rm -f "$GOBACKUP_DIR/started-at"
}

# One backup now; returns GoBackup's status.
perform_once() {
    local status=0
    log INFO "running one backup now."
    gobackup perform --config "$ACTIVE_CONFIG" || status=$?
    if ((status == 0)); then
        log INFO "backup finished successfully."
    else
        log ERROR "backup failed (gobackup exit status $status); see GoBackup's messages above."
    fi
    return "$status"
}

main() {
    local mode="${1:-${RUN_MODE:-daemon}}"
    case "$mode" in
        list | restore)
            local var
            for var in MINIO_ACCESS_KEY MINIO_SECRET_KEY RESTORE_TARGET_PASSWORD; do file_env "$var"; done
            exec "${RESTORE_COMMAND:-sqlserver-backup-restore}" "$mode"
            ;;
        once | daemon | check) ;;
        *)
            (($# > 0)) || die "RUN_MODE must be once, daemon, check, list or restore, not '$mode'."
            exec "$@"
            ;;
    esac
    prepare
    case "$mode" in
        check)
            log INFO "configuration is valid: $ACTIVE_CONFIG."
            ;;
        once)
            preflight
            local status=0
            perform_once || status=$?
            exit "$status"
            ;;
        daemon)
            preflight
            if [[ "${BACKUP_ON_START:-0}" == "1" ]]; then
                # The health check counts from here: healthy only after this backup succeeded.
                local status=0
                perform_once || status=$?
                ((status == 0)) || exit "$status"
            fi
            date +%s >"$GOBACKUP_DIR/started-at"
            log INFO "starting GoBackup's scheduler."
            exec gobackup run --config "$ACTIVE_CONFIG"
            ;;
    esac
}

main "$@"
