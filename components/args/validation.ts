import * as pulumi from "@pulumi/pulumi";
import { cronProblem } from "./cron";
import { DEFAULT_DRILL_TEMPLATE, DRILL_CHECKS, DRILL_DATABASE_NAME, drillDatabaseName } from "./drill";
import { Draft, isKnown, UNKNOWN, Unknown } from "./draft";
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem } from "./kubernetesNames";
import { Problem, SqlServerBackupArgsError } from "./problem";
import { parseQuantity, quantityProblem } from "./quantity";
import { beforeTimeProblem } from "./restoreTime";
import { offsetPeriod } from "./scheduleMath";
import * as rules from "./rules";
import { BackupSettings } from "./settings";
import { timeZoneProblem } from "./timeZone";
import { KubernetesTargetArgs, NetworkPeerArgs, SqlServerBackupArgs } from "./types";

/**
 * Every rule on the arguments, in one place, each in the dialect of the engine that
 * will read the value (robfig/cron, Go's time zones, Kubernetes' names and
 * quantities, Docker's sizes, GoBackup's expansion and splitting). Each problem names
 * the argument and the fix. Two calls: at construction, on the values known then
 * (Outputs are skipped), and once Outputs resolve, on the settings (defaults applied).
 */

/** Secret values, validated like settings but never rendered; keyed by their argument path. */
export type SecretDrafts = Record<string, string | Unknown>;

/** What is known now of an Input: its value, or UNKNOWN for an Output or Promise. */
export function known<T>(value: pulumi.Input<T> | undefined): T | Unknown | undefined {
    if (value === undefined) return undefined;
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return UNKNOWN;
    return value as T;
}

/** Collects problems; skips any rule whose value is not known yet. */
class ProblemList {
    readonly problems: Problem[] = [];

    check<T>(field: string, value: T | Unknown | undefined, rule: (v: T) => string | undefined): void {
        if (value === undefined || !isKnown(value)) return;
        const message = rule(value as T);
        if (message !== undefined) this.problems.push({ field, message });
    }

    input<T>(field: string, value: pulumi.Input<T> | undefined, rule: (v: T) => string | undefined): void {
        this.check(field, known(value), rule);
    }

    add(field: string, message: string): void {
        this.problems.push({ field, message });
    }
}

const INT32_MAX = 2147483647;
const range = (min: number, max: number) => (v: number) => rules.wholeNumberProblem(v, min, max);

/** Whether the component creates the bucket: not for an existing bucket or existing keys. */
export function bucketOwned(args: SqlServerBackupArgs): boolean {
    return args.storage?.credentials === undefined && args.storage?.bucket?.create !== false;
}

/**
 * Rules on the arguments as given: which fields go together, and every plain value.
 * All shapes are plain, so this always runs at construction.
 */
export function argumentProblems(args: SqlServerBackupArgs): Problem[] {
    const list = new ProblemList();
    if (!Array.isArray(args.databases)) list.add("databases", "must be a list of databases.");
    if (args.storage === undefined) list.add("storage", "is required: give at least storage.endpoint and storage.admin (or storage.credentials).");
    else checkStorageShape(list, args);
    checkImage(list, args);
    checkTarget(list, args);
    if (args.restore !== undefined) checkRestore(list, args);
    if (args.drill !== undefined) checkDrill(list, args);
    list.check("localCopies", args.localCopies, range(0, 1000));
    if (args.webUi?.enabled) {
        list.add("webUi.enabled", "was removed: GoBackup's web UI ran only under `gobackup run`, which the backup agent replaced (and its API was effectively unauthenticated). Use target.docker.metrics for monitoring, and `status` or `list` for backups.");
    }
    return list.problems;
}

