import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { runCommand } from "../integration/helpers/exec";
import { ENGINE_BIN, requireEngineTools } from "./helpers/engine";

const REPO = path.resolve(__dirname, "../..");

/**
 * scripts/dev-stack.sh (npm run dev) with the real Pulumi CLI: what a user sets stays.
 * The script runs in a copy of the project with a TEST DOUBLE of docker (`docker info`
 * answers). There is no Node.js language plugin here, so each `pulumi up` stops after the
 * CLI has read and saved the configuration (`no language plugin 'pulumi-language-nodejs'`):
 * everything about the configuration has happened by then.
 */
describe("the dev stack keeps the user's settings (scripts/dev-stack.sh, the real Pulumi CLI; docker TEST DOUBLE)", function () {
    this.timeout(120000);
    let dir: string;
    let env: NodeJS.ProcessEnv;

    before(function () {
        requireEngineTools(this, ["pulumi"]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dev-stack-"));
        for (const file of ["Pulumi.yaml", "program/dev-stack.yaml", "scripts/dev-stack.sh"]) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
        }
        fs.writeFileSync(path.join(dir, "index.ts"), "");
        fs.mkdirSync(path.join(dir, "node_modules/@pulumi/pulumi"), { recursive: true });
        const bin = path.join(dir, "test-bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        env = {
            PATH: `${bin}:${ENGINE_BIN}:${process.env.PATH}`,
            HOME: dir,
            PULUMI_HOME: path.join(dir, ".pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        };
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const dev = (...args: string[]) => runCommand("bash", [path.join(dir, "scripts/dev-stack.sh"), ...args], { cwd: dir, env });
    const config = () => (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")).config ?? {}) as Record<string, unknown>;

    it("seeds a new stack from the template; `-c` on npm run dev and `pulumi config set` stay through later runs", async () => {
        const first = await dev("up", "-c", "sqlserver-backup:cron=@every 5m");
        assert.match(first.stdout + first.stderr, /language plugin|pulumi-language-nodejs/, "the run got as far as the program");
        assert.strictEqual(String(config()["sqlserver-backup:embedded"]), "true", "seeded from the template");
        assert.strictEqual(config()["sqlserver-backup:cron"], "@every 5m", "the CLI saved -c to the stack");
        // In a new shell, as the README says: the dev stack's backend and passphrase.
        const exports = await dev("env");
        assert.strictEqual(exports.code, 0, exports.stderr);
        const shell = await runCommand("bash", ["-c", `${exports.stdout}\npulumi config set --stack dev minioImage mirror.example.com/s3-server@sha256:${"0".repeat(64)}`], { cwd: dir, env });
        assert.strictEqual(shell.code, 0, shell.stdout + shell.stderr);
        await dev("up");
        await dev("up");
        assert.strictEqual(config()["sqlserver-backup:cron"], "@every 5m");
        assert.strictEqual(config()["sqlserver-backup:minioImage"], `mirror.example.com/s3-server@sha256:${"0".repeat(64)}`);
    });

    it("the runbook command reaches the dev stack from a new shell (npm run dev:runbook)", async () => {
        const runbook = await dev("runbook");
        // Nothing was deployed here (no language plugin), so the output is missing; the
        // backend and passphrase were found: no login or passphrase prompt.
        assert.doesNotMatch(runbook.stdout + runbook.stderr, /PULUMI_ACCESS_TOKEN|passphrase must be set|pulumi login/, runbook.stdout + runbook.stderr);
        assert.match(runbook.stdout + runbook.stderr, /operatorRunbook/);
    });
});
