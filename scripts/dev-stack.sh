#!/usr/bin/env bash
# The dev stack in one command on a fresh clone (README "The two commands"):
#
#   npm run dev          pulumi up --stack dev: Silo (MinIO's fork), SQL Server and the
#                        backup container on this machine's Docker engine, ending with a
#                        backup in the bucket
#   npm run dev:down     pulumi destroy --stack dev: removes all of it, backups included
#   npm run dev:runbook  the operator runbook (pulumi stack output operatorRunbook), from
#                        any shell
#   eval "$(npm run -s dev:env)"   this shell then reaches the dev stack with any pulumi
#                        command (the local backend and passphrase the script uses)
#
# Extra arguments go to pulumi (e.g. `npm run dev -- --skip-preview`, or
# `npm run dev -- -c sqlserver-backup:cron='*/5 * * * *'`, which is kept).
#
# State: the backend you are logged in to, or, when you are not logged in, a local
# one in .pulumi-state/ (git-ignored). Secrets passphrase: yours when
# PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set; else, for a local
# backend, one generated once into .pulumi-state/dev-passphrase (mode 0600), so every
# later run finds it. The dev stack's own secrets are generated passwords.
#
# Stack config: Pulumi.dev.yaml is seeded from program/dev-stack.yaml when it does not
# exist yet, and never rewritten after that: every key you set (`pulumi config set`,
# `-c`) stays. The file is git-ignored, so the clone stays clean, and a salt someone
# committed into the template never reaches it. `npm run dev:down` removes it.
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
if [[ "$action" == up || "$action" == down ]]; then
    if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
        die "a running Docker engine is needed (docker info must answer)."
    fi
    [[ -d node_modules/@pulumi/pulumi ]] || die "run npm ci first (npm ci && npm run dev)."
fi

backend="$(pulumi whoami --verbose 2>/dev/null | sed -n 's/^Backend URL: *//p' || true)"
say() { [[ "$action" == env ]] || printf 'dev-stack: %s\n' "$*"; }
if [[ -z "$backend" ]]; then
    mkdir -p "$state"
    backend="file://$state"
    export PULUMI_BACKEND_URL="$backend"
    say "not logged in to a Pulumi backend; keeping the dev stack's state in $state"
fi
if [[ "$backend" == file://* && -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    mkdir -p "$state"
    passphrase="$state/dev-passphrase"
    if [[ ! -f "$passphrase" ]]; then
        (umask 077 && head -c 32 /dev/urandom | base64 >"$passphrase")
        say "generated a secrets passphrase for the dev stack in $passphrase"
    fi
    export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase"
fi

# stack_config: a new stack's Pulumi.dev.yaml, seeded from the template (without any
# salt in it); an existing one is the user's and stays as it is.
stack_config() {
    [[ ! -f "$stack_file" ]] || return 0
    grep -vE '^encryptionsalt: ' "$repo/program/dev-stack.yaml" >"$stack_file.tmp"
    mv "$stack_file.tmp" "$stack_file"
}

case "$action" in
    up)
        stack_config
        pulumi stack select --create dev
        pulumi up --stack dev --yes "$@"
        echo
        echo "dev-stack: done. What to do with the backups (again, from any shell: npm run dev:runbook):"
        pulumi stack output operatorRunbook --stack dev || true
        echo
        echo "dev-stack: other pulumi commands on the dev stack, in a new shell: eval \"\$(npm run -s dev:env)\", then e.g. pulumi config set --stack dev cron '*/5 * * * *'"
        ;;
    runbook)
        pulumi stack output operatorRunbook --stack dev
        ;;
    env)
        # For eval: the backend and passphrase this script gives pulumi.
        [[ -z "${PULUMI_BACKEND_URL:-}" ]] || printf 'export PULUMI_BACKEND_URL=%q\n' "$PULUMI_BACKEND_URL"
        [[ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]] || printf 'export PULUMI_CONFIG_PASSPHRASE_FILE=%q\n' "$PULUMI_CONFIG_PASSPHRASE_FILE"
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
        die "usage: scripts/dev-stack.sh up|down [pulumi arguments...] | runbook | env"
        ;;
esac
