import * as assert from "assert";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { renderGoBackupConfig } from "../../components/plan/gobackupConfig";
import { secretProblem } from "../../components/args/rules";
import { BackupSettings } from "../../components/plan/settings";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { findTool, requireTools } from "./helpers/tools";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../..");

interface Exit {
    code: number;
    output: string;
}

/**
 * What the component renders, run by GoBackup's real engine against a real MinIO,
 * with sqlpackage replaced by a TEST DOUBLE (SQL Server cannot run here).
 *
 * GoBackup's Go module is not served by this environment's module proxy, so CI has
 * no engine to run: the suite skips there with that reason unless REQUIRE_GOBACKUP=1.
 * Put a GoBackup v3.1.1 binary (its release tarball) on PATH, or GOBACKUP_BIN, to run it.
 */
describe("GoBackup engine with the rendered config, real MinIO, sqlpackage TEST DOUBLE", function () {
    this.timeout(240000);
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let work: string;
    let bin: string;
    let gobackup: string;

    before(async function () {
        const found = process.env.GOBACKUP_BIN ?? findTool("gobackup");
        const version = found ? await run(found, ["-v"]).then((r) => r.stdout, () => "") : "";
        if (!found || /double/.test(version)) {
            const reason = "no GoBackup engine: its Go module is not served by this environment's module proxy; put a GoBackup v3.1.1 binary on PATH or in GOBACKUP_BIN";
            if (process.env.REQUIRE_GOBACKUP === "1") throw new Error(reason);
            console.log(`    skipped: ${reason}`);
            this.skip();
        }
        gobackup = found!;
        const tools = requireTools(this, ["minio", "mc", "go", "jq"]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
        bin = path.join(work, "bin");
        fs.mkdirSync(bin);
        await run("go", ["build", "-o", path.join(bin, "sqlpackage"), "."], { cwd: path.join(REPO, "tests/doubles/sqlpackage-double") });
        fs.symlinkSync(gobackup, path.join(bin, "gobackup"));
        fs.symlinkSync(path.join(REPO, "image/hook.sh"), path.join(bin, "sqlserver-backup-hook"));
        fs.symlinkSync(tools.mc, path.join(bin, "mc"));
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
    });

    after(async () => minio?.remove());

    function settings(overrides: Partial<BackupSettings["storage"]> = {}, keep = 2): BackupSettings {
        return {
            databases: [{ name: "orders", host: "sql.internal", port: 14330, database: "Orders", username: "backup_user", trustServerCertificate: true, extraArgs: ["/p:CompressionOption=Fast"] }],
            schedule: { cron: "* * * * *", timeZone: "Etc/UTC" },
            storage: {
                endpoint: minio.endpoint,
                region: "us-east-1",
                bucket: user.bucket,
                prefix: user.prefix,
                keep,
                timeoutSeconds: 30,
                maxRetries: 0,
                retentionDays: 30,
                noncurrentVersionRetentionDays: 7,
                ...overrides,
            },
            webUi: { enabled: false, port: 2703 },
            workdir: path.join(work, "workdir"),
            localCopy: { path: path.join(work, "workdir", "archives"), keep: 2 },
        };
    }

    function writeConfig(s: BackupSettings): string {
        const file = path.join(work, `gobackup-${Date.now()}.yml`);
        fs.writeFileSync(file, renderGoBackupConfig(s).yaml, { mode: 0o600 });
        return file;
    }

    function engineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
        return {
            PATH: `${bin}:${process.env.PATH}`,
            HOME: work,
            GOBACKUP_DIR: path.join(work, ".gobackup"),
            MINIO_ACCESS_KEY: user.accessKey,
            MINIO_SECRET_KEY: user.secretKey,
            MSSQL_PASSWORD_ORDERS: "Orders-Pa55",
            EXPECT_PASSWORD: extra.MSSQL_PASSWORD_ORDERS ?? "Orders-Pa55",
            SQLPACKAGE_DOUBLE_ARGV_FILE: path.join(work, "argv.jsonl"),
            SQLPACKAGE_DOUBLE_EXPORT_COPY: path.join(work, "exported.bacpac"),
            SQLPACKAGE_DOUBLE_SIZE: "300000",
            ...extra,
        };
    }

    /**
     * `gobackup perform`. With `tmpfs`, in a private mount namespace (unshare -m) where a
     * tmpfs of that many bytes is mounted at `tmpfs.dir` first: a small file system.
     */
    function perform(config: string, extra: Record<string, string> = {}, tmpfs?: { dir: string; bytes: number }): Promise<Exit> {
        return new Promise((resolve) => {
            const [file, args] = tmpfs
                ? ["unshare", ["-m", "--propagation", "private", "bash", "-c", 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"', "_", String(tmpfs.bytes), tmpfs.dir, gobackup, "perform", "--config", config]]
                : [gobackup, ["perform", "--config", config]];
            const child = spawn(file, args, { env: engineEnv(extra) });
            let output = "";
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            child.on("exit", (code) => resolve({ code: code ?? 1, output }));
        });
    }

    async function archives(dbName = "orders"): Promise<string[]> {
        const listing = await minio.mcOk(["ls", "--json", `admin/${user.bucket}/${user.prefix}/${dbName}/`]);
        return listing
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line).key as string)
            .filter((key) => key.endsWith(".tar") && !key.includes(".gobackup-state"))
            .sort();
    }

    /** The last export's argv (the manifest hook also calls `sqlpackage /Version`). */
    const lastArgv = (): string[] => {
        const exports = fs
            .readFileSync(path.join(work, "argv.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as string[])
            .filter((argv) => argv[0] === "/Action:Export");
        return exports[exports.length - 1];
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it("lands a backup at <prefix>/<db>/<timestamp>.tar holding the exported bacpac byte for byte", async () => {
        const result = await perform(writeConfig(settings()));
        assert.strictEqual(result.code, 0, result.output);
        const [archive] = await archives();
        assert.match(archive, /^\d{4}\.\d{2}\.\d{2}\.\d{2}\.\d{2}\.\d{2}\.tar$/);
        const tarFile = path.join(work, "downloaded.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${user.prefix}/orders/${archive}`, tarFile]);
        const extracted = path.join(work, "extracted");
        fs.mkdirSync(extracted, { recursive: true });
        await run("tar", ["-xf", tarFile, "-C", extracted]);
        const bacpac = path.join(extracted, "orders", "mssql", "orders", "Orders.bacpac");
        assert.ok(fs.existsSync(bacpac), "bacpac at orders/mssql/orders/Orders.bacpac");
        assert.ok(fs.readFileSync(bacpac).equals(fs.readFileSync(path.join(work, "exported.bacpac"))));
    });

    it("hands sqlpackage the right server, port, database, user, password and TrustServerCertificate", () => {
        assert.deepStrictEqual(lastArgv().slice(0, 7), [
            "/Action:Export",
            "/SourceDatabaseName:Orders",
            "/SourceUser:backup_user",
            "/SourcePassword:Orders-Pa55",
            "/SourceServerName:sql.internal,14330",
            "/SourceTrustServerCertificate:True",
            "/p:CompressionOption=Fast",
        ]);
    });

    it("keeps exactly the newest two archives with keep: 2 over four runs, with the backup user's own credentials", async () => {
        const config = writeConfig(settings());
        for (let i = 0; i < 4; i++) {
            await sleep(1100); // archive names have one-second resolution
            const result = await perform(config);
            assert.strictEqual(result.code, 0, result.output);
        }
        const kept = await archives();
        assert.strictEqual(kept.length, 2, `kept ${kept.join(", ")}`);
    });

    it("carries every character the validator allows in a password through to sqlpackage unchanged", async () => {
        const password = "!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~$HOME$$x";
        assert.strictEqual(secretProblem(password), undefined);
        const result = await perform(writeConfig(settings()), { MSSQL_PASSWORD_ORDERS: password });
        assert.strictEqual(result.code, 0, result.output);
        assert.strictEqual(lastArgv()[3], `/SourcePassword:${password}`);
    });

    it("shows that a password the validator rejects really is mangled by GoBackup", async () => {
        for (const password of ["tab\\there", "two words"]) {
            assert.ok(secretProblem(password), `the validator should reject ${JSON.stringify(password)}`);
            await perform(writeConfig(settings()), { MSSQL_PASSWORD_ORDERS: password, EXPECT_PASSWORD: password });
            const argv = lastArgv();
            assert.ok(!argv.includes(`/SourcePassword:${password}`), `${JSON.stringify(password)} arrived intact: ${JSON.stringify(argv)}`);
        }
    });

    it("exits non-zero naming the cause on a wrong MinIO secret, and keeps the local copy", async () => {
        const localBefore = fs.readdirSync(path.join(work, "workdir", "archives", "orders")).length;
        await sleep(1100);
        const result = await perform(writeConfig(settings()), { MINIO_SECRET_KEY: "wrong-secret-key-0123456789" });
        assert.notStrictEqual(result.code, 0);
        assert.match(result.output, /SignatureDoesNotMatch/);
        const local = fs.readdirSync(path.join(work, "workdir", "archives", "orders"));
        assert.ok(local.length >= Math.min(localBefore, 1), "local copies kept");
        assert.ok(local.some((f) => f.endsWith(".tar")));
    });

    it("writes an integrity manifest through GoBackup's after_script for a backup that succeeded, none for one that failed", async () => {
        await sleep(1100);
        const ok = await perform(writeConfig(settings()));
        assert.strictEqual(ok.code, 0, ok.output);
        const newest = (await archives()).pop()!;
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/orders/${newest}.manifest.json`]));
        assert.strictEqual(manifest.archive.key, `${user.prefix}/orders/${newest}`);
        assert.strictEqual(manifest.databases[0].bacpac, "orders/mssql/orders/Orders.bacpac");
        await sleep(1100);
        const failed = await perform(writeConfig(settings()), { MINIO_SECRET_KEY: "wrong-secret-key-0123456789" });
        assert.notStrictEqual(failed.code, 0);
        const local = fs.readdirSync(path.join(work, "workdir", "archives", "orders")).sort().pop()!;
        assert.strictEqual((await minio.mc(["stat", `admin/${user.bucket}/${user.prefix}/orders/${local}.manifest.json`])).code, 1, "no manifest for the failed run");
    });

    it("writes each manifest from the bucket's bytes and prunes the manifests of archives keep removed", async () => {
        const config = writeConfig(settings());
        for (let i = 0; i < 3; i++) {
            await sleep(1100);
            const result = await perform(config);
            assert.strictEqual(result.code, 0, result.output);
        }
        const kept = await archives();
        assert.strictEqual(kept.length, 2);
        const listing = await minio.mcOk(["ls", "--json", `admin/${user.bucket}/${user.prefix}/orders/`]);
        const manifests = listing
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line).key as string)
            .filter((key) => key.endsWith(".manifest.json"));
        assert.deepStrictEqual(manifests.sort(), kept.map((archive) => `${archive}.manifest.json`).sort(), "one manifest per archive, none orphaned");
        const newest = kept[kept.length - 1];
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/orders/${newest}.manifest.json`]));
        const fromBucket = path.join(work, "check.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${user.prefix}/orders/${newest}`, fromBucket]);
        const { stdout } = await run("sha256sum", [fromBucket]);
        assert.strictEqual(manifest.archive.sha256, stdout.split(" ")[0]);
        assert.strictEqual(manifest.archive.size, fs.statSync(fromBucket).size);
        assert.strictEqual(fs.readFileSync(path.join(work, ".gobackup", "health", "orders", "result"), "utf8").trim(), "succeeded");
    });

    it("records a failed run with GoBackup's own reason for the health check", async () => {
        await sleep(1100);
        const result = await perform(writeConfig(settings()), { MINIO_SECRET_KEY: "wrong-secret-key-0123456789" });
        assert.notStrictEqual(result.code, 0);
        assert.match(result.output, /no manifest was written for this run/);
        const health = (field: string) => fs.readFileSync(path.join(work, ".gobackup", "health", "orders", field), "utf8").trim();
        assert.strictEqual(health("result"), "failed");
        // The hook lists with the failing key too, so MinIO's answer is the reason.
        assert.match(health("reason"), /SignatureDoesNotMatch|Access Denied|signature/i);
        assert.ok(!health("reason").includes("wrong-secret-key"), "no secret in the reason");
    });

    it("with the cp shim, the local copy is a hard link: a workdir with room for bacpac and tar only still keeps it", async function () {
        if (process.getuid?.() !== 0) return this.skip();
        const shimmed = (s: BackupSettings) => ({ ...s, workdir: path.join(work, "small"), localCopy: { path: path.join(work, "small", "archives"), keep: 2 } });
        fs.mkdirSync(path.join(work, "small"), { recursive: true });
        const bytes = 300000;
        // bacpac + tar fit (~2 x 300 kB); a third copy does not.
        const room = { dir: path.join(work, "small"), bytes: 2 * bytes + 180000 };
        const shim = { PATH: `${path.join(REPO, "image/shims")}:${bin}:${process.env.PATH}`, SQLSERVER_BACKUP_LINK_FROM: room.dir, SQLSERVER_BACKUP_LINK_TO: path.join(room.dir, "archives") };
        await sleep(1100);
        const linked = await perform(writeConfig(shimmed(settings())), { SQLPACKAGE_DOUBLE_SIZE: String(bytes), ...shim }, room);
        assert.strictEqual(linked.code, 0, linked.output);
        await sleep(1100);
        const copied = await perform(writeConfig(shimmed(settings())), { SQLPACKAGE_DOUBLE_SIZE: String(bytes) }, room);
        assert.notStrictEqual(copied.code, 0, "the real cp -a needs a third copy's room");
        assert.match(copied.output, /No space left on device/);
    });

    it("when the local copy fails for want of room, the uploaded archive still gets a manifest of its true bytes, and no truncated copy stays", async function () {
        if (process.getuid?.() !== 0) return this.skip();
        // Local copies on their own small file system: the link cannot cross to it, the copy runs out of room.
        const localCopies = path.join(work, "full-copies");
        fs.mkdirSync(localCopies, { recursive: true });
        const s = { ...settings(), localCopy: { path: localCopies, keep: 2 } };
        const shim = { PATH: `${path.join(REPO, "image/shims")}:${bin}:${process.env.PATH}`, SQLSERVER_BACKUP_LINK_FROM: path.join(work, "workdir"), SQLSERVER_BACKUP_LINK_TO: localCopies };
        await sleep(1100);
        const result = await perform(writeConfig(s), { SQLPACKAGE_DOUBLE_SIZE: "300000", ...shim }, { dir: localCopies, bytes: 100000 });
        assert.notStrictEqual(result.code, 0, "GoBackup reports the failed local copy");
        assert.match(result.output, /No space left on device/);
        const newest = (await archives()).pop()!;
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/orders/${newest}.manifest.json`]));
        const fromBucket = path.join(work, "full-check.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${user.prefix}/orders/${newest}`, fromBucket]);
        assert.strictEqual(manifest.archive.size, fs.statSync(fromBucket).size);
        assert.ok(manifest.archive.size > 300000);
        assert.strictEqual(manifest.archive.sha256, (await run("sha256sum", [fromBucket])).stdout.split(" ")[0]);
        // The mount was private to that run: what the copy left is in the directory underneath, which holds nothing.
        assert.deepStrictEqual(fs.readdirSync(localCopies).filter((f) => f.endsWith(".tar")), []);
    });

    it("exits non-zero naming the cause when the bucket is missing", async () => {
        const result = await perform(writeConfig(settings({ bucket: "no-such-bucket" })));
        assert.notStrictEqual(result.code, 0);
        assert.match(result.output, /NoSuchBucket|AccessDenied|Access Denied/);
    });

    it("exits non-zero naming the cause when MinIO is down, and keeps the local copy", async () => {
        await minio.stop();
        try {
            await sleep(1100);
            const result = await perform(writeConfig(settings({ maxRetries: 0, timeoutSeconds: 5 })));
            assert.notStrictEqual(result.code, 0);
            assert.match(result.output, /connection refused|connect/i);
            const newest = fs.readdirSync(path.join(work, "workdir", "archives", "orders")).sort().pop()!;
            assert.ok(Date.now() - fs.statSync(path.join(work, "workdir", "archives", "orders", newest)).mtimeMs < 60000, "this run's archive is on disk");
        } finally {
            await minio.start();
        }
    });

    it("fires on its schedule: gobackup run with a per-minute cron makes two backups", async function () {
        this.timeout(200000);
        const before = (await archives("sched")).length;
        const s = settings({}, 10);
        s.databases[0] = { ...s.databases[0], name: "sched" };
        const child = spawn(gobackup, ["run", "--config", writeConfig(s)], { env: engineEnv({ MSSQL_PASSWORD_SCHED: "Orders-Pa55" }) });
        try {
            const deadline = Date.now() + 190000;
            while (Date.now() < deadline && (await archives("sched")).length < before + 2) await sleep(2000);
        } finally {
            child.kill("SIGTERM");
        }
        assert.ok((await archives("sched")).length >= before + 2);
    });

    it("is driven by the image's entrypoint with RUN_MODE=once (run directly, outside Docker)", async () => {
        const env = {
            ...engineEnv({}),
            RUN_MODE: "once",
            SKIP_PREFLIGHT: "0",
            GOBACKUP_CONFIG: path.join(work, "none.yml"),
            GOBACKUP_WORKDIR: path.join(work, "entrypoint-work"),
            MSSQL_HOST: "sql.internal",
            MSSQL_DATABASE: "Orders",
            MSSQL_PASSWORD: "Orders-Pa55",
            MINIO_ENDPOINT: minio.endpoint,
            MINIO_BUCKET: user.bucket,
            MINIO_PATH: user.prefix,
            PREFLIGHT_TARGETS: `127.0.0.1:${minio.port}`,
        };
        const { stdout } = await run("bash", [path.join(REPO, "image/entrypoint.sh")], { env });
        assert.match(stdout, /backup finished successfully/);
        assert.match(stdout, /OUTCOME: succeeded\s*$/);
        assert.strictEqual((await archives("main")).length, 1);
        const local = fs.readdirSync(path.join(work, "entrypoint-work", "archives", "main")).filter((file) => file.endsWith(".tar"));
        assert.strictEqual(local.length, 1, "the local copy");
    });
});
