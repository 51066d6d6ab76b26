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
    /** Where GoBackup stages dumps and archives (the image's workdir volume). */
    workdir: string;
    /** Absent: no local copy. */
    localCopy?: LocalCopySettings;
}
