import { CronExpressionParser } from "cron-parser";
import { canonicalCron, CronField, CronSchedule, parseCron } from "./cron";

/**
 * Facts about a schedule, computed from it as robfig/cron reads it (see cron.ts):
 * cron-parser only ever sees the canonical numeric form, so its own reading of
 * quirks (names, "*-5", descriptors) never matters.
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
 * the agent's retention deletes it only once backup number keep+1 is verified.
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

/** A daylight-saving change that moves one of the schedule's runs. */
export interface DstEffect {
    /** Local date of the change, YYYY-MM-DD. */
    date: string;
    /**
     * skipped: the local times do not exist that day; twice: they happen twice;
     * unreliable: the clocks change by a part of an hour (Australia/Lord_Howe), which
     * robfig/cron v3 mis-schedules: runs of that day and the next may not happen.
     */
    kind: "skipped" | "twice" | "unreliable";
    /** The scheduled local times affected, HH:MM. */
    times: string[];
}

/** The zone's UTC offset in minutes at `ms`. */
function offsetMinutes(ms: number, format: Intl.DateTimeFormat): number {
    const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
    return Math.round((local - Math.floor(ms / 1000) * 1000) / 60000);
}

const has = (field: CronField, value: number) => field.values.has(value);

/** robfig's SpecSchedule match of one local wall-clock minute (dayMatches: AND when either day field is starred). */
function matches(schedule: Extract<CronSchedule, { kind: "spec" }>, local: Date): boolean {
    if (!has(schedule.minute, local.getUTCMinutes()) || !has(schedule.hour, local.getUTCHours()) || !has(schedule.month, local.getUTCMonth() + 1)) return false;
    const dom = has(schedule.dom, local.getUTCDate());
    const dow = has(schedule.dow, local.getUTCDay());
    return schedule.dom.star || schedule.dow.star ? dom && dow : dom || dow;
}

/**
 * Runs that daylight-saving changes of `timeZone` skip or double within `days` from
 * `from`. robfig/cron v3 (Kubernetes' CronJob controller, the agent) skips a local
 * time that does not exist (the spring-forward gap) and runs a local time that
 * happens twice (the fall-back overlap) twice; the repository's engine tier checks
 * this against it.
 */
export function dstEffects(cron: string, timeZone: string, from: Date, days = 366): DstEffect[] {
    const schedule = parseCron(cron);
    if (schedule.kind === "every") return [];
    const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    const effects: DstEffect[] = [];
    const hour = 3600 * 1000;
    const end = from.getTime() + days * MS_PER_DAY;
    let previous = offsetMinutes(from.getTime(), format);
    for (let t = from.getTime() + hour; t <= end; t += hour) {
        const current = offsetMinutes(t, format);
        if (current === previous) continue;
        // The change happened within (t - 1h, t]: find its minute.
        let lo = t - hour;
        let hi = t;
        while (hi - lo > 60000) {
            const mid = lo + Math.floor((hi - lo) / 2 / 60000) * 60000;
            if (offsetMinutes(mid, format) === previous) lo = mid;
            else hi = mid;
        }
        const before = previous;
        const after = current;
        previous = current;
        // Local times [hi + min(before, after), hi + max(before, after)) are skipped (spring) or doubled (fall).
        const startLocal = hi + Math.min(before, after) * 60000;
        const minutes = Math.abs(after - before);
        const date = new Date(startLocal).toISOString().slice(0, 10);
        if (minutes % 60 !== 0) {
            // robfig's Next corrects for DST in whole hours only (spec.go): measured against
            // it (the repository's engine tier), it skips runs on the change day and the day after.
            const dayStart = Date.parse(`${date}T00:00:00Z`);
            const times = new Set<string>();
            for (let m = 0; m < 2 * 24 * 60; m++) {
                const local = new Date(dayStart + m * 60000);
                if (matches(schedule, local)) times.add(local.toISOString().slice(11, 16));
            }
            if (times.size > 0) effects.push({ date, kind: "unreliable", times: [...times].sort() });
            continue;
        }
        const times: string[] = [];
        for (let m = 0; m < minutes; m++) {
            const local = new Date(startLocal + m * 60000);
            if (matches(schedule, local)) times.push(local.toISOString().slice(11, 16));
        }
        if (times.length > 0) effects.push({ date, kind: after > before ? "skipped" : "twice", times });
    }
    return effects;
}

/** The schedule's period when it can carry offsets: daily `M H * * *` or hourly `M * * * *`. */
export type OffsetPeriod = { kind: "daily"; minuteOfDay: number } | { kind: "hourly"; minute: number };

/** The period of a schedule offsets can shift, or undefined (any other shape). */
export function offsetPeriod(cron: string): OffsetPeriod | undefined {
    const schedule = parseCron(cron);
    if (schedule.kind !== "spec") return undefined;
    const match = /^(\d+) (\d+|\*) \* \* \*$/.exec(canonicalCron(schedule));
    if (!match) return undefined;
    const minute = Number(match[1]);
    return match[2] === "*" ? { kind: "hourly", minute } : { kind: "daily", minuteOfDay: Number(match[2]) * 60 + minute };
}
