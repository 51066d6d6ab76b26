import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readRegister } from "../../components/image/register";

const REPO = path.resolve(__dirname, "../..");

/** Tracked text files with their lines that are not comments (evidence lives in comments). */
function codeLines(filter: (file: string) => boolean): { file: string; line: number; text: string }[] {
    const files = execFileSync("git", ["ls-files"], { cwd: REPO, encoding: "utf8" }).trim().split("\n").filter(filter);
    return files.flatMap((file) => {
        const full = path.join(REPO, file);
        if (!fs.existsSync(full) || fs.statSync(full).size > 2_000_000) return [];
        return fs.readFileSync(full, "utf8").split("\n").map((text, i) => ({ file, line: i + 1, text }))
            .filter(({ text }) => !/^\s*(#|\/\/|\*|\/\*)/.test(text));
    });
}

/** An image's repository without tag or digest: `pgsty/minio`, `mcr.microsoft.com/mssql/server`. */
const repository = (ref: string) => ref.replace(/@.*$/, "").replace(/:[^/]*$/, "");

describe("the register of external artifacts (image/artifacts.env)", () => {
    const register = readRegister(path.join(REPO, "image/artifacts.env"));
    const images = Object.entries(register).filter(([name]) => name.endsWith("_IMAGE"));

    it("pins every image by tag and digest, and every download by version, https link and SHA-256", () => {
        assert.ok(images.length >= 4, JSON.stringify(register));
        for (const [name, ref] of images) assert.match(ref, /^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/, name);
        for (const download of ["SQLPACKAGE", "GOBACKUP"]) {
            assert.match(register[`${download}_URL`], /^https:\/\//);
            assert.match(register[`${download}_SHA256`], /^[0-9a-f]{64}$/);
            assert.ok(register[`${download}_VERSION`]);
        }
    });

    it("is the only place an image or a download is named: no code, stack or script bypasses it", () => {
        const pinned = [...images.map(([, ref]) => repository(ref)), register.SQLPACKAGE_URL, register.GOBACKUP_URL];
        const bypasses = codeLines((file) => file !== "image/artifacts.env" && !file.endsWith(".md") && !file.startsWith("tests/golden/") && file !== "tests/unit/register.test.ts")
            .filter(({ file, text }) => pinned.some((item) => text.includes(`${item}:`) || text.includes(`${item}@`) || (item.startsWith("https://") && text.includes(item)))
                // The Dockerfile's defaults must be the register's values (checked below).
                && !(file === "image/Dockerfile" && /^ARG /.test(text)));
        assert.deepStrictEqual(bypasses.map(({ file, line, text }) => `${file}:${line}: ${text.trim()}`), []);
    });

    it("gives the Dockerfile's image defaults the register's values", () => {
        const dockerfile = fs.readFileSync(path.join(REPO, "image/Dockerfile"), "utf8");
        for (const name of ["BASE_IMAGE", "GO_BUILDER_IMAGE"]) {
            assert.ok(dockerfile.includes(`ARG ${name}=${register[name]}\n`), `image/Dockerfile's ARG ${name} differs from the register`);
        }
    });

    it("pins no image known to be frozen or unpatched: pgsty/minio (renamed pgsty/silo, frozen before SN-2026-011's fix), a Go builder before 1.26.6", () => {
        assert.doesNotMatch(register.MINIO_SERVER_IMAGE, /^pgsty\/minio:/);
        const silo = /^pgsty\/silo:RELEASE\.(\d{4})-(\d\d)-(\d\d)/.exec(register.MINIO_SERVER_IMAGE);
        assert.ok(silo && `${silo[1]}${silo[2]}${silo[3]}` >= "20260916", `${register.MINIO_SERVER_IMAGE}: Silo releases before 2026-09-16 lack the fix of SN-2026-011`);
        const go = /^golang:1\.(\d+)\.(\d+)-/.exec(register.GO_BUILDER_IMAGE);
        assert.ok(go && (Number(go[1]) > 26 || (Number(go[1]) === 26 && Number(go[2]) >= 6)), `${register.GO_BUILDER_IMAGE} predates Go 1.26.6's crypto/tls, net/http and net/url fixes`);
    });

    it("takes nothing from MinIO's withdrawn distribution: no dl.min.io download and no minio/minio or minio/mc image anywhere", () => {
        const withdrawn = codeLines((file) => !file.endsWith(".md") && file !== "tests/unit/register.test.ts")
            .filter(({ text }) => /dl\.min\.io|(?<!github\.com\/)\bminio\/(minio|mc)(?![\w/-])/.test(text));
        assert.deepStrictEqual(withdrawn.map(({ file, line, text }) => `${file}:${line}: ${text.trim()}`), []);
    });
});
