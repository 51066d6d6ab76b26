import { GO_TIME_ZONES } from "./timeZoneNames";

/**
 * A time zone as the engines read it: Kubernetes checks a CronJob's timeZone with
 * its own character rule, refuses "Local", then calls Go's time.LoadLocation
 * (case-sensitive); the backup agent's scheduler loads `TZ` the same way (and refuses
 * a name it cannot load, where GoBackup's own would fall back to UTC silently). Accepted here: names Go loads on
 * every machine (its own zoneinfo.zip). Names only some hosts have, such as
 * `posix/...`, `right/...` or `posixrules`, are refused on purpose.
 */
const KNOWN = new Set(GO_TIME_ZONES);
/** Kubernetes pkg/apis/batch/validation validTimeZoneCharacters, per "/"-separated part. */
const PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Why `timeZone` cannot be used, or undefined. */
export function timeZoneProblem(timeZone: string): string | undefined {
    const example = 'use an IANA name such as "Etc/UTC" or "Europe/Berlin"';
    if (timeZone.length === 0) return `must not be empty; ${example}.`;
    const badPart = timeZone.split("/").some((part) => part === "." || part === ".." || part.startsWith("-") || !PART.test(part));
    if (badPart || timeZone.toLowerCase() === "local") return `"${timeZone}" is not an IANA time zone name; ${example}.`;
    if (timeZone === "UTC" || KNOWN.has(timeZone)) return undefined;
    const sameIgnoringCase = GO_TIME_ZONES.find((name) => name.toLowerCase() === timeZone.toLowerCase());
    if (sameIgnoringCase !== undefined) {
        return `"${timeZone}" must be written "${sameIgnoringCase}": Kubernetes and the backup agent load time zones by exact, case-sensitive name.`;
    }
    return `"${timeZone}" is not a time zone Go knows on every machine; ${example}.`;
}
