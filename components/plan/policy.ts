/**
 * The two IAM policies, least privilege, as canonical JSON (the MinIO provider compares
 * policy text, so the same inputs always give the same bytes). Each database's archives
 * live in their own folder `<prefix>/<db>/`; restore records in `<prefix>/.restores/`.
 *
 * Backup user, per database folder:
 * - PutObject: uploads (multipart included), manifests, GoBackup's retention state.
 * - GetObject: the retention state (the agent and GoBackup read it).
 * - DeleteObject: `keep` removes the oldest archive; the agent prunes orphaned manifests.
 * - AbortMultipartUpload: GoBackup aborts a failed multipart upload; MinIO checks this
 *   action separately from PutObject.
 * - ListBucket with an `s3:prefix` in the folder: the agent's verification and listing.
 * Nothing on `.restores/`: a backup key cannot forge or erase a restore's record.
 *
 * Restore user: ListBucket and GetObject on the database folders, GetObject and
 * PutObject on `.restores/` (the claim of a restore id, and its outcome). It can delete
 * nothing and overwrite no backup.
 *
 * Both: GetBucketLocation, which S3 clients ask for the bucket's region.
 */

/** A statement of a policy, in AWS's field order. */
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

/** Object actions of the backup user in its folders, sorted. */
export const BACKUP_OBJECT_ACTIONS = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"] as const;

/** Where one policy applies: the bucket, the prefix and the databases' folders. */
export interface PolicyScope {
    bucket: string;
    prefix: string;
    databases: string[];
}

function bucketArn(scope: PolicyScope): string {
    return `arn:aws:s3:::${scope.bucket}`;
}

function folders(scope: PolicyScope): string[] {
    return [...scope.databases].sort().map((db) => `${scope.prefix}/${db}/`);
}

function common(scope: PolicyScope): PolicyStatement[] {
    return [
        { Sid: "LocateBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [bucketArn(scope)] },
        {
            Sid: "ListBackupFolders",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: [bucketArn(scope)],
            // Only inside each folder: a bare prefix would also list `prefix-other/...`.
            Condition: { StringLike: { "s3:prefix": folders(scope).map((f) => `${f}*`) } },
        },
    ];
}

/** The backup user's policy document, statements in a fixed order. */
export function backupPolicyDocument(scope: PolicyScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...common(scope),
            { Sid: "ReadWriteBackups", Effect: "Allow", Action: [...BACKUP_OBJECT_ACTIONS], Resource: folders(scope).map((f) => `${bucketArn(scope)}/${f}*`) },
        ],
    };
}

/** The restore user's policy document. */
export function restorePolicyDocument(scope: PolicyScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...common(scope),
            { Sid: "ReadBackups", Effect: "Allow", Action: ["s3:GetObject"], Resource: folders(scope).map((f) => `${bucketArn(scope)}/${f}*`) },
            { Sid: "RecordRestores", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`${bucketArn(scope)}/${scope.prefix}/.restores/*`] },
        ],
    };
}

/** Canonical JSON of the backup user's policy. */
export function renderBackupPolicy(scope: PolicyScope): string {
    return JSON.stringify(backupPolicyDocument(scope));
}

/** Canonical JSON of the restore user's policy. */
export function renderRestorePolicy(scope: PolicyScope): string {
    return JSON.stringify(restorePolicyDocument(scope));
}

/** A user and the IAM policy (JSON, as `backupPolicy`/`restorePolicy` give it) it should get. */
export interface PolicyGrant {
    /** The user as the server names principals: an access key id (Versity's gateway), a user ARN (AWS, Ceph RGW). */
    principal: string;
    /** The policy JSON. */
    policy: string;
}

/**
 * The same permissions as one bucket policy, for S3 servers that have bucket policies
 * but no per-user IAM policies (Versity's gateway; also AWS S3 or Ceph RGW where an
 * administrator prefers it): each statement gains a `Principal` naming its user, and
 * Sids are prefixed so they stay unique.
 */
export function bucketPolicyFor(grants: PolicyGrant[]): string {
    const statements = grants.flatMap((grant, index) => {
        const document = JSON.parse(grant.policy) as PolicyDocument;
        return document.Statement.map((statement) => ({ ...statement, Sid: `User${index + 1}${statement.Sid}`, Principal: { AWS: [grant.principal] } }));
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
