import { CronExpressionParser } from "cron-parser";
import cronstrue from "cronstrue";
import { canonicalCron, CronSchedule, parseCron } from "../args/cron";

/**
 * When backups run, computed from the schedule as robfig/cron reads it (see
 * args/cron.ts): cron-parser only ever sees the canonical numeric form, so its
 * own reading of quirks (names, "*-5", descriptors) never matters.
 */

const MS_PER_DAY = 24 * 60 * 60 * 1000;
/** Runs are measured from a fixed date, so results do not depend on when preview runs. */
const FROM = new Date("2026-01-01T00:00:00Z");

/** Run times (ms since the epoch) of a valid schedule, up to `count`, within two years of FROM. */
function runs(schedule: CronSchedule, timeZone: string, count: number): number[] {
    if (schedule.kind === "every") {
        return Array.from({ length: count }, (_, i) => FROM.getTime() + (i + 1) * schedule.seconds * 1000);
    }
    const expression = CronExpressionParser.parse(canonicalCron(schedule), {
        tz: timeZone,
        currentDate: FROM,
        endDate: new Date(FROM.getTime() + 2 * 366 * MS_PER_DAY),
    });
    const result: number[] = [];
    while (result.length < count && expression.hasNext()) result.push(expression.next().getTime());
    return result;
}

/**
 * The longest time, in days, that the oldest of `keep` archives is still kept:
 * GoBackup deletes it only when backup number keep+1 lands.
 */
export function keepSpanDays(cron: string, timeZone: string, keep: number): number {
    // keep+1 runs, plus a window to catch months of different length and DST shifts.
    const times = runs(parseCron(cron), timeZone, keep + 1 + 60);
    if (times.length > keep) {
        let longest = 0;
        for (let i = 0; i + keep < times.length; i++) longest = Math.max(longest, times[i + keep] - times[i]);
        return longest / MS_PER_DAY;
    }
    // At most one run in two years: any archive is kept for longer than that.
    if (times.length < 2) return Infinity;
    // Rare schedules: fewer runs in the window than keep; extrapolate the mean interval.
    return (((times[times.length - 1] - times[0]) / (times.length - 1)) * keep) / MS_PER_DAY;
}

/**
 * The health limit: the longest gap between two scheduled runs, plus two hours for
 * the backup itself. A daily schedule gives 26 h.
 */
export function maxBackupAgeSeconds(cron: string, timeZone: string): number {
    const longestGapDays = keepSpanDays(cron, timeZone, 1);
    const gap = Number.isFinite(longestGapDays) ? longestGapDays * 86400 : 366 * 86400;
    return Math.round(gap + 2 * 3600);
}

/** A sentence an operator reads in `pulumi up` output, e.g. "At 02:00, every day (Etc/UTC)". */
export function describeSchedule(cron: string, timeZone: string): string {
    const schedule = parseCron(cron);
    if (schedule.kind === "every") return `Every ${goDuration(schedule.seconds)} from the container's start (${timeZone})`;
    const options = { use24HourTimeFormat: true, verbose: true, throwExceptionOnParseError: true };
    let text: string;
    try {
        // The text as written reads best ("Every 15 minutes"); cronstrue may not know robfig's quirks.
        text = cronstrue.toString(cron.startsWith("@") ? canonicalCron(schedule) : cron.trim(), options);
    } catch {
        text = cronstrue.toString(canonicalCron(schedule), options);
    }
    return `${text} (${timeZone})`;
}

/** Whole seconds in Go's time.Duration.String() form: 30 -> "30s", 120 -> "2m0s", 3600 -> "1h0m0s". */
export function goDuration(totalSeconds: number): string {
    if (!Number.isInteger(totalSeconds) || totalSeconds < 0) throw new Error(`goDuration: ${totalSeconds} is not a whole number of seconds`);
    if (totalSeconds === 0) return "0s";
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
    if (minutes > 0) return `${minutes}m${seconds}s`;
    return `${seconds}s`;
}
