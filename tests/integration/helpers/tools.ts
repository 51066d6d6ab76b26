import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where scripts/install-tools.sh links what it builds (a cache outside the clone). */
export const TOOLS_BIN = path.join(
    process.env.TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "sqlserver-backup", "tools"),
    "bin",
);

/** Path of a tool: TOOLS_BIN first, then PATH; undefined when missing. */
export function findTool(name: string): string | undefined {
    const candidates = [path.join(TOOLS_BIN, name), ...(process.env.PATH ?? "").split(":").map((dir) => path.join(dir, name))];
    return candidates.find((candidate) => {
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/**
 * Tools a suite needs. Missing ones skip the suite with the reason, unless
 * REQUIRE_INTEGRATION=1 (CI), where a missing tool is a failure.
 */
export function requireTools(context: Mocha.Context, names: string[]): Record<string, string> {
    const found: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of names) {
        const location = findTool(name);
        if (location) found[name] = location;
        else missing.push(name);
    }
    if (missing.length > 0) {
        const reason = `missing ${missing.join(", ")}: run scripts/install-tools.sh (Debian packages: see .ci/run)`;
        if (process.env.REQUIRE_INTEGRATION === "1") throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`);
        console.log(`    skipped: ${reason}`);
        context.skip();
    }
    return found;
}
