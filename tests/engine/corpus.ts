import { GO_TIME_ZONES } from "../../components/args/timeZoneNames";

/**
 * Values the validator must judge as the engines do: cron strings (robfig/cron v3 as
 * Kubernetes and the agent call it), time zones (Kubernetes' rule and Go's
 * time.LoadLocation) and names. Built deterministically: boundaries of every cron
 * field, names in every case, descriptors, whitespace, TZ prefixes, and edge cases
 * seen in the field. No value holds a line break (the verdict command reads lines).
 */

/** -1 to max: every value of a field from one below its range to one above. */
const fieldValues = (max: number) => Array.from({ length: max + 2 }, (_, i) => String(i - 1));

export function cronCorpus(): string[] {
    const corpus = new Set<string>();
    // Every value of every field, one below and one above its range.
    for (const value of fieldValues(60)) corpus.add(`${value} * * * *`);
    for (const value of fieldValues(24)) corpus.add(`0 ${value} * * *`);
    for (const value of fieldValues(32)) corpus.add(`0 0 ${value} * *`);
    for (const value of fieldValues(13)) corpus.add(`0 0 * ${value} *`);
    for (const value of fieldValues(7)) corpus.add(`0 0 * * ${value}`);
    // Names, in every case.
    for (const day of ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]) {
        for (const spelled of [day, day.toLowerCase(), day[0] + day.slice(1).toLowerCase()]) corpus.add(`0 0 * * ${spelled}`);
    }
    for (const month of ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]) {
        corpus.add(`0 0 1 ${month} *`);
        corpus.add(`0 0 1 ${month.toLowerCase()} *`);
    }
    [
        // Steps, ranges and lists.
        "*/15 * * * *", "*/0 * * * *", "*/1 * * * *", "*/59 * * * *", "*/60 * * * *", "*/61 * * * *", "0/15 * * * *", "5/15 * * * *",
        "1-5 * * * *", "5-1 * * * *", "5-5 * * * *", "1-5/2 * * * *", "1-5/0 * * * *", "1-5-7 * * * *", "1/2/3 * * * *", "/5 * * * *", "5/ * * * *",
        "*-5 * * * *", "?-5 * * * *", "? ? ? ? ?", "0 0 ? * ?", "* * * * *", "*/2 */3 */4 */5 */6",
        "0 0 * * MON-FRI", "0 0 * * FRI-MON", "0 0 * * SUN,SAT", "0 0 * jan-dec *", "0 0 * JAN-MAR,OCT *", "0 0 * * MON-5", "0 0 * * 0-SAT",
        // Numbers as Go's strconv.Atoi reads them.
        "+5 * * * *", "05 * * * *", "0x5 * * * *", "1.5 * * * *", "5e1 * * * *", "99999999999999999999 * * * *", "1_0 * * * *",
        // Empty list items.
        ", * * * *", ",5 * * * *", "5, * * * *", "5,,6 * * * *", "0 0 , * *",
        // Extensions other crons have.
        "0 0 * * MONDAY", "0 0 * * L", "0 0 L * *", "0 0 15W * *", "0 0 * * 5#3", "0 0 * * 1L", "0 0 LW * *",
        // Descriptors.
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@every 1h", "@every 90m", "@every 1h30m", "@every 1.5h",
        "@every 500ms", "@every 0", "@every 0s", "@every -1h", "@every 1d", "@every ", "@every", "@every  1h", "@every 1h ", "@every 1H", "@every 5",
        "@every .5h", "@every 5.h", "@every 1µs", "@every 1us", "@daily ", " @daily", "@DAILY", "@reboot", "@", "@every 1h30",
        // Field counts and whitespace.
        "", " ", "0 2 * * * *", "0 0 2 * * *", "0 2 * *", "0 2 * * *\t", "\t0 2 * * *", "0  2  *  *  *", "0 2 * * * ", "0\t2\t*\t*\t*",
        "0 2 * *\u00a0*", "0 2 * * *\u3000",
        // Time zones belong in timeZone.
        "TZ=UTC 0 2 * * *", "CRON_TZ=Europe/Berlin 0 2 * * *", "TZ=UTC", "0 2 * * * TZ", "TZ=Nowhere/Nothing 0 2 * * *",
        // Days that some months lack.
        "0 0 31 2 *", "0 0 30 2 *", "0 0 29 2 *", "0 0 31 4 *", "0 0 31 4,5 *", "0 0 31 2 1", "0 0 1-31 2 *", "0 0 31 * *", "0 0 30,31 2,4,6 *",
        // Seen in the field.
        "0 2 * * 1-5", "30 1 * * *", "0 */6 * * *", "15 3 * * 1-5", "0 0 1 JAN,JUL *", "5 4 * * 0", "0 22 * * 1-5", "*/5 9-17 * * MON-FRI",
    ].forEach((value) => corpus.add(value));
    return [...corpus];
}

/** Names the verdict accepts on this host but Go's own time zone database lacks (see args/timeZone.ts). */
export const HOST_ONLY_TIME_ZONES = ["posixrules", "right/UTC", "posix/Europe/Berlin", "localtime", "right/Europe/Berlin"];

