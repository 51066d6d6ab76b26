import * as pulumi from "@pulumi/pulumi";
import { Draft, UNKNOWN } from "../args/draft";
import { SqlServerBackupArgs, StorageArgs } from "../args/types";
import { DEFAULTS, IMAGE } from "./defaults";
import { defaultBucketName } from "./naming";
import { BackupSettings } from "./settings";

/** Secret values, validated like settings but never rendered; keyed by their argument path. */
export type SecretDrafts = Record<string, string | typeof UNKNOWN>;

/** `T` with `pulumi.Input` at every leaf: the settings before Outputs resolve. */
export type InputTree<T> = [T] extends [string | number | boolean]
    ? pulumi.Input<T>
    : T extends (infer E)[]
      ? pulumi.Input<InputTree<E>[]>
      : { [K in keyof T]: InputTree<T[K]> };

/** True when the component creates (and owns) the bucket: not for an existing bucket or existing keys. */
export function bucketOwned(storage: StorageArgs): boolean {
    return storage.credentials === undefined && storage.bucket?.create !== false;
}

/**
 * Expiry days of the bucket's lifecycle rule (0: none). A bucket the component does not
 * create gets no rule: it never replaces lifecycle rules it does not own. Plain
 * numbers, because they decide whether the lifecycle resource exists.
 */
export function bucketRetention(storage: StorageArgs): { retentionDays: number; noncurrentVersionRetentionDays: number } {
    const bucket = storage.bucket ?? {};
    const owned = bucketOwned(storage);
    return {
        retentionDays: bucket.retentionDays ?? (owned ? DEFAULTS.retentionDays : 0),
        noncurrentVersionRetentionDays: bucket.noncurrentVersionRetentionDays ?? (owned ? DEFAULTS.noncurrentVersionRetentionDays : 0),
    };
}

/** The settings with every default applied, leaves still Inputs. */
export function settingsTree(name: string, args: SqlServerBackupArgs): InputTree<BackupSettings> {
    const storage = args.storage;
    const bucket = storage.bucket ?? {};
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
            bucket: bucket.name ?? defaultBucketName(name),
            prefix: storage.prefix ?? DEFAULTS.prefix,
            keep: storage.keep ?? DEFAULTS.keep,
            timeoutSeconds: storage.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
            maxRetries: storage.maxRetries ?? DEFAULTS.maxRetries,
            ...bucketRetention(storage),
        },
        webUi: { enabled: args.webUi?.enabled ?? false, port: args.webUi?.port ?? DEFAULTS.webUiPort },
        workdir: IMAGE.workdir,
        ...(localCopies > 0 ? { localCopy: { path: IMAGE.localCopies, keep: localCopies } } : {}),
    };
}

/** The secrets validated alongside the settings, keyed by argument path. */
export function secretTree(args: SqlServerBackupArgs): Record<string, pulumi.Input<string>> {
    const secrets: Record<string, pulumi.Input<string>> = {};
    args.databases.forEach((db, i) => (secrets[`databases[${i}].password`] = db.password));
    const credentials = args.storage.credentials;
    if (credentials) {
        secrets["storage.credentials.accessKeyId"] = credentials.accessKeyId;
        secrets["storage.credentials.secretAccessKey"] = credentials.secretAccessKey;
    }
    if (args.restore) secrets["restore.target.password"] = args.restore.target.password;
    return secrets;
}

/** What is known now: plain values as they are, Outputs and Promises as UNKNOWN. */
export function peek<T>(tree: InputTree<T>): Draft<T>;
export function peek(tree: unknown): unknown {
    if (pulumi.Output.isInstance(tree) || tree instanceof Promise) return UNKNOWN;
    if (Array.isArray(tree)) return tree.map((item) => peek(item));
    if (tree !== null && typeof tree === "object") {
        return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, peek(value)]));
    }
    return tree;
}

/** Peeks at every secret; messages about them never include the value. */
export function peekSecrets(secrets: Record<string, pulumi.Input<string>>): SecretDrafts {
    return Object.fromEntries(Object.entries(secrets).map(([field, value]) => [field, peek<string>(value)]));
}
