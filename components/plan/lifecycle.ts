import type * as minio from "@pulumi/minio";
import { StorageSettings } from "../args/settings";

/**
 * The bucket's lifecycle rules. Current archives never expire by age by default:
 * GoBackup's `keep` deletes the oldest when a new backup lands, so when backups stop
 * (a rotated password, a stopped host) the last `keep` backups stay. A deleted or
 * replaced archive becomes a noncurrent version (the bucket is versioned) and expires
 * after `retentionDays`; its delete marker goes after it. The opt-in `maxAgeDays` caps
 * current archives' age, in each database folder only, never restore records.
 *
 * `status` is left out: terraform-provider-minio v1.20 (@pulumi/minio 0.17) computes it
 * and refuses a configured one; MinIO reports the rule Enabled. Each value is written in
 * the form the provider reads back ("30d", "DeleteMarker"), so no preview shows a diff.
 */
export function lifecycleRules(storage: StorageSettings, databases: string[]): minio.types.input.IlmPolicyRule[] {
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
    if (storage.maxAgeDays > 0) {
        for (const db of [...databases].sort()) {
            rules.push({ id: `max-age-${slug(storage.prefix)}-${db}`, filter: `${storage.prefix}/${db}/`, expiration: `${storage.maxAgeDays}d` });
        }
    }
    return rules;
}
