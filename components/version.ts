import * as fs from "fs";
import * as path from "path";

/** This package's version (labels, image metadata), read from package.json from source or dist/. */
function readVersion(): string {
    let dir = __dirname;
    for (let i = 0; i < 4; i++) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
            if (pkg.name === "sqlserver-backup" && pkg.version) return pkg.version;
        }
        dir = path.dirname(dir);
    }
    return "0.0.0";
}

export const PACKAGE_VERSION = readVersion();
