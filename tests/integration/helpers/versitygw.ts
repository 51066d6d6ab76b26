import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { runCommand } from "./exec";
import { S3ServerProcess, freePort } from "./s3server";
import { PrivateCa } from "./tls";

/**
 * Versity's S3 gateway (github.com/versity/versitygw, built from source) on 127.0.0.1
 * over TLS with a certificate from a private CA: a second, maintained, real S3 server
 * for bring-your-own storage. POSIX backend with a sidecar for metadata, its internal
 * IAM for users; mc trusts the CA through its config directory (certs/CAs).
 */
export class VersityGateway extends S3ServerProcess {
    readonly rootUser = "versity-root";
    readonly rootPassword = "versity-root-secret";
    adminPort = 0;
    private readonly sidecarDir = fs.mkdtempSync(path.join(os.tmpdir(), "vgw-sidecar-"));
    private readonly iamDir = fs.mkdtempSync(path.join(os.tmpdir(), "vgw-iam-"));

    constructor(
        private readonly bin: string,
        mcBin: string,
        private readonly ca: PrivateCa,
    ) {
        super(mcBin);
    }

    get endpoint(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        this.port = await freePort();
        this.adminPort = await freePort();
        await this.spawnServer(
            this.bin,
            ["--port", `127.0.0.1:${this.port}`, "--admin-port", `127.0.0.1:${this.adminPort}`, "--cert", this.ca.certFile, "--key", this.ca.keyFile,
                "--iam-dir", this.iamDir, "--quiet", "posix", "--sidecar", this.sidecarDir, this.dataDir],
            { ROOT_ACCESS_KEY: this.rootUser, ROOT_SECRET_KEY: this.rootPassword },
            () => new Promise<boolean>((resolve) => {
                // Any HTTP answer over TLS verified against the private CA means it serves.
                https.get(`${this.endpoint}/`, { ca: this.ca.caPem }, (res) => resolve(res.statusCode !== undefined)).on("error", () => resolve(false));
            }),
        );
        fs.mkdirSync(path.join(this.mcConfigDir, "certs", "CAs"), { recursive: true });
        fs.copyFileSync(this.ca.caFile, path.join(this.mcConfigDir, "certs", "CAs", "private-ca.crt"));
        await this.mcOk(["alias", "set", "root", this.endpoint, this.rootUser, this.rootPassword]);
    }

    /** Creates a gateway user (role user: no bucket of its own; access only through bucket policies). */
    async createUser(accessKey: string, secretKey: string): Promise<void> {
        const result = await runCommand(this.bin, ["admin", "--access", this.rootUser, "--secret", this.rootPassword, "--endpoint-url", `http://127.0.0.1:${this.adminPort}`,
            "create-user", "--access", accessKey, "--secret", secretKey, "--role", "user"]);
        if (result.code !== 0) throw new Error(`versitygw admin create-user failed: ${result.stdout}${result.stderr}`);
        await this.mcOk(["alias", "set", `as-${accessKey}`, this.endpoint, accessKey, secretKey]);
    }

    async remove(): Promise<void> {
        await super.remove();
        fs.rmSync(this.sidecarDir, { recursive: true, force: true });
        fs.rmSync(this.iamDir, { recursive: true, force: true });
    }
}
