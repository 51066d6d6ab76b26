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
#
# Stack config: Pulumi.dev.yaml is written from program/dev-stack.yaml before every run,
# keeping only the encryption salt Pulumi added to it (the file is git-ignored, so the
# clone stays clean, and a salt someone else committed can never be in the way).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
action="${1:-up}"
shift || true
# Where a local backend and the generated passphrase live (tests point it elsewhere).
state="${DEV_STATE_DIR:-$repo/.pulumi-state}"
# The stack config Pulumi reads (tests point it elsewhere).
stack_file="${DEV_STACK_FILE:-$repo/Pulumi.dev.yaml}"

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

# stack_config: Pulumi.dev.yaml from the template, with the salt of the stack this clone created.
stack_config() {
    local file="$stack_file" salt=""
    [[ -f "$file" ]] && salt="$(grep -E '^encryptionsalt: ' "$file" || true)"
    {
        grep -vE '^encryptionsalt: ' "$repo/program/dev-stack.yaml"
        [[ -z "$salt" ]] || printf '%s\n' "$salt"
    } >"$file.tmp"
    mv "$file.tmp" "$file"
}

case "$action" in
    up)
        stack_config
        pulumi stack select --create dev
        pulumi up --stack dev --yes "$@"
        echo
        echo "dev-stack: done. What to do with the backups (pulumi stack output operatorRunbook --stack dev):"
        pulumi stack output operatorRunbook --stack dev || true
        ;;
    down)
        stack_config
        pulumi destroy --stack dev --yes "$@"
        pulumi stack rm dev --yes
        # The generated stack config held this stack's salt; the template stays.
        rm -f "$stack_file"
        echo "dev-stack: removed. Images stay cached in Docker; docker image ls shows them."
        ;;
    *)
        die "usage: scripts/dev-stack.sh up|down [pulumi arguments...]"
        ;;
esac
