import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RESTORE_ALREADY_RAN_EXIT_CODE } from "../../components/plan/restore";
import { AgentHarness, backupEngine, Engine, waitFor } from "./helpers/agent";
import { MinioServer } from "./helpers/minio";
import { AWS_STYLE_SECRET, provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { requireTools } from "./helpers/tools";

const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");

/**
 * The backup agent with the environment the component renders, against a real MinIO
 * with the component's two users and policies. SQL Server cannot run here: sqlpackage
 * is a TEST DOUBLE; `gobackup` is GoBackup's real engine when GOBACKUP_BIN names one,
 * else the gobackup TEST DOUBLE (its uploads go through mc to the same MinIO).
 */
describe("backup agent on a real MinIO (sqlpackage TEST DOUBLE; gobackup real with GOBACKUP_BIN, else TEST DOUBLE)", function () {
    this.timeout(180000);
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let engine: Engine;
    const harnesses: AgentHarness[] = [];

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go"]);
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
        assert.match(user.secretKey, /[/+=]/, "the backup user's secret is AWS-style");
        engine = backupEngine(tools.mc);
    });

    after(async () => {
        harnesses.forEach((h) => h.remove());
        await minio?.remove();
    });

    function harness(options: { prefix?: string; keep?: number; databases?: string[] } = {}): AgentHarness {
        const h = new AgentHarness({
            engine,
            keep: options.keep,
            databases: options.databases,
            storage: {
                endpoint: minio.endpoint,
                bucket: user.bucket,
                prefix: options.prefix ?? user.prefix,
                accessKey: user.accessKey,
                secretKey: user.secretKey,
                restore: user.restore,
            },
        });
        harnesses.push(h);
        return h;
    }

    async function objects(folder: string): Promise<string[]> {
        const listing = await minio.mcOk(["ls", "--json", `admin/${user.bucket}/${folder}/`]);
        return listing.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line).key as string).sort();
    }

    async function clearFolder(folder: string): Promise<void> {
        await minio.mc(["rm", "--recursive", "--force", `admin/${user.bucket}/${folder}/`]);
    }

    const assertNoSecret = (h: AgentHarness, output: string) => {
        for (const secret of h.secretValues()) assert.ok(!output.includes(secret), `a secret was printed:\n${output}`);
    };

    it("backs up with AWS-style keys (/, + and =): once succeeds, the archive is verified by its ETag and its manifest holds the archive's SHA-256 and the tables and rows the bacpac recorded (sqlpackage TEST DOUBLE)", async () => {
        await clearFolder(`${user.prefix}/orders`);
        const h = harness();
        const once = await h.run(["once"], { SQLPACKAGE_DOUBLE_TABLES: "7", SQLPACKAGE_DOUBLE_ROWS: "4242" });
        assert.strictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: succeeded\s*$/);
        assertNoSecret(h, once.stdout);
        const keys = await objects(`${user.prefix}/orders`);
        const archive = keys.find((key) => /^\d{4}(\.\d\d){5}\.tar$/.test(key));
        assert.ok(archive, `no archive in ${keys.join(", ")}`);
        assert.ok(keys.includes(`${archive}.manifest.json`), `no manifest beside ${archive}: ${keys.join(", ")}`);
        const downloaded = path.join(h.work, "downloaded.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${user.prefix}/orders/${archive}`, downloaded]);
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/orders/${archive}.manifest.json`]));
        assert.strictEqual(manifest.archive.sha256, sha256(fs.readFileSync(downloaded)));
        assert.strictEqual(manifest.archive.size, fs.statSync(downloaded).size);
        // Proven without a second transfer: MinIO's ETag equals the one computed from the local bytes.
        assert.strictEqual(manifest.archive.verifiedBy, "etag", JSON.stringify(manifest.archive));
        // From the bacpac's Origin.xml, what a restore drill checks the restored database against.
        assert.deepStrictEqual(
            manifest.databases.map((d: { export?: unknown }) => d.export),
            [{ tables: 7, rows: 4242 }],
            JSON.stringify(manifest.databases),
        );
        const status = await h.run(["status"]);
        assert.strictEqual(status.code, 0, status.stdout);
        assert.match(status.stdout, /ok: model 'orders'/);
    });

    it("lists backups with the read-only restore identity, newest first, verified ones marked", async () => {
        const h = harness();
        const list = await h.run(["list"], { RESTORE_DATABASE: "orders" });
        assert.strictEqual(list.code, 0, list.stdout);
        assert.match(list.stdout, /backups\/sqlserver\/orders\/\d{4}(\.\d\d){5}\.tar/);
        assert.match(list.stdout, /\byes\b/);
        assertNoSecret(h, list.stdout);
    });

    it("a failed export is unhealthy at once: once, status and the health check name GoBackup's own reason", async () => {
        const h = harness();
        // Either engine runs the sqlpackage double, which refuses the login as SQL Server would.
        const failing = { EXPECT_PASSWORD: "not-the-password" };
        const once = await h.run(["once"], failing);
        assert.notStrictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: failed: .*Dump error/);
        assertNoSecret(h, once.stdout);
        for (const mode of ["status", "health"]) {
            const report = await h.run([mode]);
            assert.strictEqual(report.code, 1, `${mode} said healthy after a failed backup:\n${report.stdout}`);
            assert.match(report.stdout, /orders.*Dump error/, mode);
            assertNoSecret(h, report.stdout);
        }
    });

    it("an upload the bucket refuses is a failed run with the S3 error, and nothing is recorded as verified", async () => {
        // The backup user's policy covers backups/sqlserver only.
        const h = harness({ prefix: "outside/the-policy" });
        const once = await h.run(["once"], { PREFLIGHT_TARGETS: "" });
        assert.notStrictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: failed: .*(Access Denied|AccessDenied|Insufficient permissions)/i);
        const status = await h.run(["status"]);
        assert.strictEqual(status.code, 1, status.stdout);
        assert.doesNotMatch(status.stdout, /last verified backup/);
    });

    it("bytes in the bucket that differ from the archive (same length) fail the run and get no manifest (gobackup TEST DOUBLE only)", async function () {
        if (engine.real) this.skip();
        await clearFolder(`${user.prefix}/orders`);
        const h = harness();
        const once = await h.run(["once"], { GOBACKUP_DOUBLE_MODE: "flip" });
        assert.notStrictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: failed: .*does not hold the bytes GoBackup archived/);
        const keys = await objects(`${user.prefix}/orders`);
        assert.ok(keys.some((key) => key.endsWith(".tar")), "the upload happened");
        assert.ok(!keys.some((key) => key.endsWith(".manifest.json")), `a manifest was written for unverified bytes: ${keys.join(", ")}`);
    });

    async function runTimes(h: AgentHarness, times: number, extra: Record<string, string> = {}): Promise<void> {
        for (let run = 0; run < times; run++) {
            const once = await h.run(["once"], extra);
            assert.strictEqual(once.code, 0, once.stdout);
            await new Promise((resolve) => setTimeout(resolve, 1100)); // archive names have one-second resolution
        }
    }

    it("keeps exactly `keep` verified archives, each with its manifest, and no orphaned manifest: the agent's retention, after verification", async () => {
        await clearFolder(`${user.prefix}/orders`);
        const h = harness({ keep: 2 });
        await runTimes(h, 3);
        const keys = await objects(`${user.prefix}/orders`);
        const archives = keys.filter((key) => key.endsWith(".tar"));
        const manifests = keys.filter((key) => key.endsWith(".manifest.json"));
        assert.strictEqual(archives.length, 2, keys.join(", "));
        assert.deepStrictEqual(manifests.sort(), archives.map((a) => `${a}.manifest.json`).sort(), keys.join(", "));
        const list = await h.run(["list"], { RESTORE_DATABASE: "orders" });
        assert.match(list.stdout, /retention: the newest 2 verified/, list.stdout);
    });

    it("a reload signal (SIGHUP, SIGQUIT) never stops a backup halfway: only SIGTERM does, with grace", async () => {
        const h = harness();
        const slow = { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "3", SQLPACKAGE_DOUBLE_DELAY_SECONDS: engine.real ? "3" : "0" };
        const running = h.start(["once"], slow);
        await waitFor("the run to be under way", () => (engine.real ? /Dump|mssql/i : /Storage \| minio/).test(running.output()), 60000);
        running.child.kill("SIGHUP");
        running.child.kill("SIGQUIT");
        assert.strictEqual(await running.exited, 0, running.output());
        assert.match(running.output(), /OUTCOME: succeeded\s*$/);
    });

    it("a run killed mid-upload (the container's end) is recorded interrupted, never verified, and the next run succeeds", async function () {
        const h = harness();
        // The gobackup double sleeps inside its upload; with the real engine the export is slow instead.
        const slow = { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "30", SQLPACKAGE_DOUBLE_DELAY_SECONDS: engine.real ? "30" : "0" };
        const running = h.start(["once"], slow);
        await waitFor("the run to be under way", () => (engine.real ? /Dump|mssql/i : /Storage \| minio/).test(running.output()), 60000);
        process.kill(-running.child.pid!, "SIGKILL");
        await running.exited;
        const afterKill = await h.run(["status"]);
        assert.strictEqual(afterKill.code, 1, `status after a killed run:\n${afterKill.stdout}`);
        const next = await h.run(["once"]);
        assert.strictEqual(next.code, 0, next.stdout);
        assert.match(next.stdout, /recorded as interrupted/);
        const record = JSON.parse(fs.readFileSync(path.join(h.settings.workdir, ".sqlserver-backup", "models", "orders.json"), "utf8"));
        assert.strictEqual(record.counts.interrupted, 1, JSON.stringify(record));
    });

    it("SIGTERM during a run waits out the grace period, then records the run interrupted and exits non-zero", async function () {
        const h = harness();
        const slow = { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "30", SQLPACKAGE_DOUBLE_DELAY_SECONDS: engine.real ? "30" : "0", SHUTDOWN_GRACE_SECONDS: "2" };
        const running = h.start(["once"], slow);
        await waitFor("the run to be under way", () => (engine.real ? /Dump|mssql/i : /Storage \| minio/).test(running.output()), 60000);
        const stopped = Date.now();
        running.child.kill("SIGTERM");
        const code = await running.exited;
        const waited = Date.now() - stopped;
        assert.notStrictEqual(code, 0, running.output());
        assert.ok(waited >= 1900 && waited < 20000, `stopped ${waited} ms after SIGTERM with a grace period of 2 s`);
        assert.match(running.output(), /interrupted|grace period ended/);
        const status = await h.run(["status"]);
        assert.strictEqual(status.code, 1);
        assert.match(status.stdout, /did not finish: the agent was stopped \(SIGTERM\)/);
    });

    it("SIGTERM during a run that ends within the grace period: the run finishes and is verified", async () => {
        const h = harness();
        const slow = { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "3", SQLPACKAGE_DOUBLE_DELAY_SECONDS: engine.real ? "3" : "0", SHUTDOWN_GRACE_SECONDS: "60" };
        const running = h.start(["once"], slow);
        await waitFor("the run to be under way", () => (engine.real ? /Dump|mssql/i : /Storage \| minio/).test(running.output()), 60000);
        running.child.kill("SIGTERM");
        assert.strictEqual(await running.exited, 0, running.output());
        assert.match(running.output(), /OUTCOME: succeeded\s*$/);
    });

    describe("restore with the read-only identity", () => {
        let h: AgentHarness;
        before(async () => {
            await clearFolder(`${user.prefix}/orders`);
            h = harness();
            const once = await h.run(["once"]);
            assert.strictEqual(once.code, 0, once.stdout);
        });

        it("restores latest: the bacpac sqlpackage imports is the one exported, checked by SHA-256 after download", async () => {
            const exportCopy = path.join(h.work, "exported.bacpac");
            const fresh = await h.run(["once"], { SQLPACKAGE_DOUBLE_EXPORT_COPY: exportCopy });
            assert.strictEqual(fresh.code, 0, fresh.stdout);
            const env = h.restoreEnv({ id: "restore-latest" });
            const restore = await h.run(["restore"], env);
            assert.strictEqual(restore.code, 0, restore.stdout);
            assert.match(restore.stdout, /OUTCOME: succeeded\s*$/);
            assert.match(restore.stdout, /sha256 [0-9a-f]{64}/);
            assert.strictEqual(sha256(fs.readFileSync(env.SQLPACKAGE_DOUBLE_IMPORT_COPY)), sha256(fs.readFileSync(exportCopy)));
            assertNoSecret(h, restore.stdout);
            const record = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/.restores/restore-latest.json`]));
            assert.ok(record, "the claim is recorded under .restores/");
        });

        it("two restores of one id racing: exactly one runs, the other exits with already-ran", async () => {
            const env = h.restoreEnv({ id: "restore-race" });
            const [a, b] = await Promise.all([h.run(["restore"], env), h.run(["restore"], env)]);
            const codes = [a.code, b.code].sort();
            assert.deepStrictEqual(codes, [0, RESTORE_ALREADY_RAN_EXIT_CODE].sort(), `${a.stdout}\n---\n${b.stdout}`);
            const imports = h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Import" && argv.some((arg) => arg.includes("Orders_Restored")));
            assert.ok(imports.length >= 1);
            const again = await h.run(["restore"], env);
            assert.strictEqual(again.code, RESTORE_ALREADY_RAN_EXIT_CODE, again.stdout);
            assert.match(again.stdout, /already/);
        });

        it("the restore identity's keys are the ones used: with the backup user's keys only, the claim is refused (its policy denies .restores/)", async () => {
            const env = { ...h.restoreEnv({ id: "restore-backup-keys" }), RESTORE_ACCESS_KEY_FILE: undefined, RESTORE_SECRET_KEY_FILE: undefined };
            const restore = await h.run(["restore"], env);
            assert.notStrictEqual(restore.code, 0, restore.stdout);
            assert.notStrictEqual(restore.code, RESTORE_ALREADY_RAN_EXIT_CODE, restore.stdout);
            assert.match(restore.stdout, /OUTCOME: failed/);
        });

        it("refuses an archive without a manifest for latest, listing it as skipped", async () => {
            const staging = fs.mkdtempSync(path.join(os.tmpdir(), "unverified-"));
            const file = path.join(staging, "2099.01.01.00.00.00.tar");
            fs.writeFileSync(file, "not a verified archive");
            await minio.mcOk(["cp", file, `admin/${user.bucket}/${user.prefix}/orders/2099.01.01.00.00.00.tar`]);
            const list = await h.run(["list"], { RESTORE_DATABASE: "orders" });
            assert.match(list.stdout, /2099\.01\.01\.00\.00\.00\.tar/);
            const env = h.restoreEnv({ id: "restore-skip" });
            const restore = await h.run(["restore"], env);
            assert.strictEqual(restore.code, 0, restore.stdout);
            assert.match(restore.stdout, /skipp.*2099\.01\.01\.00\.00\.00\.tar/i);
            await minio.mcOk(["rm", `admin/${user.bucket}/${user.prefix}/orders/2099.01.01.00.00.00.tar`]);
        });
    });

    it("provisioning used an AWS-style secret (the test's own premise)", () => {
        assert.strictEqual(user.secretKey, AWS_STYLE_SECRET);
    });
});
