import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as minio from "@pulumi/minio";

/*
 * The component's arguments. No union types: Pulumi's component schema (the SDK's
 * analyzer, `pulumi package add`) cannot express them, so alternatives are separate
 * optional members, of which exactly one is given (checked at construction, as awsx
 * does it): `image.build` or `image.ref`, `target.docker` or `target.kubernetes`,
 * `storage.admin`, `storage.provider` or `storage.credentials`.
 */

/** How sqlpackage reaches one database on a SQL Server (to export it, or to import into it). */
export interface SqlServerConnectionArgs {
    /** Host name or IP of the SQL Server, as the backup (or restore) job reaches it. */
    host: pulumi.Input<string>;
    /** TCP port of the SQL Server. Default 1433. */
    port?: pulumi.Input<number>;
    /** Name of the database on the server, without brackets (e.g. `Orders`). */
    database: pulumi.Input<string>;
    /**
     * SQL Server login used by sqlpackage. Default `sa`; a login with `db_owner` on the
     * database is enough. SQL authentication only: a Windows login (`DOMAIN\user`) is refused.
     */
    username?: pulumi.Input<string>;
    /** Password of the login. Pass a secret (`config.requireSecret(...)`); it reaches the job only as a file. @secret */
    password: pulumi.Input<string>;
    /**
     * Accept the server's certificate without validating it
     * (`/SourceTrustServerCertificate:True`). sqlpackage encrypts connections by default
     * since version 161, so a server with a self-signed certificate needs this. Default `false`.
     */
    trustServerCertificate?: pulumi.Input<boolean>;
}

/**
 * One SQL Server database to back up. Each becomes its own GoBackup model, with its
 * own archive folder (`<prefix>/<name>/`) and its own retention.
 */
export interface DatabaseArgs extends SqlServerConnectionArgs {
    /**
     * Logical name of this backup: lower-case letters, digits, `-` and `_`, starting with
     * a letter. It names the GoBackup model, the archive folder under the prefix and the
     * password variable (`MSSQL_PASSWORD_<NAME>`), so it is a plain string and unique.
     */
    name: string;
    /**
     * Extra sqlpackage arguments, one per item, e.g. `["/p:CompressionOption=Fast"]`.
     * GoBackup splits its sqlpackage command on whitespace, so no item may contain any.
     */
    extraArgs?: pulumi.Input<pulumi.Input<string>[]>;
}

/** When backups run. */
export interface ScheduleArgs {
    /**
     * Cron expression as Kubernetes and the backup agent read it (robfig/cron v3): five
     * fields (minute hour day-of-month month day-of-week, weekdays 0-6 or SUN-SAT), or a
     * descriptor such as `@daily` or `@every 6h`. No `TZ=` prefix: set `timeZone`.
     * Default `0 2 * * *`. A preview warns when a run falls into a daylight-saving gap
     * or overlap of the time zone.
     */
    cron?: pulumi.Input<string>;
    /** IANA time zone the expression is read in, spelled exactly (Go loads it by case-sensitive name). Default `Etc/UTC`. */
    timeZone?: pulumi.Input<string>;
}

/** Admin connection Pulumi provisions a MinIO-compatible server with (MinIO, AIStor, Pigsty's Silo). */
export interface MinioAdminArgs {
    /** `host:port` of the admin API as Pulumi reaches it. Default: host and port of `storage.endpoint`. */
    server?: pulumi.Input<string>;
    /** Admin (root) user name. */
    user: pulumi.Input<string>;
    /** Admin password. Pass a secret; it is wrapped in `pulumi.secret` either way. @secret */
    password: pulumi.Input<string>;
    /** Use TLS to reach the admin API. Default: true when `storage.endpoint` is https. */
    ssl?: pulumi.Input<boolean>;
}

