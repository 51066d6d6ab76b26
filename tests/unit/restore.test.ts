import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup, SqlServerBackupArgs, SqlServerBackupArgsError } from "../../components";
import { restorePlaceholders } from "../../components/plan/operatorCommands";
import { runOutcome } from "../../components/plan/outcome";
import { jobOutcome, OUTCOME_ANNOTATION, RESTORE_WAIT_FOR } from "../../components/targets/kubernetes/restore";
import { validArgs, validSettings } from "./helpers/fixtures";
import { envMap, RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;
const TARGET_PASSWORD = "Restore-Target-Pa55";

function withRestore(kind: "docker" | "kubernetes"): SqlServerBackupArgs {
    return {
        ...validArgs(),
        image: { ref: IMAGE },
        target: kind === "docker" ? { docker: { networks: ["backend"] } } : { kubernetes: { namespace: "backup" } },
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

    it("docker: runs one attached container named after the restore id, with the choice, the target and a deadline as env", async () => {
        const backup = new SqlServerBackup("orders", withRestore("docker"));
        await valueOf(backup.commands);
        await settle();
        const container = named(resources, "orders-restore-incident-42")!;
        assert.strictEqual(container.type, "docker:index/container:Container");
        assert.deepStrictEqual(container.inputs.command, ["restore"]);
        assert.strictEqual(container.inputs.attach, true);
        assert.strictEqual(container.inputs.logs, true);
        assert.strictEqual(container.inputs.mustRun, false);
        assert.strictEqual(container.inputs.restart, "no");
        const env = envMap(container.inputs.envs);
        assert.deepStrictEqual(
            { ...env, MINIO_ENDPOINT: undefined, MINIO_REGION: undefined, TZ: undefined },
            {
                BACKUP_KEEP: "7",
                BACKUP_KEEP_FAILED: "2",
                // The restore refuses a folder or archive another deployment made.
                DEPLOYMENT_ID: "sqlserver-backup/test/orders",
                MINIO_BUCKET: "sql-backups",
                MINIO_ENDPOINT: undefined,
                MINIO_FORCE_PATH_STYLE: "true",
                MINIO_PATH: "backups/sqlserver",
                MINIO_REGION: undefined,
                RESTORE_ACCESS_KEY_FILE: "/run/secrets/sqlserver-backup/RESTORE_ACCESS_KEY",
                RESTORE_BACKUP: "before:2026-11-23T02:00:00Z",
                RESTORE_DATABASE: "orders",
                RESTORE_FORCE: "0",
                RESTORE_ID: "incident-42",
                RESTORE_TARGET_DATABASE: "Orders_Restored",
                RESTORE_TARGET_HOST: "sql-restore",
                RESTORE_TARGET_PASSWORD_FILE: "/run/secrets/sqlserver-backup/RESTORE_TARGET_PASSWORD",
                RESTORE_TARGET_PORT: "1433",
                RESTORE_TARGET_USERNAME: "sa",
                RESTORE_SECRET_KEY_FILE: "/run/secrets/sqlserver-backup/RESTORE_SECRET_KEY",
                RESTORE_TIMEOUT_SECONDS: "3600",
                RESTORE_TRUST_CERT: "true",
                TZ: undefined,
            },
        );
        const uploads = secretInput(container.inputs.uploads) as { file: string; content: string }[];
        assert.deepStrictEqual(
            uploads.map((u) => u.file.split("/").pop()),
            ["RESTORE_ACCESS_KEY", "RESTORE_SECRET_KEY", "RESTORE_TARGET_PASSWORD"],
            "a restore gets the read-only restore identity, no backup key and no source database password",
        );
        assert.strictEqual(uploads[0].content, await valueOf(backup.restoreAccessKeyId));
        assert.strictEqual(uploads[2].content, TARGET_PASSWORD);
    });

    it("docker: reads the outcome from the restore's last log line, else from its exit code", async () => {
        const backup = new SqlServerBackup("orders", withRestore("docker"));
        assert.strictEqual(await valueOf(backup.restoreStatus), "succeeded");
        assert.strictEqual(runOutcome(1, "x\nOUTCOME: failed: sqlpackage import failed (exit 1)\n", "docker logs r"), "failed: sqlpackage import failed (exit 1)");
        assert.strictEqual(runOutcome(0, "OUTCOME: already-ran: started 2026-11-23T03:00:00Z, succeeded\n", "docker logs r"), "already-ran: started 2026-11-23T03:00:00Z, succeeded");
        assert.strictEqual(runOutcome(1, "", "docker logs r"), "failed: exit code 1; see docker logs r");
    });

    it("kubernetes: runs a Job named after the restore id, once, restricted like the backup, credentials as files", async () => {
        const backup = new SqlServerBackup("orders", withRestore("kubernetes"));
        await valueOf(backup.commands);
        await settle();
        const job = resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
        const metadata = job.inputs.metadata as Json;
        assert.strictEqual(metadata.name, "orders-restore-incident-42");
        assert.strictEqual(metadata.namespace, "backup");
        assert.strictEqual(metadata.annotations["pulumi.com/waitFor"], RESTORE_WAIT_FOR);
        const spec = job.inputs.spec as Json;
        assert.strictEqual(spec.backoffLimit, 0, "a restore is retried by a new id");
        assert.strictEqual(spec.activeDeadlineSeconds, 3600 + 600, "the agent's deadline covers the whole restore; the Job's lies beyond it");
        assert.deepStrictEqual(spec.podFailurePolicy, { rules: [{ action: "FailJob", onExitCodes: { containerName: "sqlserver-backup", operator: "In", values: [3] } }] });
        assert.strictEqual(spec.ttlSecondsAfterFinished, undefined, "the finished Job stays as the record of the restore");
        const container = spec.template.spec.containers[0];
        assert.deepStrictEqual(container.args, ["restore"]);
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        assert.ok((container.env as Json[]).every((e) => e.valueFrom === undefined));
        assert.ok(!JSON.stringify(job.inputs).includes(TARGET_PASSWORD));
        const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as Json).name === "orders-restore-incident-42")!;
        assert.deepStrictEqual(secretInput(secret.inputs.stringData), { RESTORE_TARGET_PASSWORD: TARGET_PASSWORD }, "the target's password alone, in a Secret of its own");
        assert.deepStrictEqual(spec.template.spec.volumes[0], {
            name: "credentials",
            projected: { defaultMode: 0o440, sources: [{ secret: { name: "orders-restore-credentials" } }, { secret: { name: "orders-restore-incident-42" } }] },
        });
    });

    it("kubernetes: the restore pod empties its own password Secret when it starts: a token, and a Role for that one Secret", async () => {
        const backup = new SqlServerBackup("orders", withRestore("kubernetes"));
        await valueOf(backup.commands);
        await settle();
        const spec = (resources.find((r) => r.type === "kubernetes:batch/v1:Job")!.inputs.spec as Json).template.spec;
        assert.strictEqual(spec.serviceAccountName, "orders-restore");
        assert.strictEqual(spec.automountServiceAccountToken, true);
        const env = Object.fromEntries((spec.containers[0].env as Json[]).map((e) => [e.name, e.value]));
        assert.strictEqual(env.RESTORE_PASSWORD_SECRET, "orders-restore-incident-42");
        const role = named(resources, "orders-restore-incident-42-role")!;
        assert.deepStrictEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["orders-restore-incident-42"], verbs: ["get", "patch"] }]);
        const binding = named(resources, "orders-restore-incident-42-role-binding")!;
        assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "orders-restore", namespace: "backup" }]);
        assert.ok(named(resources, "orders-restore-incident-42")!.dependsOn!.includes("orders-restore-incident-42-role-binding"), "the Job starts with its Role bound");
    });

    it("kubernetes: empties the target password's Secret once the Job has ended, and fails the up there on a failed restore", async () => {
        const backup = new SqlServerBackup("orders", withRestore("kubernetes"));
        await valueOf(backup.restoreStatus);
        await settle();
        const scrub = named(resources, "orders-restore-incident-42-scrub")!;
        assert.strictEqual(scrub.type, "kubernetes:core/v1:SecretPatch");
        assert.deepStrictEqual(secretInput(scrub.inputs.data), { RESTORE_TARGET_PASSWORD: "" });
        assert.strictEqual((scrub.inputs.metadata as Json).name, "orders-restore-incident-42");
        assert.strictEqual((scrub.inputs.metadata as Json).annotations["pulumi.com/patchForce"], "true");
        assert.ok(scrub.dependsOn!.includes("orders-restore-incident-42"), "after the Job");
        assert.strictEqual(scrub.hooks, true);
        assert.strictEqual(typeof (scrub.inputs.metadata as Json).annotations[OUTCOME_ANNOTATION], "string");
    });

    it("kubernetes: waits for either end of the Job, and reads the outcome from its conditions", () => {
        const logs = "kubectl --namespace backup logs job/orders-restore-incident-42";
        assert.strictEqual(jobOutcome({ conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] }, logs), "succeeded");
        assert.strictEqual(
            jobOutcome({ conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }] }, logs),
            `failed: DeadlineExceeded: Job was active longer than specified deadline; see ${logs}`,
        );
        assert.match(jobOutcome(undefined, logs), /^unknown/);
        // The agent exits 3 for an id that ran before; the podFailurePolicy makes it a Failed condition of its own.
        assert.match(
            jobOutcome({ conditions: [{ type: "Failed", status: "True", reason: "PodFailurePolicy", message: "Container sqlserver-backup for pod backup/x failed with exit code 3 matching FailJob rule at index 0" }] }, logs),
            /^already-ran: /,
        );
        assert.match(jobOutcome({ conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] }, logs), /^failed: BackoffLimitExceeded/);
    });

    const bad: [string, (a: SqlServerBackupArgs) => void, string, RegExp][] = [
        ["no target", (a) => (a.target = undefined), "restore", /needs a target/],
        ["an id with capitals", (a) => (a.restore!.id = "Incident"), "restore.id", /lower-case/],
        ["an unknown database", (a) => (a.restore!.database = "crm"), "restore.database", /not one of the databases/],
        ["no database among several", (a) => (a.restore!.database = undefined), "restore.database", /say which database/],
        ["a backup that is no backup", (a) => (a.restore!.backup = "yesterday"), "restore.backup", /latest, an archive name/],
        ["a target password with a quote", (a) => (a.restore!.target.password = 'a"b'), "restore.target.password", /double quote/],
        ["a target database with a space", (a) => (a.restore!.target.database = "Orders Restored"), "restore.target.database", /whitespace/],
        ["a timeout under a minute", (a) => (a.restore!.timeoutSeconds = 5), "restore.timeoutSeconds", /60 to/],
        ["a before: time the agent cannot read", (a) => (a.restore!.backup = "before:last tuesday"), "restore.backup", /RFC 3339/],
        ["a before: date that does not exist", (a) => (a.restore!.backup = "before:2026-02-30"), "restore.backup", /not a valid date/],
        ["a target that is the backed-up database itself", (a) => (a.restore!.target = { host: "SQL.internal", database: "orders", password: "x" }), "restore.target.database", /backups come from/],
        ["a target database written with brackets", (a) => (a.restore!.target.database = "[Orders_Restored]"), "restore.target.database", /without brackets/],
        ["a Windows login for the target", (a) => (a.restore!.target.username = "CORP\\svc-restore"), "restore.target.username", /Windows login/],
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

describe("the operator's restore command", () => {
    it("runs once per id (typing it again does nothing), names the one backup and trusts the certificate as the backup does", () => {
        const settings = validSettings();
        settings.databases = settings.databases.slice(0, 1);
        const env = restorePlaceholders(settings);
        assert.strictEqual(env.RESTORE_ID, "<new-restore-id>", "without an id every time the line is typed is another restore");
        assert.strictEqual(env.RESTORE_DATABASE, "orders");
        assert.strictEqual(env.RESTORE_TRUST_CERT, "true", "a self-signed source certificate (the dev stack's) is refused by sqlpackage without it");
    });

    it("leaves the choice to the operator where the databases differ", () => {
        const env = restorePlaceholders(validSettings());
        assert.strictEqual(env.RESTORE_DATABASE, "<backup-name>");
        assert.strictEqual(env.RESTORE_TRUST_CERT, "<true-or-false>");
    });
});
