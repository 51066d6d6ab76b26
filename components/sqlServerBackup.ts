import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SqlServerBackupArgsError } from "./args/problem";
import { SqlServerBackupArgs } from "./args/types";
import { assertValid, structuralProblems } from "./args/validation";
import { backupImage } from "./image/build";
import { effectiveImage } from "./image/pins";
import { PACKAGE_VERSION } from "./packageInfo";
import { ENV } from "./plan/defaults";
import { renderGoBackupConfig } from "./plan/gobackupConfig";
import { childName, passwordVariable } from "./plan/naming";
import { OperatorCommands } from "./plan/operatorCommands";
import { renderBackupPolicy } from "./plan/policy";
import { bucketOwned, bucketRetention, peek, peekSecrets, secretTree, settingsTree } from "./plan/resolve";
import { RestoreTarget, restoreTargetDefaults } from "./plan/restore";
import { describeSchedule } from "./plan/schedule";
import { BackupSettings } from "./plan/settings";
import { existingStorage } from "./storage/existing";
import { provisionStorage } from "./storage/minio";
import { StorageAccess } from "./storage/types";
import { deployTarget, prepareTarget, runRestore } from "./targets";
import { TargetInputs } from "./targets/types";

/** The component's type token. */
export const SQLSERVER_BACKUP_TYPE = "sqlserver-backup:index:SqlServerBackup";

/**
 * Scheduled, restorable SQL Server backups to MinIO with GoBackup and sqlpackage:
 * provisions the bucket, a least-privilege backup user and its keys (or takes
 * existing ones), renders the GoBackup configuration, builds the image, and deploys
 * the schedule as a Docker container or a Kubernetes CronJob.
 *
 * It validates, plans in pure functions (settings, config, policy, names,
 * environment), then creates resources from the plan.
 */
export class SqlServerBackup extends pulumi.ComponentResource {
    /** Bucket the backups land in. */
    public readonly bucket: pulumi.Output<string>;
    /** Key prefix of all backups; database `<name>` lands under `<prefix>/<name>/`. */
    public readonly prefix: pulumi.Output<string>;
    /** Access key id of the backup user. */
    public readonly accessKeyId: pulumi.Output<string>;
    /** Secret key of the backup user (secret). */
    public readonly secretAccessKey: pulumi.Output<string>;
    /** The IAM policy the backup user has (or, with `storage.credentials`, must have), as canonical JSON. */
    public readonly backupPolicy: pulumi.Output<string>;
    /** The rendered gobackup.yml. It holds no secret (credentials are `${NAME}` references), so reviewers read it in previews. */
    public readonly config: pulumi.Output<string>;
    /** Names of the credentials the config references (each delivered as a file, `NAME_FILE`). */
    public readonly environmentVariableNames: pulumi.Output<string[]>;
    /** Values of those credentials (secret), for running the image yourself. */
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
    /** Validated settings everything here is rendered from (no secret values). */
    public readonly settings: pulumi.Output<BackupSettings>;
    /** The deployment's own resources (container, CronJob, ...), e.g. for `dependsOn`. */
    public readonly deployment: pulumi.Resource[];

    constructor(name: string, args: SqlServerBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SQLSERVER_BACKUP_TYPE, name, {}, opts);

        const structural = structuralProblems(args);
        if (structural.length > 0) throw new SqlServerBackupArgsError(name, structural);

        const tree = settingsTree(name, args);
        const secrets = secretTree(args);
        // Plain values fail here, at construction; Outputs fail below once they resolve.
        assertValid(name, peek<BackupSettings>(tree), peekSecrets(secrets));
        const settings = (pulumi.output(tree) as pulumi.Output<BackupSettings>).apply((resolved) => {
            assertValid(name, resolved, {});
            return resolved;
        });
        // Secretness is kept as given; every use of a secret value wraps it in pulumi.secret.
        const validated = Object.fromEntries(
            Object.entries(secrets).map(([field, value]) => [
                field,
                pulumi.output(value).apply((resolved) => {
                    assertValid(name, undefined, { [field]: resolved });
                    return resolved;
                }),
            ]),
        );

        // A missing Kubernetes namespace must fail before anything is created in MinIO.
        const prepared = args.target ? prepareTarget(name, args.target, this) : [];
        const storage = this.storage(name, args, settings, validated, prepared);
        const rendered = settings.apply(renderGoBackupConfig);
        const secretValues = this.secretValues(name, args, storage, validated);

