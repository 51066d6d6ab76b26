#!/usr/bin/env bash
# Makes a Docker engine available for the image tests: installs Debian's docker.io
# when missing and starts dockerd in the background when none answers. Idempotent.
set -euo pipefail

log() { printf '%s start-docker: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if ! command -v dockerd >/dev/null; then
    log "installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
if docker info >/dev/null 2>&1; then
    log "a Docker engine is already running"
    exit 0
fi
# A dockerd killed with its session leaves pid files that stop the next one from starting.
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    if [[ -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
        log "removing stale $pidfile"
        rm -f "$pidfile"
    fi
done
log "starting dockerd"
nohup dockerd >/tmp/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        log "dockerd is up"
        exit 0
    fi
    sleep 1
done
log "dockerd did not start; its log:"
tail -n 50 /tmp/dockerd.log >&2
exit 1
