import * as pulumi from "@pulumi/pulumi";
import { effectiveImage, imageProblems } from "../image/pins";
import { passwordVariable } from "../plan/naming";
import { peek, SecretDrafts } from "../plan/resolve";
import { BackupSettings } from "../plan/settings";
import { keepSpanDays } from "../plan/schedule";
import { cronProblem } from "./cron";
import { Problem, SqlServerBackupArgsError } from "./problem";
import { Draft, isKnown, Unknown } from "./draft";
import { dnsLabelProblem, labelValueProblem } from "./kubernetesNames";
import * as rules from "./rules";
import { timeZoneProblem } from "./timeZone";
import { NetworkPeerArgs, SqlServerBackupArgs } from "./types";

/** Collects problems; skips any rule whose value is not known yet. */
class ProblemList {
    readonly problems: Problem[] = [];

    check<T>(field: string, value: T | Unknown, rule: (v: T) => string | undefined): void {
        if (!isKnown(value)) return;
        const message = rule(value);
        if (message !== undefined) this.problems.push({ field, message });
    }

    /** Checks an optional Input: skipped when absent or still an Output. */
    checkInput<T>(field: string, value: pulumi.Input<T> | undefined, rule: (v: T) => string | undefined): void {
        if (value !== undefined) this.check(field, peek<T>(value as never) as T | Unknown, rule);
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
    if (args.storage === undefined) list.add("storage", "is required: give at least storage.endpoint and storage.admin (or storage.credentials).");
    else checkStorageShape(list, args);
    checkTarget(list, args);
    const image = effectiveImage(args);
    if (image !== undefined) list.problems.push(...imageProblems(image));
    if (args.restore !== undefined) checkRestore(list, args);
    if (args.localCopies !== undefined) list.check("localCopies", args.localCopies, (v) => rules.wholeNumberProblem(v, 0, 1000));
    return list.problems;
}

function checkStorageShape(list: ProblemList, args: SqlServerBackupArgs): void {
    const { admin, provider, credentials, bucket, userName } = args.storage;
    const modes = [admin, provider, credentials].filter((mode) => mode !== undefined).length;
    if (modes !== 1) {
        list.add(
            "storage.admin",
            "give exactly one of storage.admin (MinIO admin user and password), storage.provider (a minio.Provider) " +
                "or storage.credentials (the keys of an existing backup user, for an existing bucket).",
        );
    }
    list.checkInput("storage.admin.server", admin?.server, rules.serverProblem);
    const existingBucket = bucket?.create === false || credentials !== undefined;
    if (credentials !== undefined) {
        if (bucket?.create === true) list.add("storage.bucket.create", "must not be true with storage.credentials: the component creates nothing in MinIO then.");
        if (userName !== undefined) list.add("storage.userName", "does not apply with storage.credentials: the user already exists.");
        if (bucket?.forceDestroy !== undefined) list.add("storage.bucket.forceDestroy", "applies only to a bucket this component creates.");
    }
    if (existingBucket) {
        if (bucket?.name === undefined) list.add("storage.bucket.name", "is required for an existing bucket (storage.bucket.create false, or storage.credentials): which bucket?");
        if (bucket?.retentionDays !== undefined || bucket?.noncurrentVersionRetentionDays !== undefined) {
            list.add(
                "storage.bucket.retentionDays",
                "applies only to a bucket this component creates: it will not replace the lifecycle rules of a bucket it does not own. " +
                    "Set expiry on the existing bucket, or let the component create one.",
            );
        }
    }
    if (userName !== undefined) list.check("storage.userName", userName, rules.userNameProblem);
}

function checkPeer(list: ProblemList, field: string, peer: NetworkPeerArgs): void {
    if (!peer.cidrs?.length && !peer.namespaceLabels && !peer.podLabels) {
        list.add(field, "give cidrs (addresses outside the cluster), or podLabels and/or namespaceLabels (pods inside it).");
    }
    (peer.cidrs ?? []).forEach((cidr, i) => list.check(`${field}.cidrs[${i}]`, cidr, rules.cidrProblem));
    (peer.ports ?? []).forEach((port, i) => list.check(`${field}.ports[${i}]`, port, rules.portProblem));
    for (const [which, labels] of [["namespaceLabels", peer.namespaceLabels], ["podLabels", peer.podLabels]] as const) {
        for (const [key, value] of Object.entries(labels ?? {})) {
            if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
                list.add(`${field}.${which}`, `"${key}" is not a label key (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".").`);
            }
            list.check(`${field}.${which}["${key}"]`, value, labelValueProblem);
        }
    }
}

function checkTarget(list: ProblemList, args: SqlServerBackupArgs): void {
    const target = args.target;
    if (target?.kind === "docker") {
        if (target.containerName !== undefined) list.check("target.containerName", target.containerName, rules.dockerNameProblem);
        if (target.volumeName !== undefined) list.check("target.volumeName", target.volumeName, rules.dockerNameProblem);
        for (const [field, value] of [["target.waitTimeoutSeconds", target.waitTimeoutSeconds], ["target.firstBackupTimeoutSeconds", target.firstBackupTimeoutSeconds]] as const) {
            if (value !== undefined) list.check(field, value, (v) => rules.wholeNumberProblem(v, 1, 7 * 86400));
        }
    }
    if (target?.kind === "kubernetes") {
        list.checkInput("target.namespace", target.namespace, dnsLabelProblem);
        if (target.networkPolicy) {
            checkPeer(list, "target.networkPolicy.sqlServer", target.networkPolicy.sqlServer ?? {});
            checkPeer(list, "target.networkPolicy.minio", target.networkPolicy.minio ?? {});
            if (target.networkPolicy.dns) checkPeer(list, "target.networkPolicy.dns", target.networkPolicy.dns);
        }
        if (target.persistentVolumeClaim !== undefined) list.check("target.persistentVolumeClaim", target.persistentVolumeClaim, dnsLabelProblem);
    }
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
    if (restore.timeoutSeconds !== undefined) list.check("restore.timeoutSeconds", restore.timeoutSeconds, (v) => rules.wholeNumberProblem(v, 60, 7 * 86400));
    const target = restore.target;
    list.checkInput("restore.target.host", target.host, rules.hostProblem);
    list.checkInput("restore.target.database", target.database, rules.databaseNameProblem);
    list.checkInput("restore.target.username", target.username, rules.usernameProblem);
    list.checkInput("restore.target.port", target.port, rules.portProblem);
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
