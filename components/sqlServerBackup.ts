import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings } from "./args/settings";
import { DrillArgs, SqlServerBackupArgs } from "./args/types";
import { dstEffects } from "./args/scheduleMath";
import {
    argumentProblems,
    assertNoProblems,
    bucketOwned,
    caCertificateProblem,
    findProblems,
    restoreOverSourceMessage,
    restoreOverwritesSource,
} from "./args/validation";
import { backupImage } from "./image/build";
import { PACKAGE_VERSION } from "./packageInfo";
import { AGENT, ENV } from "./plan/defaults";
import { drillServerDefaults, drillSettings } from "./plan/drill";
import { renderGoBackupConfig } from "./plan/gobackupConfig";
import { passwordVariable } from "./plan/naming";
import { OperatorCommands } from "./plan/operatorCommands";
import { PolicyScope, renderBackupPolicy, renderRestorePolicy } from "./plan/policy";
import { bucketRetention, peek, peekSecrets, secretTree, settingsTree } from "./plan/resolve";
import { RestoreTarget, restoreTargetDefaults } from "./plan/restore";
import { describeSchedule, dstWarning } from "./plan/schedule";
import { existingStorage } from "./storage/existing";
import { provisionStorage } from "./storage/minio";
import { StorageAccess } from "./storage/types";
import { deployTarget, prepareTarget, runRestore } from "./targets";
import { DOCKER_DEFAULTS } from "./targets/docker/backup";
import { claimHostPort } from "./targets/docker/hostPorts";
import { DeployedTarget, TargetInputs } from "./targets/types";

/** The component's type token. */
export const SQLSERVER_BACKUP_TYPE = "sqlserver-backup:index:SqlServerBackup";

/** The child resources a deployment consists of, for references and `dependsOn` (TypeScript). */
export interface SqlServerBackupResources {
    /** The bucket, when the component created it. */
    bucket?: minio.S3Bucket;
    /** The bucket's versioning, when the component created the bucket. */
    versioning?: minio.S3BucketVersioning;
    /** The bucket's lifecycle rules (written after versioning), when the component created the bucket. */
    lifecycle?: minio.IlmPolicy;
    /** The backup user (provisioned mode). */
    backupUser?: minio.IamUser;
    /** The read-only restore user (provisioned mode). */
    restoreUser?: minio.IamUser;
    /** The image build, when the component built the image. */
    image?: docker.Image;
    /** The long-running container (docker target). */
    container?: docker.Container;
    /** The CronJob (kubernetes target). */
    cronJob?: k8s.batch.v1.CronJob;
    /** Every resource of the deployment (container or CronJob and what belongs to it). */
    deployment: pulumi.Resource[];
}

/**
 * The child resources of each component, outside the class: the schema analyzer turns
 * every class property (private ones too) into an output for other languages.
 */
const childrenOf = new WeakMap<SqlServerBackup, SqlServerBackupResources>();

/**
 * Scheduled, verified, restorable SQL Server backups to S3 storage with GoBackup,
 * sqlpackage and the backup agent: provisions the bucket, a backup user and a
 * read-only restore user (or takes an existing bucket and keys on any S3 server),
 * renders the GoBackup configuration, builds the image, and deploys the schedule as a
 * Docker container or a Kubernetes CronJob; restore is an argument like any other.
 *
 * It validates (every problem at once, naming the argument and the fix), plans in pure
 * functions (settings, config, policies, names, environment), then creates resources
 * from the plan.
 */
