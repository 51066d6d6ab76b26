import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AgentHarness, backupEngine, Engine, RunningAgent, waitFor } from "./helpers/agent";
import { MinioServer } from "./helpers/minio";
import { freePort } from "./helpers/s3server";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { requireTools } from "./helpers/tools";

interface ModelRecord {
    counts: Record<string, number>;
    lastRun?: { outcome: string; cause?: string; archive?: { verifiedBy?: string } };
}

/**
 * The agent's daemon mode: its own scheduler (robfig/cron v3 in TZ) starting a fresh
 * `gobackup perform` per tick. On GoBackup's real engine (GOBACKUP_BIN) this is the
 * regression test for runs in a deleted working directory: GoBackup's compressor
 * chdirs into its temp dir and deletes it, and the sqlpackage TEST DOUBLE fails on a
 * deleted working directory as .NET programs do. Without GOBACKUP_BIN the gobackup
 * TEST DOUBLE runs (CI: GoBackup's module is not served there).
 */
describe("daemon mode: consecutive scheduled runs, a once during them, health, metrics and stop (sqlpackage TEST DOUBLE; gobackup real with GOBACKUP_BIN, else TEST DOUBLE)", function () {
    this.timeout(240000);
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let engine: Engine;
    const harnesses: AgentHarness[] = [];
    const daemons: RunningAgent[] = [];

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go"]);
        if (process.env.REQUIRE_GOBACKUP === "1" && !process.env.GOBACKUP_BIN) throw new Error("REQUIRE_GOBACKUP=1 but no GOBACKUP_BIN: GoBackup's engine is not available");
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
        engine = backupEngine(tools.mc);
        console.log(`    gobackup: ${engine.real ? `GoBackup's engine (${engine.bin})` : "TEST DOUBLE"}`);
    });

    afterEach(async () => {
        for (const daemon of daemons.splice(0)) {
            if (daemon.child.exitCode === null) process.kill(-daemon.child.pid!, "SIGKILL");
            await daemon.exited;
        }
    });

    after(async () => {
        harnesses.forEach((h) => h.remove());
        await minio?.remove();
    });

    function harness(keep = 10): AgentHarness {
        const h = new AgentHarness({
            engine,
            keep,
            cron: "@every 4s",
            storage: { endpoint: minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey, restore: user.restore },
        });
        harnesses.push(h);
        return h;
    }

    const record = (h: AgentHarness): ModelRecord | undefined => {
        const file = path.join(h.settings.workdir, ".sqlserver-backup", "models", "orders.json");
        return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ModelRecord) : undefined;
    };

    function daemon(h: AgentHarness, extra: Record<string, string> = {}): RunningAgent {
        const running = h.start(["daemon"], { HEALTH_SETTLE_SECONDS: "0", ...extra });
        daemons.push(running);
        return running;
    }

    it("runs three and more consecutive scheduled backups, every one verified, sqlpackage never in a deleted directory", async () => {
        await minio.mc(["rm", "--recursive", "--force", `admin/${user.bucket}/${user.prefix}/orders/`]);
        const h = harness();
        const running = daemon(h);
        await waitFor("three verified scheduled runs", () => (record(h)?.counts.succeeded ?? 0) >= 3 || (record(h)?.counts.failed ?? 0) > 0, 120000);
        const r = record(h)!;
        assert.strictEqual(r.counts.failed ?? 0, 0, `a scheduled run failed: ${r.lastRun?.cause}\n${running.output()}`);
        assert.ok(r.counts.succeeded >= 3);
        const cwd = fs.readlinkSync(`/proc/${running.child.pid}/cwd`);
        assert.doesNotMatch(cwd, /\(deleted\)/, "the daemon sits in a deleted directory");
        const listing = (await minio.mcOk(["ls", "--json", `admin/${user.bucket}/${user.prefix}/orders/`])).trim().split("\n").map((line) => JSON.parse(line).key as string);
        const archives = listing.filter((key) => key.endsWith(".tar"));
        assert.ok(archives.length >= 3, listing.join(", "));
        for (const archive of archives) assert.ok(listing.includes(`${archive}.manifest.json`), `${archive} has no manifest`);
        const health = await h.run(["health"]);
        assert.strictEqual(health.code, 0, health.stdout);
    });

    it("a once during the schedule shares the model's lock: it waits or the tick is skipped and recorded, never two runs at once", async () => {
        // A new workdir continues the counts of the run record mirrored in the folder:
        // start from an empty folder, so the counts are this test's runs only.
        await minio.mc(["rm", "--recursive", "--force", "--versions", `admin/${user.bucket}/${user.prefix}/orders/`]);
        const h = harness();
        const slow = { SQLPACKAGE_DOUBLE_DELAY_SECONDS: "5", GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "3" };
        daemon(h, slow);
        await waitFor("a scheduled run under way", () => record(h)?.lastRun?.outcome === "running", 60000);
        const once = await h.run(["once"], slow);
        assert.strictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /waiting/);
        await waitFor("a skipped tick", () => (record(h)?.counts.skipped ?? 0) >= 1, 60000);
        const calls = h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Export").length;
        const r = record(h)!;
        assert.strictEqual(calls, (r.counts.succeeded ?? 0) + (r.counts.failed ?? 0) + (r.lastRun?.outcome === "running" ? 1 : 0), "exports and recorded runs disagree");
    });

    it("a failing export makes the daemon unhealthy at once, with sqlpackage's reason in health, status and the metrics", async () => {
        const h = harness();
        const port = await freePort();
        daemon(h, { EXPECT_PASSWORD: "not-the-password", METRICS_ADDRESS: `127.0.0.1:${port}` });
        await waitFor("a failed run", () => (record(h)?.counts.failed ?? 0) >= 1, 60000);
        for (const mode of ["health", "status"]) {
            const report = await h.run([mode]);
            assert.strictEqual(report.code, 1, `${mode}: ${report.stdout}`);
            assert.match(report.stdout, /Dump error/, mode);
        }
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, /sqlserver_backup_last_outcome\{model="orders",outcome="failed"\} 1/);
        assert.match(metrics, /sqlserver_backup_healthy\{model="orders"\} 0/);
        assert.match(metrics, /sqlserver_backup_runs_total\{model="orders",outcome="failed"\} [1-9]/);
    });

    it("SIGTERM stops the schedule and exits 0 when no run is in progress", async () => {
        const h = harness();
        const running = daemon(h);
        await waitFor("a verified run", () => (record(h)?.counts.succeeded ?? 0) >= 1, 60000);
        await waitFor("no run in progress", () => record(h)?.lastRun?.outcome !== "running", 60000);
        running.child.kill("SIGTERM");
        assert.strictEqual(await running.exited, 0, running.output());
    });
});
