import { CronExpressionParser } from "cron-parser";
import cronstrue from "cronstrue";

/**
 * Names cron accepts in place of numbers. GoBackup's scheduler and Kubernetes'
 * CronJob both take these; cron-parser's extensions (`L`, `W`, `#`) they do not.
 */
const CRON_NAMES = new Set([
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
]);

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** Why a cron expression cannot be used, or undefined when it can. */
export function cronProblem(cron: string): string | undefined {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5) {
        return `"${cron}" has ${fields.length} field(s); use exactly 5 (minute hour day-of-month month day-of-week), e.g. "0 2 * * *". ` +
            "Seconds and @-shortcuts are not accepted by both GoBackup and Kubernetes.";
    }
    for (const field of fields) {
        if (!/^[0-9A-Za-z*?,/-]+$/.test(field)) {
            return `"${cron}": field "${field}" may only hold digits, names, "*", ",", "-", "/" and "?".`;
        }
        const unknownName = (field.match(/[A-Za-z]+/g) ?? []).find((word) => !CRON_NAMES.has(word.toUpperCase()));
        if (unknownName !== undefined) {
            return `"${cron}": "${unknownName}" is not a month or weekday name (JAN-DEC, SUN-SAT); extensions such as L and W are not supported.`;
        }
    }
    try {
        CronExpressionParser.parse(cron, { tz: "Etc/UTC" }).next();
    } catch (err) {
        return `"${cron}" is not a valid cron expression: ${(err as Error).message}.`;
    }
    return undefined;
}

/** Why a time zone cannot be used, or undefined when it can. */
export function timeZoneProblem(timeZone: string): string | undefined {
    // Names only: the CronJob's timeZone and the container's TZ both need an IANA name.
    if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
        return `"${timeZone}" is not an IANA time zone name; use one such as "Etc/UTC" or "Europe/Berlin".`;
    }
    try {
        new Intl.DateTimeFormat("en-US", { timeZone });
    } catch {
        return `"${timeZone}" is not a known IANA time zone; use one such as "Etc/UTC" or "Europe/Berlin".`;
    }
    return undefined;
}

/**
 * The longest time, in days, that the oldest of `keep` archives is still kept:
 * GoBackup deletes it only when backup number keep+1 lands. Measured over a year of
 * runs from a fixed date so the answer does not depend on when preview runs.
 */
export function keepSpanDays(cron: string, timeZone: string, keep: number): number {
    const expression = CronExpressionParser.parse(cron, {
        tz: timeZone,
        currentDate: new Date("2026-01-01T00:00:00Z"),
        endDate: new Date("2027-12-31T00:00:00Z"),
    });
    const runs: number[] = [];
    // keep+1 runs, plus a window to catch months of different length and DST shifts.
    const maxRuns = keep + 1 + 60;
    while (runs.length < maxRuns && expression.hasNext()) {
        runs.push(expression.next().getTime());
    }
    if (runs.length > keep) {
        let longest = 0;
        for (let i = 0; i + keep < runs.length; i++) {
            longest = Math.max(longest, runs[i + keep] - runs[i]);
        }
        return longest / MS_PER_DAY;
    }
    if (runs.length < 2) {
        // At most one run in two years: any archive is kept for longer than that.
        return Infinity;
    }
    // Rare schedules: fewer runs in the window than keep; extrapolate the mean interval.
    return ((runs[runs.length - 1] - runs[0]) / (runs.length - 1)) * keep / MS_PER_DAY;
}

/** A sentence an operator reads in `pulumi up` output, e.g. "At 02:00, every day (Etc/UTC)". */
export function describeSchedule(cron: string, timeZone: string): string {
    const text = cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: true, throwExceptionOnParseError: true });
    return `${text} (${timeZone})`;
}
