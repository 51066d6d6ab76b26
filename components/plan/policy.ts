/**
 * The two IAM policies, least privilege, as canonical JSON (the MinIO provider compares
 * policy text, so the same inputs always give the same bytes). Each database's archives
 * live in their own folder `<prefix>/<db>/`; restore records in `<prefix>/.restores/`.
 *
 * Backup user, per database folder:
 * - PutObject: uploads (multipart included), manifests, the agent's records in
 *   `<folder>.agent/` (the folder's owner, the run lease, the bucket's capabilities).
 * - GetObject: manifests and those records.
 * - DeleteObject: the agent's retention (after verification), GoBackup's stale state,
 *   old lease generations. Deleting in a versioned bucket keeps the last version.
 * - AbortMultipartUpload: GoBackup aborts a failed multipart upload, and the agent a
 *   killed run's; MinIO checks this action separately from PutObject.
 * - ListBucket and ListBucketVersions with an `s3:prefix` in the folder: verification,
 *   listing, a claim's earliest version. ListBucketMultipartUploads (bucket-wide: no
 *   server takes a prefix condition on it) to find a killed run's incomplete upload.
 * - GetObjectVersion and DeleteObjectVersion in `<folder>.agent/` only: a claim on a
 *   server that ignores If-None-Match reads the key's first version and removes its
 *   own losing one. No archive version can be destroyed with this key.
 * Nothing on `.restores/`: a backup key cannot forge or erase a restore's record.
 *
 * Restore user: ListBucket and GetObject on the database folders; on `.restores/`,
 * GetObject, PutObject, ListBucket (a drill's lease in `.restores/.drills/`), ListBucketVersions, GetObjectVersion, DeleteObjectVersion and
 * DeleteObject (the claim of a restore id, exactly once, and its outcome; a claim on a
 * server that ignores If-None-Match removes its own losing version, and MinIO checks
 * DeleteObject for that). On a versioned bucket a deleted claim still holds (the key's
 * earliest version decides). It can delete no backup and overwrite none.
 *
 * Both: GetBucketLocation (the region S3 clients ask for) and GetBucketVersioning (how
 * a claim is made exactly once there).
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
    /** The runs share slots per SQL Server, leased in `<prefix>/.hosts/` (fleet.maxConcurrentPerHost). */
    hostSlots?: boolean;
}

function hostSlotsFolder(scope: PolicyScope): string {
    return `${scope.prefix}/.hosts/`;
}

function bucketArn(scope: PolicyScope): string {
    return `arn:aws:s3:::${scope.bucket}`;
}

function folders(scope: PolicyScope): string[] {
    return [...scope.databases].sort().map((db) => `${scope.prefix}/${db}/`);
}

function locate(scope: PolicyScope): PolicyStatement {
    return { Sid: "LocateBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:GetBucketVersioning"], Resource: [bucketArn(scope)] };
}

/** Bucket-level listing actions, only inside the given key prefixes. */
function listIn(sid: string, actions: string[], scope: PolicyScope, prefixes: string[]): PolicyStatement {
    // Only inside each folder: a bare prefix would also list `prefix-other/...`.
    return { Sid: sid, Effect: "Allow", Action: actions, Resource: [bucketArn(scope)], Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } } };
}

function restoresFolder(scope: PolicyScope): string {
    return `${scope.prefix}/.restores/`;
}

/** Version actions a claim needs on its records (see package claim in the agent). */
export const CLAIM_VERSION_ACTIONS = ["s3:DeleteObjectVersion", "s3:GetObjectVersion"] as const;

/** The backup user's policy document, statements in a fixed order. */
export function backupPolicyDocument(scope: PolicyScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            locate(scope),
            listIn("ListBackupFolders", ["s3:ListBucket", "s3:ListBucketVersions"], scope, folders(scope)),
            // MinIO refuses an s3:prefix condition on this action (and AWS defines none):
            // it lists incomplete uploads' keys bucket-wide, and aborts only in the folders.
            { Sid: "ListIncompleteUploads", Effect: "Allow", Action: ["s3:ListBucketMultipartUploads"], Resource: [bucketArn(scope)] },
            { Sid: "ReadWriteBackups", Effect: "Allow", Action: [...BACKUP_OBJECT_ACTIONS], Resource: folders(scope).map((f) => `${bucketArn(scope)}/${f}*`) },
            { Sid: "ClaimRecords", Effect: "Allow", Action: [...CLAIM_VERSION_ACTIONS], Resource: folders(scope).map((f) => `${bucketArn(scope)}/${f}.agent/*`) },
            ...(scope.hostSlots
                ? [
                      listIn("ListHostSlots", ["s3:ListBucket", "s3:ListBucketVersions"], scope, [hostSlotsFolder(scope)]),
                      {
                          Sid: "HoldHostSlots",
                          Effect: "Allow" as const,
                          Action: [...CLAIM_VERSION_ACTIONS, "s3:DeleteObject", "s3:GetObject", "s3:PutObject"].sort(),
                          Resource: [`${bucketArn(scope)}/${hostSlotsFolder(scope)}*`],
                      },
                  ]
                : []),
        ],
    };
}

/** The restore user's policy document. */
export function restorePolicyDocument(scope: PolicyScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            locate(scope),
            listIn("ListBackupFolders", ["s3:ListBucket"], scope, folders(scope)),
            // ListBucket: a drill's lease lists its generations under `.restores/.drills/`.
            listIn("ListRestoreRecords", ["s3:ListBucket", "s3:ListBucketVersions"], scope, [restoresFolder(scope)]),
            { Sid: "ReadBackups", Effect: "Allow", Action: ["s3:GetObject"], Resource: folders(scope).map((f) => `${bucketArn(scope)}/${f}*`) },
            {
                Sid: "RecordRestores",
                Effect: "Allow",
                // DeleteObject too: MinIO checks it (not only DeleteObjectVersion) for a
                // version delete, and cannot tell the two apart by a condition.
                Action: [...CLAIM_VERSION_ACTIONS, "s3:DeleteObject", "s3:GetObject", "s3:PutObject"].sort(),
                Resource: [`${bucketArn(scope)}/${restoresFolder(scope)}*`],
            },
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
