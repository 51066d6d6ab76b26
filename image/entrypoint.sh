#!/usr/bin/env bash
# Entrypoint of the sqlserver-backup image, docker-library style: the agent's modes
# are the image's commands, anything else runs as given. The agent reads every secret
# from NAME or NAME_FILE (refusing both), checks the configuration and says what is
# wrong with it, and runs as PID 1 so signals and orphans are handled.
#
#   /entrypoint.sh [daemon|once|tick|first-backup|check|status|health|list|restore|drill|exporter|render|version]
#   /entrypoint.sh <any other command...>
set -euo pipefail

agent=/usr/local/bin/sqlserver-backup-agent
[[ -x "$agent" ]] || agent="${SQLSERVER_BACKUP_AGENT:-sqlserver-backup-agent}"

case "${1:-}" in
    "" | daemon | once | tick | first-backup | check | status | health | list | restore | drill | exporter | render | version | help)
        exec "$agent" "$@"
        ;;
esac
exec "$@"
