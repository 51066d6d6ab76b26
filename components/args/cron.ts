/**
 * Cron in the dialect of the engines that run it. Kubernetes validates a CronJob's
 * schedule with robfig/cron v3's standard parser (pkg/util/parsers) and the backup
 * agent's scheduler (the Docker target's) parses it with the same function
 * (image/agent/internal/schedule), so this module reads a
 * schedule exactly as `cron.ParseStandard` (robfig/cron v3.0.1, parser.go) does,
 * quirks included, and adds Kubernetes' one extra rule (no "TZ" in the schedule).
 *
 * Parsing yields the same bit sets robfig builds; everything else (next runs, the
 * sentence in the preview) is computed from those, never from a second parser's
 * reading of the text.
 */

/** One field's allowed values and its names (robfig spec.go `bounds`). */
interface Bounds {
    min: number;
    max: number;
    names?: Record<string, number>;
}

const MONTH_NAMES: Record<string, number> = {
    jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly [string, Bounds][] = [
    ["minute", { min: 0, max: 59 }],
    ["hour", { min: 0, max: 23 }],
    ["day of month", { min: 1, max: 31 }],
    ["month", { min: 1, max: 12, names: MONTH_NAMES }],
    ["day of week", { min: 0, max: 6, names: DOW_NAMES }],
];

/** A field as robfig stores it: the set values, and whether `*` or `?` (step 1) was used. */
export interface CronField {
    values: Set<number>;
    star: boolean;
}

/** A parsed schedule: five fields, or a constant delay (`@every`). */
export type CronSchedule =
    | { kind: "spec"; minute: CronField; hour: CronField; dom: CronField; month: CronField; dow: CronField }
    | { kind: "every"; seconds: number };

/** Go's unicode.IsSpace, which strings.Fields splits on. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

class CronError extends Error {}

/** strconv.Atoi, then robfig's "negative number not allowed". */
function parseInt64(expr: string): number {
    if (!/^[+-]?[0-9]+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}`);
    const value = BigInt(expr);
    if (value > 9223372036854775807n || value < -9223372036854775808n) throw new CronError(`failed to parse int from ${expr}: value out of range`);
    if (value < 0n) throw new CronError(`negative number (${value}) not allowed: ${expr}`);
    // Anything beyond every field's bounds fails the range check below just the same.
    return value > 1000n ? 1001 : Number(value);
}

function parseIntOrName(expr: string, bounds: Bounds): number {
    const named = bounds.names?.[expr.toLowerCase()];
    return named ?? parseInt64(expr);
}

/** robfig getRange: `number | number "-" number [ "/" number ]`, `*` and `?`. */
function parseRange(expr: string, bounds: Bounds, into: CronField): void {
    const rangeAndStep = expr.split("/");
    const lowAndHigh = rangeAndStep[0].split("-");
    let start: number;
    let end: number;
    let star = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
        // robfig ignores anything after "*-": "*-5" reads as "*".
        start = bounds.min;
        end = bounds.max;
        star = true;
    } else {
        start = parseIntOrName(lowAndHigh[0], bounds);
        if (lowAndHigh.length === 1) end = start;
        else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], bounds);
        else throw new CronError(`too many hyphens: ${expr}`);
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
        step = parseInt64(rangeAndStep[1]);
        // "N/step" means "N-max/step".
        if (lowAndHigh.length === 1) end = bounds.max;
        if (step > 1) star = false;
    } else if (rangeAndStep.length > 2) {
        throw new CronError(`too many slashes: ${expr}`);
    }
    if (start < bounds.min) throw new CronError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
    if (end > bounds.max) throw new CronError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
    if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
    for (let value = start; value <= end; value += step) into.values.add(value);
    into.star ||= star;
}

/** robfig getField: a comma-separated list of ranges (empty items are skipped, as strings.FieldsFunc does). */
function parseField(text: string, bounds: Bounds): CronField {
    const field: CronField = { values: new Set(), star: false };
    for (const expr of text.split(",").filter((item) => item.length > 0)) parseRange(expr, bounds, field);
    return field;
}

/** Go's time.ParseDuration, in whole seconds as robfig's `Every` rounds it (at least 1 s). */
function parseGoDurationSeconds(text: string): number {
    const match = /^([-+]?)((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+|0)$/u.exec(text);
    if (!match) throw new CronError(`failed to parse duration @every ${text}: time: invalid duration "${text}"`);
    const units: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    let total = 0;
    for (const [, number, unit] of match[2].matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/gu)) {
        if (number === "" || number === ".") throw new CronError(`failed to parse duration @every ${text}: time: invalid duration "${text}"`);
        total += Number(number) * units[unit];
    }
    // Go stores durations as int64 nanoseconds.
    if (total * 1e9 > 9.223372036854775807e18) throw new CronError(`failed to parse duration @every ${text}: time: invalid duration "${text}"`);
    const seconds = match[1] === "-" ? -total : total;
    return seconds < 1 ? 1 : Math.floor(seconds);
}

const DESCRIPTORS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** Parses like robfig/cron v3's ParseStandard; throws its error text. */
export function parseCron(spec: string): CronSchedule {
    if (spec.length === 0) throw new CronError("empty spec string");
    if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
        // The time zone belongs in schedule.timeZone (Kubernetes refuses it here).
        throw new CronError("a TZ= or CRON_TZ= prefix is not allowed; set schedule.timeZone instead");
    }
    if (spec.startsWith("@")) {
        if (spec.startsWith("@every ")) return { kind: "every", seconds: parseGoDurationSeconds(spec.slice("@every ".length)) };
        const expanded = DESCRIPTORS[spec];
        if (expanded === undefined) throw new CronError(`unrecognized descriptor: ${spec}`);
        return parseCron(expanded);
    }
    const fields = spec.split(GO_SPACE).filter((field) => field.length > 0);
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
    const [minute, hour, dom, month, dow] = fields.map((text, i) => parseField(text, FIELDS[i][1]));
    return { kind: "spec", minute, hour, dom, month, dow };
}

/** Why robfig/cron v3 (hence Kubernetes and the agent's scheduler) refuses `spec`, or undefined. */
export function robfigCronError(spec: string): string | undefined {
    try {
        parseCron(spec);
        return undefined;
    } catch (err) {
        if (err instanceof CronError) return err.message;
        throw err;
    }
}

/**
 * The schedule as a plain five-field expression of numbers (or `*`), with the same
 * runs: what the next-run calculation and the sentence are computed from. Day of
 * month and day of week combine as robfig combines them: AND when either was
 * written with `*`, OR otherwise (so a full range written out makes every day match).
 */
export function canonicalCron(schedule: Extract<CronSchedule, { kind: "spec" }>): string {
    const list = (field: CronField, bounds: Bounds): string =>
        field.star && field.values.size === bounds.max - bounds.min + 1 ? "*" : [...field.values].sort((a, b) => a - b).join(",");
    let dom = list(schedule.dom, FIELDS[2][1]);
    let dow = list(schedule.dow, FIELDS[4][1]);
    const oneStarred = schedule.dom.star || schedule.dow.star;
    if (!oneStarred && (schedule.dom.values.size === 31 || schedule.dow.values.size === 7)) {
        // OR with a field that matches every day: every day.
        dom = "*";
        dow = "*";
    }
    return [list(schedule.minute, FIELDS[0][1]), list(schedule.hour, FIELDS[1][1]), dom, list(schedule.month, FIELDS[3][1]), dow].join(" ");
}

/** True when no field is empty (a field such as "," parses but never matches). */
export function hasEmptyField(schedule: CronSchedule): boolean {
    if (schedule.kind === "every") return false;
    return [schedule.minute, schedule.hour, schedule.dom, schedule.month, schedule.dow].some((field) => field.values.size === 0);
}

/** Days in each month, February counted in leap years (robfig's Next looks five years ahead). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True when the schedule can never fire: an empty field (","), or days of the month
 * that none of its months has (e.g. "0 0 31 2 *") while day of week does not widen
 * it. robfig and Kubernetes accept these, and the CronJob would silently never run.
 */
export function neverRuns(schedule: CronSchedule): boolean {
    if (schedule.kind === "every") return false;
    if (hasEmptyField(schedule)) return true;
    // Day of month and day of week are ORed when neither was starred: then any weekday runs.
    if (!schedule.dom.star && !schedule.dow.star) return false;
    return ![...schedule.month.values].some((month) => [...schedule.dom.values].some((day) => day <= MONTH_DAYS[month - 1]));
}

/**
 * Why a schedule cannot be used, or undefined: refused by robfig/cron v3 (so by
 * Kubernetes and the agent's scheduler), holding "TZ" (Kubernetes refuses it: set the time zone
 * in schedule.timeZone), or never firing.
 */
export function cronProblem(spec: string): string | undefined {
    const examples = 'e.g. "0 2 * * *" (minute hour day-of-month month day-of-week, weekdays 0-6) or "@daily"';
    if (spec.includes("TZ")) return `"${spec}" must not hold TZ or CRON_TZ: set schedule.timeZone instead.`;
    const error = robfigCronError(spec);
    if (error !== undefined) return `"${spec}" is not a schedule Kubernetes and the backup agent's scheduler accept (${error}); ${examples}.`;
    if (neverRuns(parseCron(spec))) return `"${spec}" never runs (no day matches it); ${examples}.`;
    return undefined;
}
