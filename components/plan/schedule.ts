import cronstrue from "cronstrue";
import { canonicalCron, parseCron } from "../args/cron";
import { DstEffect } from "../args/scheduleMath";

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

/** The preview warning for daylight-saving changes that skip or double runs, or undefined. */
export function dstWarning(cron: string, timeZone: string, effects: DstEffect[]): string | undefined {
    if (effects.length === 0) return undefined;
    const listed = (times: string[]) => (times.length > 6 ? `${times.slice(0, 6).join(", ")} and ${times.length - 6} more` : times.join(", "));
    const lines = effects.map((e) => {
        if (e.kind === "skipped") return `on ${e.date} the clocks skip ${listed(e.times)}: the backup${e.times.length > 1 ? "s" : ""} at that time do${e.times.length > 1 ? "" : "es"} not run that day`;
        if (e.kind === "twice") return `on ${e.date} ${listed(e.times)} happen${e.times.length > 1 ? "" : "s"} twice: the backup runs twice`;
        return `on ${e.date} the clocks change by part of an hour: backups at ${listed(e.times)} may not run that day or the next`;
    });
    return `schedule "${cron}" in ${timeZone}: ${lines.join("; ")} (Kubernetes and the backup agent read cron with robfig/cron, which does this). Schedule outside the daylight-saving change (e.g. 04:00), or use Etc/UTC.`;
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
