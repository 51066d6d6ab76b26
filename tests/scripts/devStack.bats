#!/usr/bin/env bats
# scripts/dev-stack.sh (npm run dev / dev:down) with TEST DOUBLES of the Pulumi CLI
# (tests/doubles/pulumi-double) and of docker: which backend, passphrase and stack
# commands a newcomer's fresh clone gets.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

setup() {
    TMP="$(mktemp -d)"
    mkdir -p "$TMP/bin"
    ln -s "$REPO/tests/doubles/pulumi-double" "$TMP/bin/pulumi"
    printf '#!/usr/bin/env bash\nexit 0\n' >"$TMP/bin/docker"
    chmod +x "$TMP/bin/docker"
    export PATH="$TMP/bin:$PATH" PULUMI_DOUBLE_LOG="$TMP/pulumi.log" DEV_STATE_DIR="$TMP/state" DEV_STACK_FILE="$TMP/Pulumi.dev.yaml" PULUMI_DOUBLE_STACK_FILE="$TMP/Pulumi.dev.yaml"
    unset PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_DOUBLE_LOGGED_IN
}

teardown() {
    rm -rf "$TMP"
}

@test "not logged in: a local backend, a generated passphrase kept private, the dev stack created or selected, then up" {
    run bash "$REPO/scripts/dev-stack.sh" up
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "$TMP/state/dev-passphrase")" = "600" ]
    [ -s "$TMP/state/dev-passphrase" ]
    grep -q "^args=stack select --create dev backend=file://$TMP/state passphrase_file=$TMP/state/dev-passphrase$" "$PULUMI_DOUBLE_LOG"
    grep -q "^args=up --stack dev --yes backend=file://$TMP/state passphrase_file=$TMP/state/dev-passphrase$" "$PULUMI_DOUBLE_LOG"
}

@test "a second run reuses the same passphrase" {
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    local first
    first="$(cat "$TMP/state/dev-passphrase")"
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    [ "$(cat "$TMP/state/dev-passphrase")" = "$first" ]
}

@test "logged in to Pulumi Cloud: that backend, no passphrase" {
    export PULUMI_DOUBLE_LOGGED_IN=https://api.pulumi.com
    run bash "$REPO/scripts/dev-stack.sh" up
    [ "$status" -eq 0 ]
    grep -q "^args=up --stack dev --yes backend= passphrase_file=$" "$PULUMI_DOUBLE_LOG"
    [ ! -e "$TMP/state/dev-passphrase" ]
}

@test "a passphrase of your own is used as it is" {
    export PULUMI_CONFIG_PASSPHRASE_FILE="$TMP/mine"
    run bash "$REPO/scripts/dev-stack.sh" up
    grep -q "passphrase_file=$TMP/mine$" "$PULUMI_DOUBLE_LOG"
    [ ! -e "$TMP/state/dev-passphrase" ]
}

@test "the stack config is seeded from the template and keeps this clone's salt across runs" {
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    grep -q "^  sqlserver-backup:embedded: true$" "$TMP/Pulumi.dev.yaml"
    [ "$(grep -c '^encryptionsalt: v1:double-salt$' "$TMP/Pulumi.dev.yaml")" = "1" ]
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    [ "$(grep -c '^encryptionsalt: ' "$TMP/Pulumi.dev.yaml")" = "1" ]
}

@test "keys the user set survive every later run: the template seeds a new stack only" {
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    # What `pulumi config set` writes, and a template key the user changed.
    sed -i 's|^  sqlserver-backup:cron: .*|  sqlserver-backup:cron: "@every 5m"|' "$TMP/Pulumi.dev.yaml"
    sed -i '/^config:/a\  sqlserver-backup:minioImage: mirror.example.com/s3-server@sha256:0000' "$TMP/Pulumi.dev.yaml"
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    grep -q '^  sqlserver-backup:cron: "@every 5m"$' "$TMP/Pulumi.dev.yaml"
    grep -q '^  sqlserver-backup:minioImage: mirror.example.com/s3-server@sha256:0000$' "$TMP/Pulumi.dev.yaml"
}

@test "a new shell reaches the dev stack: env prints the backend and passphrase, runbook prints the runbook" {
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    run bash "$REPO/scripts/dev-stack.sh" env
    [ "$status" -eq 0 ]
    [[ "$output" == *"export PULUMI_BACKEND_URL=file://$TMP/state"* ]]
    [[ "$output" == *"export PULUMI_CONFIG_PASSPHRASE_FILE=$TMP/state/dev-passphrase"* ]]
    [[ "$output" != *"dev-stack:"* ]]
    run bash "$REPO/scripts/dev-stack.sh" runbook
    [ "$status" -eq 0 ]
    grep -q "^args=stack output operatorRunbook --stack dev backend=file://$TMP/state passphrase_file=$TMP/state/dev-passphrase$" "$PULUMI_DOUBLE_LOG"
}

@test "a salt someone committed into the template never reaches this clone's stack config" {
    mkdir -p "$TMP/repo/scripts" "$TMP/repo/program" "$TMP/repo/node_modules/@pulumi/pulumi"
    cp "$REPO/scripts/dev-stack.sh" "$TMP/repo/scripts/"
    { cat "$REPO/program/dev-stack.yaml"; echo "encryptionsalt: v1:someone-elses-salt"; } >"$TMP/repo/program/dev-stack.yaml"
    bash "$TMP/repo/scripts/dev-stack.sh" up >/dev/null
    ! grep -q "someone-elses-salt" "$TMP/Pulumi.dev.yaml"
    grep -q "^encryptionsalt: v1:double-salt$" "$TMP/Pulumi.dev.yaml"
}

@test "the clone stays clean: the generated stack config is git-ignored" {
    cd "$REPO"
    git check-ignore -q Pulumi.dev.yaml
}

@test "down destroys the dev stack, removes it and its generated config" {
    bash "$REPO/scripts/dev-stack.sh" up >/dev/null
    run bash "$REPO/scripts/dev-stack.sh" down
    [ "$status" -eq 0 ]
    grep -q "^args=destroy --stack dev --yes " "$PULUMI_DOUBLE_LOG"
    grep -q "^args=stack rm dev --yes " "$PULUMI_DOUBLE_LOG"
    [ ! -e "$TMP/Pulumi.dev.yaml" ]
}

@test "says what is missing: the Pulumi CLI, or a Docker engine" {
    rm "$TMP/bin/pulumi"
    run env PATH="$TMP/bin:/usr/bin:/bin" bash "$REPO/scripts/dev-stack.sh" up
    [ "$status" -eq 1 ]
    [[ "$output" == *"the Pulumi CLI is needed"* ]]
    ln -s "$REPO/tests/doubles/pulumi-double" "$TMP/bin/pulumi"
    printf '#!/usr/bin/env bash\nexit 1\n' >"$TMP/bin/docker"
    run bash "$REPO/scripts/dev-stack.sh" up
    [ "$status" -eq 1 ]
    [[ "$output" == *"a running Docker engine is needed"* ]]
}
