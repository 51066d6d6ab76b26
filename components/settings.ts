/**
 * The resolved, defaulted and validated settings every renderer works from. Plain
 * data: no Pulumi types, no secret values (secrets travel as environment variables).
 */

/** One database as the config renderer sees it. */
export interface DatabaseSettings {
    name: string;
    host: string;
    port: number;
    database: string;
    username: string;
    trustServerCertificate: boolean;
    extraArgs: string[];
}

/** Storage as the renderers see it. */
export interface StorageSettings {
    /** URL the backup job uses, with scheme. */
    endpoint: string;
    region: string;
    bucket: string;
    prefix: string;
    keep: number;
    timeoutSeconds: number;
    maxRetries: number;
    /** 0 means no expiry rule. */
    retentionDays: number;
    /** 0 means no expiry rule for noncurrent versions. */
    noncurrentVersionRetentionDays: number;
}

/** A copy of recent archives on the job's own disk, kept also when the upload fails. */
export interface LocalCopySettings {
    /** Directory the copies go to; each database gets a folder below it. */
    path: string;
    keep: number;
}

/** Everything the GoBackup config is rendered from. */
export interface BackupSettings {
    databases: DatabaseSettings[];
    schedule: { cron: string; timeZone: string };
    storage: StorageSettings;
    webUi: { enabled: boolean; port: number };
    workdir: string;
    /** Absent: no local copy. */
    localCopy?: LocalCopySettings;
}

/** Sentinel for a value not known at construction time (an Output), checked again once it resolves. */
export const UNKNOWN: unique symbol = Symbol("unknown until the Output resolves");
export type Unknown = typeof UNKNOWN;

/** `T` with every leaf possibly {@link UNKNOWN}: what validation sees at construction time. */
export type Draft<T> = [T] extends [string | number | boolean]
    ? T | Unknown
    : T extends (infer E)[]
      ? Draft<E>[] | Unknown
      : { [K in keyof T]: Draft<T[K]> };

/** True when a draft value is known. */
export function isKnown<T>(value: T | Unknown): value is T {
    return value !== UNKNOWN;
}
