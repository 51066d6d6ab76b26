import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { runCommand } from "./helpers/exec";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { requireTools } from "./helpers/tools";

const REPO = path.resolve(__dirname, "../..");
const BASE_IMAGE = process.env.BASE_IMAGE_TAG ?? "sqlserver-backup-test-base:bookworm";
const TAG = "sqlserver-backup:integration-test";

const sh = runCommand;

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/**
 * A real `docker build` and `docker run` of image/Dockerfile from a Debian 12 minbase
 * base (no registry here), talking to a real MinIO on 127.0.0.1. The downloads are
 * served from 127.0.0.1: sqlpackage and gobackup are TEST DOUBLES (sqlpackage-double,
 * a Go program, in a zip like Microsoft's; gobackup-double in a tarball like GoBackup's
 * release); mc is the real MinIO client, built from its source. The default build
 * uses ubuntu:22.04 and the downloads pinned in image/versions.env.
 */
describe("image: docker build and run with sqlpackage and gobackup TEST DOUBLES, real mc and MinIO", function () {
    let server: http.Server;
    let artifacts: string;
    let baseUrl: string;
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    const buildArgs = (overrides: Record<string, string> = {}): string[] => {
        const values: Record<string, string> = {
            BASE_IMAGE,
            SQLPACKAGE_VERSION: "170.2.70-double",
            SQLPACKAGE_URL: `${baseUrl}/sqlpackage.zip`,
            SQLPACKAGE_SHA256: sha256(path.join(artifacts, "sqlpackage.zip")),
            GOBACKUP_VERSION: "3.1.1-double",
            GOBACKUP_URL: `${baseUrl}/gobackup.tar.gz`,
            GOBACKUP_SHA256: sha256(path.join(artifacts, "gobackup.tar.gz")),
            MC_VERSION: "source-build",
            MC_URL: `${baseUrl}/mc`,
            MC_SHA256: sha256(path.join(artifacts, "mc")),
            VCS_REF: "test-revision",
            IMAGE_VERSION: "0.0.0-test",
            ...overrides,
        };
        return Object.entries(values).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    };
    const dockerRun = (args: string[]) => sh("docker", ["run", "--rm", "--network", "host", ...args]);
    const renderEnv = [
        ["MSSQL_HOST", "127.0.0.1"],
        ["MSSQL_DATABASE", "Orders"],
        ["MSSQL_PASSWORD", "Image-Test-Secret"],
        ["MINIO_ENDPOINT", "http://127.0.0.1:9000"],
        ["MINIO_BUCKET", "sql-backups"],
        ["MINIO_ACCESS_KEY", "backup-user"],
        ["MINIO_SECRET_KEY", "Image-Test-Minio-Secret"],
        ["SKIP_PREFLIGHT", "1"],
    ].flatMap(([k, v]) => ["-e", `${k}=${v}`]);

    before(async function () {
        this.timeout(900000);
        const tools = requireTools(this, ["docker", "go", "python3", "minio", "mc"]);
        const info = await sh("docker", ["info"]);
        if (info.code !== 0) {
            if (process.env.REQUIRE_INTEGRATION === "1") throw new Error(`no Docker engine answers: ${info.stderr}`);
            console.log("    skipped: no Docker engine (scripts/start-docker.sh starts one)");
            this.skip();
        }
        const base = await sh("docker", ["image", "inspect", BASE_IMAGE]);
        if (base.code !== 0) throw new Error(`base image ${BASE_IMAGE} is missing: run scripts/make-base-image.sh`);

        artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "image-artifacts-"));
        const build = await sh("go", ["build", "-o", path.join(artifacts, "sqlpackage"), "."], { cwd: path.join(REPO, "tests/doubles/sqlpackage-double") });
        assert.strictEqual(build.code, 0, build.stderr);
        await sh("python3", ["-m", "zipfile", "-c", path.join(artifacts, "sqlpackage.zip"), path.join(artifacts, "sqlpackage")]);
        fs.copyFileSync(path.join(REPO, "tests/doubles/gobackup-double"), path.join(artifacts, "gobackup"));
        fs.chmodSync(path.join(artifacts, "gobackup"), 0o755);
        await sh("tar", ["-czf", path.join(artifacts, "gobackup.tar.gz"), "-C", artifacts, "gobackup"]);
        fs.copyFileSync(tools.mc, path.join(artifacts, "mc"));
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });

        server = http.createServer((req, res) => {
            const file = path.join(artifacts, path.basename(req.url ?? ""));
            if (!fs.existsSync(file)) {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(200);
            fs.createReadStream(file).pipe(res);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

        const image = await sh("docker", ["build", "--network", "host", ...buildArgs(), "--tag", TAG, path.join(REPO, "image")]);
        assert.strictEqual(image.code, 0, `docker build failed:\n${image.stdout}\n${image.stderr}`);
    });

    after(async () => {
        server?.close();
        await minio?.remove();
        // Earlier builds of the test tag are left dangling: free their disk.
        await sh("docker", ["image", "prune", "--force"]);
    });

    it("refuses a download whose SHA-256 does not match, naming both checksums", async () => {
        const wrong = "0".repeat(64);
        const result = await sh("docker", ["build", "--network", "host", ...buildArgs({ GOBACKUP_SHA256: wrong }), path.join(REPO, "image")]);
        assert.notStrictEqual(result.code, 0);
        const output = result.stdout + result.stderr;
        assert.match(output, /checksum mismatch for GOBACKUP/);
        assert.match(output, new RegExp(`expected SHA-256 ${wrong}`));
        assert.match(output, /Refusing to install it/);
    });

    it("refuses to build with no checksum pinned", async () => {
        const result = await sh("docker", ["build", "--network", "host", ...buildArgs({ SQLPACKAGE_SHA256: "" }), path.join(REPO, "image")]);
        assert.notStrictEqual(result.code, 0);
        assert.match(result.stdout + result.stderr, /no SHA-256 pinned for SQLPACKAGE/);
    });

    it("runs as the fixed non-root uid 10001 with a writable HOME and workdir", async () => {
        const result = await dockerRun([TAG, "bash", "-c", 'id -u; echo "$HOME"; touch "$HOME/x" /tmp/gobackup/x && echo writable']);
        assert.strictEqual(result.code, 0, result.stderr);
        assert.deepStrictEqual(result.stdout.trim().split("\n"), ["10001", "/home/sqlbackup", "writable"]);
    });

    it("installs sqlpackage at /usr/local/sqlpackage with a /usr/local/bin link, telemetry off, and ICU present", async () => {
        const result = await dockerRun([TAG, "bash", "-c", 'readlink /usr/local/bin/sqlpackage; echo "$DACFX_TELEMETRY_OPTOUT"; dpkg-query -W -f="\\${Package}\\n" "libicu*"; sqlpackage /Version']);
        assert.strictEqual(result.code, 0, result.stderr);
        const lines = result.stdout.trim().split("\n");
        assert.strictEqual(lines[0], "/usr/local/sqlpackage/sqlpackage");
        assert.strictEqual(lines[1], "1");
        assert.ok(lines.some((line) => /^libicu\d+$/.test(line)), `no libicuNN installed: ${result.stdout}`);
    });

    it("carries OCI labels and a health check that runs healthcheck.sh", async () => {
        const result = await sh("docker", ["image", "inspect", TAG, "--format", "{{json .Config.Labels}}|{{json .Config.Healthcheck.Test}}|{{.Config.User}}"]);
        const [labels, healthcheck, user] = result.stdout.trim().split("|");
        const parsed = JSON.parse(labels);
        assert.strictEqual(parsed["org.opencontainers.image.revision"], "test-revision");
        assert.strictEqual(parsed["org.opencontainers.image.version"], "0.0.0-test");
        assert.ok(parsed["org.opencontainers.image.source"]);
        assert.deepStrictEqual(JSON.parse(healthcheck), ["CMD", "/usr/local/bin/healthcheck.sh"]);
        assert.strictEqual(user, "10001:10001");
    });

    it("names every missing variable and exits 1", async () => {
        const result = await dockerRun(["-e", "RUN_MODE=once", TAG]);
        assert.strictEqual(result.code, 1);
        assert.match(result.stdout, /missing required environment variable\(s\): MSSQL_HOST MSSQL_DATABASE MSSQL_PASSWORD MINIO_ENDPOINT MINIO_BUCKET MINIO_ACCESS_KEY MINIO_SECRET_KEY/);
    });

    it("RUN_MODE=once exits with GoBackup's status (0 and 4), ends with its outcome, never printing a secret", async () => {
        const ok = await dockerRun([...renderEnv, "-e", "RUN_MODE=once", TAG]);
        assert.strictEqual(ok.code, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /backup finished successfully/);
        assert.match(ok.stdout, /OUTCOME: succeeded\s*$/);
        const failed = await dockerRun([...renderEnv, "-e", "RUN_MODE=once", "-e", "GOBACKUP_DOUBLE_EXIT=4", TAG]);
        assert.strictEqual(failed.code, 4);
        assert.match(failed.stdout, /backup failed \(gobackup exit status 4\)/);
        assert.match(failed.stdout, /OUTCOME: failed: gobackup exited with status 4\s*$/);
        for (const output of [ok.stdout + ok.stderr, failed.stdout + failed.stderr]) {
            assert.ok(!output.includes("Image-Test-Secret") && !output.includes("Image-Test-Minio-Secret"), "a secret was printed");
        }
    });

    it("reads credentials from files (_FILE), as the component delivers them, owned by the image's user", async () => {
        const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "image-secrets-"));
        fs.chmodSync(secrets, 0o755);
        fs.writeFileSync(path.join(secrets, "MSSQL_PASSWORD"), "File-Secret-1\n", { mode: 0o444 });
        const env = renderEnv.filter((arg, i, all) => !(arg.startsWith("MSSQL_PASSWORD=") || all[i + 1]?.startsWith("MSSQL_PASSWORD=")));
        const result = await dockerRun([...env, "-v", `${secrets}:/run/secrets/sqlserver-backup:ro`, "-e", "MSSQL_PASSWORD_FILE=/run/secrets/sqlserver-backup/MSSQL_PASSWORD", "-e", "GOBACKUP_DOUBLE_ENV=/tmp/gobackup/env", TAG, "check"]);
        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        assert.ok(!(result.stdout + result.stderr).includes("File-Secret-1"));
    });

    it("in the image, with the real mc against a real MinIO: the hook verifies an archive, list shows it, restore imports it", async () => {
        const stamp = new Date().toISOString().replace(/[-:T]/g, ".").slice(0, 19);
        // An archive as GoBackup lays it out, uploaded with the backup user's keys.
        const staging = fs.mkdtempSync(path.join(os.tmpdir(), "image-archive-"));
        const exported = await sh(
            path.join(artifacts, "sqlpackage"),
            ["/Action:Export", "/SourceServerName:sql,1433", "/SourceDatabaseName:Orders", "/SourceUser:sa", "/SourcePassword:x", `/TargetFile:${path.join(staging, "orders", "mssql", "orders", "Orders.bacpac")}`],
            { env: { ...process.env, SQLPACKAGE_DOUBLE_SIZE: "150000" } },
        );
        assert.strictEqual(exported.code, 0, exported.stderr);
        const archive = path.join(staging, `${stamp}.tar`);
        await sh("tar", ["-cf", archive, "-C", staging, "orders"]);
        await minio.mcOk(["cp", archive, `${user.alias}/${user.bucket}/${user.prefix}/orders/${stamp}.tar`]);
        const storageEnv = [
            ["MINIO_ENDPOINT", minio.endpoint],
            ["MINIO_BUCKET", user.bucket],
            ["MINIO_PATH", user.prefix],
            ["MINIO_ACCESS_KEY", user.accessKey],
            ["MINIO_SECRET_KEY", user.secretKey],
            ["RESTORE_DATABASE", "orders"],
        ].flatMap(([k, v]) => ["-e", `${k}=${v}`]);
        const hook = await dockerRun([
            ...storageEnv,
            TAG,
            "bash",
            "-c",
            'sqlserver-backup-hook start orders && echo $(( $(date +%s) - 60 )) >"$GOBACKUP_WORKDIR/.gobackup/health/orders/started-at" && ' +
                `sqlserver-backup-hook finish orders ${minio.endpoint} ${user.bucket} ${user.prefix}/orders && cat "$GOBACKUP_WORKDIR/.gobackup/health/orders/result"`,
        ]);
        assert.strictEqual(hook.code, 0, hook.stdout + hook.stderr);
        assert.match(hook.stdout, /verified backups\/sqlserver\/orders\/\S+\.tar in the bucket/);
        assert.match(hook.stdout, /succeeded\s*$/);
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/orders/${stamp}.tar.manifest.json`]));
        assert.strictEqual(manifest.archive.sha256, sha256(archive));
        const list = await dockerRun([...storageEnv, TAG, "list"]);
        assert.strictEqual(list.code, 0, list.stdout + list.stderr);
        assert.match(list.stdout, new RegExp(`\\d+ +yes +backups/sqlserver/orders/${stamp.replace(/\./g, "\\.")}\\.tar`));
        const restore = await dockerRun([
            ...storageEnv,
            ...["RESTORE_TARGET_HOST=sql", "RESTORE_TARGET_DATABASE=Orders_Restored", "RESTORE_TARGET_PASSWORD=Target-Pa55", "EXPECT_PASSWORD=Target-Pa55", "RESTORE_ID=image-test"].flatMap((e) => ["-e", e]),
            TAG,
            "restore",
        ]);
        assert.strictEqual(restore.code, 0, restore.stdout + restore.stderr);
        assert.match(restore.stdout, /verified backups\/sqlserver\/orders\/\S+: sha256 [0-9a-f]{64} matches its manifest/);
        assert.match(restore.stdout, /OUTCOME: succeeded\s*$/);
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
