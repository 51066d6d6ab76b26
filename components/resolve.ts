import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackupArgs } from "./args";
import { DEFAULTS } from "./defaults";
import { defaultBucketName } from "./naming";
import { BackupSettings, Draft, UNKNOWN } from "./settings";
import type { SecretDrafts } from "./validation";

/** `T` with `pulumi.Input` at every leaf: the settings before Outputs resolve. */
export type InputTree<T> = [T] extends [string | number | boolean]
    ? pulumi.Input<T>
    : T extends (infer E)[]
      ? pulumi.Input<InputTree<E>[]>
      : { [K in keyof T]: InputTree<T[K]> };

/** Local copies per database kept on the job's volume, when the args do not say. */
export const DEFAULT_LOCAL_COPIES = 2;

/** The settings with every default applied, leaves still Inputs. */
export function settingsTree(name: string, args: SqlServerBackupArgs, localCopies: number): InputTree<BackupSettings> {
    const storage = args.storage;
    const bucket = storage.bucket ?? {};
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
            retentionDays: bucket.retentionDays ?? (bucket.create === false ? 0 : DEFAULTS.retentionDays),
            noncurrentVersionRetentionDays:
                bucket.noncurrentVersionRetentionDays ?? (bucket.create === false ? 0 : DEFAULTS.noncurrentVersionRetentionDays),
        },
        webUi: { enabled: args.webUi?.enabled ?? false, port: args.webUi?.port ?? DEFAULTS.webUiPort },
        workdir: DEFAULTS.workdir,
        ...(localCopies > 0 ? { localCopy: { path: `${DEFAULTS.workdir}/archives`, keep: localCopies } } : {}),
    };
}

/** The secrets validated alongside the settings, keyed by argument path. */
export function secretTree(args: SqlServerBackupArgs): Record<string, pulumi.Input<string>> {
    const secrets: Record<string, pulumi.Input<string>> = {};
    args.databases.forEach((db, i) => (secrets[`databases[${i}].password`] = db.password));
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
