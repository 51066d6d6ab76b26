#!/usr/bin/env bash
# Entrypoint of the sqlserver-backup image.
#
#   entrypoint.sh [once|daemon|check]      (default: $RUN_MODE, else daemon)
#   entrypoint.sh status                   every model's last outcome, as the health check sees it
#   entrypoint.sh list|restore              list backups, restore one (see restore.sh)
#   entrypoint.sh <any other command...>   runs that command (e.g. gobackup -v)
#
# It makes sure a backup can never fail silently: every missing variable is named
# in one message, values GoBackup would mangle are refused with the reason, `once`
# exits non-zero when the backup did not reach the bucket verified, and `daemon`
# execs GoBackup so signals reach it. Secrets are never printed. Defaults are applied
# here, in one place, never with ${VAR:-x} inside GoBackup's config (GoBackup reads
# that as an empty variable).
set -euo pipefail

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
LIB_DIR="${SQLSERVER_BACKUP_LIB:-/usr/local/lib/sqlserver-backup}"
[[ -f "$LIB_DIR/lib.sh" ]] || LIB_DIR="$here"
LOG_TAG=entrypoint
# shellcheck source=image/lib.sh
source "$LIB_DIR/lib.sh"

CONFIG_FILE="${GOBACKUP_CONFIG:-/etc/gobackup/gobackup.yml}"
ACTIVE_CONFIG="$GOBACKUP_DIR/gobackup.yml"
# GoBackup's local storage copies each archive with `cp -a`; the shim in front of it
# links instead when the copy stays on the workdir's file system (see shims/cp).
SHIM_DIR="${SQLSERVER_BACKUP_SHIMS:-$LIB_DIR/shims}"

# ---------------------------------------------------------------------------
# The variables a config references: ${NAME} occurrences, each once.
referenced_variables() {
    # shellcheck disable=SC2016 # literal ${ and } are what we look for
    grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*\}' "$1" | tr -d '${}' | sort -u || true
}

