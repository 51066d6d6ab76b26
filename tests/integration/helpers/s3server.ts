import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CommandResult, runCommand } from "./exec";

/** Ports handed out in this process: never twice, even before their server binds them. */
const handedOut = new Set<number>();

/** Whether port can be bound on 127.0.0.1 right now. */
function bindable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/**
 * A free port on 127.0.0.1 for a server started later, taken below the kernel's
 * ephemeral range: a port from that range can be taken meanwhile as the source port of
 * any outgoing connection (seen: kube-apiserver failing to bind a port found free a
 * moment before, while etcd started), one below it only by a server that binds it.
 */
export async function freePort(): Promise<number> {
    let low = 32768;
    try {
        low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || low;
    } catch {
        // Not Linux: the default range's start.
    }
    const first = 10000;
    for (let attempt = 0; attempt < 200 && low > first; attempt++) {
        const port = first + Math.floor(Math.random() * (low - first));
        if (!handedOut.has(port) && (await bindable(port))) {
            handedOut.add(port);
            return port;
        }
    }
    throw new Error(`no free port on 127.0.0.1 between ${first} and ${low}`);
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
