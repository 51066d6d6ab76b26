import * as assert from "assert";
import { SqlServerBackup, SqlServerBackupArgs } from "../../components";
import { ADMIN_PASSWORD, BILLING_PASSWORD, ORDERS_PASSWORD, validArgs } from "./helpers/fixtures";
import { RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;

function dockerArgs(): SqlServerBackupArgs {
    return { ...validArgs(), image: { ref: IMAGE }, target: { kind: "docker", networks: ["backend"] } };
}

const byType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

describe("docker target (mocked engine)", () => {
    const resources = useMocks();

    async function deploy(args = dockerArgs()): Promise<{ backup: SqlServerBackup; container: RecordedResource; volume: RecordedResource }> {
        const backup = new SqlServerBackup("orders", args);
        await valueOf(backup.commands);
        await settle();
        const [container] = byType(resources, "docker:index/container:Container");
        const [volume] = byType(resources, "docker:index/volume:Volume");
        return { backup, container, volume };
    }

    it("runs the image in daemon mode, restarting unless stopped, on the given network", async () => {
        const { container } = await deploy();
        assert.strictEqual(container.inputs.name, "orders-backup");
        assert.strictEqual(container.inputs.image, IMAGE);
        assert.strictEqual(container.inputs.restart, "unless-stopped");
        assert.deepStrictEqual(container.inputs.networksAdvanced, [{ name: "backend" }]);
        const envs = secretInput(container.inputs.envs) as string[];
        assert.ok(envs.includes("RUN_MODE=daemon"));
    });

    it("passes every variable the config needs as a secret env, plus the job's plain settings", async () => {
        const { container } = await deploy();
        const envs = secretInput(container.inputs.envs) as string[];
        const names = envs.map((e) => e.split("=")[0]);
        assert.deepStrictEqual(names, [
            "BACKUP_MAX_AGE_SECONDS",
            "GOBACKUP_CONFIG",
            "GOBACKUP_WORKDIR",
            "MINIO_ACCESS_KEY",
            "MINIO_BUCKET",
            "MINIO_ENDPOINT",
            "MINIO_PATH",
            "MINIO_REGION",
            "MINIO_SECRET_KEY",
            "MSSQL_PASSWORD_BILLING",
            "MSSQL_PASSWORD_ORDERS",
            "PREFLIGHT_TARGETS",
            "RUN_MODE",
            "TZ",
        ]);
        assert.ok(envs.includes(`MSSQL_PASSWORD_ORDERS=${ORDERS_PASSWORD}`));
        assert.ok(envs.includes("PREFLIGHT_TARGETS=sql.internal:1433 10.0.0.5:14330 minio:9000"));
        assert.ok(envs.includes("BACKUP_MAX_AGE_SECONDS=93600"), "daily schedule: 24 h + 2 h");
    });

    it("uploads the rendered config to /etc/gobackup/gobackup.yml, readable by the image's user only", async () => {
        const { container, backup } = await deploy();
        // The config Output is secret, so the whole uploads list travels as a secret.
        const [upload] = secretInput(container.inputs.uploads) as Record<string, unknown>[];
        assert.strictEqual(upload.file, "/etc/gobackup/gobackup.yml");
        assert.strictEqual(upload.owner, "10001");
        assert.strictEqual(upload.permissions, "0440");
        assert.strictEqual(upload.content, await valueOf(backup.config));
    });

    it("keeps the workdir on a named volume so local copies survive restarts", async () => {
        const { container, volume } = await deploy();
        assert.strictEqual(volume.inputs.name, "orders-workdir");
        assert.deepStrictEqual(container.inputs.volumes, [{ volumeName: "orders-workdir", containerPath: "/tmp/gobackup" }]);
    });

    it("uses the image's backup-age health check and makes pulumi up wait until healthy", async () => {
        const { container } = await deploy();
        assert.deepStrictEqual(container.inputs.healthcheck, { tests: ["CMD", "/usr/local/bin/healthcheck.sh"], interval: "30s", timeout: "10s", retries: 3, startPeriod: "2m" });
        assert.strictEqual(container.inputs.wait, true);
        assert.strictEqual(container.inputs.waitTimeout, 300);
    });

    it("rotates logs and drops privileges", async () => {
        const { container } = await deploy();
        assert.strictEqual(container.inputs.logDriver, "json-file");
        assert.deepStrictEqual(container.inputs.logOpts, { "max-size": "10m", "max-file": "5" });
        assert.deepStrictEqual(container.inputs.securityOpts, ["no-new-privileges:true"]);
        assert.deepStrictEqual(container.inputs.capabilities, { drops: ["ALL"] });
    });

    it("labels the container with app.kubernetes.io labels", async () => {
        const { container } = await deploy();
        const labels = Object.fromEntries((container.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
        assert.strictEqual(labels["app.kubernetes.io/name"], "sqlserver-backup");
        assert.strictEqual(labels["app.kubernetes.io/instance"], "orders");
        assert.strictEqual(labels["app.kubernetes.io/managed-by"], "pulumi");
    });

    it("puts no secret value in any non-secret input", async () => {
        const { backup } = await deploy();
        const env = await valueOf(backup.environment);
        const secrets = [ORDERS_PASSWORD, BILLING_PASSWORD, ADMIN_PASSWORD, env.MINIO_SECRET_KEY];
        for (const resource of resources) {
            const plain = JSON.stringify(resource.inputs, (_, value) => (value && value["4dabf18193072939515e22adb298388d"] ? "[secret]" : value));
            for (const secret of secrets) assert.ok(!plain.includes(secret), `${resource.type} ${resource.name} holds a secret in plain text`);
        }
    });

    it("gives operators commands to back up now, follow logs and see health", async () => {
        const { backup } = await deploy();
        assert.deepStrictEqual(await valueOf(backup.commands), {
            backupNow: "docker exec orders-backup gobackup perform --config /etc/gobackup/gobackup.yml",
            logs: "docker logs --follow --tail 200 orders-backup",
            status: "docker inspect --format '{{json .State.Health}}' orders-backup",
            list: "docker exec orders-backup /entrypoint.sh list",
            restore:
                "RESTORE_TARGET_PASSWORD='<password>' docker exec -e RESTORE_TARGET_PASSWORD -e RESTORE_DATABASE=<backup-name> " +
                "-e RESTORE_TARGET_HOST=<sql-host> -e RESTORE_TARGET_DATABASE=<new-database> -e RESTORE_BACKUP=latest orders-backup /entrypoint.sh restore",
        });
        assert.strictEqual(await valueOf(backup.deployedName), "orders-backup");
    });
});
