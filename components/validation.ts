import * as rules from "./rules";
import { cronProblem, keepSpanDays, timeZoneProblem } from "./schedule";
import { BackupSettings, Draft, isKnown, Unknown } from "./settings";
import { SqlServerBackupArgs } from "./args";
import { effectiveImage, imageProblems } from "./image";
import { passwordVariable } from "./naming";
import { peek } from "./resolve";

/** One thing wrong with the arguments: which field, and what to do about it. */
export interface Problem {
    /** Path of the argument, as the user wrote it: `databases[0].password`. */
    field: string;
    message: string;
}

/** Thrown when arguments cannot work; lists every problem found, each with its field. */
export class SqlServerBackupArgsError extends Error {
    constructor(
        readonly resourceName: string,
        readonly problems: Problem[],
    ) {
        super(
            `SqlServerBackup "${resourceName}" has invalid arguments:\n` +
                problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n"),
        );
        this.name = "SqlServerBackupArgsError";
    }
}

/** Secret values are validated like settings but never rendered; keyed by their argument path. */
export type SecretDrafts = Record<string, string | Unknown>;

/** Collects problems; skips any rule whose value is not known yet. */
class ProblemList {
    readonly problems: Problem[] = [];

    check<T>(field: string, value: T | Unknown, rule: (v: T) => string | undefined): void {
        if (!isKnown(value)) return;
        const message = rule(value);
        if (message !== undefined) this.problems.push({ field, message });
    }

    add(field: string, message: string): void {
        this.problems.push({ field, message });
    }
}

/**
 * Every rule over the (partly known) settings. Called at construction with the plain
 * values, and again inside `apply` once Outputs resolve, so a bad value fails
 * `pulumi preview` whichever way it was given.
 */
export function findProblems(settings: Draft<BackupSettings> | undefined, secrets: SecretDrafts): Problem[] {
    const list = new ProblemList();
    if (settings !== undefined) {
        checkDatabases(list, settings.databases);
        checkSchedule(list, settings);
        checkStorage(list, settings.storage);
        list.check("webUi.port", settings.webUi.port, rules.portProblem);
    }
    for (const [field, value] of Object.entries(secrets)) list.check(field, value, rules.secretProblem);
    return list.problems;
}

/** Throws {@link SqlServerBackupArgsError} when {@link findProblems} finds any (settings undefined: secrets only). */
export function assertValid(resourceName: string, settings: Draft<BackupSettings> | undefined, secrets: SecretDrafts): void {
    const problems = findProblems(settings, secrets);
    if (problems.length > 0) throw new SqlServerBackupArgsError(resourceName, problems);
}

/**
 * Rules on the shape of the arguments (which fields go together). All of these are
 * plain values, so they are always checked at construction.
 */
export function structuralProblems(args: SqlServerBackupArgs): Problem[] {
    const list = new ProblemList();
    if (!Array.isArray(args.databases)) list.add("databases", "must be a list of databases.");
    const { admin, provider, bucket, userName } = args.storage ?? {};
    if (args.storage === undefined) list.add("storage", "is required: give at least storage.endpoint and storage.admin.");
    else if ((admin === undefined) === (provider === undefined)) {
        list.add("storage.admin", "give exactly one of storage.admin (user and password) or storage.provider (a minio.Provider).");
    }
    if (admin?.server !== undefined) list.check("storage.admin.server", peek<string>(admin.server), rules.serverProblem);
    if (bucket?.create === false) {
        if (bucket.name === undefined) list.add("storage.bucket.name", "is required when storage.bucket.create is false (which existing bucket?).");
        if (bucket.retentionDays !== undefined || bucket.noncurrentVersionRetentionDays !== undefined) {
            list.add(
                "storage.bucket.retentionDays",
                "applies only to a bucket this component creates: it will not replace the lifecycle rules of a bucket it does not own. " +
                    "Set expiry on the existing bucket, or let the component create one.",
            );
        }
    }
    if (userName !== undefined) list.check("storage.userName", userName, rules.userNameProblem);
    if (args.target?.kind === "kubernetes" && args.target.networkPolicy) {
        const policy = args.target.networkPolicy;
        [...policy.sqlServerCidrs.map((c, i) => [`target.networkPolicy.sqlServerCidrs[${i}]`, c]), ...policy.minioCidrs.map((c, i) => [`target.networkPolicy.minioCidrs[${i}]`, c])].forEach(
            ([field, cidr]) => list.check(field, cidr, rules.cidrProblem),
        );
        if (policy.sqlServerCidrs.length === 0 || policy.minioCidrs.length === 0) {
            list.add("target.networkPolicy", "needs at least one CIDR for SQL Server and one for MinIO, or the backup cannot reach them.");
        }
    }
    const image = effectiveImage(args);
    if (image !== undefined) list.problems.push(...imageProblems(image));
    if (args.restore !== undefined) checkRestore(list, args);
    if (args.localCopies !== undefined) list.check("localCopies", args.localCopies, (v) => rules.wholeNumberProblem(v, 0, 1000));
    return list.problems;
}

