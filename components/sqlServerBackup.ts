import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SqlServerBackupArgs } from "./args";
import { ENV } from "./defaults";
import { renderGoBackupConfig } from "./gobackupConfig";
import { backupImage, effectiveImage } from "./image";
import { OperatorCommands } from "./deployment";
import { deployTarget, runRestore } from "./target";
import { PACKAGE_VERSION } from "./packageInfo";
import { childName, passwordVariable } from "./naming";
import { DEFAULT_LOCAL_COPIES, peek, peekSecrets, secretTree, settingsTree } from "./resolve";
import { describeSchedule } from "./schedule";
import { BackupSettings } from "./settings";
import { provisionStorage } from "./storage";
import { assertValid, SqlServerBackupArgsError, structuralProblems } from "./validation";

/** The component's type token. */
export const SQLSERVER_BACKUP_TYPE = "sqlserver-backup:index:SqlServerBackup";

/**
 * Scheduled, restorable SQL Server backups to MinIO with GoBackup and sqlpackage:
 * provisions the bucket, a least-privilege backup user and its keys, and renders
 * the GoBackup configuration with the environment it needs.
 */
export class SqlServerBackup extends pulumi.ComponentResource {
    /** Bucket the backups land in. */
    public readonly bucket: pulumi.Output<string>;
    /** Key prefix of all backups; database `<name>` lands under `<prefix>/<name>/`. */
    public readonly prefix: pulumi.Output<string>;
    /** Access key id of the dedicated backup user. */
    public readonly accessKeyId: pulumi.Output<string>;
    /** Secret key of the backup user (secret). */
    public readonly secretAccessKey: pulumi.Output<string>;
    /** The rendered gobackup.yml (secret: it maps your infrastructure; it holds no secret values). */
    public readonly config: pulumi.Output<string>;
    /** Names of the environment variables the config and the job need. */
    public readonly environmentVariableNames: pulumi.Output<string[]>;
    /**
     * Values of those variables (secret as a whole: passwords, keys), for deployment
     * targets and for running the image yourself.
     */
    public readonly environment: pulumi.Output<Record<string, string>>;
    /** The cron expression backups run on. */
    public readonly schedule: pulumi.Output<string>;
    /** Time zone the cron expression is read in. */
    public readonly timeZone: pulumi.Output<string>;
    /** The schedule as a sentence, e.g. "At 02:00, every day (Etc/UTC)". */
    public readonly scheduleDescription: pulumi.Output<string>;
    /** The image reference a deployment runs (undefined when no image arg is given). */
    public readonly image: pulumi.Output<string | undefined>;
    /** Name of the deployed container or CronJob (undefined without a target). */
    public readonly deployedName: pulumi.Output<string | undefined>;
    /** Copy-paste commands: run a backup now, follow logs, see health (undefined without a target). */
    public readonly commands: pulumi.Output<OperatorCommands | undefined>;
    /** Outcome of the `restore` arg's run: "succeeded", or why it failed (undefined without one). */
    public readonly restoreStatus: pulumi.Output<string | undefined>;
    /** Validated settings everything here is rendered from (no secret values). */
    public readonly settings: pulumi.Output<BackupSettings>;

    constructor(name: string, args: SqlServerBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SQLSERVER_BACKUP_TYPE, name, {}, opts);

        const structural = structuralProblems(args);
        if (structural.length > 0) throw new SqlServerBackupArgsError(name, structural);

        const tree = settingsTree(name, args, args.localCopies ?? DEFAULT_LOCAL_COPIES);
        const secrets = secretTree(args);
        // Plain values fail here, at construction; Outputs fail below once they resolve.
        assertValid(name, peek<BackupSettings>(tree), peekSecrets(secrets));

        const settings = (pulumi.output(tree) as pulumi.Output<BackupSettings>).apply((resolved) => {
            assertValid(name, resolved, {});
            return resolved;
        });
        const validatedSecrets = Object.fromEntries(
            Object.entries(secrets).map(([field, value]) => [
                field,
                pulumi.output(value).apply((resolved) => {
                    assertValid(name, undefined, { [field]: resolved });
                    return resolved;
                }),
            ]),
        );

