/**
 * Every default and every fixed path in one visible place. The image's entrypoint
 * applies the same defaults for users without Pulumi (image/entrypoint.sh); the
 * contract test (tests/unit/configContract.test.ts) renders both from the defaults
 * alone, so the two cannot drift silently.
 */
export const DEFAULTS = {
    port: 1433,
    username: "sa",
    trustServerCertificate: false,
    cron: "0 2 * * *",
    timeZone: "Etc/UTC",
    region: "us-east-1",
    prefix: "backups/sqlserver",
    keep: 14,
    timeoutSeconds: 300,
    maxRetries: 3,
    retentionDays: 30,
    noncurrentVersionRetentionDays: 7,
    localCopies: 2,
    webUiPort: 2703,
    /**
     * GoBackup's tar "compressor" only: a .bacpac is already a zip, so gzip or zstd
     * spend CPU for almost no size (FACTS; measured in bench/).
     */
    compressWith: "tar",
    /** GoBackup's default archive name format (Go time layout), made explicit because restore parses it. */
    filenameFormat: "2006.01.02.15.04.05",
} as const;

/** Paths and ids inside the backup image (image/Dockerfile); targets mount and point at these. */
export const IMAGE = {
    /** The non-root uid/gid the image runs as (Dockerfile APP_UID). */
    uid: 10001,
    home: "/home/sqlbackup",
    /**
     * The workdir volume: GoBackup's staging, sqlpackage's temp data (TMPDIR points
     * below it), local copies and GoBackup's state. Size it for the data.
     */
    workdir: "/tmp/gobackup",
    /** Where local copies of recent archives live, one folder per database. */
    localCopies: "/tmp/gobackup/archives",
    /** Where the targets put secret files; each variable `X` is read from `X_FILE` (docker-library's convention). */
    secretsDir: "/run/secrets/sqlserver-backup",
    /** The entrypoint: `/entrypoint.sh <mode>`. */
    entrypoint: "/entrypoint.sh",
} as const;

/** Names of the environment variables the rendered config and the job use. */
export const ENV = {
    minioAccessKey: "MINIO_ACCESS_KEY",
    minioSecretKey: "MINIO_SECRET_KEY",
    webUsername: "GOBACKUP_WEB_USERNAME",
    webPassword: "GOBACKUP_WEB_PASSWORD",
    /** Prefix of the per-database password variables: `MSSQL_PASSWORD_<NAME>`. */
    mssqlPasswordPrefix: "MSSQL_PASSWORD_",
    /** The rendered gobackup.yml itself, handed to the entrypoint (it holds no secret). */
    configYaml: "GOBACKUP_CONFIG_YAML",
    restoreTargetPassword: "RESTORE_TARGET_PASSWORD",
} as const;