export class SqlServerBackup extends pulumi.ComponentResource {
    /** Bucket the backups land in. */
    public readonly bucket: pulumi.Output<string>;
    /** Key prefix of all backups; database `<name>` lands under `<prefix>/<name>/`. */
    public readonly prefix: pulumi.Output<string>;
    /** Access key id of the backup user. */
    public readonly accessKeyId: pulumi.Output<string>;
    /** Secret key of the backup user (secret). @secret */
    public readonly secretAccessKey: pulumi.Output<string>;
    /** Access key id of the read-only restore user. */
    public readonly restoreAccessKeyId: pulumi.Output<string>;
    /** Secret key of the restore user (secret). @secret */
    public readonly restoreSecretAccessKey: pulumi.Output<string>;
    /** The IAM policy the backup user has (or, bringing your own keys, must have), as canonical JSON. */
    public readonly backupPolicy: pulumi.Output<string>;
    /** The IAM policy the restore user has (or must have): read the backups, record restores, nothing else. */
    public readonly restorePolicy: pulumi.Output<string>;
    /** The rendered gobackup.yml. It holds no secret (credentials are `${NAME}` references), so reviewers read it in previews. */
    public readonly config: pulumi.Output<string>;
    /** Names of the credentials the config references (each delivered as a file, `NAME_FILE`). */
    public readonly environmentVariableNames: pulumi.Output<string[]>;
    /** Values of those credentials (secret), for running the image yourself. @secret */
    public readonly environment: pulumi.Output<Record<string, string>>;
    /** The cron expression backups run on. */
    public readonly schedule: pulumi.Output<string>;
    /** Time zone the cron expression is read in. */
    public readonly timeZone: pulumi.Output<string>;
    /** The schedule as a sentence, e.g. "At 02:00, every day (Etc/UTC)". */
    public readonly scheduleDescription: pulumi.Output<string>;
    /** The image reference a deployment runs (undefined when no image is used). */
    public readonly image: pulumi.Output<string | undefined>;
    /** Name of the deployed container or CronJob (undefined without a target). */
    public readonly deployedName: pulumi.Output<string | undefined>;
    /** Copy-paste commands: run a backup now, follow logs, see health, list, restore (undefined without a target). */
    public readonly commands: pulumi.Output<OperatorCommands | undefined>;
    /** Outcome of the docker target's first backup (`backupOnStart`): "succeeded" or why it failed. */
    public readonly firstBackup: pulumi.Output<string | undefined>;
    /** Outcome of the `restore` arg's run: "succeeded", "failed: ..." or "already-ran: ..." (undefined without one). */
    public readonly restoreStatus: pulumi.Output<string | undefined>;
    /** When restore drills run and which databases (undefined without the `drill` arg). */
    public readonly drillSchedule: pulumi.Output<string | undefined>;
    /** Validated settings everything here is rendered from (no secret values). */
    public readonly settings: pulumi.Output<BackupSettings>;


    constructor(name: string, args: SqlServerBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SQLSERVER_BACKUP_TYPE, name, {}, opts);

        const tree = settingsTree(name, args);
        const secrets = secretTree(args);
        // Plain values fail here, at construction; Outputs fail below once they resolve.
        assertNoProblems(name, [...argumentProblems(args), ...findProblems(peek<BackupSettings>(tree), peekSecrets(secrets))]);
        const settings = (pulumi.output(tree) as pulumi.Output<BackupSettings>).apply((resolved) => {
            assertNoProblems(name, findProblems(resolved, {}));
            const warning = dstWarning(resolved.schedule.cron, resolved.schedule.timeZone, dstEffects(resolved.schedule.cron, resolved.schedule.timeZone, new Date()));
            if (warning) pulumi.log.warn(warning, this);
            if (args.storage.pruneUntracked !== undefined) {
                pulumi.log.warn("storage.pruneUntracked has no effect any more: the backup agent's retention policy deletes what it removes (after verifying a newer backup) and logs why; remove it.", this);
            }
            return resolved;
        });
        // Secretness is kept as given; every use of a secret value wraps it in pulumi.secret.
        const validated = Object.fromEntries(
            Object.entries(secrets).map(([field, value]) => [
                field,
                pulumi.output(value).apply((resolved) => {
                    assertNoProblems(name, findProblems(undefined, { [field]: resolved }));
                    return resolved;
                }),
            ]),
        );

        const metrics = args.target?.docker?.metrics;
        if (metrics) {
            const problem = claimHostPort(name, args.target?.docker?.provider, metrics.hostAddress ?? DOCKER_DEFAULTS.metricsHostAddress, metrics.port ?? AGENT.metricsPort);
            if (problem) assertNoProblems(name, [{ field: "target.docker.metrics.port", message: problem }]);
        }
        if (args.storage.pathStyle === false && (args.storage.admin || args.storage.provider)) {
            pulumi.log.warn(
                "storage.pathStyle: false with a provisioned MinIO-compatible server: MinIO answers virtual-hosted requests (<bucket>.<host>) only when MINIO_DOMAIN is set on the server; without it every upload fails. Leave pathStyle at true unless it is.",
                this,
            );
        }
        // A missing Kubernetes namespace must fail before anything is created in the store.
        const prepared = args.target ? prepareTarget(name, args.target, this) : [];
        const storage = this.storage(name, args, settings, validated, prepared);
        const rendered = settings.apply(renderGoBackupConfig);
        const caCertificate = args.storage.caCertificate === undefined
            ? undefined
            : pulumi.output(args.storage.caCertificate).apply((pem) => {
                  const problem = caCertificateProblem(pem);
                  if (problem) assertNoProblems(name, [{ field: "storage.caCertificate", message: problem }]);
                  return pem;
              });
        const files = this.backupFiles(args, storage, validated, caCertificate);

