import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { RESTORE_ALREADY_RAN_EXIT_CODE } from "../../components/plan/restore";
import { AgentHarness, backupEngine, Engine, waitFor } from "./helpers/agent";
import { runCommand } from "./helpers/exec";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { S3ProxyDouble } from "./helpers/s3proxy";
import { requireTools } from "./helpers/tools";

/**
 * What protects the data lives in the bucket and only the agent deletes (issue 21):
 * retention after verification, one owner per folder, one run at a time anywhere,
 * claims that hold on any S3 server, and the truth about each run. Real MinIO with the
 * component's policies; sqlpackage is a TEST DOUBLE; `gobackup` is GoBackup's real
 * engine with GOBACKUP_BIN, else the gobackup TEST DOUBLE. Faults come from the
 * s3-proxy-double (a TEST DOUBLE of an S3 server in front of the real one).
 */
describe("backups that stay true on a real MinIO (sqlpackage TEST DOUBLE; s3-proxy-double for faults; gobackup real with GOBACKUP_BIN, else TEST DOUBLE)", function () {
    this.timeout(300000);
    let minio: MinioServer;
    let engine: Engine;
    const harnesses: AgentHarness[] = [];
    const proxies: S3ProxyDouble[] = [];
    let buckets = 0;

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go"]);
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        engine = backupEngine(tools.mc);
    });

    after(async () => {
        harnesses.forEach((h) => h.remove());
        await Promise.all(proxies.map((p) => p.stop()));
        await minio?.remove();
    });

    /** A bucket (versioned unless told) with the component's two users and policies. */
    async function provision(options: { versioned?: boolean } = {}): Promise<ProvisionedBackupUser> {
        const user = await provisionLikeComponent(minio, { bucket: `retention-${++buckets}`, prefix: "backups/sqlserver" });
        if (options.versioned === false) await minio.mcOk(["version", "suspend", `admin/${user.bucket}`]);
        return user;
    }

    /** The s3-proxy-double in front of MinIO, knowing both users' keys. */
    async function proxy(user: ProvisionedBackupUser, options: { ignoreIfNoneMatch?: boolean } = {}): Promise<S3ProxyDouble> {
        const p = new S3ProxyDouble(minio.endpoint, { [user.accessKey]: user.secretKey, [user.restore.accessKey]: user.restore.secretKey }, options);
        await p.start();
        proxies.push(p);
        return p;
    }

    function harness(user: ProvisionedBackupUser, options: { endpoint?: string; keep?: number; deploymentId?: string; keepFailed?: number } = {}): AgentHarness {
        const h = new AgentHarness({
            engine,
            keep: options.keep,
            keepFailed: options.keepFailed ?? 1,
            deploymentId: options.deploymentId,
            storage: { endpoint: options.endpoint ?? minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey, restore: user.restore },
        });
        harnesses.push(h);
        return h;
    }

    async function keys(user: ProvisionedBackupUser): Promise<string[]> {
        const listing = await minio.mcOk(["ls", "--recursive", "--json", `admin/${user.bucket}/${user.prefix}/orders/`]);
        return listing.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line).key as string).sort();
    }
    const archives = (all: string[]) => all.filter((k) => /^\d{4}(\.\d\d){5}\.tar$/.test(k));
    const verifiedArchives = (all: string[]) => archives(all).filter((k) => all.includes(`${k}.manifest.json`));

    async function runOnce(h: AgentHarness, extra: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
        const result = await h.run(["once"], extra);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // archive names have one-second resolution
        return result;
    }

    it("runs that fail after the upload, keep + 1 times, never delete the last keep verified archives; the next verified run applies the policy", async () => {
        const user = await provision();
        const p = await proxy(user);
        const h = harness(user, { endpoint: p.endpoint, keep: 2 });
        for (let i = 0; i < 2; i++) assert.strictEqual((await runOnce(h)).code, 0);
        const verified = verifiedArchives(await keys(user));
        assert.strictEqual(verified.length, 2);
        // The upload lands, then the bucket refuses the manifest: GoBackup's own keep: 2
        // deleted one verified archive for each of these runs.
        await p.fail("^PUT .*\\.manifest\\.json", 600);
        for (let i = 0; i < 3; i++) {
            const failed = await runOnce(h);
            assert.notStrictEqual(failed.code, 0, failed.stdout);
            assert.match(failed.stdout, /OUTCOME: failed: .*manifest could not be written/);
        }
        await p.fail("^$", 0);
        let all = await keys(user);
        assert.deepStrictEqual(verifiedArchives(all), verified, `verified archives were deleted: ${all.join(", ")}`);
        assert.strictEqual(archives(all).length, 5, all.join(", "));
        const next = await runOnce(h);
        assert.strictEqual(next.code, 0, next.stdout);
        all = await keys(user);
        // The newest 2 verified (the new one and the newest before), and the newest failed upload (keepFailed 1).
        assert.strictEqual(verifiedArchives(all).length, 2, all.join(", "));
        assert.strictEqual(verifiedArchives(all)[0], verified[1]);
        assert.strictEqual(archives(all).length, 3, all.join(", "));
        assert.match(next.stdout, /retention deleted s3:\/\/\S+: verified, but older than the newest 2/);
        assert.match(next.stdout, /retention deleted s3:\/\/\S+: not verified \(its run failed\), and a newer verified archive exists/);
        assert.ok(!all.some((k) => k.startsWith(".gobackup-state/")), `GoBackup's retention state stays: ${all.join(", ")}`);
    });

    it("a second deployment in the folder is refused before it uploads; its restore is refused too", async () => {
        const user = await provision();
        const prod = harness(user, { deploymentId: "shop/prod/orders" });
        assert.strictEqual((await runOnce(prod)).code, 0);
        const before = await keys(user);
        const dev = harness(user, { deploymentId: "shop/dev/orders" });
        const refused = await runOnce(dev);
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.stdout, /belongs to deployment "shop\/prod\/orders".*not to this one, "shop\/dev\/orders".*storage\.takeOverFrom/);
        assert.deepStrictEqual(archives(await keys(user)), archives(before), "the foreign deployment uploaded");
        assert.strictEqual(dev.sqlpackageCalls().length, 0, "nothing was even exported");
        const restore = await dev.run(["restore"], dev.restoreEnv({ id: "foreign" }));
        assert.strictEqual(restore.code, 1, restore.stdout);
        assert.match(restore.stdout, /belongs to deployment "shop\/prod\/orders"/);
    });

    it("two agents with separate workdirs (two hosts) on one database never run at once: the second waits for the bucket lease", async () => {
        const user = await provision();
        const [a, b] = [harness(user), harness(user)];
        const slow = engine.real ? { SQLPACKAGE_DOUBLE_DELAY_SECONDS: "6" } : { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "6" };
        const first = a.start(["once"], slow);
        await waitFor("the first run to hold the lease", () => /backup \S+ started/.test(first.output()), 60000);
        const second = await b.run(["once"]);
        assert.strictEqual(await first.exited, 0, first.output());
        assert.strictEqual(second.code, 0, second.stdout);
        assert.match(second.stdout, /waiting: another run of this model holds the bucket lease/);
        const record = (h: AgentHarness) => JSON.parse(fs.readFileSync(path.join(h.settings.workdir, ".sqlserver-backup", "models", "orders.json"), "utf8"));
        assert.ok(new Date(record(a).lastRun.finishedAt) <= new Date(record(b).lastRun.startedAt), "the runs overlapped");
    });

    it("S3 answering 503 for 30 s during the retention step: nothing is deleted, the run says so, and health stays truthful", async () => {
        const user = await provision();
        const p = await proxy(user);
        const h = harness(user, { endpoint: p.endpoint, keep: 1 });
        for (let i = 0; i < 2; i++) assert.strictEqual((await runOnce(h)).code, 0);
        // The listing of the folder itself (the retention step's), nothing else.
        await p.fail("^GET /[^?]+\\?(.*&)?prefix=backups%2Fsqlserver%2Forders%2F(&.*)?$", 30);
        const before = await keys(user);
        assert.strictEqual(verifiedArchives(before).length, 1, "keep 1 after two runs");
        const run = await runOnce(h, { PREFLIGHT_TARGETS: "" });
        assert.strictEqual(run.code, 0, run.stdout);
        assert.match(run.stdout, /retention skipped, nothing deleted/);
        assert.strictEqual(verifiedArchives(await keys(user)).length, 2, "a verified archive was deleted while the bucket failed");
        const status = await h.run(["status"]);
        assert.strictEqual(status.code, 0, status.stdout);
        assert.match(status.stdout, /warning: retention in .*nothing deleted/);
    });

    it("an archive replaced or deleted after verification turns the model unhealthy, and restore names the newest intact one", async () => {
        const user = await provision();
        const h = harness(user);
        for (let i = 0; i < 2; i++) assert.strictEqual((await runOnce(h)).code, 0);
        const [older, newest] = verifiedArchives(await keys(user));
        const other = path.join(h.work, "other.tar");
        fs.writeFileSync(other, "not the archive that was verified");
        await minio.mcOk(["cp", other, `admin/${user.bucket}/${user.prefix}/orders/${newest}`]);
        const replaced = await h.run(["status"]);
        assert.strictEqual(replaced.code, 1, replaced.stdout);
        assert.match(replaced.stdout, /no longer intact .*was replaced/);
        const named = await h.run(["restore"], h.restoreEnv({ id: "named", backup: newest }));
        assert.strictEqual(named.code, 1, named.stdout);
        assert.match(named.stdout, new RegExp(`the newest intact backup is ${older.replace(/\./g, "\\.")}`));
        const latest = await h.run(["restore"], h.restoreEnv({ id: "latest" }));
        assert.strictEqual(latest.code, 0, latest.stdout);
        assert.match(latest.stdout, new RegExp(`restoring s3://\\S+/${older.replace(/\./g, "\\.")}`));
        await minio.mcOk(["rm", `admin/${user.bucket}/${user.prefix}/orders/${newest}`]);
        const gone = await h.run(["status"]);
        assert.strictEqual(gone.code, 1, gone.stdout);
        assert.match(gone.stdout, /no longer intact .*is gone/);
        assert.strictEqual((await runOnce(h)).code, 0);
        assert.strictEqual((await h.run(["status"])).code, 0, "a newer verified backup clears it");
    });

    it("SIGTERM during the upload: interrupted, nothing partial is verified, and the next run finds the workdir and the bucket clean", async () => {
        const user = await provision();
        const p = await proxy(user);
        const h = harness(user, { endpoint: p.endpoint });
        const size = String(100 * 1024 * 1024);
        await p.throttle(8 * 1024 * 1024);
        const running = h.start(["once"], { SQLPACKAGE_DOUBLE_SIZE: size, SHUTDOWN_GRACE_SECONDS: "1" });
        await waitFor("the upload to be under way", async () => (await p.requests()).some((r) => /^PUT .*orders\/\d{4}.*(uploadId|\.tar$)/.test(r)), 120000);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        running.child.kill("SIGTERM");
        assert.notStrictEqual(await running.exited, 0, running.output());
        await p.throttle(0);
        const status = await h.run(["status"]);
        assert.match(status.stdout, /did not finish: the agent was stopped \(SIGTERM\)/);
        assert.strictEqual(verifiedArchives(await keys(user)).length, 0, "a partial object was called verified");
        const staging = path.join(h.settings.workdir, "staging", "orders");
        const leftBehind = fs.existsSync(staging) ? fs.readdirSync(staging).filter((e) => e !== "tmp") : [];
        const next = await runOnce(h, { SQLPACKAGE_DOUBLE_SIZE: "300000" });
        assert.strictEqual(next.code, 0, next.stdout);
        if (leftBehind.length > 0) assert.match(next.stdout, /removed what earlier runs left in the workdir/);
        assert.deepStrictEqual(fs.readdirSync(staging).filter((e) => e !== "tmp"), [], "the staging folder is not clean");
        const incomplete = await minio.mcOk(["ls", "--incomplete", "--recursive", `admin/${user.bucket}/${user.prefix}/orders/`]);
        assert.strictEqual(incomplete.trim(), "", `incomplete uploads left: ${incomplete}`);
    });

    it("a workdir that fills up names the full disk in the cause", async function () {
        if (process.getuid?.() !== 0) this.skip();
        const user = await provision();
        const h = harness(user);
        fs.mkdirSync(h.settings.workdir, { recursive: true });
        const mounted = await runCommand("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", h.settings.workdir]);
        assert.strictEqual(mounted.code, 0, mounted.stderr);
        try {
            const run = await h.run(["once"], { SQLPACKAGE_DOUBLE_SIZE: String(32 * 1024 * 1024) });
            assert.notStrictEqual(run.code, 0, run.stdout);
            assert.match(run.stdout, /OUTCOME: failed: .*(no space left on device|not enough space)/i);
        } finally {
            await runCommand("umount", [h.settings.workdir]);
        }
    });

    describe("on an S3 server that ignores If-None-Match (s3-proxy-double in front of MinIO)", () => {
        it("check says how claims hold; on a versioned bucket two racing restores of one id run exactly once", async () => {
            const user = await provision();
            const p = await proxy(user, { ignoreIfNoneMatch: true });
            const h = harness(user, { endpoint: p.endpoint });
            const check = await h.run(["check"]);
            assert.strictEqual(check.code, 0, check.stdout);
            assert.match(check.stdout, /the server ignores If-None-Match, but the bucket is versioned: claims hold by the key's earliest version/);
            assert.strictEqual((await runOnce(h)).code, 0);
            const env = h.restoreEnv({ id: "race" });
            const results = await Promise.all([h.run(["restore"], env), h.run(["restore"], env), h.run(["restore"], env)]);
            const codes = results.map((r) => r.code).sort();
            assert.deepStrictEqual(codes, [0, RESTORE_ALREADY_RAN_EXIT_CODE, RESTORE_ALREADY_RAN_EXIT_CODE], results.map((r) => r.stdout).join("\n---\n") + (await p.requests()).filter((r) => r.includes("restores")).join("\n"));
            assert.ok((await p.requests()).some((r) => /^PUT .*\.restores\/race\.json\?.* If-None-Match:\*/.test(r)), "the claims did send If-None-Match");
        });

        it("two agents (two hosts) starting together never hold the run lease at once", async () => {
            const user = await provision();
            const p = await proxy(user, { ignoreIfNoneMatch: true });
            const [a, b] = [harness(user, { endpoint: p.endpoint }), harness(user, { endpoint: p.endpoint })];
            const slow = engine.real ? { SQLPACKAGE_DOUBLE_DELAY_SECONDS: "4" } : { GOBACKUP_DOUBLE_MODE: "upload-sleep", GOBACKUP_DOUBLE_SLEEP: "4" };
            const [ra, rb] = await Promise.all([a.run(["once"], slow), b.run(["once"], slow)]);
            assert.strictEqual(ra.code, 0, ra.stdout);
            assert.strictEqual(rb.code, 0, rb.stdout);
            assert.match(ra.stdout + rb.stdout, /waiting: another run of this model holds the bucket lease/);
            const record = (h: AgentHarness) => JSON.parse(fs.readFileSync(path.join(h.settings.workdir, ".sqlserver-backup", "models", "orders.json"), "utf8")).lastRun;
            const [x, y] = [record(a), record(b)].sort((l, r) => Date.parse(l.startedAt) - Date.parse(r.startedAt));
            assert.ok(Date.parse(x.finishedAt) <= Date.parse(y.startedAt), `overlapping runs: ${JSON.stringify([x, y])}`);
        });

        it("without versioning, a restore id is refused with the reason and nothing is claimed", async () => {
            const user = await provision({ versioned: false });
            const p = await proxy(user, { ignoreIfNoneMatch: true });
            const h = harness(user, { endpoint: p.endpoint });
            const check = await h.run(["check"]);
            assert.match(check.stdout, /nothing makes a claim exclusive here \(enable versioning on the bucket\)/);
            assert.strictEqual((await runOnce(h)).code, 0);
            const restore = await h.run(["restore"], h.restoreEnv({ id: "unsafe" }));
            assert.strictEqual(restore.code, 1, restore.stdout);
            assert.match(restore.stdout, /RESTORE_ID "unsafe" cannot be guaranteed to run once here/);
            const claims = await minio.mc(["stat", `admin/${user.bucket}/${user.prefix}/.restores/unsafe.json`]);
            assert.notStrictEqual(claims.code, 0, `a claim was written although it cannot hold: ${claims.stdout}`);
        });
    });

    it("a claim whose reply was lost (the SDK retries and gets 412) is the restore's own: it runs, once", async () => {
        const user = await provision();
        const p = await proxy(user);
        const h = harness(user, { endpoint: p.endpoint });
        assert.strictEqual((await runOnce(h)).code, 0);
        await p.lose("^PUT .*\\.restores/retried\\.json", 1);
        const restore = await h.run(["restore"], h.restoreEnv({ id: "retried" }));
        assert.strictEqual(restore.code, 0, restore.stdout);
        const claims = (await p.requests()).filter((r) => /^PUT .*\.restores\/retried\.json\?.* If-None-Match/.test(r));
        assert.strictEqual(claims.length, 2, `the SDK retried the claim: ${(await p.requests()).join("\n")}`);
        const again = await h.run(["restore"], h.restoreEnv({ id: "retried" }));
        assert.strictEqual(again.code, RESTORE_ALREADY_RAN_EXIT_CODE, again.stdout);
        // The restore identity deletes the record: the id still never runs again (the key's first version decides).
        await minio.mcOk(["rm", `${user.restore.alias}/${user.bucket}/${user.prefix}/.restores/retried.json`]);
        const afterDelete = await h.run(["restore"], h.restoreEnv({ id: "retried" }));
        assert.strictEqual(afterDelete.code, RESTORE_ALREADY_RAN_EXIT_CODE, afterDelete.stdout);
    });
});
