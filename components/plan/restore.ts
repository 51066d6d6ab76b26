/**
 * A restore run by `pulumi up`, as pure data: its environment, its deadline, and how
 * its outcome reads. The targets turn it into a one-shot container or a Job.
 */
import { RestoreArgs } from "../args/types";
import { DEFAULTS, ENV } from "./defaults";
import { storageLocation } from "./job";
import { BackupSettings } from "./settings";

/** The restore's target with defaults applied. */
export interface RestoreTarget {
    host: string;
    port: number;
    database: string;
    username: string;
    trustServerCertificate: boolean;
}

/** Seconds a restore may take by default before it is stopped and reported failed. */
export const DEFAULT_RESTORE_TIMEOUT_SECONDS = 3600;

/**
 * Seconds `pulumi up` waits beyond the restore's own deadline: room to pull the
 * image and start the pod, so the restore always ends (and says so) before Pulumi
 * gives up waiting.
 */
export const RESTORE_WAIT_MARGIN_SECONDS = 600;

/** The restore's own deadline, in seconds. */
export function restoreTimeoutSeconds(restore: RestoreArgs): number {
    return restore.timeoutSeconds ?? DEFAULT_RESTORE_TIMEOUT_SECONDS;
}

/** Non-secret environment of a restore run (see image/restore.sh); credentials come as files. */
export function restoreEnvironment(settings: BackupSettings, restore: RestoreArgs, target: RestoreTarget): Record<string, string> {
    return {
        ...storageLocation(settings),
        RESTORE_ID: restore.id,
        RESTORE_DATABASE: restore.database ?? settings.databases[0].name,
        RESTORE_BACKUP: restore.backup ?? "latest",
        RESTORE_TARGET_HOST: target.host,
        RESTORE_TARGET_PORT: String(target.port),
        RESTORE_TARGET_DATABASE: target.database,
        RESTORE_TARGET_USERNAME: target.username,
        RESTORE_TRUST_CERT: String(target.trustServerCertificate),
        RESTORE_FORCE: restore.force ? "1" : "0",
        RESTORE_TIMEOUT_SECONDS: String(restoreTimeoutSeconds(restore)),
        TZ: settings.schedule.timeZone,
    };
}

/** The variables a restore reads from files: the backup user's keys (read access to the prefix) and the target's password. */
export const RESTORE_CREDENTIALS = [ENV.minioAccessKey, ENV.minioSecretKey, ENV.restoreTargetPassword] as const;

/** Defaults of the restore target. */
export function restoreTargetDefaults(target: Omit<RestoreTarget, "port" | "username" | "trustServerCertificate"> & Partial<RestoreTarget>): RestoreTarget {
    return {
        host: target.host,
        database: target.database,
        port: target.port ?? DEFAULTS.port,
        username: target.username ?? DEFAULTS.username,
        trustServerCertificate: target.trustServerCertificate ?? DEFAULTS.trustServerCertificate,
    };
}
