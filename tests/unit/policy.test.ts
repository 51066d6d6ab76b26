import * as assert from "assert";
import { backupPolicyDocument, renderBackupPolicy } from "../../components/plan/policy";

describe("backup user policy", () => {
    const policy = backupPolicyDocument("sql-backups", "backups/sqlserver");

    it("renders exactly this canonical JSON (golden), byte for byte stable", () => {
        const expected =
            '{"Version":"2012-10-17","Statement":[' +
            '{"Sid":"LocateBucket","Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::sql-backups"]},' +
            '{"Sid":"ListBackupPrefix","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::sql-backups"],' +
            '"Condition":{"StringLike":{"s3:prefix":["backups/sqlserver/*"]}}},' +
            '{"Sid":"ReadWriteBackups","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:DeleteObject","s3:GetObject","s3:PutObject"],' +
            '"Resource":["arn:aws:s3:::sql-backups/backups/sqlserver/*"]}]}';
        assert.strictEqual(renderBackupPolicy("sql-backups", "backups/sqlserver"), expected);
        assert.strictEqual(renderBackupPolicy("sql-backups", "backups/sqlserver"), renderBackupPolicy("sql-backups", "backups/sqlserver"));
    });

    it("grants only Allow statements and only the listed actions", () => {
        const actions = policy.Statement.flatMap((s) => s.Action).sort();
        assert.deepStrictEqual(actions, [
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
        ]);
        assert.ok(policy.Statement.every((s) => s.Effect === "Allow"));
        assert.ok(!actions.some((a) => a.includes("*")), "no wildcard actions");
        assert.ok(!actions.some((a) => a.startsWith("admin:")), "no admin actions");
    });

    it("grants object actions on nothing outside <prefix>/*", () => {
        for (const statement of policy.Statement) {
            const objectLevel = statement.Action.some((a) => /Object|Multipart/.test(a));
            for (const resource of statement.Resource) {
                if (objectLevel) assert.strictEqual(resource, "arn:aws:s3:::sql-backups/backups/sqlserver/*");
                else assert.strictEqual(resource, "arn:aws:s3:::sql-backups", `bucket-level action on ${resource}`);
            }
        }
    });

    it("lets ListBucket see only keys under <prefix>/, not a sibling such as <prefix>-other", () => {
        const list = policy.Statement.find((s) => s.Action.includes("s3:ListBucket"));
        assert.deepStrictEqual(list?.Condition, { StringLike: { "s3:prefix": ["backups/sqlserver/*"] } });
    });

    it("covers GoBackup's retention state at <prefix>/<db>/.gobackup-state/", () => {
        const stateKey = "arn:aws:s3:::sql-backups/backups/sqlserver/orders/.gobackup-state/orders_minio.json";
        const readWrite = policy.Statement.find((s) => s.Sid === "ReadWriteBackups")!;
        const pattern = new RegExp("^" + readWrite.Resource[0].replace(/[.]/g, "\\.").replace("*", ".*") + "$");
        assert.ok(pattern.test(stateKey));
        assert.ok(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].every((a) => readWrite.Action.includes(a)));
    });
});
