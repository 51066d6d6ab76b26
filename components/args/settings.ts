/**
 * The resolved, defaulted settings every rule checks and every renderer works from.
 * Plain data: no Pulumi types, no secret values (secrets travel as files).
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
    /** Path-style (`<endpoint>/<bucket>`) or virtual-hosted (`<bucket>.<host>`) addressing. */
    pathStyle: boolean;
    bucket: string;
    prefix: string;
    keep: number;
    timeoutSeconds: number;
    maxRetries: number;
    /** Days noncurrent versions are kept (0: for ever). */
    retentionDays: number;
    /** Opt-in age cap on current archives, per database folder (0: none). */
    maxAgeDays: number;
    /** Delete archives beyond keep that GoBackup's retention lost track of. */
    pruneUntracked: boolean;
    /** A private CA's certificates are trusted for the endpoint (delivered as a file). */
    customCA: boolean;
}

/** A copy of recent archives on the job's own disk, kept also when the upload fails. */
export interface LocalCopySettings {
    /** Directory the copies go to; each database gets a folder below it. */
    path: string;
    keep: number;
}

/** Everything the GoBackup config and the job are rendered from. */
export interface BackupSettings {
    databases: DatabaseSettings[];
    schedule: { cron: string; timeZone: string };
    storage: StorageSettings;
    /** Where GoBackup stages dumps and archives (the image's workdir volume). */
    workdir: string;
    /** Absent: no local copy. */
    localCopy?: LocalCopySettings;
}