/** The bucket backups land in. */
export interface BucketArgs {
    /**
     * Bucket name (S3 rules: 3-63 characters, lower-case letters, digits, `.` and `-`).
     * Default: `<component name>-backups`. May come from another stack (an Output).
     */
    name?: pulumi.Input<string>;
    /** Create the bucket (true, default, provisioned mode) or use an existing one by name (false). */
    create?: boolean;
    /**
     * Days a deleted or replaced archive stays recoverable (the bucket is versioned; this
     * expires noncurrent versions). Current archives never expire by age: only the backup
     * agent deletes them, by the retention policy (`storage.keep` and its calendar tiers),
     * after it has verified a newer backup, so the last good backups stay when backups
     * stop. Default 30; 0 keeps every version for ever. Only for a bucket this component creates.
     */
    retentionDays?: number;
    /** Deprecated alias of `retentionDays`, which now means exactly this (noncurrent versions' expiry). @deprecated Use `retentionDays`. */
    noncurrentVersionRetentionDays?: number;
    /**
     * Removed: a lifecycle rule that expires current archives by age deletes the newest
     * verified backups too when backups stop. Setting it is an error; keep fewer archives
     * with `storage.keep` and the calendar tiers (`keepDaily`, `keepWeekly`, `keepMonthly`),
     * which the backup agent applies after verification. @deprecated
     */
    maxAgeDays?: number;
    /**
     * What `pulumi destroy` does with a bucket this component created. Default false:
     * destroy leaves the bucket, its versioning and its lifecycle in place. True: destroy
     * deletes the bucket and every backup in it (sandboxes such as the dev stack).
     */
    forceDestroy?: boolean;
}

/** Keys of an existing user, for a bucket someone else provisioned (bring-your-own mode). */
export interface ExistingCredentialsArgs {
    /** Access key id. */
    accessKeyId: pulumi.Input<string>;
    /** Secret key, any characters S3 allows. Pass a secret; it is wrapped in `pulumi.secret` either way. @secret */
    secretAccessKey: pulumi.Input<string>;
}

/**
 * Where backups are stored. Two modes: provisioned (`admin` or `provider`: the
 * component creates the bucket, a backup user and a read-only restore user on a
 * MinIO-compatible server) and bring your own (`credentials`: a bucket and keys on any
 * S3 server, such as AWS S3, Ceph RGW, SeaweedFS, Garage, Versity's gateway or R2).
 */
