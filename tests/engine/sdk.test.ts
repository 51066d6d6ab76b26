import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCommand } from "../integration/helpers/exec";
import { requireEngineTools } from "./helpers/engine";

const REPO = path.resolve(__dirname, "../..");
const SCHEMA = path.join(REPO, "schema.json");

/** The Pulumi SDK version the Go SDK builds against: the CLI this repository pins (scripts/install-tools.sh). */
function pinnedPulumiVersion(): string {
    const match = /^readonly PULUMI_VERSION="(v[^"]+)"/m.exec(fs.readFileSync(path.join(REPO, "scripts/install-tools.sh"), "utf8"));
    assert.ok(match, "PULUMI_VERSION not found in scripts/install-tools.sh");
    return match[1];
}

/**
 * Other languages are real: the Go and Python SDKs generated from the shipped schema
 * with the Pulumi CLI's own code generators (pulumi-sdkgen, at the CLI's pinned
 * version), then compiled: `go build` and `go vet` against the Pulumi Go SDK, and
 * `python3 -m py_compile` of every generated file (the Python SDK's dependencies are
 * not installable here: no package index).
 */
describe("SDKs for other languages from schema.json (the CLI's code generators)", function () {
    this.timeout(600000);
    let out: string;
    let schema: { language: { go: { importBasePath: string } } };

    before(async function () {
        const { "pulumi-sdkgen": sdkgen } = requireEngineTools(this, ["pulumi-sdkgen"]);
        out = fs.mkdtempSync(path.join(os.tmpdir(), "sdks-"));
        schema = JSON.parse(fs.readFileSync(SCHEMA, "utf8"));
        const generated = await runCommand(sdkgen, [SCHEMA, out, "go", "python"]);
        assert.strictEqual(generated.code, 0, generated.stdout + generated.stderr);
    });

    after(() => out && fs.rmSync(out, { recursive: true, force: true }));

    it("generates a Go SDK that builds and passes go vet", async () => {
        const goDir = path.join(out, "go");
        const module = path.dirname(schema.language.go.importBasePath);
        fs.writeFileSync(path.join(goDir, "go.mod"), `module ${module}\n\ngo 1.26.6\n\nrequire github.com/pulumi/pulumi/sdk/v3 ${pinnedPulumiVersion()}\n`);
        for (const args of [["mod", "tidy"], ["build", "./..."], ["vet", "./..."]]) {
            const run = await runCommand("go", args, { cwd: goDir });
            assert.strictEqual(run.code, 0, `go ${args.join(" ")}:\n${run.stdout}${run.stderr}`);
        }
        const component = fs.readFileSync(path.join(goDir, "sqlserverbackup/sqlServerBackup.go"), "utf8");
        assert.match(component, /Databases \[\]DatabaseInput/);
        assert.match(component, /AdditionalSecretOutputs\(\[\]string\{\s*"environment",\s*"restoreSecretAccessKey",\s*"secretAccessKey",?\s*\}\)/);
    });

    it("generates a Python SDK whose every file compiles, with input classes named DatabaseArgs (not DatabaseArgsArgs)", async () => {
        const pyDir = path.join(out, "python");
        const files: string[] = [];
        const walk = (dir: string) =>
            fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else if (entry.name.endsWith(".py")) files.push(full);
            });
        walk(pyDir);
        assert.ok(files.length >= 5, files.join(", "));
        const compiled = await runCommand("python3", ["-m", "py_compile", ...files]);
        assert.strictEqual(compiled.code, 0, compiled.stdout + compiled.stderr);
        const inputs = fs.readFileSync(path.join(pyDir, "pulumi_sqlserver_backup/_inputs.py"), "utf8");
        assert.match(inputs, /^class DatabaseArgs:/m);
        assert.doesNotMatch(inputs, /ArgsArgs/);
        const component = fs.readFileSync(path.join(pyDir, "pulumi_sqlserver_backup/sql_server_backup.py"), "utf8");
        assert.match(component, /additional_secret_outputs=\["environment", "restoreSecretAccessKey", "secretAccessKey"\]/);
        assert.doesNotMatch(component, /\bprovider: Optional\[pulumi_(minio|docker|kubernetes)/, "a TypeScript-only provider object reached the SDK");
    });
});
