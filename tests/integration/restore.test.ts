import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { runCommand } from "./helpers/exec";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { requireTools } from "./helpers/tools";

const exec = promisify(execFile);
const REPO = path.resolve(__dirname, "../..");

/** A command's exit code and its stdout and stderr together, as an operator reads them. */
async function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
    const result = await runCommand(file, args, { env });
    return { code: result.code, output: result.stdout + result.stderr };
}

/**
 * Manifests and restore against a real MinIO and the real mc, with the backup user's
 * own credentials and the component's exact policy. Archives are laid out exactly as
 * GoBackup writes them (<model>/mssql/<model>/<db>.bacpac in
 * <prefix>/<model>/<YYYY.MM.DD.hh.mm.ss>.tar), from a bacpac made by the sqlpackage
 * TEST DOUBLE, which also stands in for sqlpackage's /Action:Import. (GoBackup's own
 * engine runs the hook in tests/integration/engine.test.ts.)
 */
describe("integrity manifests and restore, real MinIO, sqlpackage TEST DOUBLE", function () {
    this.timeout(120000);
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let work: string;
    let bin: string;
    const model = "orders";
    const localDir = () => path.join(work, "archives", model);
    const folder = () => `${user.prefix}/${model}`;

    function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        return {
            PATH: `${bin}:${process.env.PATH}`,
            TZ: "UTC",
            HOME: work,
            GOBACKUP_WORKDIR: work,
            GOBACKUP_DIR: path.join(work, ".gobackup"),
            MINIO_ENDPOINT: minio.endpoint,
            MINIO_BUCKET: user.bucket,
            MINIO_PATH: user.prefix,
            MINIO_ACCESS_KEY: user.accessKey,
            MINIO_SECRET_KEY: user.secretKey,
            RESTORE_DATABASE: model,
            RESTORE_TARGET_HOST: "restore-sql",
            RESTORE_TARGET_DATABASE: "Orders_Restored",
            RESTORE_TARGET_PASSWORD: "Target-Pa55",
            EXPECT_PASSWORD: "Target-Pa55",
            SQLPACKAGE_DOUBLE_IMPORT_COPY: path.join(work, "imported.bacpac"),
            ...extra,
        };
    }

    const hook = (...args: string[]) => run(path.join(bin, "sqlserver-backup-hook"), args, env());
    const restore = (mode: string, extra: Record<string, string> = {}) => run(path.join(REPO, "image/entrypoint.sh"), [mode], env(extra));

    /** One backup as GoBackup makes it: bacpac exported by the double, tarred, uploaded unless told not to, then the hook. */
    async function backup(stamp: string, options: { upload?: boolean; manifest?: boolean } = {}): Promise<{ key: string; bacpac: string }> {
        await hook("start", model);
        // The run "started" a minute before its archive's name, as GoBackup's would.
        const [d, t] = [stamp.slice(0, 10).replace(/\./g, "-"), stamp.slice(11).replace(/\./g, ":")];
        fs.writeFileSync(path.join(work, ".gobackup", "health", model, "started-at"), `${Date.parse(`${d}T${t}Z`) / 1000 - 60}\n`);
        const staging = fs.mkdtempSync(path.join(work, "staging-"));
        const bacpacDir = path.join(staging, model, "mssql", model);
        const exported = await run(path.join(bin, "sqlpackage"), ["/Action:Export", "/SourceServerName:sql,1433", "/SourceDatabaseName:Orders", "/SourceUser:sa", "/SourcePassword:x", `/TargetFile:${bacpacDir}/Orders.bacpac`], {
            ...env(),
            SQLPACKAGE_DOUBLE_SIZE: "200000",
            EXPECT_PASSWORD: "x",
        });
        assert.strictEqual(exported.code, 0, exported.output);
        const bacpac = path.join(work, `${stamp}.bacpac`);
        fs.copyFileSync(path.join(bacpacDir, "Orders.bacpac"), bacpac);
        fs.mkdirSync(localDir(), { recursive: true });
        const archive = path.join(localDir(), `${stamp}.tar`);
        await exec("tar", ["-cf", archive, "-C", staging, model]);
        const key = `${folder()}/${stamp}.tar`;
        if (options.upload !== false) await minio.mcOk(["cp", archive, `${user.alias}/${user.bucket}/${key}`]);
        if (options.manifest !== false) {
            const result = await hook("finish", model, minio.endpoint, user.bucket, folder());
            assert.strictEqual(result.code, 0, result.output);
        }
        return { key, bacpac };
    }

    const exists = async (key: string) => (await minio.mc(["stat", `admin/${user.bucket}/${key}`])).code === 0;
    const importedBytes = () => fs.readFileSync(path.join(work, "imported.bacpac"));

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go", "jq"]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "restore-"));
        bin = path.join(work, "bin");
        fs.mkdirSync(bin);
        await exec("go", ["build", "-o", path.join(bin, "sqlpackage"), "."], { cwd: path.join(REPO, "tests/doubles/sqlpackage-double") });
        fs.symlinkSync(path.join(REPO, "image/hook.sh"), path.join(bin, "sqlserver-backup-hook"));
        fs.symlinkSync(tools.mc, path.join(bin, "mc"));
        fs.symlinkSync(path.join(REPO, "image/restore.sh"), path.join(bin, "sqlserver-backup-restore"));
        fs.symlinkSync(path.join(REPO, "tests/doubles/gobackup-double"), path.join(bin, "gobackup"));
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
    });

    after(async () => minio?.remove());

    it("writes a manifest from the bucket's own bytes: the object's size, the SHA-256 of what the bucket returns, the bacpac inside", async () => {
        const { key } = await backup("2026.11.20.02.00.00");
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${key}.manifest.json`]));
        const fromBucket = path.join(work, "from-bucket.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${key}`, fromBucket]);
        const { stdout } = await exec("sha256sum", [fromBucket]);
        assert.strictEqual(manifest.archive.key, key);
        assert.strictEqual(manifest.archive.size, fs.statSync(fromBucket).size);
        assert.strictEqual(manifest.archive.sha256, stdout.split(" ")[0]);
        assert.strictEqual(manifest.archive.verifiedFrom, "bucket");
        assert.strictEqual(manifest.databases.length, 1);
        assert.strictEqual(manifest.databases[0].bacpac, "orders/mssql/orders/Orders.bacpac");
        assert.ok(manifest.databases[0].size > 200000);
        assert.match(manifest.sqlpackageVersion, /170\.2\.70/);
        assert.match(manifest.gobackupVersion, /3\.1\.1/);
        assert.match(manifest.startedAt, /^\d{4}-\d{2}-\d{2}T/);
        assert.ok(manifest.host);
    });

    it("writes no manifest for a backup whose upload failed, says so, and records the failure with the reason", async () => {
        const { key } = await backup("2026.11.20.03.00.00", { upload: false });
        assert.strictEqual(await exists(`${key}.manifest.json`), false);
        assert.ok(fs.existsSync(path.join(localDir(), "2026.11.20.03.00.00.tar")), "the local copy is kept");
        const health = (field: string) => fs.readFileSync(path.join(work, ".gobackup", "health", model, field), "utf8").trim();
        assert.strictEqual(health("result"), "failed");
        assert.match(health("reason"), /no archive of this run reached s3:\/\/sql-backups\/backups\/sqlserver\/orders\//);
    });

    it("prunes manifests whose archive is gone, as GoBackup's keep leaves them", async () => {
        const { key } = await backup("2026.11.20.04.00.00");
        await minio.mcOk(["rm", `admin/${user.bucket}/${key}`]);
        assert.ok(await exists(`${key}.manifest.json`));
        await backup("2026.11.20.05.00.00");
        assert.strictEqual(await exists(`${key}.manifest.json`), false, "the orphan manifest is gone");
    });

    it("lists the backups with time, size and whether a manifest vouches for them", async () => {
        const result = await restore("list");
        assert.strictEqual(result.code, 0, result.output);
        assert.match(result.output, /2026-11-20 02:00:00 +\d+ +yes +backups\/sqlserver\/orders\/2026\.11\.20\.02\.00\.00\.tar/);
        assert.doesNotMatch(result.output, /2026\.11\.20\.03\.00\.00\.tar/, "the failed backup never reached the bucket");
    });

    it("restores the latest backup: sqlpackage imports a bacpac byte-identical to the exported one", async () => {
        const { bacpac } = await backup("2026.11.21.02.00.00");
        const result = await restore("restore");
        assert.strictEqual(result.code, 0, result.output);
        assert.match(result.output, /verified backups\/sqlserver\/orders\/2026\.11\.21\.02\.00\.00\.tar/);
        assert.ok(importedBytes().equals(fs.readFileSync(bacpac)));
    });

    it("picks the right backup for before:<time> among several", async () => {
        const { bacpac } = await backup("2026.11.22.02.00.00");
        await backup("2026.11.23.02.00.00");
        const result = await restore("restore", { RESTORE_BACKUP: "before:2026-11-23T00:00:00Z" });
        assert.strictEqual(result.code, 0, result.output);
        assert.match(result.output, /restoring backups\/sqlserver\/orders\/2026\.11\.22\.02\.00\.00\.tar/);
        assert.ok(importedBytes().equals(fs.readFileSync(bacpac)));
        const none = await restore("restore", { RESTORE_BACKUP: "before:2020-01-01" });
        assert.notStrictEqual(none.code, 0);
        assert.match(none.output, /no backup of orders was taken before 2020-01-01/);
    });

    it("refuses an archive with one byte flipped in MinIO, unless forced", async () => {
        const { key } = await backup("2026.11.24.02.00.00");
        const copy = path.join(work, "tampered.tar");
        await minio.mcOk(["cp", `admin/${user.bucket}/${key}`, copy]);
        const bytes = fs.readFileSync(copy);
        bytes[bytes.length - 2048] ^= 0xff;
        fs.writeFileSync(copy, bytes);
        await minio.mcOk(["cp", copy, `admin/${user.bucket}/${key}`]);
        const refused = await restore("restore", { RESTORE_BACKUP: "2026.11.24.02.00.00.tar" });
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.output, /is corrupt: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
        const forced = await restore("restore", { RESTORE_BACKUP: "2026.11.24.02.00.00.tar", RESTORE_FORCE: "1" });
        assert.match(forced.output, /restoring anyway because RESTORE_FORCE=1/);
    });

    it("refuses an archive without manifest unless forced", async () => {
        await backup("2026.11.25.02.00.00", { manifest: false });
        const refused = await restore("restore");
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.output, /has no manifest, so its integrity cannot be checked.*RESTORE_FORCE=1/);
        const forced = await restore("restore", { RESTORE_FORCE: "1" });
        assert.strictEqual(forced.code, 0, forced.output);
    });

    it("never runs the same restore id twice: its record in the bucket answers a second run, which does nothing", async () => {
        const argv = path.join(work, "restore-argv.jsonl");
        const first = await restore("restore", { RESTORE_ID: "incident-1", RESTORE_BACKUP: "2026.11.21.02.00.00.tar", SQLPACKAGE_DOUBLE_ARGV_FILE: argv });
        assert.strictEqual(first.code, 0, first.output);
        assert.match(first.output, /OUTCOME: succeeded\s*$/);
        const record = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${user.prefix}/.restores/incident-1.json`]));
        assert.strictEqual(record.result, "succeeded");
        assert.strictEqual(record.archive, "2026.11.21.02.00.00.tar");
        const imports = () => fs.readFileSync(argv, "utf8").split("\n").filter((line) => line.includes("/Action:Import")).length;
        assert.strictEqual(imports(), 1);
        const second = await restore("restore", { RESTORE_ID: "incident-1", SQLPACKAGE_DOUBLE_ARGV_FILE: argv });
        assert.strictEqual(second.code, 0, second.output);
        assert.match(second.output, /OUTCOME: already-ran: started \S+, succeeded/);
        assert.strictEqual(imports(), 1, "sqlpackage did not run again");
    });

    it("records a failed restore too, and reports it to a second run of the same id", async () => {
        const failed = await restore("restore", { RESTORE_ID: "incident-2", RESTORE_BACKUP: "2026.11.21.02.00.00.tar", SQLPACKAGE_DOUBLE_EXIT: "1" });
        assert.notStrictEqual(failed.code, 0);
        assert.match(failed.output, /OUTCOME: failed: sqlpackage import failed \(exit 1\)/);
        const again = await restore("restore", { RESTORE_ID: "incident-2" });
        assert.strictEqual(again.code, 0);
        assert.match(again.output, /OUTCOME: already-ran: started \S+, failed: sqlpackage import failed/);
    });

    it("stops an import at its deadline and says the target may be partly written", async () => {
        const result = await restore("restore", { RESTORE_BACKUP: "2026.11.21.02.00.00.tar", RESTORE_TIMEOUT_SECONDS: "1", SQLPACKAGE_DOUBLE_DELAY_SECONDS: "10" });
        assert.strictEqual(result.code, 1, result.output);
        assert.match(result.output, /OUTCOME: failed: the import did not finish within 1 seconds and was stopped/);
    });

    it("exits non-zero with sqlpackage's reason when the import fails", async () => {
        const result = await restore("restore", { RESTORE_BACKUP: "2026.11.21.02.00.00.tar", RESTORE_TARGET_PASSWORD: "wrong-password" });
        assert.notStrictEqual(result.code, 0);
        assert.match(result.output, /Login failed/);
        assert.match(result.output, /sqlpackage import failed/);
        assert.doesNotMatch(result.output, /wrong-password/);
    });

    it("names the backup that does not exist and how to find one", async () => {
        const result = await restore("restore", { RESTORE_BACKUP: "1999.01.01.00.00.00.tar" });
        assert.notStrictEqual(result.code, 0);
        assert.match(result.output, /is not among the backups of orders \(run 'list'\)/);
    });
});
