import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgentHarness, backupEngine, Engine, waitFor } from "./helpers/agent";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { SqlServerDouble } from "./helpers/sqlserverDouble";
import { requireTools } from "./helpers/tools";

const DRILL_PASSWORD = "Drill-Pa55/word'];x=1";

/**
 * Restore drills: the agent's `drill` with the environment the component renders,
 * against a real MinIO with the component's users and policies. SQL Server cannot run
 * here: the server drills restore into is the SQL Server TEST DOUBLE (TDS and TLS for
 * Microsoft's Go driver), sqlpackage the sqlpackage TEST DOUBLE, whose import creates
 * the database in the double's state from the bacpac's Origin.xml. gobackup is real
 * with GOBACKUP_BIN, else its TEST DOUBLE.
 */
describe("restore drills on a real MinIO (SQL Server and sqlpackage TEST DOUBLES; gobackup real with GOBACKUP_BIN, else TEST DOUBLE)", function () {
    this.timeout(180000);
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let engine: Engine;
    let sql: SqlServerDouble;
    let h: AgentHarness;

    const drill = (extra: { timeoutSeconds?: number; checks?: ("checkdb" | "totals")[] } = {}) =>
        h.drillEnv(
            { schedule: "0 6 * * 0", server: { host: sql.host, port: sql.port, username: "sa", trustServerCertificate: true }, ...extra },
            DRILL_PASSWORD,
        );
    const run = (env: Record<string, string | undefined>) => h.run(["drill"], { ...env, SQLSERVER_DOUBLE_STATE: sql.state, EXPECT_PASSWORD: DRILL_PASSWORD });
    const drillRecord = async () => JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/.restores/.drills/orders.json`]));
    const drillDatabases = () => sql.databases().filter((name) => name !== "Orders");

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go"]);
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
        engine = backupEngine(tools.mc);
        sql = new SqlServerDouble(DRILL_PASSWORD);
        await sql.start();
        // The backed-up database lives on the same server: a drill must never touch it.
        sql.createDatabase("Orders", 3, 1500);
        h = new AgentHarness({
            engine,
            storage: { endpoint: minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey, restore: user.restore },
        });
    });

    after(async () => {
        h?.remove();
        sql?.stop();
        await minio?.remove();
    });

    it("skips, saying why, while there is no verified backup yet", async () => {
        const skipped = await run(drill());
        assert.strictEqual(skipped.code, 0, skipped.stdout);
        assert.match(skipped.stdout, /OUTCOME: skipped: no verified backup under .*orders\/ yet/);
        assert.deepStrictEqual(drillDatabases(), []);
    });

    it("restores the newest verified backup into a new database, runs CHECKDB and compares tables and rows, drops it, and records it", async () => {
        const once = await h.run(["once"], { SQLPACKAGE_DOUBLE_TABLES: "3", SQLPACKAGE_DOUBLE_ROWS: "1500" });
        assert.strictEqual(once.code, 0, once.stdout);
        const result = await run(drill());
        assert.strictEqual(result.code, 0, result.stdout);
        assert.match(result.stdout, /OUTCOME: succeeded \(.*orders\/\d{4}(\.\d\d){5}\.tar, taken .*, restored into Orders_drill_\d{8}T\d{6}Z and checked/);
        assert.match(result.stdout, /check totals: passed \(3 tables, 1500 rows\)/);
        assert.deepStrictEqual(drillDatabases(), [], "the drill database was dropped");
        assert.ok(sql.batches().some((b) => /^DBCC CHECKDB \(N'Orders_drill_\d{8}T\d{6}Z'\)/.test(b)), sql.batches().join("\n"));
        const imports = h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Import");
        assert.ok(imports.length > 0 && imports.every((argv) => argv.some((a) => /^\/TargetDatabaseName:Orders_drill_\d{8}T\d{6}Z$/.test(a))), JSON.stringify(imports));
        const record = await drillRecord();
        assert.strictEqual(record.last.outcome, "succeeded");
        assert.strictEqual(record.last.dropped, true);
        assert.deepStrictEqual(record.last.checks.map((c: { name: string; result: string }) => `${c.name}:${c.result}`), ["import:passed", "checkdb:passed", "totals:passed"]);
        assert.ok(record.lastSuccess.archiveTakenAt, "the recovery point is recorded");
        for (const secret of [DRILL_PASSWORD, user.restore.secretKey]) assert.ok(!result.stdout.includes(secret), "a secret was printed");
        const status = await h.run(["status"]);
        assert.match(status.stdout, /model 'orders': last restore drill succeeded/);
    });

    const failures: { name: string; setup: () => Record<string, string>; cause: RegExp }[] = [
        {
            name: "CHECKDB reports corruption",
            setup: () => (sql.faults({ checkdbErrors: ["Table error: Object ID 581577110, index ID 1: page (1:153) could not be processed."] }), {}),
            cause: /DBCC CHECKDB found errors in Orders_drill_\w+: Msg 8928, Level 16: Table error/,
        },
        {
            name: "the restored rows differ from what the backup recorded",
            setup: () => (sql.faults({ rowsLost: 7 }), {}),
            cause: /the restored data does not match the backup: the backup recorded 3 tables and 1500 rows, the restored database has 3 tables and 1493 rows/,
        },
        {
            name: "the import fails after creating the database",
            setup: () => (sql.faults(), { SQLPACKAGE_DOUBLE_IMPORT_FAIL: "Error SQL72014: .Net SqlClient Data Provider: Msg 1105, Level 17, State 2, Line 1 Could not allocate space" }),
            cause: /the import failed: sqlpackage import failed .*Could not allocate space/,
        },
        {
            name: "the connection is killed during CHECKDB",
            setup: () => (sql.faults({ killOn: "DBCC" }), {}),
            cause: /DBCC CHECKDB could not run: DBCC CHECKDB on Orders_drill_\w+ did not complete/,
        },
        {
            name: "the drill outlives its timeout during the import",
            setup: () => (sql.faults(), { DRILL_TIMEOUT_SECONDS: "5", SQLPACKAGE_DOUBLE_DELAY_SECONDS: "30" }),
            cause: /the drill did not finish within DRILL_TIMEOUT_SECONDS=5 \(it was importing into Orders_drill_\w+\)/,
        },
    ];
    for (const failure of failures) {
        it(`fails when ${failure.name}, with that cause, and leaves no database behind`, async () => {
            const extra = failure.setup();
            try {
                const result = await run({ ...drill(), ...extra });
                assert.strictEqual(result.code, 1, result.stdout);
                assert.match(result.stdout, /OUTCOME: failed: /);
                assert.match(result.stdout, failure.cause);
                assert.deepStrictEqual(drillDatabases(), [], "a drill database was left behind");
                const record = await drillRecord();
                assert.strictEqual(record.last.outcome, "failed");
                assert.match(record.last.cause, failure.cause);
                assert.strictEqual(record.last.dropped, true);
                assert.ok(record.lastSuccess, "the last successful drill is still on record");
            } finally {
                sql.faults();
            }
        });
    }

    it("fails when the newest backup no longer matches its manifest (replaced in the bucket), naming it, instead of drilling an older one", async () => {
        const listing = await minio.mcOk(["ls", "--json", `admin/${user.bucket}/${user.prefix}/orders/`]);
        const archives = listing.trim().split("\n").map((line) => JSON.parse(line) as { key: string; size: number }).filter((o) => /^\d{4}(\.\d\d){5}\.tar$/.test(o.key)).sort((a, b) => a.key.localeCompare(b.key));
        const newest = archives[archives.length - 1];
        const staging = fs.mkdtempSync(path.join(os.tmpdir(), "replaced-"));
        fs.writeFileSync(path.join(staging, newest.key), Buffer.alloc(newest.size, 7));
        await minio.mcOk(["cp", path.join(staging, newest.key), `admin/${user.bucket}/${user.prefix}/orders/${newest.key}`]);
        const result = await run(drill());
        assert.strictEqual(result.code, 1, result.stdout);
        assert.match(result.stdout, new RegExp(`OUTCOME: failed: the newest backup .*orders/${newest.key.replace(/\./g, "\\.")} is no longer intact: the object changed after it was verified`));
        assert.deepStrictEqual(drillDatabases(), []);
        const fresh = await h.run(["once"], { SQLPACKAGE_DOUBLE_TABLES: "3", SQLPACKAGE_DOUBLE_ROWS: "1500" });
        assert.strictEqual(fresh.code, 0, fresh.stdout);
    });

    it("a failed drill is a warning in status; it is unhealthy when the deployment says a failed drill is", async () => {
        sql.faults({ rowsLost: 1 });
        const failed = await run(drill());
        sql.faults();
        assert.strictEqual(failed.code, 1, failed.stdout);
        let status = await h.run(["status"]);
        assert.strictEqual(status.code, 0, status.stdout);
        assert.match(status.stdout, /warning: model 'orders': the last restore drill \(started .*\) failed: the restored data does not match/);
        const prepared = await h.run(["once"], { DRILL_MAX_AGE_SECONDS: "604800", DRILL_UNHEALTHY: "1" });
        assert.strictEqual(prepared.code, 0, prepared.stdout);
        status = await h.run(["status"]);
        assert.strictEqual(status.code, 1, status.stdout);
        assert.match(status.stdout, /unhealthy: model 'orders': the last restore drill .* failed/);
    });

    it("never restores into a database that exists, and never touches the backed-up one", async () => {
        // Every name the drill can choose in the next seconds already exists.
        const taken: string[] = [];
        for (let s = -2; s <= 15; s++) {
            const at = new Date(Date.now() + s * 1000);
            taken.push(`Orders_drill_${at.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`);
        }
        taken.forEach((name) => sql.createDatabase(name, 9, 9));
        try {
            const result = await run(drill());
            assert.strictEqual(result.code, 1, result.stdout);
            assert.match(result.stdout, /database Orders_drill_\w+ already exists on 127\.0\.0\.1,\d+: a drill never restores into an existing database/);
            assert.deepStrictEqual(drillDatabases(), [...taken].sort(), "an existing database was dropped or one was added");
        } finally {
            taken.forEach((name) => fs.rmSync(path.join(sql.state, "databases", `${name}.json`), { force: true }));
        }
        assert.ok(sql.databases().includes("Orders"), "the backed-up database is gone");
        const imports = h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Import");
        const touched = [...sql.batches(), ...imports.flat()].filter((text) => /(N'|\[|:)Orders(\]|'|$)/.test(text));
        assert.deepStrictEqual(touched, [], "a statement or import named the backed-up database");
    });

    it("two drills of one database at once: one runs, the other is skipped by the lease", async () => {
        const slow = { ...drill(), SQLPACKAGE_DOUBLE_DELAY_SECONDS: "4" };
        const [a, b] = await Promise.all([run(slow), run(slow)]);
        const outcomes = [a, b].map((r) => /OUTCOME: (\w+)/.exec(r.stdout)?.[1]).sort();
        assert.deepStrictEqual(outcomes, ["skipped", "succeeded"], `${a.stdout}\n---\n${b.stdout}`);
        assert.match([a, b].map((r) => r.stdout).join("\n"), /OUTCOME: skipped: another drill of this database is running/);
        assert.deepStrictEqual(drillDatabases(), []);
    });

    it("the daemon runs drills on DRILL_SCHEDULE beside the backups, and status shows the outcome", async () => {
        const daemon = h.start(["daemon"], { ...drill(), DRILL_SCHEDULE: "@every 5s", SQLSERVER_DOUBLE_STATE: sql.state, EXPECT_PASSWORD: DRILL_PASSWORD, HEALTH_SETTLE_SECONDS: "0" });
        try {
            await waitFor("a scheduled drill", () => /orders: drill \S+ succeeded/.test(daemon.output()), 60000);
            assert.match(daemon.output(), /restore drills: next /);
            const status = await h.run(["status"]);
            assert.match(status.stdout, /model 'orders': last restore drill succeeded/);
        } finally {
            daemon.child.kill("SIGTERM");
            await daemon.exited;
        }
        assert.deepStrictEqual(drillDatabases(), []);
    });

    it("a killed drill's database is dropped by the next drill once the lease expires (its name was recorded first)", async function () {
        this.timeout(240000);
        const importsBefore = h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Import").length;
        const killed = h.start(["drill"], { ...drill(), SQLSERVER_DOUBLE_STATE: sql.state, EXPECT_PASSWORD: DRILL_PASSWORD, SQLPACKAGE_DOUBLE_DELAY_SECONDS: "3", LEASE_SECONDS: "30" });
        await waitFor("the import to start", () => h.sqlpackageCalls().filter((argv) => argv[0] === "/Action:Import").length > importsBefore, 60000);
        process.kill(-killed.child.pid!, "SIGKILL");
        await killed.exited;
        await waitFor("the orphaned import to create its database", () => drillDatabases().length > 0, 30000);
        const orphan = drillDatabases()[0];
        assert.strictEqual((await drillRecord()).last.outcome, "running");
        await new Promise((resolve) => setTimeout(resolve, 31000));
        const next = await run({ ...drill(), LEASE_SECONDS: "30" });
        assert.strictEqual(next.code, 0, next.stdout);
        assert.match(next.stdout, new RegExp(`dropped ${orphan}, left on 127\\.0\\.0\\.1,\\d+ by the drill started .* that was killed`));
        assert.deepStrictEqual(drillDatabases(), []);
    });
});
