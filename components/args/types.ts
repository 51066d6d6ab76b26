import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as minio from "@pulumi/minio";

/** How sqlpackage reaches one database on a SQL Server (to export it, or to import into it). */
export interface SqlServerConnectionArgs {
    /** Host name or IP of the SQL Server, as the backup (or restore) job reaches it. */
    host: pulumi.Input<string>;
    /** TCP port of the SQL Server. Default 1433. */
    port?: pulumi.Input<number>;
    /** Name of the database on the server (e.g. `Orders`). */
    database: pulumi.Input<string>;
    /** Login used by sqlpackage. Default `sa`; a login with `db_owner` on the database is enough. */
    username?: pulumi.Input<string>;
    /**
     * Password of the login. Pass a secret (`config.requireSecret(...)`). It reaches
     * the job only as an environment variable, never as text in a config.
     */
    password: pulumi.Input<string>;
    /**
     * Accept the server's certificate without validating it
     * (`/SourceTrustServerCertificate:True`). sqlpackage encrypts connections by
     * default since version 161, so a server with a self-signed certificate needs
     * this. Default `false`: the certificate is validated.
     */
    trustServerCertificate?: pulumi.Input<boolean>;
}

/**
 * One SQL Server database to back up. Each becomes its own GoBackup model, with
 * its own archive folder (`<prefix>/<name>/`) and its own retention.
 */
export interface DatabaseArgs extends SqlServerConnectionArgs {
    /**
     * Logical name of this backup: lower-case letters, digits, `-` and `_`, starting
     * with a letter. It names the GoBackup model, the archive folder under the
     * prefix and the password variable (`MSSQL_PASSWORD_<NAME>`), so it is a plain
     * string and must be unique. GoBackup lower-cases model names, hence the rule.
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
     * Cron expression as Kubernetes and GoBackup's scheduler read it (robfig/cron v3):
     * five fields (minute hour day-of-month month day-of-week, weekdays 0-6 or
     * SUN-SAT), or a descriptor such as `@daily` or `@every 6h`. No `TZ=` prefix: set
     * `timeZone`. Default `0 2 * * *`.
     */
    cron?: pulumi.Input<string>;
    /**
     * IANA time zone the expression is read in, spelled exactly (Go loads it by
     * case-sensitive name), e.g. `Europe/Berlin`. Default `Etc/UTC`.
     */
    timeZone?: pulumi.Input<string>;
}

/** Admin connection used by Pulumi to provision MinIO (bucket, user, policy). */
export interface MinioAdminArgs {
    /** `host:port` of the MinIO API as Pulumi reaches it. Default: host and port of `storage.endpoint`. */
    server?: pulumi.Input<string>;
    /** Admin (root) user name. */
    user: pulumi.Input<string>;
    /** Admin password. Pass a secret; it is wrapped in `pulumi.secret` either way. */
    password: pulumi.Input<string>;
    /** Use TLS to reach the admin API. Default: true when `storage.endpoint` is https. */
    ssl?: pulumi.Input<boolean>;
}

/** The bucket backups land in. */
export interface BucketArgs {
    /**
     * Bucket name (S3 rules: 3-63 characters, lower-case letters, digits, `.` and `-`).
     * Default: `<component name>-backups`.
     */
    name?: string;
    /** Create the bucket (true, default) or use an existing one by name (false). */
    create?: boolean;
    /**
     * Days after which backup objects under the prefix expire (lifecycle rule).
     * Must cover the span of `keep` backups. Default 30. Set 0 for no expiry rule.
     * A plain number: it decides whether a lifecycle resource exists.
     */
    retentionDays?: number;
    /**
     * Days after which replaced or deleted object versions expire: how long an
     * archive removed by `keep` (or by anyone) stays recoverable. Default 7; 0 keeps them.
     */
    noncurrentVersionRetentionDays?: number;
    /**
     * What `pulumi destroy` does with a bucket this component created. Default false:
     * backups outlive the stack, so destroy leaves the bucket, its versioning and its
     * lifecycle rule in place (Pulumi forgets them) and succeeds; the archives then
     * expire by the lifecycle rule. True: destroy deletes the bucket and every backup
     * in it (sandboxes such as the dev stack).
     */
    forceDestroy?: boolean;
}

