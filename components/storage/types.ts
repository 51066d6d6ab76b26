import * as pulumi from "@pulumi/pulumi";

/** A user's keys. */
export interface AccessKeys {
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}

/** What the rest of the component needs from the storage side: where backups go and the keys of both identities. */
export interface StorageAccess {
    bucket: pulumi.Output<string>;
    /** The backup user: writes archives, manifests and retention state in the database folders. */
    backup: AccessKeys;
    /** The restore user: reads the database folders and records restores, nothing else. */
    restore: AccessKeys;
    /** The resources created in the store (provisioned mode), for outputs and `dependsOn`. */
    resources: Record<string, pulumi.CustomResource>;
}
