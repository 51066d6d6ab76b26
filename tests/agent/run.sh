#!/usr/bin/env bash
# Agent tier: the backup agent's Go unit tests (image/agent: gofmt, go vet, go test)
# and the contract tests between the component and the agent (tests/agent, mocha).
# Needs Go (go.mod's version or newer); modules come from the Go module proxy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

command -v go >/dev/null || { echo "Go is needed for the agent's tests (https://go.dev/dl/)" >&2; exit 1; }
unformatted="$(cd image/agent && gofmt -l .)"
[[ -z "$unformatted" ]] || { echo "gofmt: not formatted: $unformatted" >&2; exit 1; }
(cd image/agent && go vet ./... && go test ./...)
exec node_modules/.bin/mocha --config tests/agent/.mocharc.json
