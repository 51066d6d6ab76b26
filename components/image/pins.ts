import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ImageBuildArgs, PinnedDownload } from "../args/types";
import { packageRoot } from "../packageInfo";
import { readRegister } from "./register";

/**
 * The image's build inputs as plain data: pinned downloads and images from the
 * register, build args, the files of the build context, and a tag derived from them.
 */

/** sqlpackage ships for x64 only, so the image is always linux/amd64 (an unset platform takes the host's). */
export const IMAGE_PLATFORM = "linux/amd64";
/** The downloads the image installs, by their prefix in the register. */
export const PINNED_TOOLS = { sqlpackage: "SQLPACKAGE", gobackup: "GOBACKUP" } as const;
export type PinnedTool = keyof typeof PINNED_TOOLS;

/** The package's image/ directory (shipped with the package, see package.json "files"). */
export function imageDirectory(): string {
    return path.join(packageRoot(), "image");
}

/** A .dockerignore pattern as a regular expression over a path relative to the context (moby/patternmatcher). */
function patternRegExp(pattern: string): RegExp {
    let source = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*" && pattern[i + 1] === "*") {
            i++;
            if (pattern[i + 1] === "/") {
                i++;
                source += "(?:.*/)?";
            } else source += ".*";
        } else if (c === "*") source += "[^/]*";
        else if (c === "?") source += "[^/]";
        else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    return new RegExp(`^${source}$`);
}

/** Whether a rule matches a path: the path itself or one of the folders above it. */
function ruleMatches(rule: RegExp, file: string): boolean {
    const parts = file.split("/");
    for (let i = parts.length; i > 0; i--) if (rule.test(parts.slice(0, i).join("/"))) return true;
    return false;
}

function walk(dir: string, base = ""): string[] {
    return fs.readdirSync(path.join(dir, base), { withFileTypes: true }).flatMap((entry) => {
        const rel = base ? `${base}/${entry.name}` : entry.name;
        return entry.isDirectory() ? walk(dir, rel) : [rel];
    });
}

/**
 * The files of image/ that go into the build context, as Docker decides it from
 * image/.dockerignore (the last matching rule wins, `!` re-includes), plus the
 * Dockerfile and .dockerignore, which Docker always reads.
 */
export function contextFiles(imageDir = imageDirectory()): string[] {
    const rules = fs
        .readFileSync(path.join(imageDir, ".dockerignore"), "utf8")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => ({ include: line.startsWith("!"), regexp: patternRegExp(line.replace(/^!/, "").replace(/\/$/, "")) }));
    const included = walk(imageDir).filter((file) => {
        let keep = true;
        for (const rule of rules) if (ruleMatches(rule.regexp, file)) keep = rule.include;
        return keep;
    });
    return [...new Set(["Dockerfile", ".dockerignore", ...included])].sort();
}

/** The register's pinned downloads. */
export function pinnedVersions(register = readRegister()): Record<PinnedTool, PinnedDownload> {
    const pin = (prefix: string): PinnedDownload => ({
        version: register[`${prefix}_VERSION`] ?? "",
        url: register[`${prefix}_URL`] ?? "",
        sha256: register[`${prefix}_SHA256`] ?? "",
    });
    return { sqlpackage: pin(PINNED_TOOLS.sqlpackage), gobackup: pin(PINNED_TOOLS.gobackup) };
}

/** A hash of files of the context (sorted paths and contents). */
function hashFiles(imageDir: string, files: string[]): crypto.Hash {
    const hash = crypto.createHash("sha256");
    for (const file of files) hash.update(file).update("\0").update(fs.readFileSync(path.join(imageDir, file))).update("\0");
    return hash;
}

/**
 * The agent's version: a hash of its sources in the context, so the manifests say which
 * agent verified an archive, and only a change of the agent changes it (never the
 * package version alone, which would rebuild and replace the container for nothing).
 */
export function agentVersion(imageDir = imageDirectory()): string {
    return `src-${hashFiles(imageDir, contextFiles(imageDir).filter((file) => file.startsWith("agent/"))).digest("hex").slice(0, 12)}`;
}

/** Build args for the Dockerfile, in a fixed order: images and downloads from the register unless given. */
export function imageBuildArgs(build: ImageBuildArgs = {}, register = readRegister(), imageDir = imageDirectory()): Record<string, string> {
    const pins = pinnedVersions(register);
    const args: Record<string, string> = {
        BASE_IMAGE: build.baseImage ?? register.BASE_IMAGE ?? "",
        GO_BUILDER_IMAGE: build.goBuilderImage ?? register.GO_BUILDER_IMAGE ?? "",
    };
    if (build.goProxy !== undefined) args.GOPROXY = build.goProxy;
    for (const tool of Object.keys(PINNED_TOOLS) as PinnedTool[]) {
        const download = build[tool] ?? pins[tool];
        const prefix = PINNED_TOOLS[tool];
        args[`${prefix}_VERSION`] = download.version;
        args[`${prefix}_URL`] = download.url;
        args[`${prefix}_SHA256`] = download.sha256;
    }
    args.AGENT_VERSION = agentVersion(imageDir);
    return args;
}

/**
 * A tag derived from the build inputs (context files and build args): the same inputs
 * give the same tag on every machine, and any change gives a new one, so a container
 * referencing it is replaced exactly when the image changed.
 */
export function contentTag(buildArgs: Record<string, string>, imageDir = imageDirectory()): string {
    return hashFiles(imageDir, contextFiles(imageDir)).update(JSON.stringify(buildArgs)).digest("hex").slice(0, 16);
}

/** The package's image directory exists where the package was installed. */
export function packagedImage(): boolean {
    return fs.existsSync(path.join(packageRoot(), "image", "Dockerfile"));
}
