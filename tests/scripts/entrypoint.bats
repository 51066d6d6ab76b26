#!/usr/bin/env bats
# The image's entrypoint, health check and cp shim, run directly with a gobackup TEST
# DOUBLE on PATH (tests/doubles/gobackup-double): argument, environment and state
# handling only. The real GoBackup engine, MinIO and mc run these scripts in
# tests/integration.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
ENTRYPOINT="$REPO/image/entrypoint.sh"
HEALTHCHECK="$REPO/image/healthcheck.sh"
SHIM="$REPO/image/shims/cp"

SQL_SECRET='Sql-Secret-Value-1'
MINIO_SECRET='Minio-Secret-Value-2'

setup() {
    TMP="$(mktemp -d)"
    mkdir -p "$TMP/bin"
    ln -s "$REPO/tests/doubles/gobackup-double" "$TMP/bin/gobackup"
    export PATH="$TMP/bin:$PATH"
    export GOBACKUP_CONFIG="$TMP/etc/gobackup.yml"
    export GOBACKUP_WORKDIR="$TMP/work"
    export GOBACKUP_DOUBLE_LOG="$TMP/gobackup.log"
    export GOBACKUP_DOUBLE_CONFIG="$TMP/used-config.yml"
    export HEALTHCHECK_COMMAND="$HEALTHCHECK"
    export SKIP_PREFLIGHT=1
    export MSSQL_HOST=sql.internal MSSQL_DATABASE=Orders MSSQL_PASSWORD="$SQL_SECRET"
    export MINIO_ENDPOINT=http://minio:9000 MINIO_BUCKET=sql-backups MINIO_ACCESS_KEY=backup-user MINIO_SECRET_KEY="$MINIO_SECRET"
    unset RUN_MODE MSSQL_PASSWORD_FILE MINIO_SECRET_KEY_FILE GOBACKUP_CONFIG_YAML BACKUP_ON_START
    STATE="$GOBACKUP_WORKDIR/.gobackup"
}

teardown() {
    rm -rf "$TMP"
}

refute_secrets_in_output() {
    [[ "$output" != *"$SQL_SECRET"* ]] || { echo "SQL password leaked: $output"; return 1; }
    [[ "$output" != *"$MINIO_SECRET"* ]] || { echo "MinIO secret leaked: $output"; return 1; }
}

# record MODEL FIELD VALUE...: writes a health record field as the hook does.
record() {
    mkdir -p "$STATE/health/$1"
    printf '%s\n' "$3" >"$STATE/health/$1/$2"
}

@test "names every missing required variable in one message and exits 1" {
    unset MSSQL_HOST MSSQL_PASSWORD MINIO_BUCKET
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing required environment variable(s): MSSQL_HOST MSSQL_PASSWORD MINIO_BUCKET"* ]]
    [ ! -f "$GOBACKUP_DOUBLE_LOG" ]
}

@test "once runs gobackup perform with the active config, ends with the outcome line and exits 0" {
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    grep -q "args=perform --config $STATE/gobackup.yml" "$GOBACKUP_DOUBLE_LOG"
    [[ "${lines[-1]}" == "OUTCOME: succeeded" ]]
    refute_secrets_in_output
}

@test "once passes gobackup's failure status through, with the reason on the outcome line" {
    export GOBACKUP_DOUBLE_EXIT=3
    run "$ENTRYPOINT" once
    [ "$status" -eq 3 ]
    [[ "${lines[-1]}" == "OUTCOME: failed: gobackup exited with status 3" ]]
}

@test "once fails when GoBackup succeeded but the hook found no verified archive in the bucket, and says why" {
    # The double does not run the hook: write the record a failed verification leaves.
    "$ENTRYPOINT" check >/dev/null
    record main result failed
    record main reason "no archive of this run reached s3://sql-backups/backups/sqlserver/main/"
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "${lines[-1]}" == "OUTCOME: failed: main: no archive of this run reached s3://sql-backups/backups/sqlserver/main/" ]]
}

@test "RUN_MODE=once works without an argument" {
    export RUN_MODE=once GOBACKUP_DOUBLE_EXIT=5
    run "$ENTRYPOINT"
    [ "$status" -eq 5 ]
    grep -q "args=perform" "$GOBACKUP_DOUBLE_LOG"
}

@test "daemon execs gobackup run, so GoBackup replaces the entrypoint's process and gets its signals" {
    "$ENTRYPOINT" daemon >"$TMP/out" 2>&1 &
    local pid=$!
    wait "$pid"
    grep -q "pid=$pid args=run --config" "$GOBACKUP_DOUBLE_LOG"
}

