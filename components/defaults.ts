/**
 * Every default in one visible place. The image's entrypoint applies the same
 * values for users without Pulumi (image/entrypoint.sh); keep the two in step.
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
    webUiPort: 2703,
    /** Where GoBackup stages dumps and archives inside the image (a volume). */
    workdir: "/tmp/gobackup",
    /**
     * GoBackup's tar "compressor" only: a .bacpac is already a zip, so gzip or zstd
     * spend CPU for almost no size (FACTS; measured in bench/).
     */
    compressWith: "tar",
    /** GoBackup's default archive name format (Go time layout), made explicit because restore parses it. */
    filenameFormat: "2006.01.02.15.04.05",
} as const;

/** Names of the environment variables the rendered config references. */
export const ENV = {
    minioAccessKey: "MINIO_ACCESS_KEY",
    minioSecretKey: "MINIO_SECRET_KEY",
    webUsername: "GOBACKUP_WEB_USERNAME",
    webPassword: "GOBACKUP_WEB_PASSWORD",
    /** Prefix of the per-database password variables: `MSSQL_PASSWORD_<NAME>`. */
    mssqlPasswordPrefix: "MSSQL_PASSWORD_",
} as const;