/**
 * The backup user's keys, for a bucket someone else provisioned (a storage team's
 * bucket and access key): the component then creates nothing in MinIO. The key
 * needs the policy the component would create (see `backupPolicy` output and the
 * README).
 */
export interface ExistingCredentialsArgs {
    /** Access key id. */
    accessKeyId: pulumi.Input<string>;
    /** Secret key. Pass a secret; it is wrapped in `pulumi.secret` either way. */
    secretAccessKey: pulumi.Input<string>;
}

/** Where backups are stored. */
export interface StorageArgs {
    /**
     * URL of the MinIO (or S3-compatible) API as the backup job reaches it, with
     * scheme: `http://minio:9000`, `https://s3.example.com`.
     */
    endpoint: pulumi.Input<string>;
    /** Region GoBackup signs requests for. Default `us-east-1` (MinIO's default). */
    region?: pulumi.Input<string>;
    /** Admin connection for provisioning. Give exactly one of `admin`, `provider` and `credentials`. */
    admin?: MinioAdminArgs;
    /** An existing `minio.Provider` to provision with, instead of `admin`. */
    provider?: minio.Provider;
    /**
     * Bring your own bucket and keys: nothing is created in MinIO (no admin
     * credentials, no MinIO provider, no generated secret). Needs `bucket.name`.
     */
    credentials?: ExistingCredentialsArgs;
    /** The bucket. */
    bucket?: BucketArgs;
    /**
     * Key prefix under which all backups of this component live; the backup user
     * may touch nothing outside it. Segments of letters, digits, `.`, `_`, `-`,
     * joined by `/`, no leading or trailing `/`. Default `backups/sqlserver`.
     */
    prefix?: pulumi.Input<string>;
    /** How many archives GoBackup keeps per database (its `keep`). Default 14. */
    keep?: pulumi.Input<number>;
    /** Seconds one HTTP request to the store may take. Default 300. */
    timeoutSeconds?: pulumi.Input<number>;
    /** Retries of a failed request. Default 3. */
    maxRetries?: pulumi.Input<number>;
    /**
     * Name of the dedicated MinIO user the component creates (also its access key
     * id). Default `<component name>-backup`; set it when several stacks share one
     * MinIO. Not with `credentials`.
     */
    userName?: string;
}

/**
 * GoBackup's web UI and API. FACTS: its routes are registered before its BasicAuth
 * middleware, so it must be treated as unauthenticated. It is therefore always bound
 * to 127.0.0.1 inside the container; reach it with `docker exec` or a port-forward.
 */
export interface WebUiArgs {
    /** Serve the web UI, `/status` and `/metrics` on 127.0.0.1. Default false. */
    enabled?: boolean;
    /** Port inside the container. Default 2703. */
    port?: number;
}

/** A download the image installs, pinned by version and checksum. */
export interface PinnedDownload {
    /** Version, recorded in the image's labels. */
    version: string;
    /** Download link (sqlpackage: Microsoft's versioned link; GoBackup: its release tarball). */
    url: string;
    /** SHA-256 of the download, 64 hex digits; the build fails on a mismatch. */
    sha256: string;
}

/** How to build the backup image from the package's image/ directory. */
export interface ImageBuildArgs {
    /** sqlpackage to install. Default: the pin in image/versions.env (170.4.83.3). */
    sqlpackage?: PinnedDownload;
    /** GoBackup release to install. Default: the pin in image/versions.env (v3.1.1). */
    gobackup?: PinnedDownload;
    /** MinIO's `mc` client (manifests, list, restore). Default: the pin in image/versions.env. */
    mc?: PinnedDownload;
    /** Base image. Default `ubuntu:22.04`; Debian 12 works too. */
    baseImage?: string;
    /** Only `linux/amd64` is accepted: sqlpackage ships for x64 only. */
    platform?: string;
    /** Repository name of the image. Default `sqlserver-backup`. */
    repository?: string;
    /**
     * Push to this registry (clusters need it). Without it the image stays on the
     * Docker engine that built it (`skipPush`), which suits the docker target.
     */
    registry?: { server: string; username?: pulumi.Input<string>; password?: pulumi.Input<string> };
    /**
     * Network for the build's RUN steps (`docker build --network`), e.g. `"host"` when
     * the downloads are reached through a proxy on the build host. Default: Docker's.
     */
    network?: string;
    /** Extra `host:ip` entries for the build (`docker build --add-host`). */
    addHosts?: string[];
    /** Images whose layers the build may reuse (`docker build --cache-from`). */
    cacheFrom?: string[];
    /** `BuilderBuildKit` or `BuilderV1` (the classic builder). Default: the engine's. */
    builderVersion?: "BuilderV1" | "BuilderBuildKit";
    /**
     * The Docker engine that builds (and, without a registry, keeps) the image.
     * Default: the docker target's `provider`, so a remote host builds the image its
     * container runs; else the ambient one.
     */
    provider?: docker.Provider;
}

