import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SqlServerBackup, SqlServerBackupArgs, SqlServerBackupArgsError } from "../../components";
import { contentTag, imageDirectory, pinnedVersions } from "../../components/image";
import { validArgs } from "./helpers/fixtures";
import { RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const SQLPACKAGE = { version: "170.2.70", url: "https://go.microsoft.com/fwlink/?linkid=2338525", sha256: "a".repeat(64) };
const GOBACKUP = { version: "3.1.1", url: "https://example.invalid/gobackup-linux-amd64.tar.gz", sha256: "b".repeat(64) };

function withImage(image: SqlServerBackupArgs["image"]): SqlServerBackupArgs {
    return { ...validArgs(), image };
}

const images = (resources: RecordedResource[]) => resources.filter((r) => r.type === "docker:index/image:Image");

describe("backup image (mocked engine)", () => {
    const resources = useMocks();

    it("builds image/ for linux/amd64 from a path relative to the program, with pinned versions as build args", async () => {
        const backup = new SqlServerBackup("orders", withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP } }));
        await settle();
        const [image] = images(resources);
        const build = image.inputs.build as Record<string, unknown>;
        assert.strictEqual(build.platform, "linux/amd64");
        assert.strictEqual(build.context, "image");
        assert.strictEqual(build.dockerfile, path.join("image", "Dockerfile"));
        assert.ok(!path.isAbsolute(String(build.context)), "an absolute context differs between machines");
        assert.deepStrictEqual(build.args, {
            SQLPACKAGE_VERSION: "170.2.70",
            SQLPACKAGE_URL: SQLPACKAGE.url,
            SQLPACKAGE_SHA256: SQLPACKAGE.sha256,
            GOBACKUP_VERSION: "3.1.1",
            GOBACKUP_URL: GOBACKUP.url,
            GOBACKUP_SHA256: GOBACKUP.sha256,
        });
        assert.strictEqual(image.inputs.skipPush, true);
        assert.match(String(image.inputs.imageName), /^sqlserver-backup:[0-9a-f]{16}$/);
        assert.strictEqual(await valueOf(backup.image), image.inputs.imageName);
    });

    it("names the image by content: same inputs the same tag, any change a new one", () => {
        const args = { SQLPACKAGE_VERSION: "1", SQLPACKAGE_URL: "u", SQLPACKAGE_SHA256: "s", GOBACKUP_VERSION: "2", GOBACKUP_URL: "v", GOBACKUP_SHA256: "t" };
        assert.strictEqual(contentTag(args), contentTag({ ...args }));
        assert.notStrictEqual(contentTag(args), contentTag({ ...args, GOBACKUP_VERSION: "3" }));
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "image-copy-"));
        for (const file of fs.readdirSync(imageDirectory())) fs.copyFileSync(path.join(imageDirectory(), file), path.join(copy, file));
        assert.strictEqual(contentTag(args, copy), contentTag(args));
        fs.appendFileSync(path.join(copy, "entrypoint.sh"), "\n# changed\n");
        assert.notStrictEqual(contentTag(args, copy), contentTag(args));
    });

    it("pushes to a registry when one is given, with the password secret, and runs the pushed digest", async () => {
        const backup = new SqlServerBackup(
            "orders",
            withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP, registry: { server: "registry.example.com/team", username: "ci", password: "registry-secret" } } }),
        );
        await settle();
        const [image] = images(resources);
        assert.strictEqual(image.inputs.skipPush, false);
        assert.match(String(image.inputs.imageName), /^registry\.example\.com\/team\/sqlserver-backup:[0-9a-f]{16}$/);
        // The secret password makes the whole registry object secret on the wire.
        const registry = secretInput(image.inputs.registry) as Record<string, unknown>;
        assert.deepStrictEqual(registry, { server: "registry.example.com/team", username: "ci", password: "registry-secret" });
        assert.match(String(await valueOf(backup.image)), /@sha256:[0-9a-f]{64}$/);
    });

    it("uses a prebuilt reference as is and builds nothing", async () => {
        const ref = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;
        const backup = new SqlServerBackup("orders", withImage({ ref }));
        await settle();
        assert.strictEqual(images(resources).length, 0);
        assert.strictEqual(await valueOf(backup.image), ref);
    });

    it("builds no image when no image arg is given", async () => {
        new SqlServerBackup("orders", validArgs());
        await settle();
        assert.strictEqual(images(resources).length, 0);
    });

    it("builds one image however many databases there are", async () => {
        const args = withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP } });
        args.databases = Array.from({ length: 12 }, (_, i) => ({ name: `db${i}`, host: "sql", database: `Db${i}`, password: "pw" }));
        new SqlServerBackup("orders", args);
        await settle();
        assert.strictEqual(images(resources).length, 1);
    });

    it("refuses to build without a pinned checksum, naming the field", () => {
        const pins = pinnedVersions();
        const unpinned = pins.sqlpackage.sha256 === "" ? {} : { sqlpackage: { ...SQLPACKAGE, sha256: "" } };
        assert.throws(
            () => new SqlServerBackup("orders", withImage({ build: { gobackup: GOBACKUP, ...unpinned } })),
            (err: Error) => err instanceof SqlServerBackupArgsError && err.problems.some((p) => p.field === "image.build.sqlpackage.sha256"),
        );
    });

    it("refuses a platform other than linux/amd64 and a reference without tag or digest", () => {
        assert.throws(() => new SqlServerBackup("orders", withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP, platform: "linux/arm64" } })), /image\.build\.platform: must be linux\/amd64/);
        assert.throws(() => new SqlServerBackup("orders", withImage({ ref: "sqlserver-backup" })), /image\.ref/);
    });
});
