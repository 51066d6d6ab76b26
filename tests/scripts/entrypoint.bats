#!/usr/bin/env bats
# The image's entrypoint, run directly with a gobackup TEST DOUBLE on PATH
# (tests/doubles/gobackup-double): argument and environment handling only.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
ENTRYPOINT="$REPO/image/entrypoint.sh"
HEALTHCHECK="$REPO/image/healthcheck.sh"

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
    export SKIP_PREFLIGHT=1
    export MSSQL_HOST=sql.internal MSSQL_DATABASE=Orders MSSQL_PASSWORD="$SQL_SECRET"
    export MINIO_ENDPOINT=http://minio:9000 MINIO_BUCKET=sql-backups MINIO_ACCESS_KEY=backup-user MINIO_SECRET_KEY="$MINIO_SECRET"
    unset RUN_MODE MSSQL_PASSWORD_FILE MINIO_SECRET_KEY_FILE
}

teardown() {
    rm -rf "$TMP"
}

refute_secrets_in_output() {
    [[ "$output" != *"$SQL_SECRET"* ]] || { echo "SQL password leaked: $output"; return 1; }
    [[ "$output" != *"$MINIO_SECRET"* ]] || { echo "MinIO secret leaked: $output"; return 1; }
}

@test "names every missing required variable in one message and exits 1" {
    unset MSSQL_HOST MSSQL_PASSWORD MINIO_BUCKET
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing required environment variable(s): MSSQL_HOST MSSQL_PASSWORD MINIO_BUCKET"* ]]
    [ ! -f "$GOBACKUP_DOUBLE_LOG" ]
}

@test "once runs gobackup perform with the rendered config and exits 0" {
    run "$ENTRYPOINT" once
    [ "$status" -eq 0 ]
    grep -q "args=perform --config $GOBACKUP_WORKDIR/.gobackup/gobackup.yml" "$GOBACKUP_DOUBLE_LOG"
    [[ "$output" == *"backup finished successfully"* ]]
    refute_secrets_in_output
}

@test "once passes gobackup's failure status through" {
    export GOBACKUP_DOUBLE_EXIT=3
    run "$ENTRYPOINT" once
    [ "$status" -eq 3 ]
    [[ "$output" == *"backup failed (gobackup exit status 3)"* ]]
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
    [[ "$output" == *"RUN_MODE must be once, daemon, check, list or restore, not 'weekly'"* ]]
}

@test "any other command is run as given" {
    run "$ENTRYPOINT" gobackup -v
    [ "$status" -eq 0 ]
    [[ "$output" == *"gobackup version 3.1.1"* ]]
}

@test "the rendered config applies defaults itself, uses snake_case and env references, and never :-" {
    run "$ENTRYPOINT" check
    [ "$status" -eq 0 ]
    local config="$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
    grep -q 'trust_server_certificate: true' "$config"
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

@test "the rendered config keeps a local copy on the workdir volume, or none with LOCAL_KEEP=0" {
    run "$ENTRYPOINT" check
    grep -q "path: \"$GOBACKUP_WORKDIR/archives/main\"" "$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
    export LOCAL_KEEP=0
    run "$ENTRYPOINT" check
    ! grep -q 'type: local' "$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
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
    [[ "$output" == *"MSSQL_PASSWORD contains whitespace"* ]]
    export MSSQL_PASSWORD='back\slash'
    run "$ENTRYPOINT" check
    [ "$status" -eq 1 ]
    [[ "$output" == *"MSSQL_PASSWORD contains a backslash"* ]]
    [[ "$output" != *'back\slash'* ]]
}

@test "accepts \$ and ' in a password: it stays an env reference in the config" {
    export MSSQL_PASSWORD="P@\$\$w0rd'x"
    run "$ENTRYPOINT" check
    [ "$status" -eq 0 ]
    grep -q 'password: "${MSSQL_PASSWORD}"' "$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
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

@test "a mounted config wins and every variable it references must be set" {
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
    grep -q "args=perform --config $GOBACKUP_CONFIG" "$GOBACKUP_DOUBLE_LOG"
    [ "$(cat "$GOBACKUP_WORKDIR/.gobackup/models")" = "$(printf 'orders\nbilling')" ]
    refute_secrets_in_output
}

@test "pre-checks name an unreachable host:port and stop before GoBackup runs" {
    unset SKIP_PREFLIGHT
    export PREFLIGHT_TARGETS="127.0.0.1:1" PREFLIGHT_TIMEOUT=2
    run "$ENTRYPOINT" once
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot reach 127.0.0.1:1 over TCP"* ]]
    [ ! -f "$GOBACKUP_DOUBLE_LOG" ]
}

@test "pre-checks pass for a listening port and SKIP_PREFLIGHT=1 turns them off" {
    unset SKIP_PREFLIGHT
    python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(20)' >"$TMP/port" &
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

@test "health check: unhealthy before the daemon starts" {
    run "$ENTRYPOINT" check
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    [[ "$output" == *"has not started GoBackup"* ]]
}

@test "BACKUP_ON_START=1 backs up before the scheduler starts, and a failure stops the container unhealthy" {
    export BACKUP_ON_START=1 GOBACKUP_DOUBLE_EXIT=6
    run "$ENTRYPOINT" daemon
    [ "$status" -eq 6 ]
    [ "$(grep -c 'args=perform' "$GOBACKUP_DOUBLE_LOG")" -eq 1 ]
    ! grep -q 'args=run' "$GOBACKUP_DOUBLE_LOG"
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    export GOBACKUP_DOUBLE_EXIT=0
    run "$ENTRYPOINT" daemon
    grep -q 'args=run' "$GOBACKUP_DOUBLE_LOG"
    run "$HEALTHCHECK"
    [ "$status" -eq 0 ]
}

@test "health check: healthy after start, unhealthy once the last success is older than the limit" {
    run "$ENTRYPOINT" daemon
    export BACKUP_MAX_AGE_SECONDS=100
    run "$HEALTHCHECK"
    [ "$status" -eq 0 ]
    # Started 200 s ago, never a successful upload: overdue.
    echo $(($(date +%s) - 200)) >"$GOBACKUP_WORKDIR/.gobackup/started-at"
    run "$HEALTHCHECK"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no successful backup of model 'main'"* ]]
    # GoBackup writes the model's retention state only after a successful upload.
    mkdir -p "$GOBACKUP_WORKDIR/.gobackup/cycler"
    echo '[]' >"$GOBACKUP_WORKDIR/.gobackup/cycler/main_minio.json"
    run "$HEALTHCHECK"
    [ "$status" -eq 0 ]
}

@test "restore names every missing restore variable before touching the bucket" {
    ln -s "$REPO/image/restore.sh" "$TMP/bin/sqlserver-backup-restore"
    run "$ENTRYPOINT" restore
    [ "$status" -eq 1 ]
    [[ "$output" == *"missing required environment variable(s): RESTORE_TARGET_HOST RESTORE_TARGET_DATABASE RESTORE_TARGET_PASSWORD"* ]]
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

@test "the rendered config runs the manifest hook around each backup" {
    run "$ENTRYPOINT" check
    grep -q 'before_script: "sqlserver-backup-manifest start main"' "$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
    grep -q "after_script: \"sqlserver-backup-manifest finish main $GOBACKUP_WORKDIR/archives/main http://minio:9000 sql-backups backups/sqlserver/main us-east-1\"" "$GOBACKUP_WORKDIR/.gobackup/gobackup.yml"
}
