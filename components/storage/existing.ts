import * as pulumi from "@pulumi/pulumi";
import { StorageArgs } from "../args/types";
import { StorageSettings } from "../args/settings";
import { StorageAccess } from "./types";

/**
 * Bring your own bucket and keys, on any S3 server: nothing is created in the store, no
 * MinIO provider or random resource is needed. The keys are validated like every other
 * secret. Without restore keys, restores use the backup keys (a warning says so).
 */
export function existingStorage(storage: StorageArgs, settings: pulumi.Output<StorageSettings>, validated: Record<string, pulumi.Output<string>>, parent: pulumi.Resource): StorageAccess {
    const keys = (which: "credentials" | "restoreCredentials") => ({
        accessKeyId: validated[`storage.${which}.accessKeyId`] ?? pulumi.output(storage[which]!.accessKeyId),
        secretAccessKey: pulumi.secret(validated[`storage.${which}.secretAccessKey`] ?? storage[which]!.secretAccessKey),
    });
    const backup = keys("credentials");
    if (!storage.restoreCredentials) {
        pulumi.log.warn(
            "storage.restoreCredentials is not set: restores use the backup user's keys, which can delete backups. Give a read-only restore key (the restorePolicy output lists its permissions).",
            parent,
        );
    }
    return { bucket: settings.apply((s) => s.bucket), backup, restore: storage.restoreCredentials ? keys("restoreCredentials") : backup, resources: {} };
}