        this.bucket = storage.bucket;
        this.prefix = settings.apply((s) => s.storage.prefix);
        this.accessKeyId = storage.backup.accessKeyId;
        this.secretAccessKey = storage.backup.secretAccessKey;
        this.restoreAccessKeyId = storage.restore.accessKeyId;
        this.restoreSecretAccessKey = storage.restore.secretAccessKey;
        const scope = pulumi.all([storage.bucket, settings]).apply(([bucket, s]): PolicyScope => ({ bucket, prefix: s.storage.prefix, databases: s.databases.map((db) => db.name), hostSlots: s.hostSlots !== undefined }));
        this.backupPolicy = scope.apply(renderBackupPolicy);
        this.restorePolicy = scope.apply(renderRestorePolicy);
        this.config = rendered.apply((r) => r.yaml);
        this.environmentVariableNames = rendered.apply((r) => r.variables.map((v) => v.name));
        this.environment = files;
        this.schedule = settings.apply((s) => s.schedule.cron);
        this.timeZone = settings.apply((s) => s.schedule.timeZone);
        this.scheduleDescription = settings.apply((s) => describeSchedule(s.schedule.cron, s.schedule.timeZone));
        this.settings = settings;

        const built =
            args.image?.ref !== undefined
                ? { ref: pulumi.output(args.image.ref), resource: undefined }
                : args.image?.build !== undefined || args.target?.docker
                  ? backupImage(name, args.image?.build ?? {}, this, args.target?.docker?.provider)
                  : undefined;
        this.image = built?.ref ?? pulumi.output(undefined);

        const restoreFiles = pulumi.secret(
            pulumi.all([storage.restore.accessKeyId, storage.restore.secretAccessKey, caCertificate ?? pulumi.output(undefined)]).apply(
                ([id, key, ca]): Record<string, string> => ({
                    [ENV.restoreAccessKey]: id,
                    [ENV.restoreSecretKey]: key,
                    ...(ca !== undefined ? { [ENV.caCertificate]: ca } : {}),
                }),
            ),
        );
        const drill = args.drill && args.target ? this.drillInputs(args.drill, settings, validated["drill.server.password"]) : undefined;
        this.drillSchedule = drill ? drill.settings.apply((d) => `${d.schedule} (${d.databases.join(", ")}; stale after ${d.maxAgeSeconds} s)`) : pulumi.output(undefined);
        const inputs: TargetInputs | undefined = built && {
            name,
            drill,
            databases: args.databases.map((db) => db.name),
            image: built.ref,
            settings,
            config: this.config,
            credentials: rendered.apply((r) => r.variables),
            files,
            restoreFiles,
            version: PACKAGE_VERSION,
        };
        const deployed: DeployedTarget | undefined = args.target && inputs ? deployTarget(args.target, inputs, this, prepared) : undefined;
        this.deployedName = deployed?.name ?? pulumi.output(undefined);
        this.commands = deployed?.commands ?? pulumi.output(undefined);
        this.firstBackup = deployed?.firstBackup ?? pulumi.output(undefined);

        const restore = args.restore;
        const restored =
            restore && args.target && inputs && deployed
                ? runRestore(args.target, { args: restore, target: this.restoreTarget(name, args), password: validated["restore.target.password"] }, inputs, deployed, this)
                : undefined;
        this.restoreStatus = restored?.status ?? pulumi.output(undefined);

        childrenOf.set(this, {
            ...(storage.resources as Partial<SqlServerBackupResources>),
            image: built?.resource,
            container: deployed?.container as docker.Container | undefined,
            cronJob: deployed?.cronJob as k8s.batch.v1.CronJob | undefined,
            deployment: [...(deployed?.resources ?? []), ...(restored?.resources ?? [])],
        });

