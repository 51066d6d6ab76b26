import * as fs from "fs";
import * as path from "path";

/**
 * This package's root directory (where its package.json and image/ are), found from
 * this file whether it runs from source (components/) or compiled (dist/components/).
 */
export function packageRoot(): string {
    let dir = __dirname;
    for (let i = 0; i < 4; i++) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === "sqlserver-backup") return dir;
        dir = path.dirname(dir);
    }
    throw new Error(`sqlserver-backup: cannot find its package.json above ${__dirname}`);
}

/** This package's version (labels, image metadata). */
export const PACKAGE_VERSION: string = (JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
