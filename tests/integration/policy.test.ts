import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MinioServer } from "./helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "./helpers/provision";
import { requireTools } from "./helpers/tools";

/**
 * The policies the component renders, enforced by a real MinIO: the backup user can do
 * what GoBackup and the agent need in its folders and nothing else; the restore user
 * can read them and record restores, and can delete or overwrite nothing.
 */
describe("backup and restore user policies, enforced by a real MinIO", function () {
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-data-")), "archive.tar");

    before(async function () {
        const tools = requireTools(this, ["minio", "mc"]);
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
        user = await provisionLikeComponent(minio, { bucket: "sql-backups", prefix: "backups/sqlserver" });
        fs.writeFileSync(file, "archive bytes");
        // Objects outside the prefix, put there by the admin.
        await minio.mcOk(["cp", file, "admin/sql-backups/other-team/secret.tar"]);
        await minio.mcOk(["cp", file, "admin/sql-backups/backups/sqlserver-other/x.tar"]);
        await minio.mcOk(["mb", "admin/another-bucket"]);
        await minio.mcOk(["cp", file, "admin/another-bucket/backups/sqlserver/orders/x.tar"]);
    });

    after(async () => minio?.remove());

    const inside = () => `${user.alias}/sql-backups/backups/sqlserver/orders`;

    it("lets the backup user write, read, list and delete archives under its prefix", async () => {
        await minio.mcOk(["cp", file, `${inside()}/2026.11.23.02.00.00.tar`]);
        assert.strictEqual(await minio.mcOk(["cat", `${inside()}/2026.11.23.02.00.00.tar`]), "archive bytes");
        assert.match(await minio.mcOk(["ls", `${inside()}/`]), /2026\.11\.23\.02\.00\.00\.tar/);
        await minio.mcOk(["rm", `${inside()}/2026.11.23.02.00.00.tar`]);
        assert.doesNotMatch(await minio.mcOk(["ls", `${inside()}/`]), /2026\.11\.23/);
    });

    it("lets the backup user write and read GoBackup's retention state under the prefix", async () => {
        const state = `${inside()}/.gobackup-state/orders_minio.json`;
        await minio.mcOk(["cp", file, state]);
        assert.strictEqual((await minio.mc(["stat", state])).code, 0);
    });

    it("denies the backup user the restore records: a backup key can neither forge nor erase one", async () => {
        await minio.mcOk(["cp", file, "admin/sql-backups/backups/sqlserver/.restores/incident.json"]);
        assert.notStrictEqual((await minio.mc(["cp", file, `${user.alias}/sql-backups/backups/sqlserver/.restores/forged.json`])).code, 0);
        assert.notStrictEqual((await minio.mc(["rm", `${user.alias}/sql-backups/backups/sqlserver/.restores/incident.json`])).code, 0);
    });

    it("lets the restore user read and list backups and record a restore, and nothing more: it cannot delete or overwrite an archive, nor a record's history", async () => {
        const restore = `${user.restore.alias}/sql-backups/backups/sqlserver`;
        await minio.mcOk(["cp", file, `${inside()}/2026.11.24.02.00.00.tar`]);
        assert.strictEqual(await minio.mcOk(["cat", `${restore}/orders/2026.11.24.02.00.00.tar`]), "archive bytes");
        assert.match(await minio.mcOk(["ls", `${restore}/orders/`]), /2026\.11\.24\.02\.00\.00\.tar/);
        await minio.mcOk(["cp", file, `${restore}/.restores/incident-9.json`]);
        const deleted = await minio.mc(["rm", `${restore}/orders/2026.11.24.02.00.00.tar`]);
        assert.notStrictEqual(deleted.code, 0, "the restore user deleted an archive");
        const overwritten = await minio.mc(["cp", file, `${restore}/orders/2026.11.24.02.00.00.tar`]);
        assert.notStrictEqual(overwritten.code, 0, "the restore user overwrote an archive");
        assert.strictEqual((await minio.mc(["stat", "admin/sql-backups/backups/sqlserver/orders/2026.11.24.02.00.00.tar"])).code, 0, "the archive is still there");
        // It may delete a record (a claim that lost a race removes its own version, and MinIO
        // checks DeleteObject for that), but in the versioned bucket the record's first
        // version stays: the agent decides an id by it, so the id never runs again.
        await minio.mcOk(["rm", `${restore}/.restores/incident-9.json`]);
        const history = await minio.mcOk(["ls", "--versions", "admin/sql-backups/backups/sqlserver/.restores/incident-9.json"]);
        assert.match(history, /PUT incident-9\.json/, history);
    });

    it("denies writing outside the prefix, in the same bucket and in another", async () => {
        for (const target of [
            `${user.alias}/sql-backups/other-team/evil.tar`,
            `${user.alias}/sql-backups/backups/sqlserver-other/evil.tar`,
            `${user.alias}/sql-backups/top-level.tar`,
            `${user.alias}/another-bucket/backups/sqlserver/orders/evil.tar`,
        ]) {
            const result = await minio.mc(["cp", file, target]);
            assert.notStrictEqual(result.code, 0, `write to ${target} was allowed`);
            assert.match(result.stdout + result.stderr, /Access Denied|Insufficient permissions/i);
        }
    });

    it("denies reading outside the prefix", async () => {
        for (const target of [`${user.alias}/sql-backups/other-team/secret.tar`, `${user.alias}/another-bucket/backups/sqlserver/orders/x.tar`]) {
            const result = await minio.mc(["cat", target]);
            assert.notStrictEqual(result.code, 0, `read of ${target} was allowed`);
            assert.doesNotMatch(result.stdout, /archive bytes/);
        }
    });

    it("shows the backup user no bucket but its own", async () => {
        // No s3:ListAllMyBuckets is granted; MinIO lists only buckets the policy touches.
        const buckets = await minio.mc(["ls", user.alias]);
        assert.doesNotMatch(buckets.stdout, /another-bucket/);
    });

    it("denies listing the bucket root, a sibling prefix and other buckets", async () => {
        for (const target of [`${user.alias}/sql-backups/`, `${user.alias}/sql-backups/backups/sqlserver-other/`, `${user.alias}/another-bucket/`]) {
            const result = await minio.mc(["ls", target]);
            assert.ok(result.code !== 0 || result.stdout.trim() === "", `listing ${target} showed: ${result.stdout}`);
            assert.doesNotMatch(result.stdout, /secret\.tar|x\.tar|other-team/);
        }
    });

    it("denies deleting outside the prefix", async () => {
        const result = await minio.mc(["rm", `${user.alias}/sql-backups/other-team/secret.tar`]);
        assert.notStrictEqual(result.code, 0);
        assert.strictEqual((await minio.mc(["stat", "admin/sql-backups/other-team/secret.tar"])).code, 0, "the object is still there");
    });

    it("denies admin actions: users, policies, buckets", async () => {
        for (const args of [
            ["admin", "user", "list", user.restore.alias],
            ["rb", "--force", `${user.restore.alias}/sql-backups`],
            ["admin", "user", "add", user.alias, "intruder", "intruder-password"],
            ["admin", "policy", "attach", user.alias, "readwrite", "--user", user.accessKey],
            ["admin", "user", "list", user.alias],
            ["mb", `${user.alias}/new-bucket`],
            ["rb", "--force", `${user.alias}/another-bucket`],
        ]) {
            const result = await minio.mc(args);
            assert.notStrictEqual(result.code, 0, `mc ${args.join(" ")} was allowed`);
        }
        assert.strictEqual((await minio.mc(["stat", "admin/another-bucket"])).code, 0, "another-bucket still exists");
    });
});
