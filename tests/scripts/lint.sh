#!/usr/bin/env bash
# Lints every shell script of the repository with ShellCheck (CI installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

command -v shellcheck >/dev/null || { echo "shellcheck is needed (Debian/Ubuntu: apt-get install shellcheck)" >&2; exit 1; }
mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' '.ci/run' 'tests/doubles/gobackup-double' 'tests/doubles/pulumi-double' | sort -u)
echo "shellcheck: ${#scripts[@]} scripts"
shellcheck -x "${scripts[@]}"