/** The backup image: built here (default), or a prebuilt reference. */
export type ImageArgs = { build?: ImageBuildArgs } | { /** Prebuilt image, ideally by digest. */ ref: string };

/** Run the schedule as a long-running container on one Docker host. */
export interface DockerTargetArgs {
    kind: "docker";
    /** Docker provider (e.g. a remote host over SSH). Default: the ambient one. */
    provider?: docker.Provider;
    /** Container name. Default `<component name>-backup`. */
    containerName?: string;
    /** Networks to attach the container to (by name), e.g. the one SQL Server and MinIO are on. */
    networks?: pulumi.Input<string>[];
    /** Named volume for the workdir (staging, local copies, GoBackup's state). Default `<component name>-workdir`. */
    volumeName?: string;
    /** Seconds `pulumi up` waits for the container to report healthy before failing. Default 300. */
    waitTimeoutSeconds?: number;
    /**
     * Run one backup before the scheduler starts, in a one-shot container that
     * `pulumi up` waits for: `up` then ends with a verified backup in the bucket, or
     * fails with the backup's own error. It runs again whenever the backup container
     * is replaced. Default false.
     */
    backupOnStart?: boolean;
    /** Seconds `pulumi up` waits for that first backup. Default 3600. */
    firstBackupTimeoutSeconds?: number;
    /** json-file log rotation. Default `{ maxSize: "10m", maxFiles: 5 }`. */
    logRotation?: { maxSize: string; maxFiles: number };
}

/**
 * Where a NetworkPolicy lets the backup and restore pods connect. Give `cidrs` for
 * addresses outside the cluster, or label selectors for pods inside it (Kubernetes
 * reserves ipBlock for cluster-external addresses; some network plugins, Cilium
 * among them, do not match pods by CIDR). Selectors combine as Kubernetes combines
 * them: pods with `podLabels` in namespaces with `namespaceLabels`.
 */
export interface NetworkPeerArgs {
    /** CIDR blocks, e.g. `["10.20.0.0/24"]`. */
    cidrs?: string[];
    /** Labels of the namespaces (e.g. `{ "kubernetes.io/metadata.name": "databases" }`). */
    namespaceLabels?: Record<string, string>;
    /** Labels of the pods (e.g. `{ app: "mssql" }`); without namespaceLabels, pods in the target's namespace. */
    podLabels?: Record<string, string>;
    /**
     * TCP ports the peer listens on, as the policy sees them: the pod's port after a
     * Service's DNAT, not the Service port. Default: the database ports (SQL Server)
     * or the endpoint's port (MinIO).
     */
    ports?: number[];
}

/** Egress the optional NetworkPolicy allows besides DNS (it denies all ingress). */
export interface NetworkPolicyArgs {
    /** Where the SQL Server(s) are. */
    sqlServer: NetworkPeerArgs;
    /** Where MinIO is. */
    minio: NetworkPeerArgs;
    /** Where DNS is. Default: UDP and TCP port 53 anywhere. */
    dns?: NetworkPeerArgs;
}

