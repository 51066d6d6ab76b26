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
    /** List the backups, with whether a manifest vouches for each. */
    list: string;
    /** Restore one (fill in the <...> values; see README "Restore"). */
    restore: string;
}

/** Placeholders an operator replaces in the restore command. */
const RESTORE_PLACEHOLDERS = "RESTORE_DATABASE=<backup-name> RESTORE_TARGET_HOST=<sql-host> RESTORE_TARGET_DATABASE=<new-database> RESTORE_BACKUP=latest";

export function dockerCommands(containerName: string): OperatorCommands {
    const restoreEnv = RESTORE_PLACEHOLDERS.split(" ")
        .map((pair) => `-e ${pair}`)
        .join(" ");
    return {
        backupNow: `docker exec ${containerName} gobackup perform --config ${CONFIG_PATH}`,
        logs: `docker logs --follow --tail 200 ${containerName}`,
        status: `docker inspect --format '{{json .State.Health}}' ${containerName}`,
        list: `docker exec ${containerName} /entrypoint.sh list`,
        // The password comes from the caller's environment (-e NAME without a value), not the command line.
        restore: `RESTORE_TARGET_PASSWORD='<password>' docker exec -e RESTORE_TARGET_PASSWORD ${restoreEnv} ${containerName} /entrypoint.sh restore`,
    };
}

/** `kubectl run` of a one-off pod with the CronJob's image, credentials and settings. */
function kubectlRun(namespace: string, podName: string, image: string, secretNames: string[], mode: string, env: Record<string, string>): string {
    // The same restrictions as the CronJob's pods, so namespaces enforcing the
    // "restricted" Pod Security Standard accept it.
    const overrides = {
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, seccompProfile: { type: "RuntimeDefault" } },
            automountServiceAccountToken: false,
            containers: [
                {
                    name: podName,
                    image,
                    args: [mode],
                    envFrom: secretNames.map((name) => ({ secretRef: { name } })),
                    env: Object.entries(env).map(([name, value]) => ({ name, value })),
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            ],
        },
    };
    return `kubectl --namespace ${namespace} run ${podName}-$(date +%s) --rm -i --restart=Never --image=${image} --overrides='${JSON.stringify(overrides)}'`;
}

export function kubernetesCommands(
    namespace: string,
    cronJobName: string,
    componentName: string,
    listing: { image: string; secretName: string; settings: BackupSettings },
): OperatorCommands {
    const where = plainEnvironment(listing.settings, "once");
    const storageEnv = Object.fromEntries(Object.entries(where).filter(([key]) => key.startsWith("MINIO_") || key === "BACKUP_NAME"));
    const restoreEnv = Object.fromEntries(RESTORE_PLACEHOLDERS.split(" ").map((pair) => pair.split("=") as [string, string]));
    // The target password goes into a Secret from a file, never onto a command line.
    const targetSecret = `${componentName}-restore-target`;
    return {
        list: kubectlRun(namespace, `${componentName}-list`, listing.image, [listing.secretName], "list", storageEnv),
        restore:
            `kubectl --namespace ${namespace} create secret generic ${targetSecret} --from-file=RESTORE_TARGET_PASSWORD=<password-file> && ` +
            kubectlRun(namespace, `${componentName}-restore`, listing.image, [listing.secretName, targetSecret], "restore", { ...storageEnv, ...restoreEnv }),
        backupNow: `kubectl --namespace ${namespace} create job --from=cronjob/${cronJobName} ${cronJobName}-manual-$(date +%s)`,
        logs: `kubectl --namespace ${namespace} logs --selector app.kubernetes.io/instance=${componentName} --tail 200 --prefix`,
        status: `kubectl --namespace ${namespace} get jobs --selector app.kubernetes.io/instance=${componentName} --sort-by=.metadata.creationTimestamp`,
    };
}