@test "an unknown RUN_MODE is refused" {
    export RUN_MODE=weekly
    run "$ENTRYPOINT"
    [ "$status" -eq 1 ]
    [[ "$output" == *"RUN_MODE must be once, daemon, check, status, list or restore, not 'weekly'"* ]]
}

@test "any other command is run as given" {
    run "$ENTRYPOINT" gobackup -v
    [ "$status" -eq 0 ]
    [[ "$output" == *"gobackup version 3.1.1"* ]]
}

@test "GoBackup runs with sqlpackage's temp folder on the workdir volume and the cp shim first on PATH" {
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    grep -q "tmpdir=$GOBACKUP_WORKDIR/tmp " "$GOBACKUP_DOUBLE_LOG"
    grep -q "cp=$REPO/image/shims/cp" "$GOBACKUP_DOUBLE_LOG"
}

@test "the rendered config applies the defaults itself, uses snake_case and env references, and never :-" {
    run "$ENTRYPOINT" check
    [ "$status" -eq 0 ]
    local config="$STATE/gobackup.yml"
    grep -q 'trust_server_certificate: false' "$config"
    grep -q 'port: 1433' "$config"
    grep -q 'username: "sa"' "$config"
    grep -q 'cron: "0 2 \* \* \*"' "$config"
    grep -q 'keep: 14' "$config"
    grep -q 'path: "backups/sqlserver/main"' "$config"
    grep -q 'password: "${MSSQL_PASSWORD}"' "$config"
    grep -q 'secret_access_key: "${MINIO_SECRET_KEY}"' "$config"
    ! grep -q ':-' "$config"
    ! grep -q "$SQL_SECRET" "$config"
    ! grep -q "$MINIO_SECRET" "$config"
    [ "$(stat -c %a "$config")" = "600" ]
}

@test "the rendered config runs the hook before and after each backup" {
    run "$ENTRYPOINT" check
    grep -q 'before_script: "sqlserver-backup-hook start main"' "$STATE/gobackup.yml"
    grep -q 'after_script: "sqlserver-backup-hook finish main http://minio:9000 sql-backups backups/sqlserver/main"' "$STATE/gobackup.yml"
}

@test "the rendered config keeps a local copy on the workdir volume, or none with LOCAL_KEEP=0" {
    run "$ENTRYPOINT" check
    grep -q "path: \"$GOBACKUP_WORKDIR/archives/main\"" "$STATE/gobackup.yml"
    export LOCAL_KEEP=0
    run "$ENTRYPOINT" check
    ! grep -q 'type: local' "$STATE/gobackup.yml"
}

@test "a config given in GOBACKUP_CONFIG_YAML wins over a mounted one and the environment" {
    mkdir -p "$(dirname "$GOBACKUP_CONFIG")"
    echo 'models: {}' >"$GOBACKUP_CONFIG"
    export GOBACKUP_CONFIG_YAML=$'models:\n  inline:\n    databases:\n      inline:\n        password: "${MSSQL_PASSWORD}"\n'
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    grep -q 'inline:' "$GOBACKUP_DOUBLE_CONFIG"
    [ "$(cat "$STATE/models")" = "inline" ]
}

@test "MSSQL_PASSWORD_FILE supplies the password, without a trailing newline" {
    unset MSSQL_PASSWORD
    printf '%s\n' "$SQL_SECRET" >"$TMP/sql-password"
    export MSSQL_PASSWORD_FILE="$TMP/sql-password"
    # A one-off gobackup that checks the password it was given (replace the link, not its target).
    rm "$TMP/bin/gobackup"
    cat >"$TMP/bin/gobackup" <<EOF
#!/usr/bin/env bash
[ "\$MSSQL_PASSWORD" = "$SQL_SECRET" ] || { echo "wrong password in env"; exit 9; }
exit 0
EOF
    chmod +x "$TMP/bin/gobackup"
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    refute_secrets_in_output
}

@test "MINIO_SECRET_KEY_FILE supplies the MinIO secret" {
    unset MINIO_SECRET_KEY
    printf '%s' "$MINIO_SECRET" >"$TMP/minio-secret"
    export MINIO_SECRET_KEY_FILE="$TMP/minio-secret"
    run "$ENTRYPOINT" check
    [ "$status" -eq 0 ]
    refute_secrets_in_output
}

@test "a variable and its _FILE together are refused" {
    printf '%s' "$SQL_SECRET" >"$TMP/sql-password"
    export MSSQL_PASSWORD_FILE="$TMP/sql-password"
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"both MSSQL_PASSWORD and MSSQL_PASSWORD_FILE are set"* ]]
}

