/**
 * Every default and every fixed path in one visible place. The image's agent applies
 * the same defaults for users without Pulumi (image/agent/internal/gbconfig/render.go);
 * the repository's contract test (tests/agent) renders both from the defaults alone, so the two
 * cannot drift silently.
 */
export const DEFAULTS = {
    port: 1433,
    username: "sa",
    trustServerCertificate: false,
    cron: "0 2 * * *",
    timeZone: "Etc/UTC",
    region: "us-east-1",
    pathStyle: true,
    prefix: "backups/sqlserver",
    keep: 14,
    /** Uploads of failed runs kept for diagnosis once a newer verified archive exists. */
    keepFailed: 2,
    timeoutSeconds: 300,
    maxRetries: 3,
    /** Days a deleted or replaced archive stays recoverable (noncurrent versions). */
    retentionDays: 30,
    localCopies: 2,
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
     * below it), local copies and the agent's records. Size it for the data.
     */
    workdir: "/tmp/gobackup",
    /** Where local copies of recent archives live, one folder per database. */
    localCopies: "/tmp/gobackup/archives",
    /** Where the targets put credential files; each variable `X` is read from `X_FILE` (docker-library's convention). */
    secretsDir: "/run/secrets/sqlserver-backup",
    /** The entrypoint: `/entrypoint.sh <mode>`. */
    entrypoint: "/entrypoint.sh",
    /** The backup agent; `health` is the container's health check. */
    agent: "/usr/local/bin/sqlserver-backup-agent",
} as const;

/** How the agent behaves in a deployment; each becomes its environment variable. */
export const AGENT = {
    /** Seconds a running backup gets to finish when the container is stopped or replaced. */
    shutdownGraceSeconds: 600,
    /** Seconds after the daemon's start during which the health check reports readiness (and this container's own runs) only. */
    healthSettleSeconds: 120,
    /** The metrics port inside the container when metrics are on. */
    metricsPort: 9464,
} as const;

/** Names of the environment variables the rendered config and the job use. */
export const ENV = {
    minioAccessKey: "MINIO_ACCESS_KEY",
    minioSecretKey: "MINIO_SECRET_KEY",
    /** The read-only restore user's keys; the agent's list and restore prefer them over the backup user's. */
    restoreAccessKey: "RESTORE_ACCESS_KEY",
    restoreSecretKey: "RESTORE_SECRET_KEY",
    /** PEM certificates of a private CA (as a file: MINIO_CA_CERT_FILE). */
    caCertificate: "MINIO_CA_CERT",
    /** Prefix of the per-database password variables: `MSSQL_PASSWORD_<NAME>`. */
    mssqlPasswordPrefix: "MSSQL_PASSWORD_",
    /** The rendered gobackup.yml itself, handed to the agent (it holds no secret). */
    configYaml: "GOBACKUP_CONFIG_YAML",
    restoreTargetPassword: "RESTORE_TARGET_PASSWORD",
    /** The password of the login restore drills use on their server. */
    drillServerPassword: "DRILL_SERVER_PASSWORD",
} as const;
