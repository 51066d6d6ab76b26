#!/usr/bin/env bash
# Script tier: shellcheck on every shell script, then the bats tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

missing=()
for tool in shellcheck bats; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
    echo "script tests need ${missing[*]} (Debian: apt-get install shellcheck bats)" >&2
    exit 1
fi

mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' '.ci/run' 'tests/doubles/gobackup-double' | sort -u)
echo "shellcheck: ${#scripts[@]} scripts"
shellcheck -x "${scripts[@]}"
bats tests/scripts