        this.bucket = storage.bucket;
        this.prefix = settings.apply((s) => s.storage.prefix);
        this.accessKeyId = storage.accessKeyId;
        this.secretAccessKey = storage.secretAccessKey;
        this.backupPolicy = pulumi.all([storage.bucket, this.prefix]).apply(([bucket, prefix]) => renderBackupPolicy(bucket, prefix));
        this.config = rendered.apply((r) => r.yaml);
        this.environmentVariableNames = rendered.apply((r) => r.variables.map((v) => v.name));
        this.environment = secretValues;
        this.schedule = settings.apply((s) => s.schedule.cron);
        this.timeZone = settings.apply((s) => s.schedule.timeZone);
        this.scheduleDescription = settings.apply((s) => describeSchedule(s.schedule.cron, s.schedule.timeZone));
        this.settings = settings;

        const image = effectiveImage(args);
        const dockerProvider = args.target?.kind === "docker" ? args.target.provider : undefined;
        const imageRef = image ? backupImage(name, image, this, dockerProvider) : undefined;
        this.image = imageRef ?? pulumi.output(undefined);

        const inputs: TargetInputs | undefined = imageRef && {
            name,
            image: imageRef,
            settings,
            config: this.config,
            credentials: rendered.apply((r) => r.variables),
            secretValues,
            version: PACKAGE_VERSION,
        };
        const deployed = args.target && inputs ? deployTarget(args.target, inputs, this, prepared) : undefined;
        this.deployedName = deployed?.name ?? pulumi.output(undefined);
        this.commands = deployed?.commands ?? pulumi.output(undefined);
        this.firstBackup = deployed?.firstBackup ?? pulumi.output(undefined);
        this.deployment = deployed?.resources ?? [];

        const restore = args.restore;
        const restored =
            restore && args.target && inputs && deployed
                ? runRestore(args.target, { args: restore, target: restoreTarget(restore.target), password: validated["restore.target.password"] }, inputs, deployed, this)
                : undefined;
        this.restoreStatus = restored?.status ?? pulumi.output(undefined);

        this.registerOutputs({
            bucket: this.bucket,
            prefix: this.prefix,
            accessKeyId: this.accessKeyId,
            secretAccessKey: this.secretAccessKey,
            backupPolicy: this.backupPolicy,
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
        });
    }

    /** The bucket and keys: provisioned in MinIO, or the existing ones given. */
    private storage(
        name: string,
        args: SqlServerBackupArgs,
        settings: pulumi.Output<BackupSettings>,
        validated: Record<string, pulumi.Output<string>>,
        dependsOn: pulumi.Resource[],
    ): StorageAccess {
        const storageSettings = settings.apply((s) => s.storage);
        if (args.storage.credentials) return existingStorage(args.storage.credentials, storageSettings, validated);
        const retention = bucketRetention(args.storage);
        const bucketPlan = {
            owned: bucketOwned(args.storage),
            expires: retention.retentionDays > 0 || retention.noncurrentVersionRetentionDays > 0,
            forceDestroy: args.storage.bucket?.forceDestroy ?? false,
        };
        return provisionStorage(name, args.storage, bucketPlan, storageSettings, this, dependsOn);
    }

    /** Every credential the rendered config references, by variable name; secret as a whole. */
    private secretValues(
        name: string,
        args: SqlServerBackupArgs,
        storage: StorageAccess,
        validated: Record<string, pulumi.Output<string>>,
    ): pulumi.Output<Record<string, string>> {
        const values: Record<string, pulumi.Input<string>> = {
            [ENV.minioAccessKey]: storage.accessKeyId,
            [ENV.minioSecretKey]: storage.secretAccessKey,
        };
        args.databases.forEach((db, i) => (values[passwordVariable(db.name)] = validated[`databases[${i}].password`]));
        if (args.webUi?.enabled) {
            values[ENV.webUsername] = "gobackup";
            values[ENV.webPassword] = new random.RandomPassword(childName(name, "web-password"), { length: 32, special: false }, { parent: this }).result;
        }
        return pulumi.secret(pulumi.output(values) as pulumi.Output<Record<string, string>>);
    }
}

/** The restore target with defaults applied. */
function restoreTarget(target: NonNullable<SqlServerBackupArgs["restore"]>["target"]): pulumi.Output<RestoreTarget> {
    return pulumi
        .output({ host: target.host, port: target.port, database: target.database, username: target.username, trustServerCertificate: target.trustServerCertificate })
        .apply((resolved) => restoreTargetDefaults(resolved));
}
