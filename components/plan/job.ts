/**
 * What every deployment target runs, as pure functions of the settings: the job's
 * environment (plain values only), where its credentials go as files, its labels.
 */
import { maxBackupAgeSeconds } from "../args/scheduleMath";
import { BackupSettings } from "../args/settings";
import { ENV, IMAGE } from "./defaults";
import { serverFromEndpoint } from "./endpoint";
import { ConfigVariable } from "./gobackupConfig";

/** app.kubernetes.io labels (used on Docker containers and volumes too, without a version there). */
export function standardLabels(instance: string, component: "backup" | "restore", version?: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "sqlserver-backup",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "sqlserver-backup",
        "app.kubernetes.io/managed-by": "pulumi",
        ...(version ? { "app.kubernetes.io/version": version } : {}),
    };
}

/** host:port pairs the agent checks before a run: every SQL Server and the S3 endpoint. */
export function preflightTargets(settings: BackupSettings): string {
    const targets = new Set(settings.databases.map((db) => `${db.host}:${db.port}`));
    targets.add(serverFromEndpoint(settings.storage.endpoint));
    return [...targets].join(" ");
}

/** Where a credential's file is mounted inside the job. */
export function secretFilePath(variable: string): string {
    return `${IMAGE.secretsDir}/${variable}`;
}

/** `NAME_FILE=<path>` for each credential: the agent reads the file as `NAME` (docker-library's `_FILE`). */
export function secretFileVariables(names: string[]): Record<string, string> {
    return Object.fromEntries([...names].sort().map((name) => [`${name}_FILE`, secretFilePath(name)]));
}

/** The files a backup job reads: the config's credentials, and the private CA when there is one. */
export function backupFiles(settings: BackupSettings, credentials: ConfigVariable[]): string[] {
    return [...credentials.map((variable) => variable.name), ...(settings.storage.customCA ? [ENV.caCertificate] : [])];
}

/** Where the backups are, for the agent's `list` and `restore`. */
export function storageLocation(settings: BackupSettings): Record<string, string> {
    return {
        MINIO_ENDPOINT: settings.storage.endpoint,
        MINIO_BUCKET: settings.storage.bucket,
        MINIO_REGION: settings.storage.region,
        MINIO_PATH: settings.storage.prefix,
        MINIO_FORCE_PATH_STYLE: String(settings.storage.pathStyle),
        DEPLOYMENT_ID: settings.deploymentId,
        ...retentionEnvironment(settings),
        ...(settings.databases.length === 1 ? { BACKUP_NAME: settings.databases[0].name } : {}),
    };
}

/** The agent's retention policy (and `list`'s view of it), as its variables. */
export function retentionEnvironment(settings: BackupSettings): Record<string, string> {
    const { keep, keepDaily, keepWeekly, keepMonthly, keepFailed } = settings.storage;
    return {
        BACKUP_KEEP: String(keep),
        BACKUP_KEEP_FAILED: String(keepFailed),
        ...(keepDaily > 0 ? { BACKUP_KEEP_DAILY: String(keepDaily) } : {}),
        ...(keepWeekly > 0 ? { BACKUP_KEEP_WEEKLY: String(keepWeekly) } : {}),
        ...(keepMonthly > 0 ? { BACKUP_KEEP_MONTHLY: String(keepMonthly) } : {}),
    };
}

/**
 * The backup job's environment: plain values a reviewer can read in a preview (the
 * rendered config itself, the time zone, the health limit), and a `_FILE` path for
 * each credential; never a secret value.
 */
export function jobEnvironment(
    settings: BackupSettings,
    config: string,
    files: string[],
    runMode: "daemon" | "once",
    maxAgeSeconds = maxBackupAgeSeconds(settings.schedule.cron, settings.schedule.timeZone),
): Record<string, string> {
    return {
        RUN_MODE: runMode,
        [ENV.configYaml]: config,
        // The agent's scheduler and GoBackup's archive names read the process' time zone.
        TZ: settings.schedule.timeZone,
        PREFLIGHT_TARGETS: preflightTargets(settings),
        BACKUP_MAX_AGE_SECONDS: String(maxAgeSeconds),
        ...(settings.localCopy ? { LOCAL_KEEP: String(settings.localCopy.keep) } : {}),
        ...(settings.storage.takeOverFrom ? { DEPLOYMENT_TAKE_OVER_FROM: settings.storage.takeOverFrom } : {}),
        ...storageLocation(settings),
        ...secretFileVariables(files),
    };
}
