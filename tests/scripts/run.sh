#!/usr/bin/env bash
# Script tier: the bats tests of the image's scripts, with bats from npm (bats-core,
# a devDependency), so `npm test` needs nothing but Node.js and npm. Shell linting is
# `npm run lint:scripts` (it needs shellcheck, which is not on npm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node_modules/bats/bin/bats tests/scripts