export function timeZoneCorpus(): string[] {
    const corpus = new Set<string>([
        "Etc/UTC", "UTC", "utc", "Utc", "Europe/Berlin", "europe/berlin", "EUROPE/BERLIN", "Europe/berlin", "Local", "local", "LOCAL", "",
        "America/New_York", "America/Argentina/Buenos_Aires", "US/Pacific", "us/pacific", "Etc/GMT+5", "Etc/GMT-14", "Etc/GMT+13", "Etc/GMT+15",
        "GMT", "GMT0", "GMT+0", "Zulu", "Factory", "CET", "EST5EDT", "Asia/Kolkata", "Asia/Calcutta", "Europe/Kyiv", "Europe/Kiev", "Antarctica/Troll",
        "Europe/../Europe/Berlin", "./UTC", "../etc/passwd", "/etc/localtime", "Europe/Berlin/", "Europe//Berlin", "Europe/Berlin ", " Europe/Berlin",
        "Mars/Olympus_Mons", "+02:00", "UTC+2", "-Europe", "Europe/-Berlin", "ABCDEFGHIJKLMNO/X", "America/Indiana/Indianapolis", "Etc/Unknown",
        "zone.tab", "iso3166.tab", "tzdata.zi", "leap-seconds.list", "Europe/Berlin\u0000",
        ...HOST_ONLY_TIME_ZONES,
    ]);
    // Every fifth name of Go's database, and the same names lower-cased.
    GO_TIME_ZONES.filter((_, i) => i % 5 === 0).forEach((zone) => {
        corpus.add(zone);
        corpus.add(zone.toLowerCase());
    });
    return [...corpus].filter((value) => !value.includes("\u0000"));
}

/** Component names users might give: each must yield object names Kubernetes accepts. */
export function componentNameCorpus(): string[] {
    return [
        "orders", "Orders", "ORDERS", "orders-eu", "Orders-EU-West-Production-SqlServer-01", "orders_eu", "orders.eu", "orders eu", "Bestellungen-Über",
        "-leading", "trailing-", "--", "a", "1", "x".repeat(40), "x".repeat(45), "x".repeat(52), "x".repeat(53), "x".repeat(63), "x".repeat(64), "x".repeat(100),
        `${"a".repeat(30)}-${"b".repeat(30)}`, "a.b.c", "a..b", "orders/prod", "orders:prod", "ørders", "日本", "", "dev", "sqlserver", "backup",
        "my-component-with-a-rather-long-name-for-production-eu-west-1",
    ];
}

/** Restore ids the validator allows (1-20 of [a-z0-9-]): the restore Job name derives from them. */
export const RESTORE_IDS = ["a", "incident-42", "x".repeat(20), "2026-11-23-incident"];

/** Namespaces and label values as users give them. */
export function dnsLabelCorpus(): string[] {
    return [
        "sql-backups", "default", "a", "1", "-a", "a-", "A", "sql_backups", "sql.backups", "x".repeat(63), "x".repeat(64), "", "kube-system", "ns1-2-3",
        "über", "a b", "a--b",
    ];
}

export function labelValueCorpus(): string[] {
    return ["orders", "Orders", "orders_eu", "orders.eu", "-orders", "orders-", "", "x".repeat(63), "x".repeat(64), "a b", "a/b", "ü", "0.1.0", "_x", "x_"];
}

/** Quantities as users write them for cpu, memory and sizes: every suffix, signs, exponents, spacing, the usual mistakes. */
export function quantityCorpus(): string[] {
    const corpus = new Set<string>(["", "0", "-0", "+1", "1", "01", "1.", ".5", "0.5", "1.5Gi", "1e3", "1E3", "1e-3", "1e+3", "1Ei", "1Pi", "1Ti", "1Gi", "1Mi", "1Ki", "1ki",
        "1k", "1K", "1M", "1G", "1T", "1P", "1E", "1m", "1u", "1n", "250m", "0.25", "-1", "-250m", "1 Gi", " 1Gi", "1Gi ", "10GB", "10gb", "10gi", "1GiB", "1mi", "1.2.3",
        "..5", "1e", "e3", "Gi", "1Gi1", "1i", "1.5e3Mi", "1_000", "1,5", "NaN", "Infinity", "0x10", "4096Mi", "20Gi", "100000000000000000000000Ei"]);
    for (const suffix of ["", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]) {
        for (const number of ["1", "0.5", "100", "1.25"]) corpus.add(`${number}${suffix}`);
    }
    return [...corpus];
}

/** Schedules and zones across daylight-saving changes (hour, half-hour and southern-hemisphere changes), and zones without any. */
export function dstCorpus(): { cron: string; zone: string; from: string; days: number }[] {
    // No @every: it counts elapsed time, not the wall clock, so daylight saving does not touch it.
    const crons = ["30 2 * * *", "0 2 * * *", "0 3 * * *", "30 1 * * *", "0 1 * * *", "*/15 * * * *", "0 * * * *", "15 2 * * 0", "45 1 1-7 * 0", "0 2,14 * * *", "@daily", "@hourly", "0 0 * * *", "30 0 * * *"];
    const zones = ["Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Sydney", "Australia/Lord_Howe", "America/Havana", "Asia/Tokyo", "Etc/UTC", "America/Santiago", "Asia/Tehran"];
    return crons.flatMap((cron) => zones.map((zone) => ({ cron, zone, from: "2027-01-01T00:00:00Z", days: 365 })));
}