export interface StorageArgs {
    /** URL of the S3 API as the backup job reaches it, with scheme: `http://minio:9000`, `https://s3.eu-west-1.amazonaws.com`. */
    endpoint: pulumi.Input<string>;
    /** Region requests are signed for. Default `us-east-1`. */
    region?: pulumi.Input<string>;
    /**
     * Address the bucket as `<endpoint>/<bucket>` (true, default: MinIO and most
     * self-hosted servers) or as `<bucket>.<endpoint host>` (false: AWS S3's
     * virtual-hosted style, required by some providers).
     */
    pathStyle?: pulumi.Input<boolean>;
    /**
     * PEM certificate(s) of a private certificate authority the S3 endpoint's certificate
     * chains to. Trusted by everything that talks to the bucket (GoBackup's upload and
     * retention state, the agent's verification, list and restore) besides the system's
     * roots. TLS is always verified.
     */
    caCertificate?: pulumi.Input<string>;
    /** Provisioned mode: the admin connection. Give exactly one of `admin`, `provider` and `credentials`. */
    admin?: MinioAdminArgs;
    /** Provisioned mode: an existing `minio.Provider`, instead of `admin`. TypeScript only. @typeScriptOnly */
    provider?: minio.Provider;
    /**
     * Bring your own: the backup user's keys for an existing bucket; nothing is created in
     * the store (no admin credentials, no MinIO provider). Needs `bucket.name`. The key
     * needs the `backupPolicy` output's permissions.
     */
    credentials?: ExistingCredentialsArgs;
    /**
     * Bring your own: a restore user's keys, with the `restorePolicy` output's
     * permissions (read the prefix, create restore records). Default: restores use
     * `credentials` (a preview warning says so).
     */
    restoreCredentials?: ExistingCredentialsArgs;
    /** The bucket. */
    bucket?: BucketArgs;
    /**
     * Key prefix under which all backups of this component live; the users may touch
     * nothing outside it. Segments of letters, digits, `.`, `_`, `-`, joined by `/`.
     * Default `backups/sqlserver`.
     */
    prefix?: pulumi.Input<string>;
    /**
     * Verified archives kept per database: the newest `keep` always survive. The backup
     * agent applies the retention policy after it has verified a run, and nothing else
     * deletes an archive (GoBackup's own `keep` is off: it pruned before verification).
     * At least 1. Default 14.
     */
    keep?: pulumi.Input<number>;
    /** Also keep the newest verified archive of each of the newest N days (in the schedule's time zone). Default 0. */
    keepDaily?: pulumi.Input<number>;
    /** Also keep the newest verified archive of each of the newest N ISO weeks. Default 0. */
    keepWeekly?: pulumi.Input<number>;
    /** Also keep the newest verified archive of each of the newest N months. Default 0. */
    keepMonthly?: pulumi.Input<number>;
    /**
     * Unverified archives (uploads of runs that failed) are deleted once a newer verified
     * archive exists, except the newest `keepFailed`, kept for diagnosis. Default 2.
     */
    keepFailed?: pulumi.Input<number>;
    /**
     * Removed: the retention policy now deletes what it removes, after verification, and
     * reports it. Setting it has no effect (a preview warns). @deprecated
     */
    pruneUntracked?: boolean;
    /**
     * Take over folders another deployment owns: give that deployment's id (as the
     * refusal names it). Each database folder belongs to the deployment whose agent made
     * its first run there; another one is refused before it uploads or deletes anything,
     * because two deployments in one folder delete each other's backups.
     */
    takeOverFrom?: pulumi.Input<string>;
    /**
     * Seconds one HTTP request to the store may take (GoBackup's and the agent's).
     * Reading an archive (restore, drill, verification by download) is bounded by the
     * wait for data instead, however long the download. Default 300.
     */
    timeoutSeconds?: pulumi.Input<number>;
    /** Retries of a failed request. Default 3. */
    maxRetries?: pulumi.Input<number>;
    /** Provisioned mode: name (and access key id) of the backup user. Default `<component name>-backup`. */
    userName?: string;
    /** Provisioned mode: name (and access key id) of the restore user. Default `<component name>-restore`. */
    restoreUserName?: string;
}

/** @deprecated GoBackup's web UI ran only under `gobackup run`, which the backup agent replaced; use `target.docker.metrics`. */
export interface WebUiArgs {
    /** Must be false or absent: there is no web UI. @deprecated */
    enabled?: boolean;
    /** Ignored. @deprecated */
    port?: number;
}

/** A download the image installs, pinned by version and checksum. */
export interface PinnedDownload {
    /** Version, recorded in the image's labels. */
    version: string;
    /** Download link (sqlpackage: Microsoft's versioned link; GoBackup: its release tarball), or your mirror's. */
    url: string;
    /** SHA-256 of the download, 64 hex digits; the build fails on a mismatch. */
    sha256: string;
}

/** A registry the built image is pushed to. */
export interface RegistryArgs {
    /** Registry host (and port), e.g. `registry.example.com:5000`. */
    server: string;
    /** User name, if the registry needs one. */
    username?: pulumi.Input<string>;
    /** Password or token (secret). @secret */
    password?: pulumi.Input<string>;
}

/**
 * `docker build`'s builder. An object of constants and its value type (not a bare
 * union), so the schema analyzer turns it into an enum for other languages; plain
 * strings (`"BuilderV1"`) type-check as before.
 */
export const DockerBuilderVersion = {
    /** The legacy builder. */
    BuilderV1: "BuilderV1",
    /** BuildKit. */
    BuilderBuildKit: "BuilderBuildKit",
} as const;
/** `docker build`'s builder: `BuilderV1` or `BuilderBuildKit`. */
export type DockerBuilderVersion = (typeof DockerBuilderVersion)[keyof typeof DockerBuilderVersion];

