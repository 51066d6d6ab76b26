/**
 * What every deployment target shares, as pure functions of the settings: labels,
 * the job's non-secret environment, the health limit, and operator commands.
 */
import { keepSpanDays } from "./schedule";
import { BackupSettings } from "./settings";
import { serverFromEndpoint } from "./storage";

/** Where targets mount the rendered config; the entrypoint uses a mounted file when present. */
export const CONFIG_PATH = "/etc/gobackup/gobackup.yml";
/** The workdir volume inside the image. */
export const WORKDIR_PATH = "/tmp/gobackup";
/** The image's fixed non-root uid/gid (image/Dockerfile APP_UID). */
export const IMAGE_UID = 10001;

/** app.kubernetes.io labels (used on Docker containers too). */
export function standardLabels(componentName: string, version: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "sqlserver-backup",
        "app.kubernetes.io/instance": componentName,
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "sqlserver-backup",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/version": version,
    };
}

/** host:port pairs the entrypoint checks before a run: every SQL Server and MinIO. */
export function preflightTargets(settings: BackupSettings): string {
    const targets = new Set(settings.databases.map((db) => `${db.host}:${db.port}`));
    targets.add(serverFromEndpoint(settings.storage.endpoint));
    return [...targets].join(" ");
}

/**
 * The health limit: the longest gap between two scheduled runs, plus two hours for
 * the backup itself. A daily schedule gives 26 h.
 */
export function maxBackupAgeSeconds(settings: BackupSettings): number {
    const longestGapDays = keepSpanDays(settings.schedule.cron, settings.schedule.timeZone, 1);
    const gap = Number.isFinite(longestGapDays) ? longestGapDays * 86400 : 366 * 86400;
    return Math.round(gap + 2 * 3600);
}

/** The job's non-secret environment, beside the secret variables of the rendered config. */
export function plainEnvironment(settings: BackupSettings, runMode: "daemon" | "once"): Record<string, string> {
    return {
        RUN_MODE: runMode,
        GOBACKUP_CONFIG: CONFIG_PATH,
        GOBACKUP_WORKDIR: WORKDIR_PATH,
        PREFLIGHT_TARGETS: preflightTargets(settings),
        BACKUP_MAX_AGE_SECONDS: String(maxBackupAgeSeconds(settings)),
        // Where backups are, for `list` and `restore` inside the same container or pod.
        MINIO_ENDPOINT: settings.storage.endpoint,
        MINIO_BUCKET: settings.storage.bucket,
        MINIO_REGION: settings.storage.region,
        MINIO_PATH: settings.storage.prefix,
        ...(settings.databases.length === 1 ? { BACKUP_NAME: settings.databases[0].name } : {}),
    };
}

/** Commands an operator copies during the day (or an incident). */
export interface OperatorCommands {
    /** Run a backup now. */
    backupNow: string;
    /** Follow the logs. */
    logs: string;
    /** See whether backups are healthy. */
    status: string;
}

export function dockerCommands(containerName: string): OperatorCommands {
    return {
        backupNow: `docker exec ${containerName} gobackup perform --config ${CONFIG_PATH}`,
        logs: `docker logs --follow --tail 200 ${containerName}`,
        status: `docker inspect --format '{{json .State.Health}}' ${containerName}`,
    };
}

export function kubernetesCommands(namespace: string, cronJobName: string, componentName: string): OperatorCommands {
    return {
        backupNow: `kubectl --namespace ${namespace} create job --from=cronjob/${cronJobName} ${cronJobName}-manual-$(date +%s)`,
        logs: `kubectl --namespace ${namespace} logs --selector app.kubernetes.io/instance=${componentName} --tail 200 --prefix`,
        status: `kubectl --namespace ${namespace} get jobs --selector app.kubernetes.io/instance=${componentName} --sort-by=.metadata.creationTimestamp`,
    };
}
