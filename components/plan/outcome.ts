/** How a one-shot run of the image (first backup, restore) reports its outcome. */

/**
 * The line the image prints last when it runs once (a backup with `once`, or a
 * restore): `OUTCOME: succeeded`, `OUTCOME: failed: <why>`, or for a restore
 * `OUTCOME: already-ran: <record>` (the id's record in the bucket says it ran before,
 * so nothing was done).
 */
export const OUTCOME_PREFIX = "OUTCOME: ";

/** The outcome of a one-shot run, from its exit code and its captured logs. */
export function runOutcome(exitCode: number | undefined, logs: string | undefined, logsCommand: string): string {
    const line = (logs ?? "")
        .split("\n")
        .map((text) => text.trim())
        .filter((text) => text.startsWith(OUTCOME_PREFIX))
        .pop();
    if (line !== undefined) return line.slice(OUTCOME_PREFIX.length);
    if (exitCode === 0) return "succeeded";
    return `failed: exit code ${exitCode ?? "unknown"}; see ${logsCommand}`;
}

/** True for an outcome that must fail `pulumi up`. */
export function outcomeFailed(outcome: string): boolean {
    return outcome.startsWith("failed");
}
