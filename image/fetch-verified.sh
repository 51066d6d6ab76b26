#!/usr/bin/env bash
# fetch-verified.sh NAME URL SHA256 DEST: downloads URL to DEST and stops the build
# unless its SHA-256 is exactly SHA256. Used by the Dockerfile at build time only.
set -euo pipefail

name="$1" url="$2" expected="$3" dest="$4"
if [[ -z "$expected" ]]; then
    echo "ERROR: no SHA-256 pinned for $name. Pass --build-arg ${name}_SHA256=<hex> (see image/pin-checksums.sh); nothing is installed unverified." >&2
    exit 1
fi
if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    echo "ERROR: ${name}_SHA256 must be 64 lower-case hex digits, got '$expected'." >&2
    exit 1
fi
curl --fail --silent --show-error --location --retry 3 --output "$dest" "$url"
actual="$(sha256sum "$dest" | cut -d' ' -f1)"
if [[ "$actual" != "$expected" ]]; then
    echo "ERROR: checksum mismatch for $name from $url" >&2
    echo "  expected SHA-256 $expected" >&2
    echo "  actual   SHA-256 $actual" >&2
    echo "The download is not the pinned file (changed upstream, or tampered with). Refusing to install it." >&2
    rm -f "$dest"
    exit 1
fi
echo "verified $name: sha256 $actual"
