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
 * Manifests and restore against a real MinIO, with the backup user's own credentials.
 * Archives are laid out exactly as GoBackup writes them (<model>/mssql/<model>/<db>.bacpac
 * in <prefix>/<model>/<YYYY.MM.DD.hh.mm.ss>.tar), from a bacpac made by the sqlpackage
 * TEST DOUBLE, which also stands in for sqlpackage's /Action:Import.
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

    const manifestCommand = (...args: string[]) => run(path.join(bin, "sqlserver-backup-manifest"), args, env());
    const restore = (mode: string, extra: Record<string, string> = {}) => run(path.join(REPO, "image/entrypoint.sh"), [mode], env(extra));

    /** One backup as GoBackup makes it: bacpac exported by the double, tarred, copied locally, uploaded unless told not to. */
    async function backup(stamp: string, options: { upload?: boolean; manifest?: boolean } = {}): Promise<{ key: string; bacpac: string }> {
        await manifestCommand("start", model);
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
            const result = await manifestCommand("finish", model, localDir(), minio.endpoint, user.bucket, folder(), "us-east-1");
            assert.strictEqual(result.code, 0, result.output);
        }
        return { key, bacpac };
    }

    const exists = async (key: string) => (await minio.mc(["stat", `admin/${user.bucket}/${key}`])).code === 0;
    const importedBytes = () => fs.readFileSync(path.join(work, "imported.bacpac"));

    before(async function () {
        const tools = requireTools(this, ["minio", "mc", "go"]);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "restore-"));
        bin = path.join(work, "bin");
        fs.mkdirSync(bin);
        await exec("go", ["build", "-o", path.join(bin, "sqlpackage"), "."], { cwd: path.join(REPO, "tests/doubles/sqlpackage-double") });
        fs.symlinkSync(path.join(REPO, "image/manifest.sh"), path.join(bin, "sqlserver-backup-manifest"));
        fs.symlinkSync(path.join(REPO, "image/restore.sh"), path.join(bin, "sqlserver-backup-restore"));
        fs.symlinkSync(path.join(REPO, "tests/doubles/gobackup-double"), path.join(bin, "gobackup"));
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
    });

    after(async () => minio?.remove());

    it("writes a manifest next to an uploaded archive, with its size, SHA-256 and the bacpac inside", async () => {
        const { key } = await backup("2026.11.20.02.00.00");
        const manifest = JSON.parse(await minio.mcOk(["cat", `admin/${user.bucket}/${key}.manifest.json`]));
        const local = path.join(localDir(), "2026.11.20.02.00.00.tar");
        const { stdout } = await exec("sha256sum", [local]);
        assert.strictEqual(manifest.archive.key, key);
        assert.strictEqual(manifest.archive.size, fs.statSync(local).size);
        assert.strictEqual(manifest.archive.sha256, stdout.split(" ")[0]);
        assert.strictEqual(manifest.databases.length, 1);
        assert.strictEqual(manifest.databases[0].bacpac, "orders/mssql/orders/Orders.bacpac");
        assert.ok(manifest.databases[0].size > 200000);
        assert.match(manifest.sqlpackageVersion, /170\.2\.70/);
        assert.match(manifest.gobackupVersion, /3\.1\.1/);
        assert.match(manifest.startedAt, /^\d{4}-\d{2}-\d{2}T/);
        assert.ok(manifest.host);
    });

    it("writes no manifest for a backup whose upload failed", async () => {
        const { key } = await backup("2026.11.20.03.00.00", { upload: false });
        assert.strictEqual(await exists(`${key}.manifest.json`), false);
        assert.ok(fs.existsSync(path.join(localDir(), "2026.11.20.03.00.00.tar")), "the local copy is kept");
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