@test "a _FILE that does not exist is named" {
    unset MSSQL_PASSWORD
    export MSSQL_PASSWORD_FILE="$TMP/nope"
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"MSSQL_PASSWORD_FILE points to '$TMP/nope', which is not a readable file"* ]]
}

@test "rejects a password with a double quote, says why, and does not print it" {
    export MSSQL_PASSWORD='Sql-Secret"Value'
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *'MSSQL_PASSWORD contains a double quote'* ]]
    [[ "$output" != *'Sql-Secret"Value'* ]]
    [ ! -f "$GOBACKUP_DOUBLE_LOG" ]
}

@test "rejects a password with a space or a backslash" {
    export MSSQL_PASSWORD='two words'
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"MSSQL_PASSWORD contains a space, tab or line break"* ]]
    export MSSQL_PASSWORD='back\slash'
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"MSSQL_PASSWORD contains a backslash"* ]]
    [[ "$output" != *'back\slash'* ]]
}

@test "rejects what GoBackup's YAML loader refuses, as the component does: U+FFFE, U+2028, a C1 control" {
    for value in $'pa\xef\xbf\xbess' $'pa\xe2\x80\xa8ss' $'pa\xc2\x85ss'; do
        export MSSQL_PASSWORD="$value"
        run "$ENTRYPOINT" check
        [ "$status" -eq 1 ]
        [[ "$output" == *"MSSQL_PASSWORD contains a control character, U+2028/U+2029 or U+FFFE/U+FFFF"* ]]
    done
}

@test "accepts \$, ' and a non-breaking space in a password: it stays an env reference in the config" {
    export MSSQL_PASSWORD=$'P@$$w0rd\'x\xc2\xa0y'
    run "$ENTRYPOINT" check
    [ "$status" -eq 0 ]
    grep -q 'password: "${MSSQL_PASSWORD}"' "$STATE/gobackup.yml"
}

@test "rejects \$ in a value written literally into the config" {
    export MSSQL_DATABASE='Orders$1'
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *'MSSQL_DATABASE contains $, which GoBackup would expand'* ]]
}

@test "rejects a bad port, endpoint, cron and path, each named" {
    export MSSQL_PORT=99999 MINIO_ENDPOINT=minio:9000 BACKUP_CRON='0 2 * *' MINIO_PATH=/abs/
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"MSSQL_PORT must be a port number"* ]]
    [[ "$output" == *"MINIO_ENDPOINT must be a URL"* ]]
    [[ "$output" == *"BACKUP_CRON must have exactly 5 fields"* ]]
    [[ "$output" == *"MINIO_PATH must be segments"* ]]
}

@test "a mounted config is used and every variable it references must be set" {
    mkdir -p "$(dirname "$GOBACKUP_CONFIG")"
    cat >"$GOBACKUP_CONFIG" <<'EOF'
models:
  orders:
    databases:
      orders:
        type: mssql
        password: "${MSSQL_PASSWORD_ORDERS}"
    storages:
      minio:
        type: minio
        access_key_id: "${MINIO_ACCESS_KEY}"
        secret_access_key: "${MINIO_SECRET_KEY}"
  billing:
    databases:
      billing:
        type: mssql
        password: "${MSSQL_PASSWORD_BILLING}"
EOF
    unset MSSQL_HOST MSSQL_DATABASE MSSQL_PASSWORD
    export MSSQL_PASSWORD_ORDERS="$SQL_SECRET"
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing required environment variable(s): MSSQL_PASSWORD_BILLING"* ]]
    printf '%s' "$SQL_SECRET" >"$TMP/billing"
    export MSSQL_PASSWORD_BILLING_FILE="$TMP/billing"
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    cmp "$GOBACKUP_CONFIG" "$GOBACKUP_DOUBLE_CONFIG"
    [ "$(cat "$STATE/models")" = "$(printf 'orders\nbilling')" ]
    refute_secrets_in_output
}

@test "pre-checks name an unreachable host:port and stop a run before GoBackup starts" {
    unset SKIP_PREFLIGHT
    export PREFLIGHT_TARGETS="127.0.0.1:1" PREFLIGHT_TIMEOUT=2
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot reach 127.0.0.1:1 over TCP"* ]]
    [[ "${lines[-1]}" == "OUTCOME: failed: cannot reach 127.0.0.1:1 over TCP" ]]
    [ ! -f "$GOBACKUP_DOUBLE_LOG" ]
}

