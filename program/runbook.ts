import { OperatorCommands } from "../components";

/** What the embedded dev stack fills into the restore line. */
export interface EmbeddedRunbook {
    /** The stack the outputs are read from. */
    stack: string;
    /** The dev SQL Server's host on the backup container's network. */
    sqlHost: string;
    /** The stack output holding the SQL Server's password (a secret). */
    passwordOutput: string;
}

/**
 * The operator commands as text, one per line, for `pulumi stack output operatorRunbook`.
 * For the embedded dev stack the restore line targets the dev SQL Server and reads its
 * password from the stack (never printed: it goes through the environment).
 */
export function runbook(commands: OperatorCommands | undefined, embedded?: EmbeddedRunbook): string | undefined {
    if (!commands) return undefined;
    const lines: Partial<Record<keyof OperatorCommands, [string, string]>> = {
        backupNow: ["Back up now", commands.backupNow],
        logs: ["Follow the logs", commands.logs],
        status: ["Health and the last outcome", commands.status],
        list: ["List the backups", commands.list],
        restore: ["Restore one (fill in the <...>; a new RESTORE_ID for each restore: the same line again does nothing)", commands.restore],
        ...(commands.drillNow ? { drillNow: ["Run the restore drills now (the outcome is in status)", commands.drillNow] as [string, string] } : {}),
    };
    if (embedded) {
        lines.restore = [
            `Restore the newest backup into a new database on the dev SQL Server (fill in the <...>; a new RESTORE_ID for each restore: ` +
                `the same line again does nothing; in a new shell run eval "$(npm run -s dev:env)" first)`,
            commands.restore
                .replace("RESTORE_TARGET_PASSWORD='<password>'", `RESTORE_TARGET_PASSWORD="$(pulumi stack output ${embedded.passwordOutput} --show-secrets --stack ${embedded.stack})"`)
                .replace("<sql-host>", embedded.sqlHost),
        ];
    }
    return (
        Object.values(lines)
            .filter((line): line is [string, string] => line !== undefined)
            .map(([title, command]) => `${title}:\n  ${command}`)
            .join("\n\n") + "\n"
    );
}
