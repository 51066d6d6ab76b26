import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { sqlpackageDouble } from "./agent";
import { runCommand } from "./exec";

const REPO = path.resolve(__dirname, "../../..");
export const BASE_IMAGE = process.env.BASE_IMAGE_TAG ?? "sqlserver-backup-test-base:bookworm";

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/**
 * The downloads image/Dockerfile installs, served from 127.0.0.1: sqlpackage and
 * gobackup TEST DOUBLES (sqlpackage-double, a Go program, in a zip like Microsoft's;
 * gobackup-double in a tarball like GoBackup's release), with their checksums.
 */
export class TestImageSources {
    readonly artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "image-artifacts-"));
    private server?: http.Server;
    baseUrl = "";
    builder = "";

    async start(): Promise<void> {
        const made = await runCommand("bash", [path.join(REPO, "scripts/make-builder-image.sh")]);
        if (made.code !== 0) throw new Error(`scripts/make-builder-image.sh failed:\n${made.stdout}${made.stderr}`);
        this.builder = made.stdout.trim().split("\n").pop()!;
        const base = await runCommand("docker", ["image", "inspect", BASE_IMAGE]);
        if (base.code !== 0) throw new Error(`base image ${BASE_IMAGE} is missing: run scripts/make-base-image.sh`);
        fs.copyFileSync(sqlpackageDouble(), path.join(this.artifacts, "sqlpackage"));
        fs.chmodSync(path.join(this.artifacts, "sqlpackage"), 0o755);
        await runCommand("python3", ["-m", "zipfile", "-c", path.join(this.artifacts, "sqlpackage.zip"), path.join(this.artifacts, "sqlpackage")]);
        fs.copyFileSync(path.join(REPO, "tests/doubles/gobackup-double"), path.join(this.artifacts, "gobackup"));
        fs.chmodSync(path.join(this.artifacts, "gobackup"), 0o755);
        await runCommand("tar", ["-czf", path.join(this.artifacts, "gobackup.tar.gz"), "-C", this.artifacts, "gobackup"]);
        this.server = http.createServer((req, res) => {
            const file = path.join(this.artifacts, path.basename(req.url ?? ""));
            if (!fs.existsSync(file)) {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(200);
            fs.createReadStream(file).pipe(res);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.baseUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    }

    /** docker build arguments of image/ with the doubles, `overrides` replacing any. */
    buildArgs(overrides: Record<string, string> = {}): string[] {
        const values: Record<string, string> = {
            BASE_IMAGE,
            GO_BUILDER_IMAGE: this.builder,
            GOPROXY: process.env.GOPROXY ?? "https://proxy.golang.org,direct",
            SQLPACKAGE_VERSION: "170.4.83.3-double",
            SQLPACKAGE_URL: `${this.baseUrl}/sqlpackage.zip`,
            SQLPACKAGE_SHA256: sha256(path.join(this.artifacts, "sqlpackage.zip")),
            GOBACKUP_VERSION: "3.1.1-double",
            GOBACKUP_URL: `${this.baseUrl}/gobackup.tar.gz`,
            GOBACKUP_SHA256: sha256(path.join(this.artifacts, "gobackup.tar.gz")),
            VCS_REF: "test-revision",
            IMAGE_VERSION: "0.0.0-test",
            AGENT_VERSION: "0.0.0-test",
            ...overrides,
        };
        return Object.entries(values).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    }

    /** Builds image/ as `tag`; throws with docker's output when the build fails. */
    async build(tag: string): Promise<void> {
        const image = await runCommand("docker", ["build", "--network", "host", ...this.buildArgs(), "--tag", tag, path.join(REPO, "image")]);
        if (image.code !== 0) throw new Error(`docker build failed:\n${image.stdout}\n${image.stderr}`);
    }

    stop(): void {
        this.server?.close();
        fs.rmSync(this.artifacts, { recursive: true, force: true });
    }
}
