import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CommandResult, runCommand } from "./exec";


/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** A real MinIO server on 127.0.0.1 with a throw-away data dir, and an mc bound to it. */
export class MinioServer {
    readonly rootUser = "integration-admin";
    readonly rootPassword = "integration-admin-password";
    private process?: ChildProcess;
    private log = "";
    port = 0;
    readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "minio-data-"));
    readonly mcConfigDir = fs.mkdtempSync(path.join(os.tmpdir(), "mc-config-"));

    constructor(
        private readonly minioBin: string,
        private readonly mcBin: string,
    ) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        if (this.port === 0) this.port = await freePort();
        const consolePort = await freePort();
        this.process = spawn(this.minioBin, ["server", "--quiet", "--address", `127.0.0.1:${this.port}`, "--console-address", `127.0.0.1:${consolePort}`, this.dataDir], {
            env: { ...process.env, MINIO_ROOT_USER: this.rootUser, MINIO_ROOT_PASSWORD: this.rootPassword, MINIO_BROWSER: "off" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.process.stdout?.on("data", (chunk) => (this.log += chunk));
        this.process.stderr?.on("data", (chunk) => (this.log += chunk));
        const deadline = Date.now() + 30000;
        while (Date.now() < deadline) {
            try {
                const response = await fetch(`${this.endpoint}/minio/health/ready`);
                if (response.ok) break;
            } catch {
                /* not listening yet */
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const ready = await this.mc(["alias", "set", "admin", this.endpoint, this.rootUser, this.rootPassword]);
        if (ready.code !== 0) throw new Error(`MinIO did not start: ${ready.stderr}\n${this.log}`);
    }

    async stop(): Promise<void> {
        const child = this.process;
        if (!child || child.exitCode !== null) return;
        await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
        });
    }

    async remove(): Promise<void> {
        await this.stop();
        fs.rmSync(this.dataDir, { recursive: true, force: true });
        fs.rmSync(this.mcConfigDir, { recursive: true, force: true });
    }

    /** Runs mc with this server's aliases. */
    mc(args: string[]): Promise<CommandResult> {
        return runCommand(this.mcBin, ["--no-color", ...args], { env: { ...process.env, MC_CONFIG_DIR: this.mcConfigDir } });
    }

    /** Runs mc and throws with its output when it fails. */
    async mcOk(args: string[]): Promise<string> {
        const result = await this.mc(args);
        if (result.code !== 0) throw new Error(`mc ${args.join(" ")} failed: ${result.stdout}${result.stderr}`);
        return result.stdout;
    }
}
