/**
 * What every deployment target runs, as pure functions of the settings: the job's
 * environment (plain values only), where its credentials go as files, its labels.
 */
import { ENV, IMAGE } from "./defaults";
import { serverFromEndpoint } from "./endpoint";
import { ConfigVariable } from "./gobackupConfig";
import { maxBackupAgeSeconds } from "./schedule";
import { BackupSettings } from "./settings";

/** app.kubernetes.io labels (used on Docker containers and volumes too). */
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

/** host:port pairs the entrypoint checks before a run: every SQL Server and MinIO. */
export function preflightTargets(settings: BackupSettings): string {
    const targets = new Set(settings.databases.map((db) => `${db.host}:${db.port}`));
    targets.add(serverFromEndpoint(settings.storage.endpoint));
    return [...targets].join(" ");
}

/** Where a credential's file is mounted inside the job. */
export function secretFilePath(variable: string): string {
    return `${IMAGE.secretsDir}/${variable}`;
}

/** `NAME_FILE=<path>` for each credential: the entrypoint reads the file into `NAME` (docker-library's `_FILE`). */
export function secretFileVariables(names: string[]): Record<string, string> {
    return Object.fromEntries([...names].sort().map((name) => [`${name}_FILE`, secretFilePath(name)]));
}

/** Where the backups are, for the image's `list` and `restore` modes. */
export function storageLocation(settings: BackupSettings): Record<string, string> {
    return {
        MINIO_ENDPOINT: settings.storage.endpoint,
        MINIO_BUCKET: settings.storage.bucket,
        MINIO_REGION: settings.storage.region,
        MINIO_PATH: settings.storage.prefix,
        ...(settings.databases.length === 1 ? { BACKUP_NAME: settings.databases[0].name } : {}),
    };
}

/**
 * The backup job's environment: plain values a reviewer can read in a preview
 * (the rendered config itself, the time zone, the health limit), and a `_FILE` path
 * for each credential; never a secret value.
 */
export function jobEnvironment(settings: BackupSettings, config: string, credentials: ConfigVariable[], runMode: "daemon" | "once"): Record<string, string> {
    return {
        RUN_MODE: runMode,
        [ENV.configYaml]: config,
        // GoBackup's scheduler and archive names read the process' local time zone.
        TZ: settings.schedule.timeZone,
        PREFLIGHT_TARGETS: preflightTargets(settings),
        BACKUP_MAX_AGE_SECONDS: String(maxBackupAgeSeconds(settings.schedule.cron, settings.schedule.timeZone)),
        ...storageLocation(settings),
        ...secretFileVariables(credentials.map((variable) => variable.name)),
    };
}
