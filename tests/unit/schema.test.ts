import * as assert from "assert";
import * as path from "path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";

const REPO = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packageJson = require(path.join(REPO, "package.json")) as { name: string; version: string; description: string };

/**
 * The schema other languages get (`pulumi package add`, PulumiPlugin.yaml): the SDK's
 * own analyzer, run on this package exactly as its component provider host runs it
 * (the package directory, package.json, the component's class name).
 */
describe("multi-language schema from the SDK's analyzer", function () {
    this.timeout(120000);
    const token = "sqlserver-backup:index:SqlServerBackup";
    let schema: ReturnType<typeof generateSchema>;

    before(() => {
        const result = new Analyzer(REPO, packageJson.name, packageJson, new Set(["SqlServerBackup"])).analyze();
        schema = generateSchema(packageJson.name, packageJson.version, packageJson.description, result.components, result.typeDefinitions, result.dependencies);
    });

    it("describes the component with its required inputs", () => {
        const resource = schema.resources[token];
        assert.ok(resource, Object.keys(schema.resources).join(", "));
        assert.deepStrictEqual([...(resource.requiredInputs ?? [])].sort(), ["databases", "storage"]);
        for (const input of ["schedule", "image", "target", "restore", "localCopies"]) assert.ok(resource.inputProperties?.[input], `input ${input}`);
        for (const output of ["bucket", "accessKeyId", "secretAccessKey", "restoreAccessKeyId", "restoreSecretAccessKey", "backupPolicy", "restorePolicy", "commands", "restoreStatus"]) {
            assert.ok(resource.properties?.[output], `output ${output}: ${Object.keys(resource.properties ?? {}).join(", ")}`);
        }
    });

    it("exposes no private state as an output", () => {
        assert.deepStrictEqual(Object.keys(schema.resources[token].properties ?? {}).filter((name) => /children|resources|deployment/.test(name)), []);
    });

    it("has the targets as flat, mutually exclusive members (no union), and the builder as an enum", () => {
        const target = schema.types["sqlserver-backup:index:TargetArgs"];
        assert.deepStrictEqual(Object.keys(target.properties ?? {}).sort(), ["docker", "kubernetes"]);
        const builder = schema.types["sqlserver-backup:index:DockerBuilderVersion"];
        assert.deepStrictEqual((builder.enum ?? []).map((member) => member.value).sort(), ["BuilderBuildKit", "BuilderV1"]);
    });

    it("documents every input and output, on the component and on every type, with its TSDoc (no rendering residue)", () => {
        const undocumented: string[] = [];
        const check = (owner: string, properties: Record<string, { description?: string }> | undefined) => {
            for (const [name, property] of Object.entries(properties ?? {})) {
                if (!property.description) undocumented.push(`${owner}.${name}`);
                else assert.doesNotMatch(property.description, /\[object Object\]/, `${owner}.${name}`);
            }
        };
        check("SqlServerBackup(inputs)", schema.resources[token].inputProperties);
        check("SqlServerBackup(outputs)", schema.resources[token].properties);
        for (const [name, type] of Object.entries(schema.types)) check(name.split(":").pop()!, type.properties);
        assert.deepStrictEqual(undocumented, []);
    });

    it("depends on the providers the component creates resources of", () => {
        const dependencies = JSON.stringify(schema);
        for (const provider of ["minio", "docker", "kubernetes"]) assert.ok(dependencies.includes(provider), provider);
    });
});