# Checks that every variable the config references is set and safe; names every
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
# Rendering a config from the environment, for users without Pulumi. The same
# shape as components/plan/gobackupConfig.ts renders, from the same defaults (the
# contract test renders both from defaults alone and compares what GoBackup reads).
apply_defaults() {
    : "${MSSQL_PORT:=1433}"
    : "${MSSQL_USERNAME:=sa}"
    : "${MSSQL_TRUST_CERT:=false}"
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
        die "missing required environment variable(s): ${missing[*]} (secrets may also be given as <NAME>_FILE; or give the whole config in GOBACKUP_CONFIG_YAML or mount it at $CONFIG_FILE)."
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
    [[ "$BACKUP_CRON" =~ ^(@[a-z]+( [0-9a-zµμ.+-]+)?|[0-9A-Za-z*?,/\ -]+)$ ]] ||
        problems+=("BACKUP_CRON may only hold digits, names, '*', ',', '-', '/', '?' and spaces, or be a descriptor such as @daily")
    if [[ "$BACKUP_CRON" != @* ]]; then
        local fields
        read -r -a fields <<<"$BACKUP_CRON"
        ((${#fields[@]} == 5)) || problems+=("BACKUP_CRON must have exactly 5 fields (minute hour day month weekday), got '$BACKUP_CRON'")
    fi
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
    local target="$1" local_storage=""
    if ((LOCAL_KEEP > 0)); then
        local_storage="
      local:
        type: local
        path: \"$WORKDIR/archives/$BACKUP_NAME\"
        keep: $LOCAL_KEEP"
    fi
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
      cron: "$BACKUP_CRON"
    before_script: "sqlserver-backup-hook start $BACKUP_NAME"
    after_script: "sqlserver-backup-hook finish $BACKUP_NAME $MINIO_ENDPOINT $MINIO_BUCKET $MINIO_PATH/$BACKUP_NAME"
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
    local target host port
    local -a failed=()
    while IFS= read -r target; do
        [[ -n "$target" ]] || continue
        host="${target%:*}"
        port="${target##*:}"
        # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
        if timeout "${PREFLIGHT_TIMEOUT:-5}" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; then
            log INFO "reached $host:$port."
        else
            log ERROR "cannot reach $host:$port over TCP within ${PREFLIGHT_TIMEOUT:-5}s: check the host name, port, network and firewall (SKIP_PREFLIGHT=1 skips this check)."
            failed+=("$host:$port")
        fi
    done < <(preflight_targets)
    ((${#failed[@]} == 0)) || PREFLIGHT_FAILURE="cannot reach ${failed[*]} over TCP"
}

# ---------------------------------------------------------------------------
prepare() {
    mkdir -p "$WORKDIR" "$GOBACKUP_DIR" "$HEALTH_DIR" || die "cannot create $WORKDIR or $GOBACKUP_DIR: is the workdir volume writable by uid $(id -u)?"
    [[ -w "$WORKDIR" ]] || die "$WORKDIR is not writable by uid $(id -u): mount a volume there the user can write."
    # sqlpackage buffers table data in the temp folder (DacFx TempDirectoryForTableData):
    # keep it on the workdir volume, which is sized for the data.
    export TMPDIR="$WORKDIR/tmp"
    mkdir -p "$TMPDIR"
    if [[ -n "${GOBACKUP_CONFIG_YAML:-}" ]]; then
        (umask 077 && printf '%s\n' "$GOBACKUP_CONFIG_YAML" >"$ACTIVE_CONFIG")
        unset GOBACKUP_CONFIG_YAML
        log INFO "using the config given in GOBACKUP_CONFIG_YAML."
    elif [[ -f "$CONFIG_FILE" ]]; then
        cp "$CONFIG_FILE" "$ACTIVE_CONFIG"
        log INFO "using the mounted config $CONFIG_FILE."
    else
        validate_render_inputs
        render_config "$ACTIVE_CONFIG"
        log INFO "rendered $ACTIVE_CONFIG from the environment (model '$BACKUP_NAME', schedule '$BACKUP_CRON')."
    fi
    check_referenced_variables "$ACTIVE_CONFIG"
    # The models the health check watches.
    sed -n '/^models:/,/^[^ #]/{s/^  \([a-z][a-z0-9_-]*\):[[:space:]]*$/\1/p}' "$ACTIVE_CONFIG" >"$GOBACKUP_DIR/models"
    # The health clock starts once, when this volume is first used: restarts do not reset it.
    [[ -f "$HEALTH_DIR/first-started-at" ]] || date +%s >"$HEALTH_DIR/first-started-at"
    export PATH="$SHIM_DIR:$PATH" SQLSERVER_BACKUP_LINK_FROM="$WORKDIR" SQLSERVER_BACKUP_LINK_TO="$WORKDIR/archives"
}

# The models whose last recorded outcome is a failure, with the reason: "model: reason" lines.
failed_models() {
    local model
    while IFS= read -r model; do
        [[ "$(health_get "$model" result)" == failed ]] || continue
        printf '%s: %s\n' "$model" "$(health_get "$model" reason)"
    done <"$GOBACKUP_DIR/models"
}

# One backup now. Succeeds only when GoBackup succeeded and every model's archive
# reached the bucket verified (the hook records that). Prints the outcome last.
perform_once() {
    local status=0 failures
    log INFO "running one backup now."
    PREFLIGHT_FAILURE=""
    preflight
    if [[ -n "$PREFLIGHT_FAILURE" ]]; then
        log ERROR "connectivity pre-checks failed."
        echo "OUTCOME: failed: $PREFLIGHT_FAILURE"
        return 1
    fi
    gobackup perform --config "$ACTIVE_CONFIG" || status=$?
    failures="$(failed_models | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
    if ((status == 0)) && [[ -z "$failures" ]]; then
        log INFO "backup finished successfully."
        echo "OUTCOME: succeeded"
        return 0
    fi
    ((status != 0)) || status=1
    log ERROR "backup failed (gobackup exit status $status); see the messages above."
    echo "OUTCOME: failed: $(redact "${failures:-gobackup exited with status $status}")"
    return "$status"
}

main() {
    local mode="${1:-${RUN_MODE:-daemon}}"
    case "$mode" in
        list | restore)
            exec "${RESTORE_COMMAND:-sqlserver-backup-restore}" "$mode"
            ;;
        status)
            exec "${HEALTHCHECK_COMMAND:-/usr/local/bin/healthcheck.sh}"
            ;;
        once | daemon | check) ;;
        *)
            (($# > 0)) || die "RUN_MODE must be once, daemon, check, status, list or restore, not '$mode'."
            exec "$@"
            ;;
    esac
    prepare
    case "$mode" in
        check)
            log INFO "configuration is valid: $ACTIVE_CONFIG."
            ;;
        once)
            local status=0
            perform_once || status=$?
            exit "$status"
            ;;
        daemon)
            if [[ "${BACKUP_ON_START:-0}" == "1" ]]; then
                # A failed first backup is recorded (the container turns unhealthy) but
                # does not stop the container: a restart would only repeat it.
                perform_once || log WARN "the first backup failed; the schedule starts anyway and the health check reports the failure."
            else
                PREFLIGHT_FAILURE=""
                preflight
                [[ -z "$PREFLIGHT_FAILURE" ]] || log WARN "$PREFLIGHT_FAILURE; the schedule starts anyway and each run will report its outcome."
            fi
            log INFO "starting GoBackup's scheduler."
            exec gobackup run --config "$ACTIVE_CONFIG"
            ;;
    esac
}

main "$@"
