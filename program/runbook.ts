import { OperatorCommands } from "../components";

/** The operator commands as text, one per line, for `pulumi stack output operatorRunbook`. */
export function runbook(commands: OperatorCommands | undefined): string | undefined {
    if (!commands) return undefined;
    const titles: Record<keyof OperatorCommands, string> = {
        backupNow: "Back up now",
        logs: "Follow the logs",
        status: "Health and the last outcome",
        list: "List the backups",
        restore: "Restore one (fill in the <...>)",
    };
    return (Object.keys(titles) as (keyof OperatorCommands)[]).map((key) => `${titles[key]}:\n  ${commands[key]}`).join("\n\n") + "\n";
}
