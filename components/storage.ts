import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StorageArgs } from "./args";
import { bucketRetention } from "./resolve";
import { backupUserName, childName } from "./naming";
import { renderBackupPolicy } from "./policy";
import { StorageSettings } from "./settings";

/** What the rest of the component needs from the storage side. */
export interface ProvisionedStorage {
    bucket: pulumi.Output<string>;
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}

/** `http://minio:9000` -> `minio:9000`; the provider wants host:port without scheme. */
export function serverFromEndpoint(endpoint: string): string {
    const url = new URL(endpoint);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `${url.hostname.includes(":") ? `[${url.hostname.replace(/^\[|\]$/g, "")}]` : url.hostname}:${port}`;
}

/** The lifecycle rule for the prefix, or undefined when nothing expires. */
export function lifecycleRule(settings: StorageSettings): minio.types.input.IlmPolicyRule | undefined {
    if (settings.retentionDays === 0 && settings.noncurrentVersionRetentionDays === 0) return undefined;
    return {
        id: `expire-${settings.prefix.replace(/[^A-Za-z0-9-]/g, "-")}`,
        status: "Enabled",
        filter: `${settings.prefix}/`,
        ...(settings.retentionDays > 0 ? { expiration: `${settings.retentionDays}d` } : {}),
        ...(settings.noncurrentVersionRetentionDays > 0
            ? { noncurrentVersionExpirationDays: settings.noncurrentVersionRetentionDays }
            : {}),
    };
}

function adminProvider(
    name: string,
    args: StorageArgs,
    settings: pulumi.Output<StorageSettings>,
    parent: pulumi.Resource,
): minio.Provider {
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
        { parent },
    );
}

/**
 * The MinIO side: bucket (created, or an existing one by name) with versioning and a
 * lifecycle rule for the prefix, a dedicated user with a generated secret, and a
 * policy that confines it to the prefix.
 */
export function provisionStorage(
    name: string,
    args: StorageArgs,
    settings: pulumi.Output<StorageSettings>,
    parent: pulumi.Resource,
): ProvisionedStorage {
    const provider = adminProvider(name, args, settings, parent);
    const opts: pulumi.CustomResourceOptions = { parent, provider };
    const bucketName = settings.apply((s) => s.bucket);

    let bucket: pulumi.Output<string>;
    if (args.bucket?.create === false) {
        bucket = bucketName;
    } else {
        const created = new minio.S3Bucket(
            childName(name, "bucket"),
            { bucket: bucketName, acl: "private", forceDestroy: args.bucket?.forceDestroy ?? false },
            opts,
        );
        bucket = created.bucket;
        // Versioning: a deleted or overwritten archive stays recoverable for the noncurrent retention.
        new minio.S3BucketVersioning(
            childName(name, "versioning"),
            { bucket, versioningConfiguration: { status: "Enabled" } },
            opts,
        );
        const retention = bucketRetention(args.bucket ?? {});
        if (retention.retentionDays > 0 || retention.noncurrentVersionRetentionDays > 0) {
            new minio.IlmPolicy(
                childName(name, "lifecycle"),
                { bucket, rules: [settings.apply((s) => lifecycleRule(s)!)] },
                opts,
            );
        }
    }

    const secret = new random.RandomPassword(
        childName(name, "secret-key"),
        // Letters and digits only: the key is pasted into GoBackup's YAML (FACTS).
        { length: 40, special: false },
        { parent },
    );
    const user = new minio.IamUser(
        childName(name, "user"),
        { name: args.userName ?? backupUserName(name), secret: secret.result, forceDestroy: true },
        opts,
    );
    const policy = new minio.IamPolicy(
        childName(name, "policy"),
        { name: user.name.apply((u) => `${u}-policy`), policy: pulumi.all([bucket, settings]).apply(([b, s]) => renderBackupPolicy(b, s.prefix)) },
        opts,
    );
    new minio.IamUserPolicyAttachment(
        childName(name, "policy-attachment"),
        { userName: user.name, policyName: policy.name },
        opts,
    );

    return { bucket, accessKeyId: user.name, secretAccessKey: pulumi.secret(secret.result) };
}
