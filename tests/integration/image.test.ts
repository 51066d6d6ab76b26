import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { IMAGE } from "../../components/plan/defaults";
import { RESTORE_ALREADY_RAN_EXIT_CODE } from "../../components/plan/restore";
import { AgentHarness, waitFor } from "./helpers/agent";
import { runCommand } from "./helpers/exec";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { BASE_IMAGE, TestImageSources } from "./helpers/testImage";
import { requireTools } from "./helpers/tools";

const REPO = path.resolve(__dirname, "../..");
const TAG = "sqlserver-backup:integration-test";
/** Where the test mounts mc for the gobackup TEST DOUBLE's uploads (the image has no mc). */
const MC_IN_CONTAINER = "/opt/test/mc";

const sh = runCommand;


/**
 * A real `docker build` and `docker run` of image/Dockerfile from a Debian 12 minbase
 * base and a Go builder image made from this machine's toolchain (no registry here;
 * scripts/make-base-image.sh, scripts/make-builder-image.sh), talking to a real MinIO
 * on 127.0.0.1. The agent is built in the image's own build stage from image/agent
 * with modules from the Go module proxy. The downloads are served from 127.0.0.1:
 * sqlpackage and gobackup are TEST DOUBLES (sqlpackage-double, a Go program, in a zip
 * like Microsoft's; gobackup-double in a tarball like GoBackup's release), and the
 * gobackup double uploads with mc, mounted into the container for the test only.
 */
