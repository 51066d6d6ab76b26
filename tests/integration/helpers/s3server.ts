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

/** A real server process on 127.0.0.1 with throw-away data; subclasses say how to start it and when it is ready. */
export abstract class ServerProcess {
    private process?: ChildProcess;
    protected log = "";
    port = 0;
    readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "server-data-"));

    abstract get endpoint(): string;

    /** Spawns the server (port already chosen) and resolves once it answers. */
    protected async spawnServer(bin: string, args: string[], env: Record<string, string>, ready: () => Promise<boolean>): Promise<void> {
        this.process = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        this.process.stdout?.on("data", (chunk) => (this.log += chunk));
        this.process.stderr?.on("data", (chunk) => (this.log += chunk));
        const deadline = Date.now() + 30000;
        while (Date.now() < deadline) {
            if (this.process.exitCode !== null) break;
            try {
                if (await ready()) return;
            } catch {
                /* not listening yet */
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
        throw new Error(`${path.basename(bin)} did not start:\n${this.log}`);
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
    }
}

/** A real S3 server, and mc (built from source, the test side's admin tool) with aliases of its own. */
export abstract class S3ServerProcess extends ServerProcess {
    readonly mcConfigDir = fs.mkdtempSync(path.join(os.tmpdir(), "mc-config-"));

    constructor(protected readonly mcBin: string) {
        super();
    }

    async remove(): Promise<void> {
        await super.remove();
        fs.rmSync(this.mcConfigDir, { recursive: true, force: true });
    }

    /** Runs mc with this server's aliases (`input` on its stdin). */
    mc(args: string[], input?: string): Promise<CommandResult> {
        return runCommand(this.mcBin, ["--no-color", ...args], { env: { ...process.env, MC_CONFIG_DIR: this.mcConfigDir }, input });
    }

    /** Runs mc and throws with its output when it fails. */
    async mcOk(args: string[], input?: string): Promise<string> {
        const result = await this.mc(args, input);
        if (result.code !== 0) throw new Error(`mc ${args.join(" ")} failed: ${result.stdout}${result.stderr}`);
        return result.stdout;
    }
}