function checkStorageShape(list: ProblemList, args: SqlServerBackupArgs): void {
    const { admin, provider, credentials, restoreCredentials, bucket, userName, restoreUserName } = args.storage;
    const modes = [admin, provider, credentials].filter((mode) => mode !== undefined).length;
    if (modes !== 1) {
        list.add(
            "storage.admin",
            "give exactly one of storage.admin (MinIO admin user and password: provisioned mode), storage.provider (a minio.Provider) " +
                "or storage.credentials (the keys of an existing backup user, for an existing bucket on any S3 server: bring your own).",
        );
    }
    list.input("storage.admin.server", admin?.server, rules.serverProblem);
    const owned = bucketOwned(args);
    if (credentials !== undefined) {
        if (bucket?.create === true) list.add("storage.bucket.create", "must not be true with storage.credentials: the component creates nothing in the store then.");
        if (userName !== undefined) list.add("storage.userName", "does not apply with storage.credentials: the user already exists.");
        if (restoreUserName !== undefined) list.add("storage.restoreUserName", "does not apply with storage.credentials: give storage.restoreCredentials, the restore user's keys.");
        if (bucket?.forceDestroy !== undefined) list.add("storage.bucket.forceDestroy", "applies only to a bucket this component creates.");
    } else if (restoreCredentials !== undefined) {
        list.add("storage.restoreCredentials", "applies only with storage.credentials: in provisioned mode the component creates the restore user itself.");
    }
    if (!owned) {
        if (bucket?.name === undefined) list.add("storage.bucket.name", "is required for an existing bucket (storage.bucket.create false, or storage.credentials): which bucket?");
        for (const field of ["retentionDays", "noncurrentVersionRetentionDays"] as const) {
            if (bucket?.[field] !== undefined) {
                list.add(
                    `storage.bucket.${field}`,
                    "applies only to a bucket this component creates: it never replaces the lifecycle rules of a bucket it does not own. Set expiry on the existing bucket, or let the component create one.",
                );
            }
        }
    }
    if (bucket?.retentionDays !== undefined && bucket.noncurrentVersionRetentionDays !== undefined) {
        list.add("storage.bucket.noncurrentVersionRetentionDays", "is the old name of storage.bucket.retentionDays (how long deleted archives stay recoverable): give only retentionDays.");
    }
    list.check("storage.bucket.retentionDays", bucket?.retentionDays, range(0, 36500));
    list.check("storage.bucket.noncurrentVersionRetentionDays", bucket?.noncurrentVersionRetentionDays, range(0, 36500));
    if (bucket?.maxAgeDays !== undefined) {
        list.add(
            "storage.bucket.maxAgeDays",
            "was removed: a lifecycle rule that expires current archives by age also deletes the newest verified backups when backups stop. " +
                "Remove it; keep fewer archives with storage.keep and storage.keepDaily/keepWeekly/keepMonthly, which the backup agent applies after it has verified a newer backup.",
        );
    }
    // A plain value fails here; an Output fails once it resolves (sqlServerBackup.ts).
    list.input("storage.caCertificate", args.storage.caCertificate, rules.pemCertificatesProblem);
    list.check("storage.userName", userName, rules.userNameProblem);
    list.check("storage.restoreUserName", restoreUserName, rules.userNameProblem);
    if (userName !== undefined && userName === restoreUserName) list.add("storage.restoreUserName", "must differ from storage.userName: the restore user is a second, read-only identity.");
}

