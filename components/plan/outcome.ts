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

/** The outcome of an attached one-shot container, from the outputs the Docker provider reports. */
export function containerOutcome(outputs: Record<string, unknown> | undefined, logsCommand: string): string {
    return runOutcome(outputs?.exitCode as number | undefined, outputs?.containerLogs as string | undefined, logsCommand);
}

/** The error that fails `pulumi up` for a failed one-shot run, e.g. `The restore "x" (Job y) failed: ...`; undefined otherwise. */
export function outcomeFailure(what: string, outcome: string): string | undefined {
    return outcomeFailed(outcome) ? `${what} ${outcome}` : undefined;
}
