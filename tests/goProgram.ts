import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");
const built = new Map<string, string>();

/**
 * A Go program of this repository (`dir`, from the root), built once per test process
 * into a temporary directory as `name` (the name it is run by: `sqlpackage`, ...).
 */
export function goProgram(dir: string, name: string): string {
    const key = `${dir}:${name}`;
    const cached = built.get(key);
    if (cached) return cached;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`)), name);
    execFileSync("go", ["build", "-o", out, "."], { cwd: path.join(REPO, dir), stdio: "pipe" });
    built.set(key, out);
    return out;
}
