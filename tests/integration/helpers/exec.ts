import { execFile } from "child_process";

/** How a command ended: its exit code and output. */
export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion and reports how it ended; never throws on a non-zero exit. `input` goes to its stdin. */
export function runCommand(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CommandResult> {
    return new Promise((resolve) => {
        const child = execFile(file, args, { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
            resolve({ code, stdout: String(stdout ?? ""), stderr: String(stderr ?? "") });
        });
        if (options.input !== undefined) child.stdin?.end(options.input);
        else child.stdin?.end();
    });
}
