/**
 * A restore run by `pulumi up`, as pure data: its environment, its deadlines, and the
 * files it reads. The targets turn it into a one-shot container or a Job.
 */
import { RestoreArgs } from "../args/types";
import { BackupSettings } from "../args/settings";
import { DEFAULTS, ENV } from "./defaults";
import { storageLocation } from "./job";

/** The restore's target with defaults applied. */
export interface RestoreTarget {
    host: string;
    port: number;
    database: string;
    username: string;
    trustServerCertificate: boolean;
}

/** Seconds a restore may take by default (download, check and import) before it is stopped and reported failed. */
export const DEFAULT_RESTORE_TIMEOUT_SECONDS = 3600;

/**
 * Seconds the platform's own deadline (a Job's activeDeadlineSeconds) lies beyond the
 * restore's: room to pull the image and start the pod, so the agent always stops the
 * restore itself and says why, before the platform kills it without an outcome.
 */
export const RESTORE_PLATFORM_MARGIN_SECONDS = 600;

/** Seconds `pulumi up` waits beyond the platform's deadline, so it always hears the outcome. */
export const RESTORE_WAIT_MARGIN_SECONDS = 300;

/** The restore's own deadline, in seconds: the whole restore, as the agent counts it. */
export function restoreTimeoutSeconds(restore: RestoreArgs): number {
    return restore.timeoutSeconds ?? DEFAULT_RESTORE_TIMEOUT_SECONDS;
}

/** Non-secret environment of a restore run (the agent's `restore`); credentials come as files. */
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

/** The files a restore reads: the restore user's keys (read the prefix, record restores), the target's password, the private CA. */
export function restoreFiles(settings: BackupSettings): string[] {
    return [ENV.restoreAccessKey, ENV.restoreSecretKey, ENV.restoreTargetPassword, ...(settings.storage.customCA ? [ENV.caCertificate] : [])];
}

/** The exit code of a restore whose id already ran (the agent's restore.ExitAlreadyRan). */
export const RESTORE_ALREADY_RAN_EXIT_CODE = 3;

/** How a job logs in to a SQL Server it restores into, defaults applied: a restore's target, a drill's server. */
export type SqlLogin = Pick<RestoreTarget, "port" | "username" | "trustServerCertificate">;

/** The login's defaults (port 1433, `sa`, the certificate checked). */
export function sqlLoginDefaults(login: Partial<SqlLogin>): SqlLogin {
    return {
        port: login.port ?? DEFAULTS.port,
        username: login.username ?? DEFAULTS.username,
        trustServerCertificate: login.trustServerCertificate ?? DEFAULTS.trustServerCertificate,
    };
}

/** Defaults of the restore target. */
export function restoreTargetDefaults(target: Omit<RestoreTarget, "port" | "username" | "trustServerCertificate"> & Partial<RestoreTarget>): RestoreTarget {
    return { host: target.host, database: target.database, ...sqlLoginDefaults(target) };
}
