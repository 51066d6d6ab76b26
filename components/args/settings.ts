/**
 * The resolved, defaulted settings every rule checks and every renderer works from.
 * Plain data: no Pulumi types, no secret values (secrets travel as files).
 */

/** One database as the config renderer sees it. */
export interface DatabaseSettings {
    /** The model's name (lower-case), the database's folder in the bucket. */
    name: string;
    /** SQL Server host name or address. */
    host: string;
    /** SQL Server TCP port. */
    port: number;
    /** The database on that server. */
    database: string;
    /** SQL login of the export. */
    username: string;
    /** Trust the server's TLS certificate without validating it. */
    trustServerCertificate: boolean;
    /** Extra sqlpackage arguments of the export. */
    extraArgs: string[];
}

/** Storage as the renderers see it. */
export interface StorageSettings {
    /** URL the backup job uses, with scheme. */
    endpoint: string;
    /** S3 region. */
    region: string;
    /** Path-style (`<endpoint>/<bucket>`) or virtual-hosted (`<bucket>.<host>`) addressing. */
    pathStyle: boolean;
    /** The bucket's name. */
    bucket: string;
    /** Key prefix of every backup, without a trailing slash. */
    prefix: string;
    /** Verified archives the agent's retention keeps per database (the newest `keep`). */
    keep: number;
    /** Calendar tier: the newest verified archive of each of the newest N days. */
    keepDaily: number;
    /** Calendar tier: the newest verified archive of each of the newest N ISO weeks. */
    keepWeekly: number;
    /** Calendar tier: the newest verified archive of each of the newest N months. */
    keepMonthly: number;
    /** Unverified archives older than the newest verified one kept for diagnosis. */
    keepFailed: number;
    /** Seconds an upload may take. */
    timeoutSeconds: number;
    /** Retries of a failed upload. */
    maxRetries: number;
    /** Days noncurrent versions are kept (0: for ever). */
    retentionDays: number;
    /** A deployment whose folders this one takes over ("" : none). */
    takeOverFrom: string;
    /** A private CA's certificates are trusted for the endpoint (delivered as a file). */
    customCA: boolean;
}

/** A copy of recent archives on the job's own disk, kept also when the upload fails. */
export interface LocalCopySettings {
    /** Directory the copies go to; each database gets a folder below it. */
    path: string;
    /** Copies kept per database. */
    keep: number;
}

/** When backups run, as validated. */
export interface ScheduleSettings {
    /** Five-field cron expression, as robfig/cron v3 parses it. */
    cron: string;
    /** IANA time zone the cron is read in. */
    timeZone: string;
}

/** Everything the GoBackup config and the job are rendered from. */
export interface BackupSettings {
    /** The databases, one GoBackup model each. */
    databases: DatabaseSettings[];
    /** When backups run. */
    schedule: ScheduleSettings;
    /** Where backups go. */
    storage: StorageSettings;
    /** Where GoBackup stages dumps and archives (the image's workdir volume). */
    workdir: string;
    /** Absent: no local copy. */
    localCopy?: LocalCopySettings;
    /** The deployment that owns the database folders (recorded in the bucket). */
    deploymentId: string;
    /** Runs against one SQL Server at a time across the deployment (slots leased in the bucket); absent: no cap. */
    hostSlots?: number;
}
