import { S3ServerProcess, freePort } from "./s3server";

export { freePort } from "./s3server";

/**
 * A real MinIO server (built from source) on 127.0.0.1, or another address of this
 * machine (a test node's bridge), with an mc alias `admin` bound to it.
 */
export class MinioServer extends S3ServerProcess {
    readonly rootUser = "integration-admin";
    readonly rootPassword = "integration-admin-password";

    constructor(
        private readonly minioBin: string,
        mcBin: string,
        private readonly host = "127.0.0.1",
    ) {
        super(mcBin);
    }

    get endpoint(): string {
        return `http://${this.host}:${this.port}`;
    }

    async start(): Promise<void> {
        if (this.port === 0) this.port = await freePort();
        const consolePort = await freePort();
        await this.spawnServer(
            this.minioBin,
            ["server", "--quiet", "--address", `${this.host}:${this.port}`, "--console-address", `127.0.0.1:${consolePort}`, this.dataDir],
            { MINIO_ROOT_USER: this.rootUser, MINIO_ROOT_PASSWORD: this.rootPassword, MINIO_BROWSER: "off" },
            async () => (await fetch(`${this.endpoint}/minio/health/ready`)).ok,
        );
        await this.mcOk(["alias", "set", "admin", this.endpoint, this.rootUser, this.rootPassword]);
        // Ready means ready for what the tests do first: MinIO's IAM starts after its
        // health endpoint answers ready, and under load an early `mc admin` call fails.
        const deadline = Date.now() + 60000;
        for (;;) {
            const users = await this.mc(["admin", "user", "list", "admin"]);
            if (users.code === 0) return;
            if (Date.now() > deadline) throw new Error(`MinIO's IAM did not come up within 60 s: ${users.stdout}${users.stderr}`);
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    }
}