/** How to build the backup image from the package's image/ directory. */
export interface ImageBuildArgs {
    /** sqlpackage to install. Default: the register's pin (image/artifacts.env). */
    sqlpackage?: PinnedDownload;
    /** GoBackup release to install. Default: the register's pin. */
    gobackup?: PinnedDownload;
    /** Not used: the image no longer installs MinIO's withdrawn `mc`; setting it is an error. @deprecated */
    mc?: PinnedDownload;
    /** Base image, by digest. Default: the register's Ubuntu 22.04; Debian 12 works too. */
    baseImage?: string;
    /** Go image the backup agent is built in, by digest. Default: the register's golang image. */
    goBuilderImage?: string;
    /** Go module proxy the agent's build downloads its modules from. Default `https://proxy.golang.org,direct`. */
    goProxy?: string;
    /** Only `linux/amd64` is accepted: sqlpackage ships for x64 only. */
    platform?: string;
    /** Repository name of the image. Default `sqlserver-backup`. */
    repository?: string;
    /**
     * Push to this registry and run the pushed digest. A Kubernetes target needs it (or
     * `image.ref`): a cluster cannot pull an image that stayed on the build machine.
     */
    registry?: RegistryArgs;
    /** Network for the build's RUN steps (`docker build --network`), e.g. `"host"`. */
    network?: string;
    /** Extra `host:ip` entries for the build (`docker build --add-host`). */
    addHosts?: string[];
    /** Images whose layers the build may reuse (`docker build --cache-from`). */
    cacheFrom?: string[];
    /** `BuilderBuildKit` or `BuilderV1` (the classic builder). Default: the engine's. */
    builderVersion?: DockerBuilderVersion;
    /** The Docker engine that builds the image. Default: `target.docker.provider`, else the ambient one. TypeScript only. @typeScriptOnly */
    provider?: docker.Provider;
}

/** The backup image: give exactly one of `build` and `ref`. */
export interface ImageArgs {
    /** Build it from this package's image/ directory. */
    build?: ImageBuildArgs;
    /** A prebuilt image, ideally by digest (`registry/name@sha256:...`). */
    ref?: string;
}

/** Log rotation of the Docker target's containers (json-file). */
export interface LogRotationArgs {
    /** Largest log file, Docker's size form: `10m`, `1g`. */
    maxSize: string;
    /** Log files kept. */
    maxFiles: number;
}

/** The backup agent's Prometheus metrics, off unless given. */
export interface MetricsArgs {
    /** Port inside the container (and on the host). Default 9464. */
    port?: number;
    /** Host address the port is published on. Default `127.0.0.1`; `0.0.0.0` for every interface. */
    hostAddress?: string;
}

/** Run the schedule as a long-running container on one Docker host. */
export interface DockerTargetArgs {
    /** Docker provider (e.g. a remote host over SSH). Default: the ambient one. TypeScript only. @typeScriptOnly */
    provider?: docker.Provider;
    /** Container name. Default `<component name>-backup`. */
    containerName?: string;
    /** Networks to attach the container to (by name), e.g. the one SQL Server and the S3 server are on. */
    networks?: pulumi.Input<string>[];
    /** Named volume for the workdir (staging, local copies, the agent's records). Default `<component name>-workdir`. */
    volumeName?: string;
    /**
     * Seconds `pulumi up` waits for the container to be ready (configuration valid,
     * credentials readable, scheduler running); never for a backup. Default 300.
     */
    waitTimeoutSeconds?: number;
    /**
     * Run one backup before `pulumi up` ends, in a one-shot container it waits for: `up`
     * ends with a verified backup in the bucket, or fails with the backup's own error.
     * It runs again whenever the backup container is replaced. Default false.
     */
    backupOnStart?: boolean;
    /** Seconds `pulumi up` waits for that first backup. Default 3600. */
    firstBackupTimeoutSeconds?: number;
    /**
     * Seconds a running backup may take to finish when the container is stopped or
     * replaced; after that it is stopped and recorded as interrupted. Default 600.
     */
    shutdownGraceSeconds?: number;
    /** json-file log rotation, applied when the container is created. Default `{ maxSize: "10m", maxFiles: 5 }`. */
    logRotation?: LogRotationArgs;
    /** Serve the agent's Prometheus metrics (off by default). */
    metrics?: MetricsArgs;
}

