import * as fs from "fs";
import * as path from "path";

/** Where scripts/install-test-tools.sh puts what it builds. */
export const TOOLS_BIN = path.resolve(__dirname, "../../../.tools/bin");

/** Path of a tool: .tools/bin first, then PATH; undefined when missing. */
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
        const reason = `missing ${missing.join(", ")}: run scripts/install-test-tools.sh`;
        if (process.env.REQUIRE_INTEGRATION === "1") throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`);
        console.log(`    skipped: ${reason}`);
        context.skip();
    }
    return found;
}
