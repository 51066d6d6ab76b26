import * as pulumi from "@pulumi/pulumi";

/** What the rest of the component needs from the storage side: where backups go and the keys to put them there. */
export interface StorageAccess {
    bucket: pulumi.Output<string>;
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}