/**
 * Where a NetworkPolicy lets the backup and restore pods connect. Give `cidrs` for
 * addresses outside the cluster, or label selectors for pods inside it.
 */
export interface NetworkPeerArgs {
    /** CIDR blocks, e.g. `["10.20.0.0/24"]`. */
    cidrs?: string[];
    /** Labels of the namespaces (e.g. `{ "kubernetes.io/metadata.name": "databases" }`). */
    namespaceLabels?: Record<string, string>;
    /** Labels of the pods (e.g. `{ app: "mssql" }`); without namespaceLabels, pods in the target's namespace. */
    podLabels?: Record<string, string>;
    /** TCP ports the peer listens on (the pod's port after a Service's DNAT). Default: the database ports or the endpoint's port. */
    ports?: number[];
}

/** Egress the optional NetworkPolicy allows besides DNS (it denies all ingress). */
export interface NetworkPolicyArgs {
    /** Where the SQL Server(s) are. */
    sqlServer: NetworkPeerArgs;
    /** Where the S3 server is. */
    minio: NetworkPeerArgs;
    /** Where DNS is. Default: UDP and TCP port 53 anywhere. */
    dns?: NetworkPeerArgs;
}

/** CPU and memory quantities, as Kubernetes writes them (`250m`, `1Gi`). */
export interface QuantityArgs {
    /** CPU, e.g. `250m` or `1`. */
    cpu?: string;
    /** Memory, e.g. `1Gi` or `512Mi`. */
    memory?: string;
}

/** Container resources. */
export interface ResourcesArgs {
    /** What the scheduler reserves. Default cpu 250m, memory 1Gi. */
    requests?: QuantityArgs;
    /** Hard limits. Default memory 4Gi. */
    limits?: QuantityArgs;
}

/** Jobs kept in the CronJob's history. */
export interface HistoryLimitsArgs {
    /** Successful Jobs kept. Default 3. */
    successful?: number;
    /** Failed Jobs kept. Default 5. */
    failed?: number;
}

/** Run the schedule as a Kubernetes CronJob (one `once` run per Job). */
export interface KubernetesTargetArgs {
    /** Namespace of every object (a DNS label: lower-case letters, digits, `-`, at most 63). */
    namespace: pulumi.Input<string>;
    /**
     * Create the namespace, labelled to enforce the `restricted` Pod Security Standard.
     * Default false: it must exist, and `pulumi preview` reads it to say so if it does not.
     */
    createNamespace?: boolean;
    /** Kubernetes provider. Default: the ambient one (current kubeconfig context). TypeScript only. @typeScriptOnly */
    provider?: k8s.Provider;
    /** Container resources. Default requests cpu 250m / memory 1Gi, limit memory 4Gi. */
    resources?: ResourcesArgs;
    /** Size of the emptyDir staging the export (about twice the data). Default 20Gi. Ignored with `persistentVolumeClaim`. */
    workdirSizeLimit?: string;
    /** Name of an existing PVC to use as the workdir instead of an emptyDir (local copies then survive Jobs). */
    persistentVolumeClaim?: string;
    /** Seconds after a missed schedule a Job may still start. Default 600. */
    startingDeadlineSeconds?: number;
    /** Seconds a backup Job may run before it is killed. Default 21600 (6 h). */
    activeDeadlineSeconds?: number;
    /** Retries of a failed backup Job. Default 1; 0 retries never. */
    backoffLimit?: number;
    /** Seconds finished backup Jobs are kept. Default 604800 (7 days). */
    ttlSecondsAfterFinished?: number;
    /** Successful and failed Jobs kept in history. Default 3 and 5. */
    historyLimits?: HistoryLimitsArgs;
    /** Pause the schedule without deleting anything. Default false. */
    suspend?: boolean;
    /** Restrict the backup and restore pods' egress to SQL Server, the S3 server and DNS, and deny ingress. Off by default. */
    networkPolicy?: NetworkPolicyArgs;
    /** Image pull secrets for a private registry. */
    imagePullSecrets?: string[];
    /**
     * Seconds a stopped pod (a node drain, a deleted Job, the deadline) gives a backup in
     * progress to finish before the agent stops it and records it interrupted. The pod's
     * `terminationGracePeriodSeconds` is this plus 30 s for the agent to record it.
     * Default 600; below `activeDeadlineSeconds`.
     */
    shutdownGraceSeconds?: number;
    /** Many databases: one CronJob per database, spread over a window, a cap per SQL Server. */
    fleet?: FleetArgs;
    /**
     * The monitor, a small Deployment: the metrics of every run (the Docker daemon's
     * names, from the run records in the bucket), and a watchdog that fails a Job whose
     * pod cannot start (an image that cannot be pulled) instead of letting it hold the
     * schedule until its deadline. On by default.
     */
    monitor?: MonitorArgs;
}

