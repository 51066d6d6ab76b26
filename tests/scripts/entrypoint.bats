#!/usr/bin/env bats
# image/entrypoint.sh with a TEST DOUBLE of the backup agent (it prints how it was
# called): the agent's modes go to the agent, anything else runs as given. The agent
# itself is tested in Go (image/agent) and, in the image, by the integration tier.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

setup() {
    TMP="$(mktemp -d)"
    printf '#!/usr/bin/env bash\necho "agent-double args=[$*] run_mode=${RUN_MODE:-}"\n' >"$TMP/agent-double"
    chmod +x "$TMP/agent-double"
    export SQLSERVER_BACKUP_AGENT="$TMP/agent-double"
}

teardown() {
    rm -rf "$TMP"
}

@test "without arguments the agent runs, and RUN_MODE chooses its mode" {
    run env RUN_MODE=once bash "$REPO/image/entrypoint.sh"
    [ "$status" -eq 0 ]
    [ "$output" = "agent-double args=[] run_mode=once" ]
}

@test "every mode of the agent goes to the agent with its arguments" {
    for mode in daemon once tick first-backup check status health list restore drill exporter render version help; do
        run bash "$REPO/image/entrypoint.sh" "$mode" extra
        [ "$status" -eq 0 ]
        [ "$output" = "agent-double args=[$mode extra] run_mode=" ]
    done
}

@test "any other command runs as given, replacing the entrypoint (exec)" {
    run bash "$REPO/image/entrypoint.sh" bash -c 'echo "pid $$ ran"; exit 7'
    [ "$status" -eq 7 ]
    [[ "$output" == "pid "*" ran" ]]
}