        this.registerOutputs({
            bucket: this.bucket,
            prefix: this.prefix,
            accessKeyId: this.accessKeyId,
            secretAccessKey: this.secretAccessKey,
            restoreAccessKeyId: this.restoreAccessKeyId,
            restoreSecretAccessKey: this.restoreSecretAccessKey,
            backupPolicy: this.backupPolicy,
            restorePolicy: this.restorePolicy,
            config: this.config,
            environmentVariableNames: this.environmentVariableNames,
            schedule: this.schedule,
            timeZone: this.timeZone,
            scheduleDescription: this.scheduleDescription,
            image: this.image,
            deployedName: this.deployedName,
            commands: this.commands,
            firstBackup: this.firstBackup,
            restoreStatus: this.restoreStatus,
            drillSchedule: this.drillSchedule,
        });
    }

    /** The child resources (TypeScript): bucket, users, image, container or CronJob, everything of the deployment. */
    get resources(): SqlServerBackupResources {
        return childrenOf.get(this)!;
    }

    /** The deployment's own resources (container, CronJob, ...), e.g. for `dependsOn`. */
    get deployment(): pulumi.Resource[] {
        return childrenOf.get(this)!.deployment;
    }

    /** The bucket and both users' keys: provisioned in a MinIO-compatible server, or the existing ones given. */
    private storage(name: string, args: SqlServerBackupArgs, settings: pulumi.Output<BackupSettings>, validated: Record<string, pulumi.Output<string>>, dependsOn: pulumi.Resource[]): StorageAccess {
        if (args.storage.credentials) return existingStorage(args.storage, settings.apply((s) => s.storage), validated, this);
        const retention = bucketRetention(args);
        const bucketPlan = {
            owned: bucketOwned(args),
            expires: retention.retentionDays > 0,
            forceDestroy: args.storage.bucket?.forceDestroy ?? false,
        };
        return provisionStorage(name, args.storage, bucketPlan, settings, this, dependsOn);
    }

    /** Every file the backup job reads, by variable name: the config's credentials and the private CA; secret as a whole. */
    private backupFiles(
        args: SqlServerBackupArgs,
        storage: StorageAccess,
        validated: Record<string, pulumi.Output<string>>,
        caCertificate: pulumi.Output<string> | undefined,
    ): pulumi.Output<Record<string, string>> {
        const values: Record<string, pulumi.Input<string>> = {
            [ENV.minioAccessKey]: storage.backup.accessKeyId,
            [ENV.minioSecretKey]: storage.backup.secretAccessKey,
        };
        args.databases.forEach((db, i) => (values[passwordVariable(db.name)] = validated[`databases[${i}].password`]));
        if (caCertificate) values[ENV.caCertificate] = caCertificate;
        return pulumi.secret(pulumi.output(values) as pulumi.Output<Record<string, string>>);
    }

    /** The drills' settings (defaults applied) and the drill server's password as a file. */
    private drillInputs(drill: DrillArgs, settings: pulumi.Output<BackupSettings>, password: pulumi.Output<string>): NonNullable<TargetInputs["drill"]> {
        const server = pulumi.output({ host: drill.server.host, port: drill.server.port, username: drill.server.username, trustServerCertificate: drill.server.trustServerCertificate });
        return {
            settings: pulumi.all([settings, server]).apply(([s, resolved]) => drillSettings(s, { ...drill, server: drillServerDefaults(resolved) })),
            files: pulumi.secret(password.apply((value): Record<string, string> => ({ [ENV.drillServerPassword]: value }))),
        };
    }

    /** The restore target with defaults applied, refused when it is the database the backups come from. */
    private restoreTarget(name: string, args: SqlServerBackupArgs): pulumi.Output<RestoreTarget> {
        const target = args.restore!.target;
        const source = args.databases.find((db) => db.name === (args.restore!.database ?? args.databases[0].name))!;
        return pulumi
            .all([
                pulumi.output({ host: target.host, port: target.port, database: target.database, username: target.username, trustServerCertificate: target.trustServerCertificate }),
                pulumi.output({ host: source.host, port: source.port, database: source.database }),
            ])
            .apply(([resolved, from]) => {
                if (restoreOverwritesSource(resolved, from)) assertNoProblems(name, [{ field: "restore.target.database", message: restoreOverSourceMessage(resolved.database) }]);
                return restoreTargetDefaults(resolved);
            });
    }
}
