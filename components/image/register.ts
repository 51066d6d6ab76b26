import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../packageInfo";

/**
 * The register of every external artifact (image/artifacts.env): downloads and images
 * with their pins and the evidence that they are served. The component, the dev stack
 * and image/build.sh read it; nothing names an artifact anywhere else.
 */
export function registerFile(): string {
    return path.join(packageRoot(), "image", "artifacts.env");
}

/** The register's entries: NAME=value lines (comments and blank lines skipped). */
export function readRegister(file = registerFile()): Record<string, string> {
    const values: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (match) values[match[1]] = match[2];
    }
    return values;
}

/** One entry of the register; throws naming it when it is missing (a packaging error). */
export function registered(name: string, register = readRegister()): string {
    const value = register[name];
    if (!value) throw new Error(`sqlserver-backup: ${name} is missing from the register ${registerFile()}`);
    return value;
}