/** Many databases on a cluster: each its own CronJob, failures isolated, runs in parallel across nodes. */
export interface FleetArgs {
    /**
     * One CronJob per database (own history, own failures, parallel on any node), each
     * with a config, environment and credentials of its own database only. Default false:
     * one CronJob backs up every database, one after the other.
     */
    perDatabase?: boolean;
    /**
     * Minutes over which the databases' runs are spread: each database starts at a fixed
     * offset (from a hash of its name) after the schedule's time. Needs a daily
     * (`M H * * *`) or hourly (`M * * * *`) schedule. Default 0: all at the schedule's time.
     */
    windowMinutes?: number;
    /**
     * Runs against one SQL Server (host and port) at a time across the deployment; the
     * others wait for a slot (held as leases in the bucket). Default: no cap.
     */
    maxConcurrentPerHost?: number;
}

/** The monitor Deployment of a Kubernetes target. */
export interface MonitorArgs {
    /** Run it. Default true. */
    enabled?: boolean;
    /** Port of the metrics endpoint (`/metrics`) and its Service. Default 9090. */
    port?: number;
    /** Seconds a pod may fail to start (image pull, container creation) before its Job is failed. Default 300. */
    startDeadlineSeconds?: number;
    /**
     * Also create the shipped alert rules (alerts/sqlserver-backup.rules.yml in this
     * package) as a Prometheus Operator `PrometheusRule` in the namespace. The
     * operator's CRD must exist. Default false.
     */
    prometheusRule?: boolean;
    /** Labels of that PrometheusRule besides the standard ones (e.g. the `release` your Prometheus' ruleSelector matches). */
    prometheusRuleLabels?: Record<string, string>;
}

/** Where the schedule runs: give exactly one of `docker` and `kubernetes`. */
export interface TargetArgs {
    /** A long-running container on one Docker host. */
    docker?: DockerTargetArgs;
    /** A CronJob on a Kubernetes cluster. */
    kubernetes?: KubernetesTargetArgs;
}

/** A restore run by `pulumi up`: import one backup into a new or empty database. */
export interface RestoreArgs {
    /**
     * Id of this restore (lower-case letters, digits, `-`; up to 20). It names the Job or
     * container and a record in the bucket (`<prefix>/.restores/<id>.json`): a new id runs
     * a new restore; the same id never runs twice.
     */
    id: string;
    /**
     * Which backup: `latest` (default: the newest verified one), an archive file name or
     * key, or `before:<time>` with an RFC 3339 time (`before:2026-11-23T02:00:00Z`), a time
     * in the schedule's time zone (`before:2026-11-23T03:00`) or a date (`before:2026-11-23`).
     */
    backup?: string;
    /** Which database's backups (its `name`). Default: the only database. */
    database?: string;
    /** The SQL Server and the new or empty database to import into; never the database backed up. */
    target: SqlServerConnectionArgs;
    /** Restore even without a manifest or with a wrong checksum. Default false. */
    force?: boolean;
    /**
     * Seconds the whole restore may take (download, check, import); it is stopped and
     * reported failed after that. `pulumi up` waits for it. Default 3600.
     */
    timeoutSeconds?: number;
}

