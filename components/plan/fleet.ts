/**
 * A fleet's schedule: each database starts at its own fixed offset inside a window
 * after the schedule's time, so a hundred CronJobs do not start (and pull, and
 * connect) in the same second. Pure functions of the schedule and the names.
 */
import * as crypto from "crypto";
import { offsetPeriod } from "../args/scheduleMath";

/** A database's offset in minutes inside the window: the same on every machine and every run. */
export function databaseOffsetMinutes(database: string, windowMinutes: number): number {
    if (windowMinutes <= 0) return 0;
    return crypto.createHash("sha256").update(database).digest().readUInt32BE(0) % windowMinutes;
}

/** The schedule shifted by `minutes` (a schedule `offsetPeriod` accepts). */
export function shiftedCron(cron: string, minutes: number): string {
    const period = offsetPeriod(cron);
    if (!period) throw new Error(`"${cron}" cannot be shifted: a fleet's window needs a daily (M H * * *) or hourly (M * * * *) schedule`);
    if (period.kind === "hourly") return `${(period.minute + minutes) % 60} * * * *`;
    const at = (period.minuteOfDay + minutes) % 1440;
    return `${at % 60} ${Math.floor(at / 60)} * * *`;
}
