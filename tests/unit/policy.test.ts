import * as assert from "assert";
import { backupPolicyDocument, PolicyDocument, renderBackupPolicy, renderRestorePolicy, restorePolicyDocument } from "../../components/plan/policy";

const SCOPE = { bucket: "sql-backups", prefix: "backups/sqlserver", databases: ["orders", "billing"] };

/** Whether a statement of the policy allows action on the object key (S3's * wildcard). */
function allows(policy: PolicyDocument, action: string, key: string): boolean {
    return policy.Statement.some(
        (s) => s.Action.includes(action) && s.Resource.some((r) => new RegExp("^" + r.replace(/[.]/g, "\\.").replace(/\*/g, ".*") + "$").test(`arn:aws:s3:::sql-backups/${key}`)),
    );
}

describe("backup user policy", () => {
    const policy = backupPolicyDocument(SCOPE);

    it("renders exactly this canonical JSON (golden), byte for byte stable, databases in a fixed order", () => {
        const expected =
            '{"Version":"2012-10-17","Statement":[' +
            '{"Sid":"LocateBucket","Effect":"Allow","Action":["s3:GetBucketLocation","s3:GetBucketVersioning"],"Resource":["arn:aws:s3:::sql-backups"]},' +
            '{"Sid":"ListBackupFolders","Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketVersions"],"Resource":["arn:aws:s3:::sql-backups"],' +
            '"Condition":{"StringLike":{"s3:prefix":["backups/sqlserver/billing/*","backups/sqlserver/orders/*"]}}},' +
            '{"Sid":"ListIncompleteUploads","Effect":"Allow","Action":["s3:ListBucketMultipartUploads"],"Resource":["arn:aws:s3:::sql-backups"]},' +
            '{"Sid":"ReadWriteBackups","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:DeleteObject","s3:GetObject","s3:PutObject"],' +
            '"Resource":["arn:aws:s3:::sql-backups/backups/sqlserver/billing/*","arn:aws:s3:::sql-backups/backups/sqlserver/orders/*"]},' +
            '{"Sid":"ClaimRecords","Effect":"Allow","Action":["s3:DeleteObjectVersion","s3:GetObjectVersion"],' +
            '"Resource":["arn:aws:s3:::sql-backups/backups/sqlserver/billing/.agent/*","arn:aws:s3:::sql-backups/backups/sqlserver/orders/.agent/*"]}]}';
        assert.strictEqual(renderBackupPolicy(SCOPE), expected);
        assert.strictEqual(renderBackupPolicy({ ...SCOPE, databases: ["billing", "orders"] }), expected);
    });

    it("grants only Allow statements and only the listed actions", () => {
        const actions = [...new Set(policy.Statement.flatMap((s) => s.Action))].sort();
        assert.deepStrictEqual(actions, [
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:GetBucketLocation",
            "s3:GetBucketVersioning",
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListBucketVersions",
            "s3:PutObject",
        ]);
        assert.ok(policy.Statement.every((s) => s.Effect === "Allow"));
        assert.ok(!actions.some((a) => a.includes("*") || a.startsWith("admin:")));
    });

    it("covers each database's archives, manifests and GoBackup's retention state, and nothing outside the folders", () => {
        for (const key of ["backups/sqlserver/orders/2026.11.23.02.00.00.tar", "backups/sqlserver/orders/2026.11.23.02.00.00.tar.manifest.json", "backups/sqlserver/orders/.gobackup-state/orders_minio.json"]) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) assert.ok(allows(policy, action, key), `${action} ${key}`);
        }
        assert.ok(!allows(policy, "s3:PutObject", "backups/sqlserver/.restores/incident.json"), "a backup key cannot forge a restore's record");
        assert.ok(!allows(policy, "s3:DeleteObject", "backups/sqlserver/.restores/incident.json"), "nor erase one");
        assert.ok(!allows(policy, "s3:GetObject", "backups/sqlserver-other/orders/a.tar"));
        // Versions of archives can never be destroyed with this key: only the agent's own records' versions.
        assert.ok(allows(policy, "s3:DeleteObjectVersion", "backups/sqlserver/orders/.agent/lease/00000000000000000001.json"));
        assert.ok(!allows(policy, "s3:DeleteObjectVersion", "backups/sqlserver/orders/2026.11.23.02.00.00.tar"), "no archive version can be destroyed");
        assert.ok(!allows(policy, "s3:GetObject", "other/orders/a.tar"));
    });

    it("lets ListBucket see only keys inside the database folders, not a sibling such as <prefix>-other", () => {
        const list = policy.Statement.find((s) => s.Action.includes("s3:ListBucket"));
        assert.deepStrictEqual(list?.Condition, { StringLike: { "s3:prefix": ["backups/sqlserver/billing/*", "backups/sqlserver/orders/*"] } });
    });
});

describe("restore user policy", () => {
    const policy = restorePolicyDocument(SCOPE);

    it("reads the backups and records restores, and can delete or overwrite no backup", () => {
        assert.ok(allows(policy, "s3:GetObject", "backups/sqlserver/orders/2026.11.23.02.00.00.tar"));
        assert.ok(allows(policy, "s3:PutObject", "backups/sqlserver/.restores/incident-1.json"));
        assert.ok(allows(policy, "s3:GetObject", "backups/sqlserver/.restores/incident-1.json"));
        assert.ok(!allows(policy, "s3:PutObject", "backups/sqlserver/orders/2026.11.23.02.00.00.tar"), "no overwriting a backup");
        // Deleting is limited to its own losing versions of restore claims (a claim on a server that ignores If-None-Match).
        for (const key of ["backups/sqlserver/orders/2026.11.23.02.00.00.tar", "backups/sqlserver/orders/.agent/owner.json"]) {
            for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"]) assert.ok(!allows(policy, action, key), `${action} ${key}`);
        }
        assert.ok(allows(policy, "s3:DeleteObjectVersion", "backups/sqlserver/.restores/incident-1.json"));
        assert.strictEqual(renderRestorePolicy(SCOPE), renderRestorePolicy({ ...SCOPE, databases: ["billing", "orders"] }));
    });
});
