import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup } from "../../components";
import { SqlServerBackupProvider } from "../../components/provider/provider";
import { allProperties, PackageSchema, renamedToken } from "../../scripts/schema/refine";
import { analyzedSchema, packageSchema, SCHEMA_FILE, schemaText } from "../../scripts/schema/generate";
import { validArgs } from "./helpers/fixtures";
import { useMocks, valueOf } from "./helpers/mocks";

const REPO = path.resolve(__dirname, "../..");
const TOKEN = "sqlserver-backup:index:SqlServerBackup";
/** Names that hold credentials: every property so named must be secret in the schema. */
const SECRET_NAME = /password|secret|token|privateKey/i;

/**
 * The schema other languages get (schema.json: `pulumi package add`, `pulumi package
 * gen-sdk`, and what the component provider serves): Pulumi's analyzer run on this
 * package as its component provider host runs it, refined from the sources' TSDoc tags
 * (scripts/schema). SDKs for Go and Python are generated from it and compiled in the
 * engine tier (tests/engine/sdk.test.ts).
 */
describe("multi-language schema (schema.json)", function () {
    this.timeout(120000);
    let shipped: PackageSchema;
    let generated: PackageSchema;

    before(() => {
        shipped = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as PackageSchema;
        generated = packageSchema();
    });

    it("is what the sources generate today (after changing the arguments: npm run schema)", () => {
        assert.strictEqual(fs.readFileSync(SCHEMA_FILE, "utf8"), schemaText(generated), "schema.json is stale: run `npm run schema` and commit it");
    });

    it("describes the component with its required inputs and outputs", () => {
        const resource = shipped.resources[TOKEN];
        assert.ok(resource, Object.keys(shipped.resources).join(", "));
        assert.deepStrictEqual([...(resource.requiredInputs ?? [])].sort(), ["databases", "storage"]);
        for (const input of ["schedule", "image", "target", "restore", "localCopies", "deploymentId"]) assert.ok(resource.inputProperties?.[input], `input ${input}`);
        for (const output of ["bucket", "accessKeyId", "secretAccessKey", "restoreAccessKeyId", "restoreSecretAccessKey", "backupPolicy", "restorePolicy", "commands", "restoreStatus", "firstBackup"]) {
            assert.ok(resource.properties?.[output], `output ${output}: ${Object.keys(resource.properties ?? {}).join(", ")}`);
        }
        assert.deepStrictEqual(Object.keys(resource.properties ?? {}).filter((name) => /children|resources|deployment$/.test(name)), [], "no private state as an output");
    });

    it("marks every credential secret, inputs and outputs, so other languages keep them out of plain state", () => {
        const unmarked = allProperties(shipped)
            .filter(({ name, property }) => SECRET_NAME.test(name) && property.type === "string" && !property.secret)
            .map(({ owner, name }) => `${owner}.${name}`);
        assert.deepStrictEqual(unmarked, [], "tag these @secret in components/args/types.ts (or the component's class), then npm run schema");
        const secretInputs = allProperties(shipped).filter(({ property }) => property.secret).map(({ owner, name }) => `${owner.split(":").pop()}.${name}`);
        for (const expected of ["Database.password", "MinioAdmin.password", "ExistingCredentials.secretAccessKey", "Registry.password", "SqlServerConnection.password"]) {
            assert.ok(secretInputs.includes(expected), `${expected} is not secret: ${secretInputs.join(", ")}`);
        }
    });

    describe("outputs secret in the schema are exactly the outputs the component makes secret (mocked engine)", () => {
        useMocks();
        it("compares each output's secretness with the schema's", async () => {
            const args = validArgs();
            args.target = { docker: {} };
            args.image = { ref: `registry.example.com/sqlserver-backup@sha256:${"a".repeat(64)}` };
            const component = new SqlServerBackup("orders", args) as unknown as Record<string, pulumi.Output<unknown>>;
            const mismatched: string[] = [];
            for (const [name, property] of Object.entries(shipped.resources[TOKEN].properties ?? {})) {
                const output = component[name];
                assert.ok(pulumi.Output.isInstance(output), `output ${name} is not an Output of the component`);
                await valueOf(output).catch(() => undefined);
                if ((await pulumi.isSecret(output)) !== Boolean(property.secret)) mismatched.push(`${name} (component secret: ${!property.secret})`);
            }
            assert.deepStrictEqual(mismatched, []);
        });
    });

    it("types every count, port and duration as an integer, never a float", () => {
        const floats = allProperties(shipped).filter(({ property }) => property.type === "number" || property.items?.type === "number").map(({ owner, name }) => `${owner}.${name}`);
        assert.deepStrictEqual(floats, []);
        assert.strictEqual(shipped.types["sqlserver-backup:index:Storage"].properties!.keep.type, "integer");
        assert.strictEqual(shipped.types["sqlserver-backup:index:Database"].properties!.port.type, "integer");
    });

    it("carries every deprecation of the TypeScript types, with its message", () => {
        const deprecated = Object.fromEntries(allProperties(shipped).filter(({ property }) => property.deprecationMessage).map(({ owner, name, property }) => [`${owner.split(":").pop()}.${name}`, property.deprecationMessage]));
        for (const name of ["Bucket.maxAgeDays", "Bucket.noncurrentVersionRetentionDays", "Storage.pruneUntracked", "ImageBuild.mc", "SqlServerBackup(inputs).webUi"]) {
            assert.ok(deprecated[name], `${name} carries no deprecation: ${Object.keys(deprecated).join(", ")}`);
        }
        assert.match(deprecated["Bucket.noncurrentVersionRetentionDays"]!, /retentionDays/);
    });

    it("holds no TypeScript-only member (provider objects) and depends on no other package", () => {
        const text = JSON.stringify(shipped);
        assert.doesNotMatch(text, /"\$ref":\s*"\/(minio|docker|kubernetes)\//);
        assert.deepStrictEqual(allProperties(shipped).filter(({ name }) => name === "provider").map(({ owner }) => owner), []);
        assert.strictEqual(shipped.dependencies, undefined);
        assert.ok(JSON.stringify(analyzedSchema()).includes('"provider"'), "the analyzer still sees the provider members the refinement drops");
    });

    it("names input types without the Args suffix, so Python's classes read DatabaseArgs, not DatabaseArgsArgs", () => {
        assert.deepStrictEqual(Object.keys(shipped.types).filter((token) => token.endsWith("Args")), []);
        assert.strictEqual(renamedToken("sqlserver-backup:index:DatabaseArgs"), "sqlserver-backup:index:Database");
        assert.strictEqual(renamedToken("sqlserver-backup:index:OperatorCommands"), "sqlserver-backup:index:OperatorCommands");
        assert.doesNotMatch(JSON.stringify(shipped), /"#\/types\/[^"]*Args"/, "a reference still names an ...Args type");
    });

    it("documents every input and output, on the component and on every type (no rendering residue, no TSDoc tags)", () => {
        const problems = allProperties(shipped)
            .filter(({ property }) => !property.description || /\[object Object\]|@secret|@typeScriptOnly|@deprecated/.test(property.description))
            .map(({ owner, name }) => `${owner}.${name}`);
        assert.deepStrictEqual(problems, []);
    });

    it("has the targets as flat, mutually exclusive members (no union), and the builder as an enum", () => {
        assert.deepStrictEqual(Object.keys(shipped.types["sqlserver-backup:index:Target"].properties ?? {}).sort(), ["docker", "kubernetes"]);
        const builder = shipped.types["sqlserver-backup:index:DockerBuilderVersion"];
        assert.deepStrictEqual((builder.enum ?? []).map((member) => member.value).sort(), ["BuilderBuildKit", "BuilderV1"]);
    });

    it("carries the package's version, and PulumiPlugin.yaml and schema.json ship in the package", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const packageJson = require(path.join(REPO, "package.json")) as { version: string; files: string[]; main: string; exports: Record<string, { default: string }> };
        assert.strictEqual(shipped.version, packageJson.version);
        for (const file of ["PulumiPlugin.yaml", "schema.json"]) assert.ok(packageJson.files.includes(file), `${file} is not in package.json files`);
        assert.strictEqual(packageJson.main, "dist/components/provider/host.js", "the language host runs the plugin through main");
        assert.strictEqual(packageJson.exports["."].default, "./dist/components/index.js", "libraries import the library, never the plugin host");
    });

    describe("the component provider (mocked engine)", () => {
        useMocks();
        it("serves schema.json and constructs the component, returning the schema's outputs", async () => {
            const provider = new SqlServerBackupProvider(SCHEMA_FILE);
            assert.strictEqual(await provider.getSchema(), fs.readFileSync(SCHEMA_FILE, "utf8"));
            const args = { ...validArgs(), target: { docker: {} }, image: { ref: `registry.example.com/sqlserver-backup@sha256:${"b".repeat(64)}` } };
            const result = await provider.construct("orders", TOKEN, args as unknown as pulumi.Inputs, {});
            assert.deepStrictEqual(Object.keys(result.state).sort(), Object.keys(shipped.resources[TOKEN].properties ?? {}).sort());
            assert.strictEqual(await valueOf(result.state.bucket as pulumi.Output<string>), "sql-backups");
            await assert.rejects(provider.construct("orders", "sqlserver-backup:index:Other", {}, {}), /has no component sqlserver-backup:index:Other/);
        });
    });
});
