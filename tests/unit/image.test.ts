import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SqlServerBackup, SqlServerBackupArgs, SqlServerBackupArgsError } from "../../components";
import { pinProblem } from "../../components/args/rules";
import { agentVersion, contextFiles, contentTag, imageDirectory, pinnedVersions } from "../../components/image/pins";
import { readRegister } from "../../components/image/register";
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

    it("builds image/ for linux/amd64 from a path relative to the program, with the register's images and the given downloads as build args", async () => {
        const backup = new SqlServerBackup("orders", withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP } }));
        await settle();
        const [image] = images(resources);
        const build = image.inputs.build as Record<string, unknown>;
        assert.strictEqual(build.platform, "linux/amd64");
        assert.strictEqual(build.context, "image");
        assert.strictEqual(build.dockerfile, path.join("image", "Dockerfile"));
        assert.ok(!path.isAbsolute(String(build.context)), "an absolute context differs between machines");
        const register = readRegister();
        assert.deepStrictEqual(build.args, {
            BASE_IMAGE: register.BASE_IMAGE,
            GO_BUILDER_IMAGE: register.GO_BUILDER_IMAGE,
            SQLPACKAGE_VERSION: "170.2.70",
            SQLPACKAGE_URL: SQLPACKAGE.url,
            SQLPACKAGE_SHA256: SQLPACKAGE.sha256,
            GOBACKUP_VERSION: "3.1.1",
            GOBACKUP_URL: GOBACKUP.url,
            GOBACKUP_SHA256: GOBACKUP.sha256,
            AGENT_VERSION: agentVersion(),
        });
        assert.match(String(build.args && (build.args as Record<string, string>).AGENT_VERSION), /^src-[0-9a-f]{12}$/, "the agent's version is its sources' hash, never the package's");
        assert.strictEqual(image.inputs.skipPush, true);
        assert.match(String(image.inputs.imageName), /^sqlserver-backup:[0-9a-f]{16}$/);
        assert.strictEqual(await valueOf(backup.image), image.inputs.imageName);
    });

    it("names the image by content: same inputs the same tag, any change a new one", () => {
        const args = { SQLPACKAGE_VERSION: "1", SQLPACKAGE_URL: "u", SQLPACKAGE_SHA256: "s", GOBACKUP_VERSION: "2", GOBACKUP_URL: "v", GOBACKUP_SHA256: "t" };
        assert.strictEqual(contentTag(args), contentTag({ ...args }));
        assert.notStrictEqual(contentTag(args), contentTag({ ...args, GOBACKUP_VERSION: "3" }));
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "image-copy-"));
        fs.cpSync(imageDirectory(), copy, { recursive: true });
        assert.strictEqual(contentTag(args, copy), contentTag(args));
        for (const file of ["entrypoint.sh", "agent/main.go", "agent/internal/backup/run.go", "agent/go.sum"]) {
            const changed = fs.mkdtempSync(path.join(os.tmpdir(), "image-changed-"));
            fs.cpSync(imageDirectory(), changed, { recursive: true });
            fs.appendFileSync(path.join(changed, file), "\n# changed\n");
            assert.notStrictEqual(contentTag(args, changed), contentTag(args), `a change to ${file} must change the tag`);
        }
        // A test of the agent is not part of the image: changing one rebuilds nothing.
        const testChanged = fs.mkdtempSync(path.join(os.tmpdir(), "image-test-changed-"));
        fs.cpSync(imageDirectory(), testChanged, { recursive: true });
        fs.appendFileSync(path.join(testChanged, "agent/internal/backup/run_test.go"), "\n// changed\n");
        assert.strictEqual(contentTag(args, testChanged), contentTag(args));
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

    it("builds no image when neither an image nor a target is given", async () => {
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

    it("ships a well-formed pin for every download: version, https link and SHA-256 (image/artifacts.env)", () => {
        const pins = pinnedVersions();
        assert.deepStrictEqual(Object.keys(pins), ["sqlpackage", "gobackup"]);
        for (const [tool, pin] of Object.entries(pins)) {
            assert.strictEqual(pinProblem(pin), undefined, `${tool}: ${JSON.stringify(pin)}`);
            assert.match(pin.url, /^https:\/\//, `${tool} is downloaded over https`);
        }
        assert.strictEqual(pins.sqlpackage.version, "170.4.83.3");
        assert.strictEqual(pins.sqlpackage.sha256, "e81ede2429f3a15d9e752845c8928569c7706b3a911fad2d1717c0f03e0fc7c3");
        assert.strictEqual(pins.gobackup.sha256, "d4ec264c2f266742aa370e90a1666535917de0207bd908786823415fce4924c6");
        assert.ok(pins.gobackup.url.includes(`/v${pins.gobackup.version}/`), "GoBackup's link names its version");
    });

    it("hashes exactly the files the build context holds (image/.dockerignore): the agent's sources, no test, no double", () => {
        const files = contextFiles();
        assert.deepStrictEqual(files.filter((f) => !f.startsWith("agent/")), [".dockerignore", "Dockerfile", "entrypoint.sh", "fetch-verified.sh"]);
        assert.ok(files.includes("agent/go.mod") && files.includes("agent/go.sum") && files.includes("agent/main.go") && files.includes("agent/internal/backup/run.go"));
        assert.ok(!files.some((f) => f.endsWith("_test.go") || f.includes("s3storetest")), files.join(" "));
    });

    it("refuses the withdrawn mc, which the image no longer installs", () => {
        assert.throws(() => new SqlServerBackup("orders", withImage({ build: { mc: GOBACKUP } })), /image\.build\.mc: was removed/);
    });

    it("refuses an override without a checksum, naming the field", () => {
        assert.throws(
            () => new SqlServerBackup("orders", withImage({ build: { gobackup: { ...GOBACKUP, sha256: "" } } })),
            (err: Error) => err instanceof SqlServerBackupArgsError && err.problems.some((p) => p.field === "image.build.gobackup" && /64 lower-case hex/.test(p.message)),
        );
    });

    it("passes the Docker build options a user reaches for: network, extra hosts, cache images, builder", async () => {
        new SqlServerBackup(
            "orders",
            withImage({ build: { network: "host", addHosts: ["downloads.internal:10.0.0.7"], cacheFrom: ["registry.example.com/sqlserver-backup:cache"], builderVersion: "BuilderBuildKit" } }),
        );
        await settle();
        const build = images(resources)[0].inputs.build as Record<string, unknown>;
        assert.strictEqual(build.network, "host");
        assert.deepStrictEqual(build.addHosts, ["downloads.internal:10.0.0.7"]);
        assert.deepStrictEqual(build.cacheFrom, { images: ["registry.example.com/sqlserver-backup:cache"] });
        assert.strictEqual(build.builderVersion, "BuilderBuildKit");
    });

    it("refuses a platform other than linux/amd64 and a reference without tag or digest", () => {
        assert.throws(() => new SqlServerBackup("orders", withImage({ build: { sqlpackage: SQLPACKAGE, gobackup: GOBACKUP, platform: "linux/arm64" } })), /image\.build\.platform: must be linux\/amd64/);
        assert.throws(() => new SqlServerBackup("orders", withImage({ ref: "sqlserver-backup" })), /image\.ref/);
    });
});
