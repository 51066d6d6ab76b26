import * as pulumi from "@pulumi/pulumi";
import { Draft } from "../args/draft";
import { BackupSettings } from "../args/settings";
import { bucketOwned, known, SecretDrafts } from "../args/validation";
import { SqlServerBackupArgs } from "../args/types";
import { DEFAULTS, IMAGE } from "./defaults";
import { defaultBucketName } from "./naming";

/** `T` with `pulumi.Input` at every leaf: the settings before Outputs resolve. */
export type InputTree<T> = [T] extends [string | number | boolean]
    ? pulumi.Input<T>
    : T extends (infer E)[]
      ? pulumi.Input<InputTree<E>[]>
      : { [K in keyof T]: InputTree<T[K]> };

/**
 * The bucket's lifecycle, in days (0: none). A bucket the component does not create
 * gets none: it never replaces lifecycle rules it does not own. Plain numbers,
 * because they decide which lifecycle resources exist.
 */
export function bucketRetention(args: SqlServerBackupArgs): { retentionDays: number } {
    const bucket = args.storage.bucket ?? {};
    if (!bucketOwned(args)) return { retentionDays: 0 };
    return { retentionDays: bucket.retentionDays ?? bucket.noncurrentVersionRetentionDays ?? DEFAULTS.retentionDays };
}

/** `<project>/<stack>/<component name>`: the default owner of the component's folders. */
export function defaultDeploymentId(name: string): string {
    return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
}

/** The settings with every default applied, leaves still Inputs. */
export function settingsTree(name: string, args: SqlServerBackupArgs): InputTree<BackupSettings> {
    const storage = args.storage;
    const localCopies = args.localCopies ?? DEFAULTS.localCopies;
    return {
        databases: args.databases.map((db) => ({
            name: db.name,
            host: db.host,
            port: db.port ?? DEFAULTS.port,
            database: db.database,
            username: db.username ?? DEFAULTS.username,
            trustServerCertificate: db.trustServerCertificate ?? DEFAULTS.trustServerCertificate,
            extraArgs: db.extraArgs ?? [],
        })),
        schedule: {
            cron: args.schedule?.cron ?? DEFAULTS.cron,
            timeZone: args.schedule?.timeZone ?? DEFAULTS.timeZone,
        },
        storage: {
            endpoint: storage.endpoint,
            region: storage.region ?? DEFAULTS.region,
            pathStyle: storage.pathStyle ?? DEFAULTS.pathStyle,
            bucket: storage.bucket?.name ?? defaultBucketName(name),
            prefix: storage.prefix ?? DEFAULTS.prefix,
            keep: storage.keep ?? DEFAULTS.keep,
            keepDaily: storage.keepDaily ?? 0,
            keepWeekly: storage.keepWeekly ?? 0,
            keepMonthly: storage.keepMonthly ?? 0,
            keepFailed: storage.keepFailed ?? DEFAULTS.keepFailed,
            timeoutSeconds: storage.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
            maxRetries: storage.maxRetries ?? DEFAULTS.maxRetries,
            customCA: storage.caCertificate !== undefined,
            takeOverFrom: storage.takeOverFrom ?? "",
            ...bucketRetention(args),
        },
        workdir: IMAGE.workdir,
        ...(localCopies > 0 ? { localCopy: { path: IMAGE.localCopies, keep: localCopies } } : {}),
        deploymentId: args.deploymentId ?? defaultDeploymentId(name),
        ...(args.target?.kubernetes?.fleet?.maxConcurrentPerHost ? { hostSlots: args.target.kubernetes.fleet.maxConcurrentPerHost } : {}),
    };
}

/** The secrets validated alongside the settings, keyed by argument path. */
export function secretTree(args: SqlServerBackupArgs): Record<string, pulumi.Input<string>> {
    const secrets: Record<string, pulumi.Input<string>> = {};
    args.databases.forEach((db, i) => (secrets[`databases[${i}].password`] = db.password));
    for (const which of ["credentials", "restoreCredentials"] as const) {
        const credentials = args.storage[which];
        if (credentials) {
            secrets[`storage.${which}.accessKeyId`] = credentials.accessKeyId;
            secrets[`storage.${which}.secretAccessKey`] = credentials.secretAccessKey;
        }
    }
    if (args.restore) secrets["restore.target.password"] = args.restore.target.password;
    if (args.drill) secrets["drill.server.password"] = args.drill.server.password;
    return secrets;
}

/** What is known now: plain values as they are, Outputs and Promises as UNKNOWN. */
export function peek<T>(tree: InputTree<T>): Draft<T>;
export function peek(tree: unknown): unknown {
    const value = known(tree as pulumi.Input<unknown>);
    if (value !== tree) return value;
    if (Array.isArray(tree)) return tree.map((item) => peek(item));
    if (tree !== null && typeof tree === "object") {
        return Object.fromEntries(Object.entries(tree).map(([key, v]) => [key, peek(v)]));
    }
    return tree;
}

/** Peeks at every secret; messages about them never include the value. */
export function peekSecrets(secrets: Record<string, pulumi.Input<string>>): SecretDrafts {
    return Object.fromEntries(Object.entries(secrets).map(([field, value]) => [field, peek<string>(value)]));
}