function checkRestore(list: ProblemList, args: SqlServerBackupArgs): void {
    const restore = args.restore!;
    if (args.target === undefined) list.add("restore", "needs a target (docker or kubernetes) to run on.");
    if (!/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/.test(restore.id)) {
        list.add("restore.id", `"${restore.id}" must be 1-20 lower-case letters, digits or "-" (it names the Job or container).`);
    }
    const names = Array.isArray(args.databases) ? args.databases.map((db) => db.name) : [];
    if (restore.database === undefined && names.length > 1) {
        list.add("restore.database", `say which database's backups to restore: one of ${names.join(", ")}.`);
    } else if (restore.database !== undefined && !names.includes(restore.database)) {
        list.add("restore.database", `"${restore.database}" is not one of the databases (${names.join(", ")}).`);
    }
    const backup = restore.backup ?? "latest";
    if (!(backup === "latest" || /^before:\S+$/.test(backup) || /^[A-Za-z0-9._/-]+\.tar$/.test(backup))) {
        list.add("restore.backup", `"${backup}" must be latest, an archive name such as 2026.11.23.02.00.00.tar, or before:<time>.`);
    }
    const target = restore.target;
    list.check("restore.target.host", peek<string>(target.host), rules.hostProblem);
    list.check("restore.target.database", peek<string>(target.database), rules.databaseNameProblem);
    if (target.username !== undefined) list.check("restore.target.username", peek<string>(target.username), rules.usernameProblem);
    if (target.port !== undefined) list.check("restore.target.port", peek<number>(target.port), rules.portProblem);
    list.check("restore.target.password", peek<string>(target.password), rules.secretProblem);
}

function checkDatabases(list: ProblemList, databases: Draft<BackupSettings>["databases"]): void {
    if (!isKnown(databases)) return;
    if (databases.length === 0) list.add("databases", "give at least one database to back up.");
    const seenVariables = new Map<string, string>();
    databases.forEach((db, i) => {
        const at = `databases[${i}]`;
        list.check(`${at}.name`, db.name, rules.logicalNameProblem);
        if (isKnown(db.name)) {
            const variable = passwordVariable(db.name);
            const earlier = seenVariables.get(variable);
            if (earlier !== undefined) {
                list.add(`${at}.name`, `"${db.name}" clashes with "${earlier}" (both name ${variable}); give each database a distinct name.`);
            }
            seenVariables.set(variable, db.name);
        }
        list.check(`${at}.host`, db.host, rules.hostProblem);
        list.check(`${at}.port`, db.port, rules.portProblem);
        list.check(`${at}.database`, db.database, rules.databaseNameProblem);
        list.check(`${at}.username`, db.username, rules.usernameProblem);
        if (isKnown(db.extraArgs)) {
            db.extraArgs.forEach((arg, j) => list.check(`${at}.extraArgs[${j}]`, arg, rules.extraArgProblem));
        }
    });
}

function checkSchedule(list: ProblemList, settings: Draft<BackupSettings>): void {
    const { cron, timeZone } = settings.schedule;
    list.check("schedule.cron", cron, cronProblem);
    list.check("schedule.timeZone", timeZone, timeZoneProblem);
    const { keep, retentionDays } = settings.storage;
    if (!isKnown(cron) || !isKnown(timeZone) || !isKnown(keep) || !isKnown(retentionDays)) return;
    if (cronProblem(cron) || timeZoneProblem(timeZone)) return;
    if (!Number.isInteger(keep) || keep < 1 || !Number.isInteger(retentionDays) || retentionDays <= 0) return;
    const span = keepSpanDays(cron, timeZone, keep);
    // Archives must outlive GoBackup's keep window, or the lifecycle rule deletes backups keep still counts on.
    if (retentionDays <= span) {
        const needed = Number.isFinite(span) ? `at least ${Math.floor(span) + 1}` : "0 (no expiry)";
        list.add(
            "storage.bucket.retentionDays",
            `${retentionDays} days would expire archives that keep: ${keep} still counts on ` +
                `(${keep + 1} runs of "${cron}" span ${Number.isFinite(span) ? span.toFixed(1) : "more than two years"} days). ` +
                `Set it to ${needed}, or lower storage.keep.`,
        );
    }
}

function checkStorage(list: ProblemList, storage: Draft<BackupSettings>["storage"]): void {
    list.check("storage.endpoint", storage.endpoint, rules.endpointProblem);
    list.check("storage.region", storage.region, rules.regionProblem);
    list.check("storage.bucket.name", storage.bucket, rules.bucketNameProblem);
    list.check("storage.prefix", storage.prefix, rules.prefixProblem);
    list.check("storage.keep", storage.keep, (v) => rules.wholeNumberProblem(v, 1, 10000));
    list.check("storage.timeoutSeconds", storage.timeoutSeconds, (v) => rules.wholeNumberProblem(v, 1, 86400));
    list.check("storage.maxRetries", storage.maxRetries, (v) => rules.wholeNumberProblem(v, 0, 100));
    list.check("storage.bucket.retentionDays", storage.retentionDays, (v) => rules.wholeNumberProblem(v, 0, 36500));
    list.check("storage.bucket.noncurrentVersionRetentionDays", storage.noncurrentVersionRetentionDays, (v) =>
        rules.wholeNumberProblem(v, 0, 36500),
    );
}
