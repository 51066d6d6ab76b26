import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCommand } from "./helpers/exec";

const REPO = path.resolve(__dirname, "../..");

/** The script a consumer runs under Pulumi's mocks: the example stack, then a docker target that builds the image. */
const MOCKED_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const resources = [];
pulumi.runtime.setMocks({
    newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        // What the random provider computes.
        const computed = args.type === "random:index/randomPassword:RandomPassword" ? { result: "generated0secret0key" } : {};
        return { id: args.name + "-id", state: { ...args.inputs, ...computed } };
    },
    call: (args) => args.inputs,
}, "orders-backup", "production", false);
pulumi.runtime.setAllConfig({
    "orders-backup:namespace": "sql-backups",
    "orders-backup:image": "registry.example.com/platform/sqlserver-backup@sha256:${"3".repeat(64)}",
    "orders-backup:minioEndpoint": "https://s3.storage.example.com",
    "orders-backup:minioAdminUser": "platform-admin",
    "orders-backup:minioAdminPassword": "admin-password",
    "orders-backup:ordersPassword": "orders-password",
    "orders-backup:billingPassword": "billing-password",
    "orders-backup:minioCidr": "10.30.0.0/24",
}, ["orders-backup:minioAdminPassword", "orders-backup:ordersPassword", "orders-backup:billingPassword"]);
const stack = require("./index.ts");
const { SqlServerBackup } = require("sqlserver-backup");
new SqlServerBackup("built", {
    databases: [{ name: "main", host: "sql", database: "Main", password: "pw" }],
    storage: { endpoint: "http://minio:9000", credentials: { accessKeyId: "k", secretAccessKey: "s" }, bucket: { name: "backups-bucket", create: false } },
    target: { docker: {} },
});
setTimeout(() => {
    stack.schedule.apply((schedule) => {
        const image = resources.find((r) => r.type === "docker:index/image:Image");
        console.log(JSON.stringify({ schedule, types: [...new Set(resources.map((r) => r.type))].sort(), context: image && image.inputs.build.context }));
    });
}, 2000);
`;

/**
 * The package as another stack installs it: `npm pack` builds the library and packs
 * it with its type declarations and the image context; the tarball is installed into
 * a scratch copy of the example stack outside the repository, which type-checks
 * against it and constructs the component under Pulumi's mocks, the image context
 * found inside the installed package.
 */
describe("the package, packed and installed into another stack", function () {
    this.timeout(600000);
    let tarball: string;
    let scratch: string;

    before(async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
        const packed = await runCommand("npm", ["pack", "--json", "--pack-destination", out], { cwd: REPO });
        assert.strictEqual(packed.code, 0, packed.stderr);
        const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string }[];
        tarball = path.join(out, info.filename);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
        for (const file of ["index.ts", "package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.production.yaml"]) {
            fs.copyFileSync(path.join(REPO, "stacks/kubernetes-production", file), path.join(scratch, file));
        }
    });

    it("packs the compiled library, its type declarations and the image context, and no sources or tests", async () => {
        const listing = (await runCommand("tar", ["-tzf", tarball])).stdout.split("\n");
        for (const file of [
            "package/dist/components/index.js",
            "package/dist/components/index.d.ts",
            "package/dist/components/sqlServerBackup.d.ts",
            "package/image/Dockerfile",
            "package/image/artifacts.env",
            "package/image/entrypoint.sh",
            "package/image/agent/go.mod",
            "package/image/agent/main.go",
            "package/package.json",
            "package/README.md",
            "package/LICENSE",
            "package/PulumiPlugin.yaml",
            "package/schema.json",
            "package/dist/components/provider/host.js",
            // The alert rules users load (and the PrometheusRule is made from), with their tests.
            "package/alerts/sqlserver-backup.rules.yml",
            "package/alerts/sqlserver-backup.rules.test.yml",
        ]) {
            assert.ok(listing.includes(file), `${file} is not in the package`);
        }
        assert.ok(!listing.some((file) => file.startsWith("package/tests/") || file.startsWith("package/components/")), "tests or sources are packed");
        assert.deepStrictEqual(listing.filter((file) => /_test\.go$|\/testdata\/|s3storetest/.test(file)), [], "the agent's tests are packed");
    });

    it("ships source maps that resolve inside the package: every map carries the sources it names", async () => {
        const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), "unpacked-"));
        await runCommand("tar", ["-xzf", tarball, "-C", unpacked]);
        const dist = path.join(unpacked, "package/dist/components");
        const maps: string[] = [];
        const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".js.map")) maps.push(full);
        });
        walk(dist);
        assert.ok(maps.length > 10);
        for (const file of maps) {
            const map = JSON.parse(fs.readFileSync(file, "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
            map.sources.forEach((source, i) => {
                const resolvable = fs.existsSync(path.resolve(path.dirname(file), source)) || typeof map.sourcesContent?.[i] === "string";
                assert.ok(resolvable, `${path.relative(unpacked, file)} names ${source}, which is neither in the package nor inlined`);
            });
            const js = file.replace(/\.map$/, "");
            assert.ok(fs.existsSync(js) && fs.readFileSync(js, "utf8").includes(`//# sourceMappingURL=${path.basename(file)}`), js);
        }
        fs.rmSync(unpacked, { recursive: true, force: true });
    });

    it("installs into the example stack, which type-checks and constructs there, the image built from the installed package", async () => {
        const install = await runCommand("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: scratch });
        assert.strictEqual(install.code, 0, install.stdout + install.stderr);
        assert.ok(fs.existsSync(path.join(scratch, "node_modules/sqlserver-backup/dist/components/index.js")));

        const tsc = await runCommand(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", path.join(scratch, "tsconfig.json")], { cwd: scratch });
        assert.strictEqual(tsc.code, 0, `the example does not type-check against the installed package:\n${tsc.stdout}${tsc.stderr}`);

        fs.writeFileSync(path.join(scratch, "mocked.js"), MOCKED_PROGRAM);
        const run = await runCommand(process.execPath, ["-r", path.join(REPO, "node_modules/ts-node/register/transpile-only"), "mocked.js"], { cwd: scratch });
        assert.strictEqual(run.code, 0, run.stdout + run.stderr);
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as { schedule: string; types: string[]; context: string };
        assert.strictEqual(result.schedule, "At 01:00, every day (Europe/Berlin)");
        for (const type of ["kubernetes:batch/v1:CronJob", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "minio:index/iamPolicy:IamPolicy", "docker:index/image:Image"]) {
            assert.ok(result.types.includes(type), `${type} missing: ${result.types.join(", ")}`);
        }
        const context = path.resolve(scratch, result.context);
        assert.strictEqual(context, fs.realpathSync(path.join(scratch, "node_modules/sqlserver-backup/image")));
        assert.ok(fs.existsSync(path.join(context, "Dockerfile")));
    });

    it("runs as a component provider plugin the way Pulumi's Node.js language host runs it, serving the shipped schema with its secrets", async () => {
        // pulumi-language-nodejs RunPlugin: `node @pulumi/pulumi/cmd/run-plugin <plugin directory>`
        // from the program's directory; the plugin prints its port and serves gRPC.
        const pluginDir = path.join(scratch, "node_modules/sqlserver-backup");
        assert.ok(fs.existsSync(path.join(pluginDir, "PulumiPlugin.yaml")), "installed without PulumiPlugin.yaml");
        const { spawn } = await import("child_process");
        const child = spawn(process.execPath, [path.join(scratch, "node_modules/@pulumi/pulumi/cmd/run-plugin"), pluginDir], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let stdout = "";
                child.stdout.on("data", (chunk: Buffer) => {
                    stdout += chunk.toString();
                    const match = /^(\d+)\s*$/m.exec(stdout);
                    if (match) resolve(Number(match[1]));
                });
                child.on("exit", (code) => reject(new Error(`the plugin exited (${code}) before it served: ${stdout}${stderr}`)));
            });
            const requireFromScratch = (await import("module")).createRequire(path.join(scratch, "package.json"));
            const grpc = requireFromScratch("@grpc/grpc-js");
            const services = requireFromScratch("@pulumi/pulumi/proto/provider_grpc_pb.js");
            const messages = requireFromScratch("@pulumi/pulumi/proto/provider_pb.js");
            const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const served = await new Promise<string>((resolve, reject) =>
                client.getSchema(new messages.GetSchemaRequest(), (err: Error | null, response: { getSchema(): string }) => (err ? reject(err) : resolve(response.getSchema()))),
            );
            client.close();
            assert.strictEqual(served, fs.readFileSync(path.join(pluginDir, "schema.json"), "utf8"), "the plugin serves the shipped schema");
            const schema = JSON.parse(served);
            assert.strictEqual(schema.types["sqlserver-backup:index:Database"].properties.password.secret, true);
        } finally {
            child.kill();
        }
        assert.doesNotMatch(stderr, /Error|TSError/, stderr);
    });
});
