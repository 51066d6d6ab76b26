import { ChildProcess, spawn } from "child_process";

/** Long-running processes a test bed starts, with the tail of each one's output for failure messages. */
export class ProcessGroup {
    private readonly processes: { name: string; child: ChildProcess; log: string[] }[] = [];

    start(name: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
        const log: string[] = [];
        const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env });
        const keep = (chunk: Buffer) => {
            log.push(chunk.toString());
            if (log.length > 400) log.shift();
        };
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
        this.processes.push({ name, child, log });
        return child;
    }

    /** The last lines each process wrote. */
    logs(lines = 20): string {
        return this.processes.map((p) => `--- ${p.name}${p.child.exitCode !== null ? ` (exited ${p.child.exitCode})` : ""}\n${p.log.join("").split("\n").slice(-lines).join("\n")}`).join("\n");
    }

    /** Stops every process, newest first: SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 5000): Promise<void> {
        for (const { child } of [...this.processes].reverse()) {
            if (child.exitCode !== null || child.signalCode !== null) continue;
            await new Promise<void>((resolve) => {
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
                setTimeout(() => child.kill("SIGKILL"), graceMs);
            });
        }
    }
}