        const storage = provisionStorage(name, args.storage, settings.apply((s) => s.storage), this);
        const rendered = settings.apply(renderGoBackupConfig);
        const webPassword = args.webUi?.enabled
            ? new random.RandomPassword(childName(name, "web-password"), { length: 32, special: false }, { parent: this }).result
            : undefined;
        const environment = environmentValues(args, storage, rendered, validatedSecrets, webPassword);

        this.bucket = storage.bucket;
        this.prefix = settings.apply((s) => s.storage.prefix);
        this.accessKeyId = storage.accessKeyId;
        this.secretAccessKey = storage.secretAccessKey;
        this.config = pulumi.secret(rendered.apply((r) => r.yaml));
        this.environmentVariableNames = rendered.apply((r) => r.variables.map((v) => v.name));
        this.environment = environment;
        this.schedule = settings.apply((s) => s.schedule.cron);
        this.timeZone = settings.apply((s) => s.schedule.timeZone);
        this.scheduleDescription = settings.apply((s) => describeSchedule(s.schedule.cron, s.schedule.timeZone));
        this.settings = settings;
        const image = effectiveImage(args);
        const imageRef = image ? backupImage(name, image, this) : undefined;
        this.image = imageRef ?? pulumi.output(undefined);
        // A target always has an image (effectiveImage builds one by default).
        const inputs = imageRef ? { image: imageRef, config: this.config, environment, settings, version: PACKAGE_VERSION } : undefined;
        const deployed = args.target && inputs ? deployTarget(name, args.target, inputs, this) : undefined;
        this.deployedName = deployed?.name ?? pulumi.output(undefined);
        this.commands = deployed?.commands ?? pulumi.output(undefined);
        const restored = args.restore && args.target && inputs && deployed ? runRestore(name, args.target, args.restore, inputs, deployed, this) : undefined;
        this.restoreStatus = restored?.status ?? pulumi.output(undefined);

        this.registerOutputs({
            bucket: this.bucket,
            prefix: this.prefix,
            accessKeyId: this.accessKeyId,
            secretAccessKey: this.secretAccessKey,
            config: this.config,
            environmentVariableNames: this.environmentVariableNames,
            schedule: this.schedule,
            timeZone: this.timeZone,
            scheduleDescription: this.scheduleDescription,
            image: this.image,
            deployedName: this.deployedName,
            commands: this.commands,
            restoreStatus: this.restoreStatus,
        });
    }
}

/** Every variable the rendered config lists, with its value; secret as a whole. */
function environmentValues(
    args: SqlServerBackupArgs,
    storage: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> },
    rendered: pulumi.Output<{ variables: { name: string; value?: string }[] }>,
    validatedSecrets: Record<string, pulumi.Output<string>>,
    webPassword: pulumi.Output<string> | undefined,
): pulumi.Output<Record<string, string>> {
    const supplied: Record<string, pulumi.Input<string>> = {
        [ENV.minioAccessKey]: storage.accessKeyId,
        [ENV.minioSecretKey]: storage.secretAccessKey,
    };
    args.databases.forEach((db, i) => (supplied[passwordVariable(db.name)] = validatedSecrets[`databases[${i}].password`]));
    if (webPassword) {
        supplied[ENV.webUsername] = "gobackup";
        supplied[ENV.webPassword] = webPassword;
    }
    const values = pulumi.all([rendered, pulumi.output(supplied)]).apply(([r, known]) => {
        const env: Record<string, string> = {};
        for (const variable of r.variables) {
            const value = variable.value ?? known[variable.name];
            if (value === undefined) throw new Error(`internal: no value for ${variable.name}`);
            env[variable.name] = value;
        }
        return env;
    });
    return pulumi.secret(values);
}