@test "pre-checks pass for a listening port and SKIP_PREFLIGHT=1 turns them off" {
    unset SKIP_PREFLIGHT
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => console.log(s.address().port)); setTimeout(() => process.exit(0), 20000);' >"$TMP/port" &
    local listener=$!
    while [ ! -s "$TMP/port" ]; do sleep 0.1; done
    export PREFLIGHT_TARGETS="127.0.0.1:$(cat "$TMP/port")"
    run "$ENTRYPOINT" once
    kill "$listener"
    [ "$status" -eq 0 ]
    [[ "$output" == *"reached 127.0.0.1:"* ]]
    export SKIP_PREFLIGHT=1 PREFLIGHT_TARGETS="127.0.0.1:1"
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    [[ "$output" == *"pre-checks skipped"* ]]
}

@test "log lines carry a timestamp and a level" {
    run "$ENTRYPOINT" check
    [[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ INFO\  ]]
}

@test "health check: unhealthy before the entrypoint prepared GoBackup" {
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    [[ "$output" == *"the entrypoint has not prepared GoBackup"* ]]
}

@test "health check: healthy after start, unhealthy once no verified backup is older than the limit" {
    run "$ENTRYPOINT" daemon
    export BACKUP_MAX_AGE_SECONDS=100
    run "$HEALTHCHECK"
    [ "$status" -eq 0 ]
    [[ "$output" == *"no backup yet"* ]]
    # First started 200 s ago, never a verified backup: overdue.
    echo $(($(date +%s) - 200)) >"$STATE/health/first-started-at"
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no verified backup for 2"*"s (limit 100s)"* ]]
    record main last-success-at "$(date +%s)"
    record main result succeeded
    record main archive backups/sqlserver/main/2026.11.25.02.00.00.tar
    run "$HEALTHCHECK"
    [ "$status" -eq 0 ]
    [[ "$output" == *"last verified backup 0s ago: backups/sqlserver/main/2026.11.25.02.00.00.tar"* ]]
}

@test "health check: a failed run makes it unhealthy at once, with the reason, however recent the last success" {
    run "$ENTRYPOINT" daemon
    record main last-success-at "$(date +%s)"
    record main started-at "$(date +%s)"
    record main result failed
    record main reason "no archive of this run reached s3://sql-backups/backups/sqlserver/main/; GoBackup said: Access Denied"
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    [[ "$output" == *"unhealthy: model 'main': the backup started "*" failed: no archive of this run reached"*"Access Denied"* ]]
    run "$ENTRYPOINT" status
    [ "$status" -eq 1 ]
    [[ "$output" == *"Access Denied"* ]]
}

@test "health check: a restart does not reset the clock" {
    run "$ENTRYPOINT" daemon
    echo $(($(date +%s) - 200)) >"$STATE/health/first-started-at"
    run "$ENTRYPOINT" daemon
    export BACKUP_MAX_AGE_SECONDS=100
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
}

@test "BACKUP_ON_START=1 backs up before the scheduler, and a failed first backup does not stop the container" {
    export BACKUP_ON_START=1 GOBACKUP_DOUBLE_EXIT=6 GOBACKUP_DOUBLE_EXIT_RUN=0
    run "$ENTRYPOINT" daemon
    [ "$status" -eq 0 ]
    [ "$(grep -c 'args=perform' "$GOBACKUP_DOUBLE_LOG")" -eq 1 ]
    [ "$(grep -c 'args=run' "$GOBACKUP_DOUBLE_LOG")" -eq 1 ]
    [[ "$output" == *"the first backup failed; the schedule starts anyway"* ]]
}

@test "restore names every missing restore variable before touching the bucket" {
    ln -s "$REPO/image/restore.sh" "$TMP/bin/sqlserver-backup-restore"
    run "$ENTRYPOINT" restore
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing required environment variable(s): RESTORE_TARGET_HOST RESTORE_TARGET_DATABASE RESTORE_TARGET_PASSWORD"* ]]
    [[ "${lines[-1]}" == "OUTCOME: failed: missing required environment variable(s): RESTORE_TARGET_HOST RESTORE_TARGET_DATABASE RESTORE_TARGET_PASSWORD." ]]
}

@test "restore refuses a target password given twice, and takes it from _FILE" {
    ln -s "$REPO/image/restore.sh" "$TMP/bin/sqlserver-backup-restore"
    printf 'Target-Secret' >"$TMP/target-password"
    export RESTORE_TARGET_PASSWORD=x RESTORE_TARGET_PASSWORD_FILE="$TMP/target-password"
    run "$ENTRYPOINT" restore
    [ "$status" -eq 1 ]
    [[ "$output" == *"both RESTORE_TARGET_PASSWORD and RESTORE_TARGET_PASSWORD_FILE are set"* ]]
    [[ "$output" != *"Target-Secret"* ]]
}