describe("image: docker build and run with sqlpackage and gobackup TEST DOUBLES and a real MinIO", function () {
    let sources: TestImageSources;
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let mcBin: string;
    const volumes: string[] = [];
    const harnesses: AgentHarness[] = [];
    const buildArgs = (overrides: Record<string, string> = {}): string[] => sources.buildArgs(overrides);
    const dockerRun = (args: string[]) => sh("docker", ["run", "--rm", "--network", "host", ...args]);

    /** The component's environment and files for the image, a fresh workdir volume. */
    async function deployment(options: { cron?: string } = {}): Promise<{ h: AgentHarness; volume: string; run: (args: string[], extra?: Record<string, string | undefined>) => ReturnType<typeof sh> }> {
        const h = new AgentHarness({
            layout: "image",
            cron: options.cron,
            engine: { bin: "gobackup", real: false, env: { GOBACKUP_DOUBLE_MC: MC_IN_CONTAINER } },
            storage: { endpoint: minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey, restore: user.restore },
        });
        harnesses.push(h);
        const volume = `sqlserver-backup-it-${path.basename(h.work).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
        volumes.push(volume);
        return {
            h,
            volume,
            run: (args, extra = {}) => dockerRun([...h.dockerArgs(extra), "-v", `${volume}:${IMAGE.workdir}`, "-v", `${mcBin}:${MC_IN_CONTAINER}:ro`, TAG, ...args]),
        };
    }

    before(async function () {
        this.timeout(1200000);
        const tools = requireTools(this, ["docker", "go", "python3", "minio", "mc"]);
        mcBin = tools.mc;
        const info = await sh("docker", ["info"]);
        if (info.code !== 0) {
            if (process.env.REQUIRE_INTEGRATION === "1") throw new Error(`no Docker engine answers: ${info.stderr}`);
            console.log("    skipped: no Docker engine (scripts/start-docker.sh starts one)");
            this.skip();
        }
        sources = new TestImageSources();
        await sources.start();
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
        await sources.build(TAG);
    });

    after(async function () {
        this.timeout(120000);
        sources?.stop();
        await minio?.remove();
        harnesses.forEach((h) => h.remove());
        for (const volume of volumes) await sh("docker", ["volume", "rm", "--force", volume]);
        // Earlier builds of the test tag are left dangling: free their disk.
        await sh("docker", ["image", "prune", "--force"]);
    });

    it("refuses a download whose SHA-256 does not match, naming both checksums", async function () {
        this.timeout(600000);
        const wrong = "0".repeat(64);
        const result = await sh("docker", ["build", "--network", "host", ...buildArgs({ GOBACKUP_SHA256: wrong }), path.join(REPO, "image")]);
        assert.notStrictEqual(result.code, 0);
        const output = result.stdout + result.stderr;
        assert.match(output, /checksum mismatch for GOBACKUP/);
        assert.match(output, new RegExp(`expected SHA-256 ${wrong}`));
        assert.match(output, /Refusing to install it/);
    });

    it("refuses to build with no checksum pinned", async function () {
        this.timeout(600000);
        const result = await sh("docker", ["build", "--network", "host", ...buildArgs({ SQLPACKAGE_SHA256: "" }), path.join(REPO, "image")]);
        assert.notStrictEqual(result.code, 0);
        assert.match(result.stdout + result.stderr, /no SHA-256 pinned for SQLPACKAGE/);
    });


    it("ships the agent and no client it does not need: no mc, curl, jq, unzip or wget in the final image", async () => {
        const result = await dockerRun([TAG, "bash", "-c", "for c in mc curl jq unzip wget; do command -v $c && echo \"found $c\"; done; sqlserver-backup-agent version"]);
        assert.strictEqual(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stdout, /found/);
        assert.match(result.stdout, /sqlserver-backup-agent 0\.0\.0-test/);
    });

    it("runs as the fixed non-root uid 10001 with a writable HOME and workdir, the tar and cp shims linked to the agent", async () => {
        const result = await dockerRun([TAG, "bash", "-c", 'id -u; echo "$HOME"; touch "$HOME/x" /tmp/gobackup/x && echo writable; readlink /usr/local/lib/sqlserver-backup/shims/tar /usr/local/lib/sqlserver-backup/shims/cp']);
        assert.strictEqual(result.code, 0, result.stderr);
        assert.deepStrictEqual(result.stdout.trim().split("\n"), ["10001", "/home/sqlbackup", "writable", IMAGE.agent, IMAGE.agent]);
    });

    it("installs sqlpackage at /usr/local/sqlpackage with a /usr/local/bin link, telemetry off, and ICU present", async () => {
        const result = await dockerRun([TAG, "bash", "-c", 'readlink /usr/local/bin/sqlpackage; echo "$DACFX_TELEMETRY_OPTOUT"; dpkg-query -W -f="\\${Package}\\n" "libicu*"; sqlpackage /Version']);
        assert.strictEqual(result.code, 0, result.stderr);
        const lines = result.stdout.trim().split("\n");
        assert.strictEqual(lines[0], "/usr/local/sqlpackage/sqlpackage");
        assert.strictEqual(lines[1], "1");
        assert.ok(lines.some((line) => /^libicu\d+$/.test(line)), `no libicuNN installed: ${result.stdout}`);
    });

    it("carries OCI labels and a health check that runs the agent", async () => {
        const result = await sh("docker", ["image", "inspect", TAG, "--format", "{{json .Config.Labels}}|{{json .Config.Healthcheck.Test}}|{{.Config.User}}"]);
        const [labels, healthcheck, imageUser] = result.stdout.trim().split("|");
        const parsed = JSON.parse(labels);
        assert.strictEqual(parsed["org.opencontainers.image.revision"], "test-revision");
        assert.strictEqual(parsed["org.opencontainers.image.version"], "0.0.0-test");
        assert.ok(parsed["org.opencontainers.image.source"]);
        assert.deepStrictEqual(JSON.parse(healthcheck), ["CMD", IMAGE.agent, "health"]);
        assert.strictEqual(imageUser, "10001:10001");
    });

    it("names every missing variable, exits 2 and ends with the outcome line pulumi up reads", async () => {
        const result = await dockerRun(["-e", "RUN_MODE=once", TAG]);
        assert.strictEqual(result.code, 2);
        for (const name of ["MSSQL_HOST", "MSSQL_DATABASE", "MINIO_ENDPOINT", "MINIO_BUCKET"]) assert.match(result.stdout, new RegExp(`${name} is required`));
        assert.match(result.stdout, /OUTCOME: failed: invalid configuration/);
    });

    it("with the component's environment and root-owned 0444 credential files: once verifies a backup, status is healthy, list shows it, nothing secret is printed", async function () {
        this.timeout(120000);
        const { h, run } = await deployment();
        const once = await run(["once"]);
        assert.strictEqual(once.code, 0, once.stdout + once.stderr);
        assert.match(once.stdout, /verified s3:\/\/sql-backups\/backups\/sqlserver\/orders\/\S+\.tar .*by etag/);
        assert.match(once.stdout, /OUTCOME: succeeded\s*$/);
        const status = await run(["status"]);
        assert.strictEqual(status.code, 0, status.stdout);
        const list = await run(["list"], { RESTORE_DATABASE: "orders" });
        assert.strictEqual(list.code, 0, list.stdout);
        assert.match(list.stdout, /backups\/sqlserver\/orders\/\S+\.tar/);
        for (const output of [once, status, list].map((r) => r.stdout + r.stderr)) {
            for (const secret of h.secretValues()) assert.ok(!output.includes(secret), `a secret was printed:\n${output}`);
        }

        const restoreEnv = h.restoreEnv({ id: "image-restore" });
        delete restoreEnv.SQLPACKAGE_DOUBLE_IMPORT_COPY;
        const restore = await run(["restore"], restoreEnv);
        assert.strictEqual(restore.code, 0, restore.stdout + restore.stderr);
        assert.match(restore.stdout, /sha256 [0-9a-f]{64} matches its manifest/);
        assert.match(restore.stdout, /OUTCOME: succeeded\s*$/);
        const again = await run(["restore"], restoreEnv);
        assert.strictEqual(again.code, RESTORE_ALREADY_RAN_EXIT_CODE, again.stdout);
    });

    it("a failed export: once fails with sqlpackage's reason, and the health check is unhealthy with it", async function () {
        this.timeout(120000);
        const { run } = await deployment();
        const once = await run(["once"], { EXPECT_PASSWORD: "not-the-password" });
        assert.notStrictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: failed: orders: .*Dump error/);
        const health = await run(["health"]);
        assert.strictEqual(health.code, 1, health.stdout);
        assert.match(health.stdout, /Dump error/);
    });

    it("a daemon whose own first run fails seconds after its start is ready (pulumi up goes on), and unhealthy with the cause once the settle time is over", async function () {
        this.timeout(180000);
        const { h, volume } = await deployment({ cron: "@every 3s" });
        const name = `sqlserver-backup-it-wedge-${process.pid}`;
        // The component's health check (components/targets/docker/backup.ts) with a short settle time and interval.
        const started = await sh("docker", [
            "run", "-d", "--name", name, "--network", "host", ...h.dockerArgs({ RUN_MODE: "daemon", EXPECT_PASSWORD: "not-the-password", HEALTH_SETTLE_SECONDS: "25" }),
            "-v", `${volume}:${IMAGE.workdir}`, "-v", `${mcBin}:${MC_IN_CONTAINER}:ro`,
            "--health-interval", "2s", "--health-timeout", "10s", "--health-retries", "1", "--health-start-period", "25s", TAG,
        ]);
        assert.strictEqual(started.code, 0, started.stderr);
        try {
            const healthOf = async () => (await sh("docker", ["inspect", "-f", "{{.State.Health.Status}}", name])).stdout.trim();
            const logs = async () => (await sh("docker", ["logs", name])).stdout;
            await waitFor("the first scheduled run to fail", async () => /backup \S+ failed: .*Dump error/.test(await logs()), 60000);
            await waitFor("the container to turn healthy (ready)", async () => (await healthOf()) === "healthy", 20000);
            await waitFor("the failure to count once the settle time is over", async () => (await healthOf()) === "unhealthy", 90000);
            const health = await sh("docker", ["exec", name, IMAGE.agent, "health"]);
            assert.match(health.stdout, /unhealthy: model 'orders': .*Dump error/);
        } finally {
            await sh("docker", ["rm", "--force", name]);
        }
    });

    it("reports the size of the layers the Dockerfile adds on top of the base", async () => {
        const ours = await sh("docker", ["history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", TAG]);
        const base = await sh("docker", ["image", "inspect", BASE_IMAGE, "--format", "{{.Size}}"]);
        const image = await sh("docker", ["image", "inspect", TAG, "--format", "{{.Size}}"]);
        const added = Number(image.stdout.trim()) - Number(base.stdout.trim());
        assert.ok(added > 0);
        const report = { baseImage: BASE_IMAGE, baseBytes: Number(base.stdout.trim()), addedBytes: added, layers: ours.stdout.trim().split("\n") };
        fs.mkdirSync(path.join(REPO, "bench"), { recursive: true });
        fs.writeFileSync(path.join(REPO, "bench", "image-layers.json"), JSON.stringify(report, null, 2) + "\n");
        console.log(`    layers added by image/Dockerfile: ${(added / 1048576).toFixed(1)} MiB on a ${(report.baseBytes / 1048576).toFixed(1)} MiB base (with test doubles in place of sqlpackage and GoBackup)`);
    });
});
