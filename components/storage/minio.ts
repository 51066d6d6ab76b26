import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StorageArgs } from "../args/types";
import { serverFromEndpoint } from "../plan/endpoint";
import { backupUserName, childName } from "../plan/naming";
import { renderBackupPolicy } from "../plan/policy";
import { StorageSettings } from "../plan/settings";
import { StorageAccess } from "./types";

/**
 * The lifecycle rule for the prefix, or undefined when nothing expires. Its `status`
 * is left out: terraform-provider-minio v1.20 (@pulumi/minio 0.17) computes it and
 * refuses a configured one ("Can't configure a value for rule.0.status"); MinIO
 * reports the rule Enabled.
 */
export function lifecycleRule(settings: StorageSettings): minio.types.input.IlmPolicyRule | undefined {
    if (settings.retentionDays === 0 && settings.noncurrentVersionRetentionDays === 0) return undefined;
    return {
        id: `expire-${settings.prefix.replace(/[^A-Za-z0-9-]/g, "-")}`,
        filter: `${settings.prefix}/`,
        ...(settings.retentionDays > 0 ? { expiration: `${settings.retentionDays}d` } : {}),
        ...(settings.noncurrentVersionRetentionDays > 0 ? { noncurrentVersionExpirationDays: settings.noncurrentVersionRetentionDays } : {}),
    };
}

function adminProvider(name: string, args: StorageArgs, settings: pulumi.Output<StorageSettings>, opts: pulumi.CustomResourceOptions): minio.Provider {
    if (args.provider) return args.provider;
    const admin = args.admin!;
    return new minio.Provider(
        childName(name, "minio-admin"),
        {
            minioServer: admin.server ?? settings.apply((s) => serverFromEndpoint(s.endpoint)),
            minioUser: admin.user,
            // The provider's schema does not mark the password secret: wrap it ourselves.
            minioPassword: pulumi.secret(admin.password),
            minioSsl: admin.ssl ?? settings.apply((s) => s.endpoint.startsWith("https:")),
            minioRegion: settings.apply((s) => s.region),
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

/**
 * The MinIO side: the bucket (created, or an existing one by name) with versioning
 * and a lifecycle rule for the prefix, a dedicated user with a generated secret, and
 * a policy that confines it to the prefix.
 */
export function provisionStorage(
    name: string,
    args: StorageArgs,
    bucketPlan: BucketPlan,
    settings: pulumi.Output<StorageSettings>,
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
): StorageAccess {
    const provider = adminProvider(name, args, settings, { parent, dependsOn });
    const opts: pulumi.CustomResourceOptions = { parent, provider, dependsOn };
    // Backups outlive the stack unless told otherwise: destroy then leaves the bucket
    // with its versioning and expiry intact instead of stripping them and failing on
    // a non-empty bucket.
    const keep: pulumi.CustomResourceOptions = { ...opts, retainOnDelete: !bucketPlan.forceDestroy };
    const bucketName = settings.apply((s) => s.bucket);

    let bucket: pulumi.Output<string> = bucketName;
    if (bucketPlan.owned) {
        const created = new minio.S3Bucket(childName(name, "bucket"), { bucket: bucketName, acl: "private", forceDestroy: bucketPlan.forceDestroy }, keep);
        bucket = created.bucket;
        // Versioning: a deleted or overwritten archive stays recoverable for the noncurrent retention.
        new minio.S3BucketVersioning(childName(name, "versioning"), { bucket, versioningConfiguration: { status: "Enabled" } }, keep);
        if (bucketPlan.expires) {
            new minio.IlmPolicy(childName(name, "lifecycle"), { bucket, rules: [settings.apply((s) => lifecycleRule(s)!)] }, keep);
        }
    }

    const secret = new random.RandomPassword(
        childName(name, "secret-key"),
        // Letters and digits only: the key is pasted into GoBackup's YAML (FACTS).
        { length: 40, special: false },
        { parent },
    );
    const user = new minio.IamUser(childName(name, "user"), { name: args.userName ?? backupUserName(name), secret: secret.result, forceDestroy: true }, opts);
    const policy = new minio.IamPolicy(
        childName(name, "policy"),
        { name: user.name.apply((u) => `${u}-policy`), policy: pulumi.all([bucket, settings]).apply(([b, s]) => renderBackupPolicy(b, s.prefix)) },
        opts,
    );
    new minio.IamUserPolicyAttachment(childName(name, "policy-attachment"), { userName: user.name, policyName: policy.name }, opts);

    return { bucket, accessKeyId: user.name, secretAccessKey: pulumi.secret(secret.result) };
}