function checkImage(list: ProblemList, args: SqlServerBackupArgs): void {
    const image = args.image;
    if (image === undefined) return;
    if ((image.build === undefined) === (image.ref === undefined)) {
        list.add("image", "give exactly one of image.build (build it from this package's image/ directory) and image.ref (a prebuilt image).");
    }
    list.check("image.ref", image.ref, rules.imageReferenceProblem);
    const build = image.build;
    if (!build) return;
    for (const tool of ["sqlpackage", "gobackup"] as const) {
        const pin = build[tool];
        if (pin) list.check(`image.build.${tool}`, pin, (p) => rules.pinProblem(p) && `${rules.pinProblem(p)} Set image.build.${tool} { version, url, sha256 }.`);
    }
    if (build.mc !== undefined) list.add("image.build.mc", "was removed: the image no longer installs MinIO's client (its distribution is withdrawn); the backup agent talks to the bucket itself.");
    if (build.platform !== undefined && build.platform !== "linux/amd64") list.add("image.build.platform", "must be linux/amd64: Microsoft ships sqlpackage for Linux on x64 only.");
    list.check("image.build.baseImage", build.baseImage, (ref) => rules.imageReferenceProblem(ref) ?? rules.aptBaseImageProblem(ref));
    list.check("image.build.goBuilderImage", build.goBuilderImage, rules.imageReferenceProblem);
    list.check("image.build.goProxy", build.goProxy, rules.goProxyProblem);
    list.check("image.build.repository", build.repository, rules.repositoryNameProblem);
    (build.addHosts ?? []).forEach((entry, i) => list.check(`image.build.addHosts[${i}]`, entry, rules.addHostProblem));
    const registry = build.registry;
    if (registry !== undefined) {
        list.check("image.build.registry.server", registry.server, rules.serverOrHostProblem);
        if ((registry.username === undefined) !== (registry.password === undefined)) {
            list.add(
                registry.username === undefined ? "image.build.registry.username" : "image.build.registry.password",
                "goes with image.build.registry." + (registry.username === undefined ? "password" : "username") + ": give both to log in to the registry, or neither for one that needs no login.",
            );
        }
    }
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

/** Kubernetes' core defaulting: a limit without a request makes the request equal the limit; here the component's default request is lowered to a smaller limit. */
export function effectiveRequest(requested: string | undefined, defaultRequest: string, limit: string | undefined): string {
    if (requested !== undefined) return requested;
    const l = limit === undefined ? undefined : parseQuantity(limit);
    const d = parseQuantity(defaultRequest);
    return l !== undefined && d !== undefined && l.value < d.value ? limit! : defaultRequest;
}

function checkKubernetes(list: ProblemList, t: KubernetesTargetArgs): void {
    const at = "target.kubernetes";
    list.input(`${at}.namespace`, t.namespace, dnsLabelProblem);
    if (t.networkPolicy) {
        checkPeer(list, `${at}.networkPolicy.sqlServer`, t.networkPolicy.sqlServer ?? {});
        checkPeer(list, `${at}.networkPolicy.minio`, t.networkPolicy.minio ?? {});
        if (t.networkPolicy.dns) checkPeer(list, `${at}.networkPolicy.dns`, t.networkPolicy.dns);
    }
    list.check(`${at}.persistentVolumeClaim`, t.persistentVolumeClaim, dnsSubdomainProblem);
    (t.imagePullSecrets ?? []).forEach((name, i) => list.check(`${at}.imagePullSecrets[${i}]`, name, dnsSubdomainProblem));
    list.check(`${at}.workdirSizeLimit`, t.workdirSizeLimit, (v) => quantityProblem(v, "storage"));
    for (const side of ["requests", "limits"] as const) {
        for (const kind of ["cpu", "memory"] as const) list.check(`${at}.resources.${side}.${kind}`, t.resources?.[side]?.[kind], (v) => quantityProblem(v, kind));
    }
    for (const kind of ["cpu", "memory"] as const) {
        const request = t.resources?.requests?.[kind];
        const limit = t.resources?.limits?.[kind];
        const r = request === undefined ? undefined : parseQuantity(request);
        const l = limit === undefined ? undefined : parseQuantity(limit);
        if (r && l && r.value > l.value) {
            list.add(`${at}.resources.requests.${kind}`, `${request} is above the limit ${limit} (target.kubernetes.resources.limits.${kind}): Kubernetes refuses a request above its limit. Lower the request or raise the limit.`);
        }
    }
    list.check(`${at}.startingDeadlineSeconds`, t.startingDeadlineSeconds, range(0, INT32_MAX));
    list.check(`${at}.activeDeadlineSeconds`, t.activeDeadlineSeconds, range(1, INT32_MAX));
    list.check(`${at}.backoffLimit`, t.backoffLimit, range(0, 100));
    list.check(`${at}.ttlSecondsAfterFinished`, t.ttlSecondsAfterFinished, range(0, INT32_MAX));
    list.check(`${at}.historyLimits.successful`, t.historyLimits?.successful, range(0, 1000));
    list.check(`${at}.historyLimits.failed`, t.historyLimits?.failed, range(0, 1000));
    list.check(`${at}.shutdownGraceSeconds`, t.shutdownGraceSeconds, range(0, 86400));
    const deadline = t.activeDeadlineSeconds ?? KUBERNETES_ACTIVE_DEADLINE_SECONDS;
    if (t.shutdownGraceSeconds !== undefined && Number.isInteger(t.shutdownGraceSeconds) && t.shutdownGraceSeconds >= deadline) {
        list.add(
            `${at}.shutdownGraceSeconds`,
            `${t.shutdownGraceSeconds} is not below activeDeadlineSeconds (${deadline}): a Job at its deadline would be killed before the agent could stop the run and record it. Lower the grace or raise the deadline.`,
        );
    }
    list.check(`${at}.fleet.windowMinutes`, t.fleet?.windowMinutes, range(0, 1440));
    list.check(`${at}.fleet.maxConcurrentPerHost`, t.fleet?.maxConcurrentPerHost, range(1, 1000));
    if (t.fleet?.windowMinutes && !t.fleet.perDatabase) {
        list.add(`${at}.fleet.windowMinutes`, "spreads per-database CronJobs: set fleet.perDatabase: true too (one CronJob runs its databases one after the other).");
    }
    list.check(`${at}.monitor.port`, t.monitor?.port, rules.portProblem);
    list.check(`${at}.monitor.startDeadlineSeconds`, t.monitor?.startDeadlineSeconds, range(60, 86400));
}

/** Kubernetes' activeDeadlineSeconds default of the target (components/targets/kubernetes/pod.ts). */
const KUBERNETES_ACTIVE_DEADLINE_SECONDS = 6 * 3600;

/** A fleet's window needs a schedule it can shift: daily, or hourly within the hour. */
function checkFleetWindow(list: ProblemList, t: KubernetesTargetArgs, cron: unknown): void {
    const window = t.fleet?.windowMinutes;
    if (!window || typeof cron !== "string" || cronProblem(cron) !== undefined) return;
    const period = offsetPeriod(cron);
    const at = "target.kubernetes.fleet.windowMinutes";
    if (!period) {
        list.add(at, `needs a daily ("M H * * *") or hourly ("M * * * *") schedule to spread runs over; "${cron}" is neither. Use such a schedule, or leave windowMinutes at 0.`);
    } else if (period.kind === "hourly" && window > 60) {
        list.add(at, `${window} is longer than the hourly schedule's hour: at most 60.`);
    }
}

function checkTarget(list: ProblemList, args: SqlServerBackupArgs): void {
    const target = args.target as (SqlServerBackupArgs["target"] & { kind?: unknown }) | undefined;
    if (target === undefined) return;
    if (target.kind !== undefined) {
        list.add("target.kind", `was replaced: write target: { ${String(target.kind)}: { ... } } with the same fields inside (the component schema has no union types).`);
        return;
    }
    if ((target.docker === undefined) === (target.kubernetes === undefined)) {
        list.add("target", "give exactly one of target.docker (a container on one Docker host) and target.kubernetes (a CronJob).");
        return;
    }
    const docker = target.docker;
    if (docker) {
        const at = "target.docker";
        list.check(`${at}.containerName`, docker.containerName, rules.dockerNameProblem);
        list.check(`${at}.volumeName`, docker.volumeName, rules.dockerNameProblem);
        (docker.networks ?? []).forEach((network, i) => list.input(`${at}.networks[${i}]`, network, rules.dockerNetworkProblem));
        list.check(`${at}.waitTimeoutSeconds`, docker.waitTimeoutSeconds, range(1, 7 * 86400));
        list.check(`${at}.firstBackupTimeoutSeconds`, docker.firstBackupTimeoutSeconds, range(1, 7 * 86400));
        list.check(`${at}.shutdownGraceSeconds`, docker.shutdownGraceSeconds, range(0, 86400));
        if (docker.logRotation) {
            list.check(`${at}.logRotation.maxSize`, docker.logRotation.maxSize, rules.logSizeProblem);
            list.check(`${at}.logRotation.maxFiles`, docker.logRotation.maxFiles, range(1, 1000));
        }
        list.check(`${at}.metrics.port`, docker.metrics?.port, rules.portProblem);
        list.check(`${at}.metrics.hostAddress`, docker.metrics?.hostAddress, rules.ipAddressProblem);
    }
    if (target.kubernetes) {
        checkKubernetes(list, target.kubernetes);
        // Without a schedule the default (daily at 02:00) takes any window.
        checkFleetWindow(list, target.kubernetes, args.schedule?.cron);
        const image = args.image;
        list.check("image.ref", image?.ref, rules.clusterImageProblem);
        if (image?.ref === undefined && image?.build?.registry === undefined) {
            list.add(
                "image",
                "a Kubernetes cluster cannot pull an image that stays on the machine running Pulumi: give image.ref (an image in a registry the cluster pulls from) " +
                    "or image.build.registry (the component builds, pushes and runs the pushed digest).",
            );
        }
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
    if (backup.startsWith("before:")) {
        list.check("restore.backup", backup.slice("before:".length), beforeTimeProblem);
    } else if (!(backup === "latest" || /^[A-Za-z0-9._/-]+\.tar$/.test(backup))) {
        list.add("restore.backup", `"${backup}" must be latest, an archive name such as 2026.11.23.02.00.00.tar, or before:<time>.`);
    }
    list.check("restore.timeoutSeconds", restore.timeoutSeconds, range(60, 7 * 86400));
    const target = restore.target;
    list.input("restore.target.host", target.host, rules.hostProblem);
    list.input("restore.target.database", target.database, rules.databaseNameProblem);
    list.input("restore.target.username", target.username, rules.usernameProblem);
    list.input("restore.target.port", target.port, rules.portProblem);
    const source = args.databases?.find((db) => db.name === (restore.database ?? names[0]));
    if (source) {
        const same = restoreOverwritesSource(
            { host: known(target.host), port: known(target.port), database: known(target.database) },
            { host: known(source.host), port: known(source.port), database: known(source.database) },
        );
        if (same) list.add("restore.target.database", restoreOverSourceMessage(String(known(target.database))));
    }
}

function checkDrill(list: ProblemList, args: SqlServerBackupArgs): void {
    const drill = args.drill!;
    if (args.target === undefined) list.add("drill", "needs a target (docker or kubernetes) to run on.");
    list.check("drill.schedule", drill.schedule, cronProblem);
    const names = Array.isArray(args.databases) ? args.databases.map((db) => db.name) : [];
    const drilled = drill.databases ?? names;
    if (drill.databases !== undefined && drill.databases.length === 0) list.add("drill.databases", "is empty: leave it out to drill every database, or name at least one.");
    for (const unknownName of drilled.filter((n) => !names.includes(n))) {
        list.add("drill.databases", `"${unknownName}" is not one of the databases (${names.join(", ")}).`);
    }
    if (new Set(drilled).size !== drilled.length) list.add("drill.databases", "names a database twice.");
    const template = drill.databaseNameTemplate ?? DEFAULT_DRILL_TEMPLATE;
    if (!template.includes("{timestamp}")) {
        list.add("drill.databaseNameTemplate", `"${template}" must contain {timestamp}: every drill restores into a new database of its own, never an existing one.`);
    } else {
        for (const db of args.databases ?? []) {
            const source = known(db.database);
            if (!drilled.includes(db.name) || source === undefined || !isKnown(source)) continue;
            const example = drillDatabaseName(template, String(source), "20261206T060000Z");
            if (!DRILL_DATABASE_NAME.test(example)) {
                list.add("drill.databaseNameTemplate", `gives "${example}" for ${db.name}: a drill database's name must start with a letter or _ and hold only letters, digits, _ @ # $ - (at most 128).`);
            }
        }
    }
    for (const check of drill.checks ?? []) {
        if (!(DRILL_CHECKS as readonly string[]).includes(check)) list.add("drill.checks", `"${check}" is not a check: use ${DRILL_CHECKS.join(", ")} (or [] for the import only).`);
    }
    list.check("drill.timeoutSeconds", drill.timeoutSeconds, range(60, 7 * 86400));
    list.check("drill.maxAgeSeconds", drill.maxAgeSeconds, range(3600, 366 * 86400));
    const server = drill.server;
    list.input("drill.server.host", server.host, rules.hostProblem);
    list.input("drill.server.username", server.username, rules.usernameProblem);
    list.input("drill.server.port", server.port, rules.portProblem);
}

type Endpoint = { host: string | Unknown | undefined; port: number | Unknown | undefined; database: string | Unknown | undefined };

/** True when a restore target is, as far as is known, the database it restores from. */
export function restoreOverwritesSource(target: Endpoint, source: Endpoint): boolean {
    const values = [target.host, target.database, source.host, source.database];
    if (values.some((v) => v === undefined || !isKnown(v))) return false;
    const port = (p: number | Unknown | undefined) => (p === undefined ? 1433 : p);
    if (!isKnown(port(target.port)) || !isKnown(port(source.port))) return false;
    return (
        String(target.host).toLowerCase() === String(source.host).toLowerCase() &&
        String(target.database).toLowerCase() === String(source.database).toLowerCase() &&
        port(target.port) === port(source.port)
    );
}

/** The message for a restore onto the database it backs up. */
export function restoreOverSourceMessage(database: string): string {
    return `"${database}" is the database this restore's backups come from: sqlpackage imports only into a new or empty database, and the damaged one is evidence. Restore into a new name (e.g. ${database}_Restored).`;
}

/**
 * Every rule over the (partly known) settings. Called at construction with the plain
 * values, and again once Outputs resolve, so a bad value fails `pulumi preview`
 * whichever way it was given.
 */
export function findProblems(settings: Draft<BackupSettings> | undefined, secrets: SecretDrafts): Problem[] {
    const list = new ProblemList();
    if (settings !== undefined) {
        checkDatabases(list, settings.databases);
        checkSchedule(list, settings);
        checkStorage(list, settings.storage);
        list.check("deploymentId", settings.deploymentId, rules.deploymentIdProblem);
    }
    for (const [field, value] of Object.entries(secrets)) list.check(field, value, rules.secretProblem);
    return list.problems;
}

/** Throws {@link SqlServerBackupArgsError} when there are problems. */
export function assertNoProblems(resourceName: string, problems: Problem[]): void {
    if (problems.length > 0) throw new SqlServerBackupArgsError(resourceName, problems);
}

function checkDatabases(list: ProblemList, databases: Draft<BackupSettings>["databases"]): void {
    if (!isKnown(databases)) return;
    if (databases.length === 0) list.add("databases", "give at least one database to back up.");
    const seen = new Map<string, string>();
    databases.forEach((db, i) => {
        const at = `databases[${i}]`;
        list.check(`${at}.name`, db.name, rules.logicalNameProblem);
        if (isKnown(db.name)) {
            const suffix = rules.variableSuffix(db.name);
            const earlier = seen.get(suffix);
            if (earlier !== undefined) {
                list.add(`${at}.name`, `"${db.name}" clashes with "${earlier}" (both name MSSQL_PASSWORD_${suffix}); give each database a distinct name.`);
            }
            seen.set(suffix, db.name);
        }
        list.check(`${at}.host`, db.host, rules.hostProblem);
        list.check(`${at}.port`, db.port, rules.portProblem);
        list.check(`${at}.database`, db.database, rules.databaseNameProblem);
        list.check(`${at}.username`, db.username, rules.usernameProblem);
        if (isKnown(db.extraArgs)) db.extraArgs.forEach((arg, j) => list.check(`${at}.extraArgs[${j}]`, arg, rules.extraArgProblem));
    });
}

function checkSchedule(list: ProblemList, settings: Draft<BackupSettings>): void {
    const { cron, timeZone } = settings.schedule;
    list.check("schedule.cron", cron, cronProblem);
    list.check("schedule.timeZone", timeZone, timeZoneProblem);
}

function checkStorage(list: ProblemList, storage: Draft<BackupSettings>["storage"]): void {
    list.check("storage.endpoint", storage.endpoint, rules.endpointProblem);
    list.check("storage.region", storage.region, rules.regionProblem);
    list.check("storage.bucket.name", storage.bucket, rules.bucketNameProblem);
    list.check("storage.prefix", storage.prefix, rules.prefixProblem);
    if (storage.pathStyle === false) list.check("storage.pathStyle", storage.endpoint, rules.virtualHostProblem);
    list.check("storage.keep", storage.keep, range(1, 10000));
    for (const tier of ["keepDaily", "keepWeekly", "keepMonthly", "keepFailed"] as const) list.check(`storage.${tier}`, storage[tier], range(0, 10000));
    list.check("storage.takeOverFrom", storage.takeOverFrom, (id) => (id === "" ? undefined : rules.deploymentIdProblem(id)));
    list.check("storage.timeoutSeconds", storage.timeoutSeconds, range(1, 86400));
    list.check("storage.maxRetries", storage.maxRetries, range(0, 100));
}

/** Why a CA bundle is not PEM certificates, or undefined (checked on the resolved value). */
export function caCertificateProblem(pem: string): string | undefined {
    return rules.pemCertificatesProblem(pem);
}

