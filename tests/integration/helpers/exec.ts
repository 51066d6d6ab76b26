import { execFile } from "child_process";
import { promisify } from "util";

const execFileAsync = promisify(execFile);

/** How a command ended: its exit code and output. */
export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion and reports how it ended; never throws on a non-zero exit. */
export async function runCommand(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
    try {
        const { stdout, stderr } = await execFileAsync(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}
