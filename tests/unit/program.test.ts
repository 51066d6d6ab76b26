import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { graphSnapshot, matchGolden, runProgram, stackConfig } from "./helpers/program";
import { retainOnDelete, useMocks, valueOf } from "./helpers/mocks";
import { readRegister } from "../../components/image/register";
import * as pulumi from "@pulumi/pulumi";

const REPO = path.resolve(__dirname, "../..");
const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"e".repeat(64)}`;
/** The dev stack's config: scripts/dev-stack.sh seeds a new Pulumi.dev.yaml from this template. */
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

    it("takes the image build's mirrors from stack keys: base and builder images, Go proxy and both downloads", async () => {
        const sha = "a".repeat(64);
        await runDev({
            "sqlserver-backup:baseImage": `mirror.example.com/library/debian:bookworm@sha256:${"b".repeat(64)}`,
            "sqlserver-backup:goBuilderImage": `mirror.example.com/go-builder:1.26@sha256:${"c".repeat(64)}`,
            "sqlserver-backup:goProxy": "https://goproxy.example.com",
            "sqlserver-backup:sqlpackageVersion": "170.6.60",
            "sqlserver-backup:sqlpackageUrl": "https://mirror.example.com/sqlpackage-170.6.60.zip",
            "sqlserver-backup:sqlpackageSha256": sha,
        });
        const args = (resources.find((r) => r.type === "docker:index/image:Image")!.inputs.build as { args: Record<string, string> }).args;
        assert.strictEqual(args.BASE_IMAGE, `mirror.example.com/library/debian:bookworm@sha256:${"b".repeat(64)}`);
        assert.strictEqual(args.GO_BUILDER_IMAGE, `mirror.example.com/go-builder:1.26@sha256:${"c".repeat(64)}`);
        assert.strictEqual(args.GOPROXY, "https://goproxy.example.com");
        assert.deepStrictEqual([args.SQLPACKAGE_VERSION, args.SQLPACKAGE_URL, args.SQLPACKAGE_SHA256], ["170.6.60", "https://mirror.example.com/sqlpackage-170.6.60.zip", sha]);
        assert.strictEqual(args.GOBACKUP_VERSION, readRegister().GOBACKUP_VERSION, "the other download keeps the register's pin");
        await assert.rejects(runDev({ "sqlserver-backup:gobackupUrl": "https://mirror.example.com/gobackup.tar.gz" }), /gobackupVersion, gobackupUrl and gobackupSha256 go together/);
    });

    it("passes the CLI's config check: every declared key without a default is set by the stack file", () => {
        assert.doesNotThrow(() => stackConfig(REPO, "dev", {}, DEV_STACK));
        assert.doesNotThrow(() => stackConfig(path.join(REPO, "stacks/kubernetes-production"), "production"));
    });

    it("reads every key Pulumi.yaml documents, declared or listed in its comment (none is silently ignored)", () => {
        const projectFile = fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8");
        const declared = Object.keys(YAML.parse(projectFile).config);
        const listed = [...projectFile.matchAll(/^#\s{3}(.+?)\s{2,}/gm)].flatMap((m) => m[1].split(/[,\s]+/)).filter((word) => /^[a-z][A-Za-z0-9]+$/.test(word) && word !== "and");
        const sources = ["index.ts", "program/imageBuild.ts"].map((file) => fs.readFileSync(path.join(REPO, file), "utf8")).join("\n");
        const read = (key: string) => sources.includes(`"${key}"`) || (/(Version|Url|Sha256)$/.test(key) && /\$\{tool\}(Version|Url|Sha256)/.test(sources));
        assert.ok(listed.includes("goProxy") && listed.includes("minioImage"), `the comment's keys were not found: ${listed.join(", ")}`);
        for (const key of [...declared, ...listed]) assert.ok(read(key), `Pulumi.yaml documents ${key}, but the program never reads it`);
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
        assert.ok(images.some((name) => /^pgsty\/silo:RELEASE\.[0-9T-]+Z@sha256:[0-9a-f]{64}$/.test(name)));
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

    it("prints a runbook whose restore line restores once into the dev SQL Server, trusting its self-signed certificate, with the password from the stack", async () => {
        const exports = await runDev({ "sqlserver-backup:imageRef": IMAGE });
        const text = await valueOf(exports.operatorRunbook as pulumi.Output<string>);
        const restore = text.split("\n").find((line) => line.endsWith(" restore"))!;
        assert.match(restore, /^ {2}RESTORE_TARGET_PASSWORD="\$\(pulumi stack output sqlPassword --show-secrets --stack test\)" docker exec -e RESTORE_TARGET_PASSWORD /);  // the mocks run stack "test"
        assert.match(restore, / -e RESTORE_ID=<new-restore-id> /);
        assert.match(restore, / -e RESTORE_DATABASE=sample /);
        assert.match(restore, / -e RESTORE_TARGET_HOST=sqlserver /);
        assert.match(restore, / -e RESTORE_TRUST_CERT=true /);
        assert.match(text, /eval "\$\(npm run -s dev:env\)"/, "says how a new shell reaches the stack");
        assert.ok(pulumi.Output.isInstance(exports.sqlPassword), "the password the line reads is an output");
        assert.strictEqual(await pulumi.isSecret(exports.sqlPassword as pulumi.Output<string>), true, "and a secret");
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
