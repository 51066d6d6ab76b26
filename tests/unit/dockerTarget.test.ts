import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { DockerTargetArgs, SqlServerBackup, SqlServerBackupArgs } from "../../components";
import { containerOutcome } from "../../components/plan/outcome";
import { failOnOutcome } from "../../components/targets/outcomeHook";
import { ADMIN_PASSWORD, BILLING_PASSWORD, ORDERS_PASSWORD, validArgs } from "./helpers/fixtures";
import { assertNoPlainSecrets, envMap, RecordedResource, secretInput, settle, useMocks, valueOf, withUnpatchedMocks } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;

function dockerArgs(extra: Partial<DockerTargetArgs> = {}): SqlServerBackupArgs {
    return { ...validArgs(), image: { ref: IMAGE }, target: { docker: { networks: ["backend"], ...extra } } };
}

const byType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

describe("docker target (mocked engine)", () => {
    const resources = useMocks();

    async function deploy(args = dockerArgs()): Promise<{ backup: SqlServerBackup; container: RecordedResource; volume: RecordedResource }> {
        const backup = new SqlServerBackup("orders", args);
        await valueOf(backup.commands);
        await settle();
        const container = byType(resources, "docker:index/container:Container").find((c) => c.inputs.name === "orders-backup")!;
        const [volume] = byType(resources, "docker:index/volume:Volume");
        return { backup, container, volume };
    }

    it("runs the image in daemon mode, restarting unless stopped, on the given network", async () => {
        const { container } = await deploy();
        assert.strictEqual(container.inputs.image, IMAGE);
        assert.strictEqual(container.inputs.restart, "unless-stopped");
        assert.deepStrictEqual(container.inputs.networksAdvanced, [{ name: "backend" }]);
        assert.strictEqual(envMap(container.inputs.envs).RUN_MODE, "daemon");
    });

    it("passes the config and the job's settings as plain env a reviewer can read, and every credential as a _FILE path", async () => {
        const { container, backup } = await deploy();
        // Plain, not secret: the preview shows a changed schedule or time zone.
        const env = envMap(container.inputs.envs);
        assert.deepStrictEqual(Object.keys(env), [
            "BACKUP_KEEP",
            "BACKUP_KEEP_FAILED",
            "BACKUP_MAX_AGE_SECONDS",
            "DEPLOYMENT_ID",
            "GOBACKUP_CONFIG_YAML",
            "HEALTH_SETTLE_SECONDS",
            "LOCAL_KEEP",
            "MINIO_ACCESS_KEY_FILE",
            "MINIO_BUCKET",
            "MINIO_ENDPOINT",
            "MINIO_FORCE_PATH_STYLE",
            "MINIO_PATH",
            "MINIO_REGION",
            "MINIO_SECRET_KEY_FILE",
            "MSSQL_PASSWORD_BILLING_FILE",
            "MSSQL_PASSWORD_ORDERS_FILE",
            "PREFLIGHT_TARGETS",
            "RESTORE_ACCESS_KEY_FILE",
            "RESTORE_SECRET_KEY_FILE",
            "RUN_MODE",
            "SHUTDOWN_GRACE_SECONDS",
            "TZ",
        ]);
        assert.strictEqual(env.GOBACKUP_CONFIG_YAML, await valueOf(backup.config));
        assert.strictEqual(YAML.parse(env.GOBACKUP_CONFIG_YAML).models.orders.schedule.cron, "30 1 * * *");
        assert.strictEqual(env.TZ, "Europe/Berlin");
        assert.strictEqual(env.MSSQL_PASSWORD_ORDERS_FILE, "/run/secrets/sqlserver-backup/MSSQL_PASSWORD_ORDERS");
        assert.strictEqual(env.PREFLIGHT_TARGETS, "sql.internal:1433 10.0.0.5:14330 minio:9000");
        assert.strictEqual(env.BACKUP_MAX_AGE_SECONDS, "93600", "daily schedule: 24 h + 2 h");
        // Retention is the agent's, after verification: the policy travels as env, never as GoBackup's keep.
        assert.strictEqual(env.BACKUP_KEEP, "7");
        assert.strictEqual(env.LOCAL_KEEP, "2");
        assert.doesNotMatch(env.GOBACKUP_CONFIG_YAML, /keep:/);
        assert.strictEqual(env.DEPLOYMENT_ID, "sqlserver-backup/test/orders");
    });

    it("puts each credential in its own file the image's user can read on any Docker provider version (0444, no owner)", async () => {
        const { container, backup } = await deploy();
        const uploads = secretInput(container.inputs.uploads) as Record<string, unknown>[];
        const environment = await valueOf(backup.environment);
        assert.deepStrictEqual(
            uploads.map((u) => u.file),
            ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MSSQL_PASSWORD_BILLING", "MSSQL_PASSWORD_ORDERS", "RESTORE_ACCESS_KEY", "RESTORE_SECRET_KEY"].map((n) => `/run/secrets/sqlserver-backup/${n}`),
        );
        for (const upload of uploads) {
            // Upload owners exist only from the provider behind @pulumi/docker 5.2; root-owned 0400 would lock the user out.
            assert.strictEqual(upload.owner, undefined);
            assert.strictEqual(upload.permissions, "0444");
            if (environment[String(upload.file).split("/").pop()!] !== undefined) assert.strictEqual(upload.content, environment[String(upload.file).split("/").pop()!]);
        }
        assert.strictEqual(environment.MSSQL_PASSWORD_ORDERS, ORDERS_PASSWORD);
        const byFile = Object.fromEntries(uploads.map((u) => [String(u.file).split("/").pop(), u.content]));
        assert.strictEqual(byFile.RESTORE_ACCESS_KEY, "orders-restore", "manual restores in the container use the read-only restore user");
    });

    it("keeps the workdir on a named volume so local copies and health records survive restarts", async () => {
        const { container, volume } = await deploy();
        assert.strictEqual(volume.inputs.name, "orders-workdir");
        assert.deepStrictEqual(container.inputs.volumes, [{ volumeName: "orders-workdir", containerPath: "/tmp/gobackup" }]);
        const labels = (volume.inputs.labels as { label: string }[]).map((l) => l.label);
        assert.ok(!labels.includes("app.kubernetes.io/version"), "a version label would replace the volume (and its local copies) on every upgrade");
    });

    it("waits for readiness through the agent's health check, durations in Go's form so the provider reads back what it was given", async () => {
        const { container } = await deploy();
        assert.deepStrictEqual(container.inputs.healthcheck, { tests: ["CMD", "/usr/local/bin/sqlserver-backup-agent", "health"], interval: "10s", timeout: "10s", startPeriod: "2m0s", retries: 1 });
        assert.strictEqual(envMap(container.inputs.envs).HEALTH_SETTLE_SECONDS, "120", "the agent reports readiness for as long as the start period");
        assert.strictEqual(container.inputs.wait, true);
        assert.strictEqual(container.inputs.waitTimeout, 300);
    });

    it("gives a running backup its grace period when the container is stopped or replaced", async () => {
        const { container } = await deploy(dockerArgs({ shutdownGraceSeconds: 900 }));
        assert.strictEqual(envMap(container.inputs.envs).SHUTDOWN_GRACE_SECONDS, "900");
        assert.strictEqual(container.inputs.stopTimeout, 930, "docker stop waits for the agent's grace and the outcome record");
        assert.strictEqual(container.inputs.destroyGraceSeconds, 930, "replacing the container stops it the same way");
    });

    it("rotates logs, ignores the log options the daemon merges in (no replace on every up), and drops privileges", async () => {
        const { container } = await deploy();
        assert.strictEqual(container.inputs.logDriver, "json-file");
        assert.deepStrictEqual(container.inputs.logOpts, { "max-size": "10m", "max-file": "5" });
        assert.deepStrictEqual(container.ignoreChanges, ["logOpts"]);
        assert.deepStrictEqual(container.replaceOnChanges, ["healthcheck"]);
        assert.deepStrictEqual(container.inputs.securityOpts, ["no-new-privileges:true"]);
        assert.deepStrictEqual(container.inputs.capabilities, { drops: ["ALL"] });
    });

    it("labels the container with app.kubernetes.io labels but no version, so an upgrade changes no container", async () => {
        const { container } = await deploy();
        const labels = Object.fromEntries((container.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
        assert.strictEqual(labels["app.kubernetes.io/name"], "sqlserver-backup");
        assert.strictEqual(labels["app.kubernetes.io/instance"], "orders");
        assert.strictEqual(labels["app.kubernetes.io/managed-by"], "pulumi");
        assert.strictEqual(labels["app.kubernetes.io/version"], undefined);
    });

    it("serves the agent's metrics only when asked, published on 127.0.0.1 by default", async () => {
        const { container } = await deploy();
        assert.strictEqual(envMap(container.inputs.envs).METRICS_ADDRESS, undefined);
        assert.strictEqual(container.inputs.ports, undefined);
        resources.length = 0;
        const withMetrics = await deploy(dockerArgs({ metrics: {} }));
        assert.strictEqual(envMap(withMetrics.container.inputs.envs).METRICS_ADDRESS, "0.0.0.0:9464");
        assert.deepStrictEqual(withMetrics.container.inputs.ports, [{ internal: 9464, external: 9464, ip: "127.0.0.1" }]);
    });

    it("puts no secret value in any non-secret input", async () => {
        const { backup } = await deploy();
        const env = await valueOf(backup.environment);
        assertNoPlainSecrets(resources, [ORDERS_PASSWORD, BILLING_PASSWORD, ADMIN_PASSWORD, env.MINIO_SECRET_KEY]);
    });

    it("gives operators commands that run inside the container with its state, config and health record", async () => {
        const { backup } = await deploy();
        assert.deepStrictEqual(await valueOf(backup.commands), {
            backupNow: "docker exec orders-backup /entrypoint.sh once",
            logs: "docker logs --follow --tail 200 orders-backup",
            status: "docker exec orders-backup /entrypoint.sh status",
            list: "docker exec orders-backup /entrypoint.sh list",
            restore:
                "RESTORE_TARGET_PASSWORD='<password>' docker exec -e RESTORE_TARGET_PASSWORD -e RESTORE_ID=<new-restore-id> -e RESTORE_DATABASE=<backup-name> " +
                "-e RESTORE_TARGET_HOST=<sql-host> -e RESTORE_TARGET_DATABASE=<new-database> -e RESTORE_TRUST_CERT=<true-or-false> -e RESTORE_BACKUP=latest orders-backup /entrypoint.sh restore",
        });
        assert.strictEqual(await valueOf(backup.deployedName), "orders-backup");
    });

    it("builds the image on the target's Docker engine, so a remote host has the image its container runs", async () => {
        const remote = new docker.Provider("remote-host", { host: "ssh://backup@db-host" });
        const args = { ...dockerArgs(), image: { build: {} } };
        args.target!.docker!.provider = remote;
        new SqlServerBackup("orders", args);
        await settle();
        const [image] = byType(resources, "docker:index/image:Image");
        assert.match(image.provider!, /pulumi:providers:docker::remote-host::/);
        for (const resource of byType(resources, "docker:index/container:Container")) assert.match(resource.provider!, /::remote-host::/);
    });

    describe("backupOnStart", () => {
        it("runs the first backup in a one-shot container that pulumi up waits for, replaced with the backup container", async () => {
            const { backup } = await deploy(dockerArgs({ backupOnStart: true }));
            const first = byType(resources, "docker:index/container:Container").find((c) => c.inputs.name === "orders-backup-first-backup")!;
            assert.ok(first, "no first-backup container");
            assert.strictEqual(envMap(first.inputs.envs).RUN_MODE, "once");
            assert.deepStrictEqual(first.inputs.command, ["first-backup"]);
            assert.strictEqual(first.hooks, true, "its failure fails the up that created it");
            assert.strictEqual(first.inputs.attach, true, "up waits for it to end");
            assert.strictEqual(first.inputs.logs, true, "its output is captured for the outcome");
            assert.strictEqual(first.inputs.restart, "no", "a failed backup is not restarted in a loop");
            assert.strictEqual(first.inputs.mustRun, false);
            assert.deepStrictEqual(first.inputs.volumes, [{ volumeName: "orders-workdir", containerPath: "/tmp/gobackup" }]);
            // The mock's attached containers exit 0.
            assert.strictEqual(await valueOf(backup.firstBackup), "succeeded");
        });

        it("fails pulumi up with the backup's own reason when the first backup failed, and with nothing when it succeeded", () => {
            // The afterCreate hook the first-backup container is registered with, called as the engine would.
            const afterCreate = (name: string, outputs: Record<string, unknown>) => {
                const hook = failOnOutcome(`The first backup (${name})`, (o) => containerOutcome(o, `docker logs ${name}`))!.afterCreate![0] as pulumi.ResourceHookFunction;
                return () => hook({ urn: "urn", id: "id", name, type: "docker:index/container:Container", newOutputs: outputs });
            };
            const logs = "...\nOUTCOME: failed: orders: cannot list s3://sql-backups/backups/sqlserver/orders/ (Access Denied)\n";
            assert.throws(afterCreate("orders-backup-first-backup", { exitCode: 1, containerLogs: logs }), {
                message: "The first backup (orders-backup-first-backup) failed: orders: cannot list s3://sql-backups/backups/sqlserver/orders/ (Access Denied)",
            });
            assert.throws(afterCreate("x", { exitCode: 137, containerLogs: "" }), /failed: exit code 137; see docker logs x/);
            assert.doesNotThrow(afterCreate("x", { exitCode: 0, containerLogs: "OUTCOME: succeeded\n" }));
        });

        it("registers under the SDK's own mocks (no registerResourceHook), as consumers' unit tests run it, without the hook", async () => {
            await withUnpatchedMocks(async () => {
                const backup = new SqlServerBackup("orders", dockerArgs({ backupOnStart: true }));
                assert.strictEqual(await valueOf(backup.firstBackup), "succeeded");
                await settle();
                const first = byType(resources, "docker:index/container:Container").find((c) => c.inputs.name === "orders-backup-first-backup")!;
                assert.ok(first, "the first-backup container never registered");
                assert.strictEqual(first.hooks, false);
            });
        });

        it("creates no one-shot container without it", async () => {
            const { backup } = await deploy();
            assert.strictEqual(byType(resources, "docker:index/container:Container").length, 1);
            assert.strictEqual(await valueOf(backup.firstBackup), undefined);
        });
    });
});
