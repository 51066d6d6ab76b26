#!/usr/bin/env bash
# Makes the Go builder image the backup image's agent stage builds in, without any
# image registry: the Debian 12 base of make-base-image.sh, this machine's Go
# toolchain, and this machine's CA bundle (the Go module proxy is reached through the
# same network, which may inspect TLS with a CA of its own). Idempotent: an existing
# image of the same Go version is kept. Users build with the register's golang image.
set -euo pipefail

readonly BASE="${BASE_IMAGE_TAG:-sqlserver-backup-test-base:bookworm}"
goroot="$(go env GOROOT)"
version="$(go env GOVERSION)"
readonly IMAGE="${BUILDER_IMAGE_TAG:-sqlserver-backup-test-builder:$version}"
log() { printf '%s make-builder-image: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "$IMAGE already exists"
    echo "$IMAGE"
    exit 0
fi
docker image inspect "$BASE" >/dev/null 2>&1 || { log "$BASE is missing: run scripts/make-base-image.sh first"; exit 1; }
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
log "copying $goroot ($version)"
cp -a "$goroot" "$context/go"
bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
[[ -f "$bundle" ]] || { log "no CA bundle at $bundle (set SSL_CERT_FILE)"; exit 1; }
cp "$bundle" "$context/ca-certificates.crt"
cat >"$context/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY go /usr/local/go
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
DOCKERFILE
log "building $IMAGE"
docker build --network host --quiet --tag "$IMAGE" "$context" >/dev/null
log "done"
echo "$IMAGE"
