/**
 * The backup user's IAM policy: exactly what GoBackup (and our restore) need under
 * the backup prefix, nothing else.
 *
 * - PutObject: uploads (multipart included) and GoBackup's retention state at
 *   `<prefix>/<db>/.gobackup-state/`.
 * - GetObject: the retention state (read through a presigned GET) and restores.
 * - DeleteObject: `keep` removes the oldest archive.
 * - AbortMultipartUpload: GoBackup aborts a failed multipart upload
 *   (LeavePartsOnError=false); MinIO checks this action separately from PutObject,
 *   so without it failed uploads would leave orphaned parts behind.
 * - ListBucket, only with an `s3:prefix` under the prefix: listing backups.
 * - GetBucketLocation: S3 clients ask for the bucket's region.
 */

/** A statement of the policy, in AWS's field order. */
export interface PolicyStatement {
    Sid: string;
    Effect: "Allow";
    Action: string[];
    Resource: string[];
    Condition?: { StringLike: { "s3:prefix": string[] } };
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** Object actions granted on `<prefix>/*`, sorted. */
export const OBJECT_ACTIONS = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"] as const;

/** The policy document as data, statements in a fixed order. */
export function backupPolicyDocument(bucket: string, prefix: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "LocateBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [bucketArn] },
            {
                Sid: "ListBackupPrefix",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: [bucketArn],
                // Only `prefix/...`: a bare `prefix` would also list `prefix-other/...`.
                Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
            },
            { Sid: "ReadWriteBackups", Effect: "Allow", Action: [...OBJECT_ACTIONS], Resource: [`${bucketArn}/${prefix}/*`] },
        ],
    };
}

/**
 * Canonical JSON: keys in the order above, no whitespace. The MinIO provider compares
 * policy text, so the same inputs must always give the same bytes.
 */
export function renderBackupPolicy(bucket: string, prefix: string): string {
    return JSON.stringify(backupPolicyDocument(bucket, prefix));
}
