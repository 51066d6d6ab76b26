import * as pulumi from "@pulumi/pulumi";
import { ExistingCredentialsArgs } from "../args/types";
import { StorageSettings } from "../plan/settings";
import { StorageAccess } from "./types";

/**
 * Bring your own bucket and keys: nothing is created in MinIO, no MinIO provider or
 * random resource is needed. The keys are validated like every other secret.
 */
export function existingStorage(credentials: ExistingCredentialsArgs, settings: pulumi.Output<StorageSettings>, validated: Record<string, pulumi.Output<string>>): StorageAccess {
    return {
        bucket: settings.apply((s) => s.bucket),
        accessKeyId: validated["storage.credentials.accessKeyId"] ?? pulumi.output(credentials.accessKeyId),
        secretAccessKey: pulumi.secret(validated["storage.credentials.secretAccessKey"] ?? credentials.secretAccessKey),
    };
}