/** The SQL Server a restore drill restores into: the source server or a scratch one. */
export interface DrillServerArgs {
    /** Host name or IP, as the drill's container or pod reaches it. */
    host: pulumi.Input<string>;
    /** TCP port. Default 1433. */
    port?: pulumi.Input<number>;
    /** A SQL login that may create and drop databases (`dbcreator`). Default `sa`. */
    username?: pulumi.Input<string>;
    /** Its password. Pass a secret; it reaches the drill only as a file. @secret */
    password: pulumi.Input<string>;
    /** Accept the server's certificate without validating it (a self-signed one). Default `false`. */
    trustServerCertificate?: pulumi.Input<boolean>;
}

/**
 * Restore drills: on a schedule, the newest verified backup of each database is
 * restored into a new database, checked, and dropped; the outcome is in `status`, the
 * health check and the metrics. A drill never restores into an existing database
 * and never uses the backed-up database's name.
 */
export interface DrillArgs {
    /** When drills run: a five-field cron in `schedule.timeZone` (e.g. `0 6 * * 0`: Sundays at 06:00). */
    schedule: string;
    /** Where drills restore. */
    server: DrillServerArgs;
    /** Which databases (their `name`). Default: all, one after the other. */
    databases?: string[];
    /**
     * The drill database's name: `{database}` is the backed-up database's name,
     * `{timestamp}` (required) the drill's start in UTC. Default `{database}_drill_{timestamp}`.
     */
    databaseNameTemplate?: string;
    /**
     * Checks after the import: `checkdb` (DBCC CHECKDB reports no error) and `totals` (the
     * tables and rows equal what the bacpac recorded at export). Default both; `[]`: the import only.
     */
    checks?: string[];
    /** Seconds one database's drill may take (download, import, checks) before it fails. Default 7200. */
    timeoutSeconds?: number;
    /**
     * Seconds without a successful drill after which it is stale (a warning, or unhealthy
     * with `unhealthyOnFailure`). Default: the schedule's longest gap plus `timeoutSeconds`.
     */
    maxAgeSeconds?: number;
    /** A failed or stale drill makes the health check unhealthy, not only a warning. Default `false`. */
    unhealthyOnFailure?: boolean;
}

/** Arguments of `SqlServerBackup`. */
export interface SqlServerBackupArgs {
    /** The databases to back up; at least one. */
    databases: DatabaseArgs[];
    /**
     * This deployment's id, recorded as the owner of each database folder in the bucket
     * (and in every manifest): a run or restore from another deployment is refused.
     * Default `<Pulumi project>/<stack>/<component name>`. Set it to keep a folder
     * across a renamed stack or component (or use `storage.takeOverFrom`).
     */
    deploymentId?: pulumi.Input<string>;
    /** When backups run. Default: daily at 02:00 UTC. */
    schedule?: ScheduleArgs;
    /** Where backups are stored. */
    storage: StorageArgs;
    /**
     * Archives kept per database on the job's own volume, besides the bucket. They are
     * written also when the upload fails, so a failed upload loses nothing. Default 2; 0: none.
     */
    localCopies?: number;
    /** The image a deployment runs. Default with a Docker target: built from this package's image/ directory. */
    image?: ImageArgs;
    /** Deprecated: the web UI is not offered (see `WebUiArgs`); setting `enabled` is an error. @deprecated */
    webUi?: WebUiArgs;
    /** Run a restore on `pulumi up` (needs a target); see `RestoreArgs`. */
    restore?: RestoreArgs;
    /** Prove on a schedule that the newest backups restore (needs a target); see `DrillArgs`. */
    drill?: DrillArgs;
    /**
     * Where the schedule runs. Left out, the component provisions storage and renders the
     * configuration only (see its outputs) for you to run elsewhere.
     */
    target?: TargetArgs;
}
