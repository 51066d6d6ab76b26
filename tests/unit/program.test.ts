import * as assert from "assert";
import * as path from "path";
import { graphSnapshot, matchGolden, runProgram, stackConfig } from "./helpers/program";
import { useMocks, valueOf } from "./helpers/mocks";
import * as pulumi from "@pulumi/pulumi";

const REPO = path.resolve(__dirname, "../..");
const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"e".repeat(64)}`;

describe("this repository's program with the dev stack (mocked engine)", () => {
    const resources = useMocks("sqlserver-backup");

    async function runDev(): Promise<Record<string, unknown>> {
        // The pins in image/versions.env are empty on this machine, so the image is given by reference.
        const { config, secretKeys } = stackConfig(REPO, "dev", { "sqlserver-backup:imageRef": IMAGE });
        return runProgram(path.join(REPO, "index.ts"), config, secretKeys, resources);
    }

    it("creates the network, MinIO, SQL Server and the backup, registered in dependency order", async () => {
        await runDev();
        const order = resources.map((r) => r.name);
        const position = (name: string) => {
            const i = order.indexOf(name);
            assert.ok(i >= 0, `${name} was not created: ${order.join(", ")}`);
            return i;
        };
        assert.ok(position("dev-minio") > position("dev-network"));
        assert.ok(position("dev-sqlserver") > position("dev-network"));
        // Provisioning waits for a healthy MinIO; the backup container for MinIO and SQL Server.
        assert.ok(position("dev-minio-admin") > position("dev-minio"), "provider after MinIO");
        assert.ok(position("dev-backup") > position("dev-minio"));
        assert.ok(position("dev-backup") > position("dev-sqlserver"));
        assert.ok(position("dev-backup") > position("dev-bucket"));
    });

    it("waits for MinIO and SQL Server to be healthy, SQL Server only once the sample database exists", async () => {
        await runDev();
        const minio = resources.find((r) => r.name === "dev-minio")!;
        const sql = resources.find((r) => r.name === "dev-sqlserver")!;
        for (const container of [minio, sql]) assert.strictEqual(container.inputs.wait, true);
        assert.match(JSON.stringify((sql.inputs.healthcheck as { tests: string[] }).tests), /SampleDb/);
        assert.deepStrictEqual(minio.inputs.ports, [{ internal: 9000, external: 9000, ip: "127.0.0.1" }]);
    });

    it("points the backup at the embedded services and backs up at start so pulumi up ends with a backup", async () => {
        const exports = await runDev();
        const commands = await valueOf(exports.commands as pulumi.Output<{ backupNow: string }>);
        assert.strictEqual(commands.backupNow, "docker exec dev-backup gobackup perform --config /etc/gobackup/gobackup.yml");
        const config = await valueOf(exports.gobackupConfig as pulumi.Output<string>);
        assert.match(config, /host: sqlserver/);
        assert.match(config, /endpoint: http:\/\/minio:9000/);
        assert.match(config, /database: SampleDb/);
        assert.strictEqual(await valueOf(exports.backupLocation as pulumi.Output<string>), "s3://dev-backups/backups/sqlserver/");
        assert.strictEqual(await valueOf(exports.schedule as pulumi.Output<string>), "Every 15 minutes, every hour, every day (Etc/UTC)");
    });

    it("matches the golden resource graph (tests/golden/dev-stack.yaml)", async () => {
        await runDev();
        const { expected, actual } = matchGolden("dev-stack.yaml", graphSnapshot(resources));
        assert.strictEqual(actual, expected, "the dev stack's infrastructure changed: review, then UPDATE_GOLDEN=1 npm test");
    });
});

describe("the Kubernetes production example stack (mocked engine)", () => {
    const resources = useMocks("orders-backup");
    const dir = path.join(REPO, "stacks/kubernetes-production");

    async function runExample(): Promise<Record<string, unknown>> {
        const { config, secretKeys } = stackConfig(dir, "production", {
            "orders-backup:minioAdminPassword": "example-admin-password",
            "orders-backup:ordersPassword": "example-orders-password",
            "orders-backup:billingPassword": "example-billing-password",
        });
        return runProgram(path.join(dir, "index.ts"), config, secretKeys, resources);
    }

    it("imports the package by name and deploys a CronJob with its NetworkPolicy", async () => {
        const exports = await runExample();
        const types = new Set(resources.map((r) => r.type));
        for (const type of ["kubernetes:batch/v1:CronJob", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "minio:index/iamPolicy:IamPolicy"]) assert.ok(types.has(type), type);
        assert.strictEqual(await valueOf(exports.schedule as pulumi.Output<string>), "At 01:00, every day (Europe/Berlin)");
    });

    it("keeps its secrets out of every plain input", async () => {
        await runExample();
        const plain = graphSnapshot(resources);
        for (const secret of ["example-admin-password", "example-orders-password", "example-billing-password"]) assert.ok(!plain.includes(secret));
    });

    it("matches the golden resource graph (tests/golden/kubernetes-production.yaml)", async () => {
        await runExample();
        const { expected, actual } = matchGolden("kubernetes-production.yaml", graphSnapshot(resources));
        assert.strictEqual(actual, expected, "the example's infrastructure changed: review, then UPDATE_GOLDEN=1 npm test");
    });
});
