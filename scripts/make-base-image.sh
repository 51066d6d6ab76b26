#!/usr/bin/env bash
# Makes the base image the image tests build from, without any image registry:
# a Debian 12 minbase root file system from debootstrap, imported with
# `docker import`. Idempotent: an existing image is kept.
set -euo pipefail

readonly IMAGE="${BASE_IMAGE_TAG:-sqlserver-backup-test-base:bookworm}"
log() { printf '%s make-base-image: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "$IMAGE already exists"
    exit 0
fi
if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
# The machine's own Debian mirror, so the import works where only it is reachable.
mirror="$(grep -hoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap bookworm minbase from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
log "importing as $IMAGE"
tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
log "done"