@test "restore rejects a backup name that is not one" {
    ln -s "$REPO/image/restore.sh" "$TMP/bin/sqlserver-backup-restore"
    export RESTORE_DATABASE="Orders DB"
    run "$ENTRYPOINT" list
    [ "$status" -eq 1 ]
    [[ "$output" == *"RESTORE_DATABASE 'Orders DB' is not a backup name"* ]]
}

@test "the restore script shows its usage for an unknown command" {
    run "$REPO/image/restore.sh" nonsense
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
}

# The cp shim GoBackup's local storage calls (`cp -a ARCHIVE TARGET`).
shim_env() {
    mkdir -p "$TMP/work/123/orders" "$TMP/work/archives/orders" "$TMP/shimbin"
    ln -s "$SHIM" "$TMP/shimbin/cp"
    head -c 100000 /dev/urandom >"$TMP/work/123/orders/2026.11.25.02.00.00.tar"
    export SQLSERVER_BACKUP_LINK_FROM="$TMP/work" SQLSERVER_BACKUP_LINK_TO="$TMP/work/archives"
}

@test "cp shim: GoBackup's archive copy becomes a hard link, which outlives GoBackup's temp dir" {
    shim_env
    local archive="$TMP/work/123/orders/2026.11.25.02.00.00.tar" target="$TMP/work/archives/orders/2026.11.25.02.00.00.tar"
    local sum
    sum="$(sha256sum <"$archive")"
    PATH="$TMP/shimbin:$PATH" cp -a "$archive" "$target"
    [ "$(stat -c %i "$archive")" = "$(stat -c %i "$target")" ]
    rm -rf "$TMP/work/123"
    [ "$(sha256sum <"$target")" = "$sum" ]
}

@test "cp shim: anything else goes to the real cp" {
    shim_env
    mkdir -p "$TMP/elsewhere"
    PATH="$TMP/shimbin:$PATH" cp -a "$TMP/work/123/orders/2026.11.25.02.00.00.tar" "$TMP/elsewhere/copy.tar"
    [ "$(stat -c %i "$TMP/elsewhere/copy.tar")" != "$(stat -c %i "$TMP/work/123/orders/2026.11.25.02.00.00.tar")" ]
    cmp "$TMP/elsewhere/copy.tar" "$TMP/work/123/orders/2026.11.25.02.00.00.tar"
    echo one >"$TMP/a" && echo two >"$TMP/b"
    PATH="$TMP/shimbin:$PATH" cp "$TMP/a" "$TMP/b"
    [ "$(cat "$TMP/b")" = one ]
}

@test "cp shim: when the link fails and the real copy fails midway, no truncated copy is left behind" {
    shim_env
    # Another file system (the link fails) and a cp that dies after writing part of the file.
    mkdir -p "$TMP/failing"
    cat >"$TMP/failing/cp" <<'EOF'
#!/usr/bin/env bash
head -c 10 "$2" >"$3"
echo "cp: error writing '$3': No space left on device" >&2
exit 1
EOF
    chmod +x "$TMP/failing/cp"
    ln() { return 1; }
    export -f ln
    run env PATH="$TMP/shimbin:$TMP/failing:$PATH" cp -a "$TMP/work/123/orders/2026.11.25.02.00.00.tar" "$TMP/work/archives/orders/2026.11.25.02.00.00.tar"
    [ "$status" -eq 1 ]
    [[ "$output" == *"No space left on device"* ]]
    [ ! -e "$TMP/work/archives/orders/2026.11.25.02.00.00.tar" ]
}

@test "hook start: records the run and keeps GoBackup's log under its limit" {
    mkdir -p "$STATE"
    head -c 3000 /dev/zero | tr '\0' 'x' >"$STATE/gobackup.log"
    GOBACKUP_LOG_LIMIT_BYTES=1000 run "$REPO/image/hook.sh" start main
    [ "$status" -eq 0 ]
    [[ "$output" == *"rotated $STATE/gobackup.log (3000 bytes"* ]]
    [ "$(stat -c %s "$STATE/gobackup.log")" -eq 0 ]
    [ "$(stat -c %s "$STATE/gobackup.log.1")" -eq 100 ]
    [ "$(cat "$STATE/health/main/result")" = running ]
    [ "$(cat "$STATE/health/main/log-offset")" = 0 ]
}

@test "the hook shows its usage for an unknown command" {
    run "$REPO/image/hook.sh" nonsense
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
}
