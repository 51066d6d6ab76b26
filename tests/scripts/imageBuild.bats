#!/usr/bin/env bats
# image/build.sh with a TEST DOUBLE of docker that records its arguments: a hand-built
# image carries the register's pins and says which agent version it is.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

setup() {
    TMP="$(mktemp -d)"
    mkdir -p "$TMP/bin"
    printf '#!/usr/bin/env bash\nprintf "%%s\\n" "$@" >"%s/docker.args"\n' "$TMP" >"$TMP/bin/docker"
    chmod +x "$TMP/bin/docker"
    export PATH="$TMP/bin:$PATH"
}

teardown() {
    rm -rf "$TMP"
}

@test "passes the agent version (the package's version and the commit), not the Dockerfile's 'dev'" {
    run bash "$REPO/image/build.sh" my/tag:1
    [ "$status" -eq 0 ]
    version="$(node -p 'require(process.argv[1]).version' "$REPO/package.json")"
    grep -qxE "AGENT_VERSION=${version//./\\.}(\\+[0-9a-f]{7,})?" "$TMP/docker.args"
    grep -qx "my/tag:1" "$TMP/docker.args"
}

@test "passes every pin of the register as a build argument" {
    run bash "$REPO/image/build.sh"
    [ "$status" -eq 0 ]
    for name in BASE_IMAGE GO_BUILDER_IMAGE SQLPACKAGE_VERSION SQLPACKAGE_URL SQLPACKAGE_SHA256 GOBACKUP_VERSION GOBACKUP_URL GOBACKUP_SHA256; do
        grep -q "^$name=." "$TMP/docker.args"
    done
}