/** Run the schedule as a Kubernetes CronJob (`RUN_MODE=once` per Job). */
export interface KubernetesTargetArgs {
    kind: "kubernetes";
    /** Namespace of every object (a DNS label: lower-case letters, digits, `-`, at most 63). */
    namespace: pulumi.Input<string>;
    /**
     * Create the namespace, labelled to enforce the `restricted` Pod Security Standard.
     * Default false: it must exist, and `pulumi preview` reads it to say so if it does
     * not (the provider needs `get` on namespaces for that).
     */
    createNamespace?: boolean;
    /** Kubernetes provider. Default: the ambient one (current kubeconfig context). */
    provider?: k8s.Provider;
    /** Container resources. Default requests cpu 250m / memory 1Gi, limit memory 4Gi. */
    resources?: {
        requests?: { cpu?: string; memory?: string };
        limits?: { cpu?: string; memory?: string };
    };
    /**
     * Size of the emptyDir staging the export (about the size of the data, FACTS).
     * Default 20Gi. Ignored when `persistentVolumeClaim` is set.
     */
    workdirSizeLimit?: string;
    /** Name of an existing PVC to use as the workdir instead of an emptyDir (local copies then survive Jobs). */
    persistentVolumeClaim?: string;
    /** Seconds after a missed schedule a Job may still start. Default 600. */
    startingDeadlineSeconds?: number;
    /** Seconds a backup Job may run before it is killed. Default 21600 (6 h). */
    activeDeadlineSeconds?: number;
    /** Retries of a failed backup Job. Default 1. */
    backoffLimit?: number;
    /** Seconds finished backup Jobs are kept. Default 604800 (7 days). Restore Jobs are kept as the record of the restore. */
    ttlSecondsAfterFinished?: number;
    /** Successful and failed Jobs kept in history. Default 3 and 5. */
    historyLimits?: { successful?: number; failed?: number };
    /** Pause the schedule without deleting anything. Default false. */
    suspend?: boolean;
    /** Restrict the backup and restore pods' egress to SQL Server, MinIO and DNS, and deny ingress. Off by default. */
    networkPolicy?: NetworkPolicyArgs;
    /** Image pull secrets for a private registry. */
    imagePullSecrets?: string[];
}

/** Where the schedule runs; discriminated by `kind`. */
export type TargetArgs = DockerTargetArgs | KubernetesTargetArgs;

/** A restore run by `pulumi up`: import one backup into a new or empty database. */
export interface RestoreArgs {
    /**
     * Id of this restore (lower-case letters, digits, `-`; up to 20). It names the Job or
     * container and a record in the bucket (`<prefix>/.restores/<id>.json`): a new id
     * runs a new restore; the same id never runs twice, even when its Job or container
     * is deleted and created again.
     */
    id: string;
    /** Which backup: `latest` (default), an archive file name or key, or `before:<time>` (e.g. `before:2026-11-23T02:00:00Z`). */
    backup?: string;
    /** Which database's backups (its `name`). Default: the only database. */
    database?: string;
    /** The SQL Server and the new or empty database to import into. */
    target: SqlServerConnectionArgs;
    /** Restore even without a manifest or with a wrong checksum. Default false. */
    force?: boolean;
    /**
     * Seconds `pulumi up` waits for the restore; the restore is stopped (and reported
     * failed) when they are up. Default 3600.
     */
    timeoutSeconds?: number;
}

/** Arguments of {@link SqlServerBackup}. */
export interface SqlServerBackupArgs {
    /** The databases to back up; at least one. */
    databases: DatabaseArgs[];
    /** When backups run. Default: daily at 02:00 UTC. */
    schedule?: ScheduleArgs;
    /** Where backups are stored. */
    storage: StorageArgs;
    /**
     * Archives kept per database on the job's own volume, besides the bucket. They
     * are written also when the upload fails, so a failed upload loses nothing.
     * Default 2; 0 turns the local copy off.
     */
    localCopies?: number;
    /**
     * The image a deployment runs: `{ build: {...} }` builds it from this package's
     * image/ directory, `{ ref }` uses a prebuilt one. Left out, no image is built.
     */
    image?: ImageArgs;
    /** GoBackup's web UI (off by default). */
    webUi?: WebUiArgs;
    /** Run a restore on `pulumi up` (needs a target); see {@link RestoreArgs}. */
    restore?: RestoreArgs;
    /**
     * Where the schedule runs. Left out, the component provisions storage and
     * renders the configuration only (see its outputs) for you to run elsewhere.
     * A target needs `image` (built or a reference).
     */
    target?: TargetArgs;
}
