import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StorageArgs } from "../args/types";
import { BackupSettings } from "../args/settings";
import { serverFromEndpoint } from "../plan/endpoint";
import { lifecycleRules } from "../plan/lifecycle";
import { backupUserName, childName, restoreUserName } from "../plan/naming";
import { PolicyScope, renderBackupPolicy, renderRestorePolicy } from "../plan/policy";
import { AccessKeys, StorageAccess } from "./types";

function adminProvider(name: string, args: StorageArgs, settings: pulumi.Output<BackupSettings>, opts: pulumi.CustomResourceOptions): minio.Provider {
    if (args.provider) return args.provider;
    const admin = args.admin!;
    return new minio.Provider(
        childName(name, "minio-admin"),
        {
            minioServer: admin.server ?? settings.apply((s) => serverFromEndpoint(s.storage.endpoint)),
            minioUser: admin.user,
            // The provider's schema does not mark the password secret: wrap it ourselves.
            minioPassword: pulumi.secret(admin.password),
            minioSsl: admin.ssl ?? settings.apply((s) => s.storage.endpoint.startsWith("https:")),
            minioRegion: settings.apply((s) => s.storage.region),
        },
        opts,
    );
}

/** Plain decisions about the bucket, made once from the args (they decide which resources exist). */
export interface BucketPlan {
    /** The component creates the bucket (and its versioning and lifecycle). */
    owned: boolean;
    /** A lifecycle rule exists (some expiry is set). */
    expires: boolean;
    /** Destroy deletes the bucket and its backups; otherwise Pulumi forgets it and leaves it. */
    forceDestroy: boolean;
}

/** A user with a generated secret, its policy and the attachment. */
function user(name: string, part: string, userName: string, policy: pulumi.Output<string>, parent: pulumi.Resource, opts: pulumi.CustomResourceOptions): { keys: AccessKeys; user: minio.IamUser; policy: minio.IamPolicy } {
    const secret = new random.RandomPassword(
        childName(name, part === "user" ? "secret-key" : `${part}-secret-key`),
        // Letters and digits only: the key is pasted into GoBackup's YAML (FACTS).
        { length: 40, special: false },
        { parent },
    );
    const created = new minio.IamUser(childName(name, part), { name: userName, secret: secret.result, forceDestroy: true }, opts);
    const attached = new minio.IamPolicy(childName(name, part === "user" ? "policy" : `${part}-policy`), { name: created.name.apply((u) => `${u}-policy`), policy }, opts);
    new minio.IamUserPolicyAttachment(childName(name, part === "user" ? "policy-attachment" : `${part}-policy-attachment`), { userName: created.name, policyName: attached.name }, opts);
    return { keys: { accessKeyId: created.name, secretAccessKey: pulumi.secret(secret.result) }, user: created, policy: attached };
}

/**
 * The provisioned side on a MinIO-compatible server (MinIO, AIStor, Pigsty's Silo): the
 * bucket (created, or an existing one by name) with versioning and then its lifecycle,
 * a backup user and a read-only restore user, each with a generated secret and a policy
 * that confines it to the database folders (and, for restores, their records).
 */
export function provisionStorage(
    name: string,
    args: StorageArgs,
    bucketPlan: BucketPlan,
    settings: pulumi.Output<BackupSettings>,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): StorageAccess {
    const provider = adminProvider(name, args, settings, { parent, dependsOn });
    const opts: pulumi.CustomResourceOptions = { parent, provider, dependsOn };
    // Backups outlive the stack unless told otherwise: destroy then leaves the bucket
    // with its versioning and expiry intact instead of stripping them and failing on
    // a non-empty bucket.
    const keep: pulumi.CustomResourceOptions = { ...opts, retainOnDelete: !bucketPlan.forceDestroy };
    const resources: Record<string, pulumi.CustomResource> = {};

    let bucket: pulumi.Output<string> = settings.apply((s) => s.storage.bucket);
    if (bucketPlan.owned) {
        const created = new minio.S3Bucket(childName(name, "bucket"), { bucket, acl: "private", forceDestroy: bucketPlan.forceDestroy }, keep);
        bucket = created.bucket;
        // Versioning: a deleted or overwritten archive stays recoverable for retentionDays.
        const versioning = new minio.S3BucketVersioning(childName(name, "versioning"), { bucket, versioningConfiguration: { status: "Enabled" } }, keep);
        resources.bucket = created;
        resources.versioning = versioning;
        if (bucketPlan.expires) {
            // After versioning, never beside it: MinIO updates bucket metadata
            // read-modify-write, and a concurrent versioning write erases a lifecycle
            // just written (seen in 7 of 20 fresh buckets), with no error anywhere.
            resources.lifecycle = new minio.IlmPolicy(
                childName(name, "lifecycle"),
                { bucket, rules: settings.apply((s) => lifecycleRules(s.storage)) },
                { ...keep, dependsOn: [...dependsOn, versioning] },
            );
        }
    }

    const scope = pulumi.all([bucket, settings]).apply(([b, s]): PolicyScope => ({ bucket: b, prefix: s.storage.prefix, databases: s.databases.map((db) => db.name), hostSlots: s.hostSlots !== undefined }));
    const backup = user(name, "user", args.userName ?? backupUserName(name), scope.apply(renderBackupPolicy), parent, opts);
    const restore = user(name, "restore-user", args.restoreUserName ?? restoreUserName(name), scope.apply(renderRestorePolicy), parent, opts);
    resources.backupUser = backup.user;
    resources.restoreUser = restore.user;
    return { bucket, backup: backup.keys, restore: restore.keys, resources };
}
