import * as assert from "assert";
import * as path from "path";
import { graphSnapshot, matchGolden, runProgram, stackConfig } from "./helpers/program";
import { retainOnDelete, useMocks, valueOf } from "./helpers/mocks";
import { readRegister } from "../../components/image/register";
import * as pulumi from "@pulumi/pulumi";

const REPO = path.resolve(__dirname, "../..");
const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"e".repeat(64)}`;
/** The dev stack's config: scripts/dev-stack.sh writes Pulumi.dev.yaml from this template. */
const DEV_STACK = path.join(REPO, "program", "dev-stack.yaml");

describe("this repository's program with the dev stack (mocked engine)", () => {
    const resources = useMocks("sqlserver-backup");

    async function runDev(extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
        const { config, secretKeys } = stackConfig(REPO, "dev", extra, DEV_STACK);
        return runProgram(path.join(REPO, "index.ts"), config, secretKeys, resources);
    }

    it("constructs with the shipped pins: the image is built from image/ with the register (image/artifacts.env)", async () => {
        await runDev();
        const images = resources.filter((r) => r.type === "docker:index/image:Image");
        assert.strictEqual(images.length, 1);
        const args = (images[0].inputs.build as { args: Record<string, string> }).args;
        assert.strictEqual(args.SQLPACKAGE_VERSION, "170.4.83.3");
        assert.match(args.GOBACKUP_SHA256, /^[0-9a-f]{64}$/);
    });

    it("passes the CLI's config check: every declared key without a default is set by the stack file", () => {
        assert.doesNotThrow(() => stackConfig(REPO, "dev", {}, DEV_STACK));
        assert.doesNotThrow(() => stackConfig(path.join(REPO, "stacks/kubernetes-production"), "production"));
    });

    it("destroys cleanly: the dev stack's bucket goes with its backups, MinIO and SQL Server go too", async () => {
        await runDev();
        const bucket = resources.find((r) => r.type === "minio:index/s3Bucket:S3Bucket")!;
        assert.strictEqual(bucket.inputs.forceDestroy, true);
        assert.strictEqual(retainOnDelete.get(bucket.name), false);
    });

    it("pins SQL Server and the MinIO-compatible server by tag and digest from the register, nothing from MinIO's withdrawn images", async () => {
        await runDev();
        const images = resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => String(r.inputs.name));
        assert.deepStrictEqual(images.sort(), [readRegister().MINIO_SERVER_IMAGE, readRegister().SQLSERVER_IMAGE].sort());
        assert.ok(images.some((name) => /^mcr\.microsoft\.com\/mssql\/server:2022-CU\d+-ubuntu-22\.04@sha256:[0-9a-f]{64}$/.test(name)));
        assert.ok(images.some((name) => /^pgsty\/minio:RELEASE\.[0-9T-]+Z@sha256:[0-9a-f]{64}$/.test(name)));
        assert.ok(!images.some((name) => name.startsWith("minio/")));
    });

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
        const exports = await runDev({ "sqlserver-backup:imageRef": IMAGE });
        const commands = await valueOf(exports.commands as pulumi.Output<{ backupNow: string }>);
        assert.strictEqual(commands.backupNow, "docker exec dev-backup /entrypoint.sh once");
        assert.ok(resources.some((r) => r.name === "dev-first-backup"), "the first backup runs in a one-shot container");
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
