import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup, SqlServerBackupArgs, SqlServerBackupArgsError } from "../../components";
import { dockerRestoreStatus } from "../../components/restore";
import { validArgs } from "./helpers/fixtures";
import { RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;
const TARGET_PASSWORD = "Restore-Target-Pa55";

function withRestore(kind: "docker" | "kubernetes"): SqlServerBackupArgs {
    return {
        ...validArgs(),
        image: { ref: IMAGE },
        target: kind === "docker" ? { kind, networks: ["backend"] } : { kind, namespace: "backup" },
        restore: {
            id: "incident-42",
            database: "orders",
            backup: "before:2026-11-23T02:00:00Z",
            target: { host: "sql-restore", database: "Orders_Restored", password: pulumi.secret(TARGET_PASSWORD), trustServerCertificate: true },
        },
    };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const named = (resources: RecordedResource[], name: string) => resources.find((r) => r.name === name);

describe("restore as code (mocked engine)", () => {
    const resources = useMocks();

    it("docker: runs one attached container named after the restore id, with the choice and target as env", async () => {
        const backup = new SqlServerBackup("orders", withRestore("docker"));
        await valueOf(backup.commands);
        await settle();
        const container = named(resources, "orders-restore-incident-42")!;
        assert.strictEqual(container.type, "docker:index/container:Container");
        assert.deepStrictEqual(container.inputs.command, ["restore"]);
        assert.strictEqual(container.inputs.attach, true);
        assert.strictEqual(container.inputs.mustRun, false);
        assert.strictEqual(container.inputs.restart, "no");
        const envs = secretInput(container.inputs.envs) as string[];
        for (const expected of [
            "RESTORE_DATABASE=orders",
            "RESTORE_BACKUP=before:2026-11-23T02:00:00Z",
            "RESTORE_TARGET_HOST=sql-restore",
            "RESTORE_TARGET_PORT=1433",
            "RESTORE_TARGET_DATABASE=Orders_Restored",
            "RESTORE_TARGET_USERNAME=sa",
            "RESTORE_TRUST_CERT=true",
            "RESTORE_FORCE=0",
            `RESTORE_TARGET_PASSWORD=${TARGET_PASSWORD}`,
            "MINIO_BUCKET=sql-backups",
            "MINIO_PATH=backups/sqlserver",
        ]) {
            assert.ok(envs.includes(expected), `missing ${expected}`);
        }
        assert.ok(envs.some((e) => e.startsWith("MINIO_SECRET_KEY=")));
        assert.ok(!envs.some((e) => e.startsWith("MSSQL_PASSWORD_")), "a restore gets no source database password");
    });

    it("docker: reports the restore's outcome from the container's exit code", async () => {
        const backup = new SqlServerBackup("orders", withRestore("docker"));
        assert.strictEqual(await valueOf(backup.restoreStatus), "succeeded");
        assert.strictEqual(dockerRestoreStatus(1, "orders-restore-incident-42"), "failed: exit code 1; see docker logs orders-restore-incident-42");
    });

    it("kubernetes: runs a Job named after the restore id, restricted like the backup, with secrets by reference", async () => {
        const backup = new SqlServerBackup("orders", withRestore("kubernetes"));
        await valueOf(backup.commands);
        await settle();
        const job = resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
        const metadata = job.inputs.metadata as Json;
        assert.strictEqual(metadata.name, "orders-restore-incident-42");
        assert.strictEqual(metadata.namespace, "backup");
        const spec = job.inputs.spec as Json;
        assert.strictEqual(spec.backoffLimit, 0);
        const container = spec.template.spec.containers[0];
        assert.deepStrictEqual(container.args, ["restore"]);
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        const env = container.env as Json[];
        assert.deepStrictEqual(env.filter((e) => e.valueFrom).map((e) => e.name), ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "RESTORE_TARGET_PASSWORD"]);
        assert.ok(!JSON.stringify(job.inputs).includes(TARGET_PASSWORD));
        const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "orders-restore-incident-42")!;
        assert.strictEqual((secretInput(secret.inputs.stringData) as Json).RESTORE_TARGET_PASSWORD, TARGET_PASSWORD);
    });

    it("kubernetes: gives list and restore commands that take credentials from Secrets, never from the command line", async () => {
        const backup = new SqlServerBackup("orders", withRestore("kubernetes"));
        const commands = (await valueOf(backup.commands))!;
        assert.match(commands.list, /^kubectl --namespace backup run orders-list-\$\(date \+%s\) --rm -i --restart=Never --image=registry\.example\.com/);
        assert.match(commands.list, /"envFrom":\[\{"secretRef":\{"name":"orders-credentials-0a1b2c3d"\}\}\]/);
        assert.match(commands.list, /"runAsNonRoot":true,"runAsUser":10001/, "the one-off pod is as restricted as the CronJob's");
        assert.match(commands.restore, /create secret generic orders-restore-target --from-file=RESTORE_TARGET_PASSWORD=<password-file>/);
        assert.doesNotMatch(commands.restore, /RESTORE_TARGET_PASSWORD=[^<]/);
    });

    const bad: [string, (a: SqlServerBackupArgs) => void, string, RegExp][] = [
        ["no target", (a) => (a.target = undefined), "restore", /needs a target/],
        ["an id with capitals", (a) => (a.restore!.id = "Incident"), "restore.id", /lower-case/],
        ["an unknown database", (a) => (a.restore!.database = "crm"), "restore.database", /not one of the databases/],
        ["no database among several", (a) => (a.restore!.database = undefined), "restore.database", /say which database/],
        ["a backup that is no backup", (a) => (a.restore!.backup = "yesterday"), "restore.backup", /latest, an archive name/],
        ["a target password with a quote", (a) => (a.restore!.target.password = 'a"b'), "restore.target.password", /double quote/],
        ["a target database with a space", (a) => (a.restore!.target.database = "Orders Restored"), "restore.target.database", /whitespace/],
    ];
    for (const [title, change, field, message] of bad) {
        it(`rejects a restore with ${title}, naming ${field}`, () => {
            const args = withRestore("docker");
            change(args);
            assert.throws(
                () => new SqlServerBackup("orders", args),
                (err: Error) => err instanceof SqlServerBackupArgsError && err.problems.some((p) => p.field === field && message.test(p.message)),
            );
        });
    }
});
