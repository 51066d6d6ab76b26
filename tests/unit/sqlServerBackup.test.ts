import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { SqlServerBackup, SQLSERVER_BACKUP_TYPE } from "../../components";
import { renderBackupPolicy, renderRestorePolicy } from "../../components/plan/policy";
import { ADMIN_PASSWORD, BILLING_PASSWORD, ORDERS_PASSWORD, validArgs } from "./helpers/fixtures";
import { RecordedResource, retainOnDelete, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

function only(resources: RecordedResource[], type: string): RecordedResource {
    const found = resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
}

describe("SqlServerBackup (mocked engine)", () => {
    const resources = useMocks();

    it("creates the component and exactly the MinIO and random resources it needs: bucket, backup user, read-only restore user", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        assert.deepStrictEqual(resources.map((r) => `${r.type}::${r.name}`).sort(), [
            "minio:index/iamPolicy:IamPolicy::orders-policy",
            "minio:index/iamPolicy:IamPolicy::orders-restore-user-policy",
            "minio:index/iamUser:IamUser::orders-restore-user",
            "minio:index/iamUser:IamUser::orders-user",
            "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment::orders-policy-attachment",
            "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment::orders-restore-user-policy-attachment",
            "minio:index/ilmPolicy:IlmPolicy::orders-lifecycle",
            "minio:index/s3Bucket:S3Bucket::orders-bucket",
            "minio:index/s3BucketVersioning:S3BucketVersioning::orders-versioning",
            "pulumi:providers:minio::orders-minio-admin",
            "random:index/randomPassword:RandomPassword::orders-restore-user-secret-key",
            "random:index/randomPassword:RandomPassword::orders-secret-key",
            `${SQLSERVER_BACKUP_TYPE}::orders`,
        ]);
    });

    it("parents every child resource to the component", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        const children = resources.filter((r) => r.type !== SQLSERVER_BACKUP_TYPE);
        assert.ok(children.length >= 8, `saw ${children.length} children`);
        for (const child of children) assert.strictEqual(child.parent, "orders", `${child.type} ${child.name} has parent "${child.parent}"`);
    });

    it("configures the MinIO provider from the admin args with the password as a secret", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        await settle();
        const provider = only(resources, "pulumi:providers:minio");
        assert.strictEqual(provider.inputs.minioServer, "localhost:9000");
        assert.strictEqual(provider.inputs.minioUser, "minioadmin");
        assert.strictEqual(secretInput(provider.inputs.minioPassword), ADMIN_PASSWORD);
        // Provider config reaches the engine as strings.
        assert.strictEqual(provider.inputs.minioSsl, "false");
        assert.strictEqual(provider.inputs.minioRegion, "us-east-1");
        assert.ok(backup);
    });

    it("derives the provider's server and TLS from an https endpoint when no server is given", async () => {
        const args = validArgs();
        args.storage.endpoint = "https://s3.example.com";
        args.storage.admin!.server = undefined;
        new SqlServerBackup("orders", args);
        await settle();
        const provider = only(resources, "pulumi:providers:minio");
        assert.strictEqual(provider.inputs.minioServer, "s3.example.com:443");
        assert.strictEqual(provider.inputs.minioSsl, "true");
    });

    it("creates a private bucket with versioning enabled", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        assert.deepStrictEqual(only(resources, "minio:index/s3Bucket:S3Bucket").inputs, { bucket: "sql-backups", acl: "private", forceDestroy: false });
        assert.deepStrictEqual(only(resources, "minio:index/s3BucketVersioning:S3BucketVersioning").inputs, {
            bucket: "sql-backups",
            versioningConfiguration: { status: "Enabled" },
        });
    });

    it("never expires current archives: only the agent's retention deletes them; deleted or replaced ones expire after retentionDays", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        const lifecycle = only(resources, "minio:index/ilmPolicy:IlmPolicy");
        assert.deepStrictEqual(lifecycle.inputs, {
            bucket: "sql-backups",
            // No `status`: the provider computes it and refuses a configured one.
            rules: [{ id: "noncurrent-backups-sqlserver", filter: "backups/sqlserver/", expiration: "DeleteMarker", noncurrentVersionExpirationDays: 30 }],
        });
        const rules = lifecycle.inputs.rules as Record<string, unknown>[];
        assert.ok(!rules.some((rule) => /^\d+d$/.test(String(rule.expiration))), "no rule expires current versions by age");
    });

    it("writes the lifecycle only after versioning: MinIO's read-modify-write would otherwise lose it", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        assert.ok(only(resources, "minio:index/ilmPolicy:IlmPolicy").dependsOn!.includes("orders-versioning"));
    });

    it("hands the retention policy and the deployment id to the agent, never to GoBackup or a lifecycle rule", async () => {
        const args = validArgs();
        args.storage.bucket = { name: "sql-backups", retentionDays: 14 };
        args.storage.keepDaily = 14;
        args.storage.keepWeekly = 8;
        args.storage.keepMonthly = 12;
        args.deploymentId = "shop/prod/orders";
        const backup = new SqlServerBackup("orders", args);
        await settle();
        assert.deepStrictEqual(only(resources, "minio:index/ilmPolicy:IlmPolicy").inputs.rules, [
            { id: "noncurrent-backups-sqlserver", filter: "backups/sqlserver/", expiration: "DeleteMarker", noncurrentVersionExpirationDays: 14 },
        ]);
        assert.doesNotMatch(await valueOf(backup.config), /keep/);
        const settings = await valueOf(backup.settings);
        assert.deepStrictEqual([settings.storage.keepDaily, settings.storage.keepWeekly, settings.storage.keepMonthly, settings.deploymentId], [14, 8, 12, "shop/prod/orders"]);
    });

    it("uses an existing bucket by name without touching its versioning or lifecycle", async () => {
        const args = validArgs();
        args.storage.bucket = { create: false, name: "shared-bucket" };
        const backup = new SqlServerBackup("orders", args);
        await settle();
        const types = resources.map((r) => r.type);
        assert.ok(!types.includes("minio:index/s3Bucket:S3Bucket"));
        assert.ok(!types.includes("minio:index/s3BucketVersioning:S3BucketVersioning"));
        assert.ok(!types.includes("minio:index/ilmPolicy:IlmPolicy"));
        assert.strictEqual(await valueOf(backup.bucket), "shared-bucket");
        assert.match(String(resources.find((r) => r.name === "orders-policy")!.inputs.policy), /arn:aws:s3:::shared-bucket\/backups/);
    });

    it("creates a backup user and a read-only restore user, each with a generated 40-character secret and its exact policy", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        await settle();
        const scope = { bucket: "sql-backups", prefix: "backups/sqlserver", databases: ["orders", "billing"] };
        const named = (name: string) => resources.find((r) => r.name === name)!;
        assert.deepStrictEqual(named("orders-secret-key").inputs, { length: 40, special: false });
        assert.strictEqual(named("orders-user").inputs.name, "orders-backup");
        assert.strictEqual(secretInput(named("orders-user").inputs.secret), `generated-orders-secret-key-${"x".repeat(40)}`);
        assert.strictEqual(named("orders-policy").inputs.name, "orders-backup-policy");
        assert.strictEqual(named("orders-policy").inputs.policy, renderBackupPolicy(scope));
        assert.deepStrictEqual(named("orders-policy-attachment").inputs, { userName: "orders-backup", policyName: "orders-backup-policy" });
        assert.strictEqual(named("orders-restore-user").inputs.name, "orders-restore");
        assert.strictEqual(named("orders-restore-user-policy").inputs.policy, renderRestorePolicy(scope));
        assert.deepStrictEqual(named("orders-restore-user-policy-attachment").inputs, { userName: "orders-restore", policyName: "orders-restore-policy" });
        assert.strictEqual(await valueOf(backup.restoreAccessKeyId), "orders-restore");
        assert.strictEqual(await pulumi.isSecret(backup.restoreSecretAccessKey), true);
        assert.strictEqual(await valueOf(backup.restorePolicy), renderRestorePolicy(scope));
        assert.strictEqual(backup.resources.restoreUser !== undefined && backup.resources.bucket !== undefined, true, "the child resources are exposed");
    });

    it("marks every secret output secret, and keeps the config (which holds none) readable for reviewers", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        assert.strictEqual(await pulumi.isSecret(backup.secretAccessKey), true, "secretAccessKey");
        assert.strictEqual(await pulumi.isSecret(backup.environment), true, "environment");
        assert.strictEqual(await pulumi.isSecret(backup.config), false, "config");
        assert.strictEqual(await pulumi.isSecret(backup.bucket), false, "bucket is not secret");
    });

    it("exposes bucket, prefix, access key, schedule and its sentence", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        assert.strictEqual(await valueOf(backup.bucket), "sql-backups");
        assert.strictEqual(await valueOf(backup.prefix), "backups/sqlserver");
        assert.strictEqual(await valueOf(backup.accessKeyId), "orders-backup");
        assert.strictEqual(await valueOf(backup.schedule), "30 1 * * *");
        assert.strictEqual(await valueOf(backup.timeZone), "Europe/Berlin");
        assert.strictEqual(await valueOf(backup.scheduleDescription), "At 01:30, every day (Europe/Berlin)");
    });

    it("renders a config that holds no secret value and references each through the environment", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        const yaml = await valueOf(backup.config);
        const env = await valueOf(backup.environment);
        for (const secret of [ORDERS_PASSWORD, BILLING_PASSWORD, ADMIN_PASSWORD, env.MINIO_SECRET_KEY]) {
            assert.ok(!yaml.includes(secret), "a secret value is in the rendered config");
        }
        const parsed = YAML.parse(yaml);
        assert.strictEqual(parsed.models.orders.databases.orders.password, "${MSSQL_PASSWORD_ORDERS}");
        assert.deepStrictEqual(await valueOf(backup.environmentVariableNames), ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MSSQL_PASSWORD_ORDERS", "MSSQL_PASSWORD_BILLING"]);
    });

    it("supplies a value for every credential the config references", async () => {
        const backup = new SqlServerBackup("orders", validArgs());
        assert.deepStrictEqual(await valueOf(backup.environment), {
            MINIO_ACCESS_KEY: "orders-backup",
            MINIO_SECRET_KEY: `generated-orders-secret-key-${"x".repeat(40)}`,
            MSSQL_PASSWORD_ORDERS: ORDERS_PASSWORD,
            MSSQL_PASSWORD_BILLING: BILLING_PASSWORD,
        });
    });

    it("keeps the bucket, its versioning and its lifecycle on destroy by default, so destroy succeeds and backups outlive the stack", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        for (const type of ["minio:index/s3Bucket:S3Bucket", "minio:index/s3BucketVersioning:S3BucketVersioning", "minio:index/ilmPolicy:IlmPolicy"]) {
            assert.strictEqual(retainOnDelete.get(only(resources, type).name), true, type);
        }
        assert.strictEqual(retainOnDelete.get("orders-user"), false, "the backup user goes with the stack");
    });

    it("deletes the bucket with its backups on destroy when forceDestroy is set (a sandbox)", async () => {
        const args = validArgs();
        args.storage.bucket = { name: "sql-backups", forceDestroy: true };
        new SqlServerBackup("orders", args);
        await settle();
        const bucket = only(resources, "minio:index/s3Bucket:S3Bucket");
        assert.strictEqual(bucket.inputs.forceDestroy, true);
        assert.strictEqual(retainOnDelete.get(bucket.name), false);
    });

    it("with existing keys, creates nothing in MinIO and no random resource, and reports the policy the key needs", async () => {
        const args = validArgs();
        args.storage = {
            endpoint: "https://s3.storage.example.com",
            credentials: { accessKeyId: "team-backup", secretAccessKey: pulumi.secret("Team-Secret-Key-0123456789") },
            bucket: { name: "team-bucket", create: false },
            prefix: "prod/sql",
        };
        const backup = new SqlServerBackup("orders", args);
        await settle();
        assert.deepStrictEqual(resources.map((r) => r.type), [SQLSERVER_BACKUP_TYPE]);
        assert.strictEqual(await valueOf(backup.bucket), "team-bucket");
        assert.strictEqual(await valueOf(backup.accessKeyId), "team-backup");
        assert.strictEqual(await pulumi.isSecret(backup.secretAccessKey), true);
        assert.strictEqual((await valueOf(backup.environment)).MINIO_SECRET_KEY, "Team-Secret-Key-0123456789");
        assert.strictEqual(await valueOf(backup.backupPolicy), renderBackupPolicy({ bucket: "team-bucket", prefix: "prod/sql", databases: ["orders", "billing"] }));
        assert.strictEqual(await valueOf(backup.restorePolicy), renderRestorePolicy({ bucket: "team-bucket", prefix: "prod/sql", databases: ["orders", "billing"] }));
        assert.strictEqual(await valueOf(backup.restoreAccessKeyId), "team-backup", "without restore keys, restores use the backup keys (and a warning says so)");
    });

    it("with existing keys, takes read-only restore keys for restores", async () => {
        const args = validArgs();
        args.storage = {
            endpoint: "https://s3.storage.example.com",
            credentials: { accessKeyId: "team-backup", secretAccessKey: pulumi.secret("Team-Secret-Key-0123456789") },
            restoreCredentials: { accessKeyId: "team-restore", secretAccessKey: pulumi.secret("Team/Restore+Key=") },
            bucket: { name: pulumi.output("team-bucket") },
            prefix: "prod/sql",
        };
        const backup = new SqlServerBackup("orders", args);
        assert.strictEqual(await valueOf(backup.restoreAccessKeyId), "team-restore");
        assert.strictEqual(await valueOf(backup.restoreSecretAccessKey), "Team/Restore+Key=");
        assert.strictEqual(await valueOf(backup.bucket), "team-bucket", "a bucket name may come from another stack");
    });

    it("uses the defaults a production stack expects when args are minimal", async () => {
        const backup = new SqlServerBackup("crm", {
            databases: [{ name: "crm", host: "sql", database: "Crm", password: pulumi.secret("s3cret") }],
            storage: { endpoint: "http://minio:9000", admin: { user: "admin", password: pulumi.secret("adminpass") } },
        });
        const parsed = YAML.parse(await valueOf(backup.config));
        assert.strictEqual(await valueOf(backup.bucket), "crm-backups");
        assert.strictEqual(parsed.models.crm.schedule.cron, "0 2 * * *");
        assert.strictEqual(parsed.models.crm.databases.crm.port, 1433);
        assert.strictEqual(parsed.models.crm.databases.crm.username, "sa");
        assert.strictEqual(parsed.models.crm.databases.crm.trust_server_certificate, false);
        assert.strictEqual(parsed.models.crm.storages.minio.path, "backups/sqlserver/crm");
        assert.strictEqual(parsed.models.crm.storages.local.path, "/tmp/gobackup/archives/crm");
        const settings = await valueOf(backup.settings);
        assert.deepStrictEqual([settings.storage.keep, settings.storage.keepFailed, settings.localCopy?.keep], [14, 2, 2]);
        assert.strictEqual(settings.deploymentId, "sqlserver-backup/test/crm", "owner: <project>/<stack>/<component name>");
        assert.strictEqual(await valueOf(backup.timeZone), "Etc/UTC");
    });
});
