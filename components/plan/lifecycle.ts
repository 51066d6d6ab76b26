import type * as minio from "@pulumi/minio";
import { StorageSettings } from "../args/settings";

/**
 * The bucket's lifecycle rules. Current archives never expire by age: only the backup
 * agent deletes them, by its retention policy, after it has verified a newer backup, so
 * when backups stop (a rotated password, a stopped host) the last good backups stay. A
 * deleted or replaced archive becomes a noncurrent version (the bucket is versioned) and
 * expires after `retentionDays`; its delete marker goes after it. Incomplete multipart
 * uploads need no rule here: MinIO removes them itself after 24 hours, and the agent
 * aborts its folder's before each run.
 *
 * `status` is left out: terraform-provider-minio v1.20 (@pulumi/minio 0.17) computes it
 * and refuses a configured one; MinIO reports the rule Enabled. Each value is written in
 * the form the provider reads back ("30d", "DeleteMarker"), so no preview shows a diff.
 */
export function lifecycleRules(storage: StorageSettings): minio.types.input.IlmPolicyRule[] {
    const rules: minio.types.input.IlmPolicyRule[] = [];
    const slug = (text: string) => text.replace(/[^A-Za-z0-9-]/g, "-");
    if (storage.retentionDays > 0) {
        rules.push({
            id: `noncurrent-${slug(storage.prefix)}`,
            filter: `${storage.prefix}/`,
            expiration: "DeleteMarker",
            noncurrentVersionExpirationDays: storage.retentionDays,
        });
    }
    return rules;
}
