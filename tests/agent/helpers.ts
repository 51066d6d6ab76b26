import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
let built: string | undefined;

/** The backup agent built from image/agent (Go is this suite's one requirement; .ci/run has it). */
export function agentBinary(): string {
    if (built) return built;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agent-bin-")), "sqlserver-backup-agent");
    execFileSync("go", ["build", "-o", out, "."], { cwd: path.join(REPO, "image/agent"), stdio: "pipe" });
    built = out;
    return out;
}
