#!/usr/bin/env bash
# The dev stack in one command on a fresh clone (README "The two commands"):
#
#   npm run dev        pulumi up --stack dev: MinIO, SQL Server and the backup container
#                      on this machine's Docker engine, ending with a backup in the bucket
#   npm run dev:down   pulumi destroy --stack dev: removes all of it, backups included
#
# Extra arguments go to pulumi (e.g. `npm run dev -- --skip-preview`).
#
# State: the backend you are logged in to, or, when you are not logged in, a local
# one in .pulumi-state/ (git-ignored). Secrets passphrase: yours when
# PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set; else, for a local
# backend, one generated once into .pulumi-state/dev-passphrase (mode 0600), so every
# later run finds it. The dev stack's own secrets are generated passwords.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
action="${1:-up}"
shift || true
# Where a local backend and the generated passphrase live (tests point it elsewhere).
state="${DEV_STATE_DIR:-$repo/.pulumi-state}"

die() {
    printf 'dev-stack: %s\n' "$*" >&2
    exit 1
}

command -v pulumi >/dev/null || die "the Pulumi CLI is needed: https://www.pulumi.com/docs/iac/download-install/"
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    die "a running Docker engine is needed (docker info must answer)."
fi
[[ -d node_modules/@pulumi/pulumi ]] || die "run npm ci first (npm ci && npm run dev)."

backend="$(pulumi whoami --verbose 2>/dev/null | sed -n 's/^Backend URL: *//p' || true)"
if [[ -z "$backend" ]]; then
    mkdir -p "$state"
    backend="file://$state"
    export PULUMI_BACKEND_URL="$backend"
    echo "dev-stack: not logged in to a Pulumi backend; keeping the dev stack's state in $state"
fi
if [[ "$backend" == file://* && -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    mkdir -p "$state"
    passphrase="$state/dev-passphrase"
    if [[ ! -f "$passphrase" ]]; then
        (umask 077 && head -c 32 /dev/urandom | base64 >"$passphrase")
        echo "dev-stack: generated a secrets passphrase for the dev stack in $passphrase"
    fi
    export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase"
fi

case "$action" in
    up)
        pulumi stack select --create dev
        pulumi up --stack dev --yes "$@"
        echo
        echo "dev-stack: done. Commands to see the backups: pulumi stack output commands --stack dev"
        ;;
    down)
        pulumi destroy --stack dev --yes "$@"
        # Keep Pulumi.dev.yaml: it is this repository's file.
        pulumi stack rm dev --yes --preserve-config
        echo "dev-stack: removed. Images stay cached in Docker; docker image ls shows them."
        ;;
    *)
        die "usage: scripts/dev-stack.sh up|down [pulumi arguments...]"
        ;;
esac
