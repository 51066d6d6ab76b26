import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Problem } from "../args/problem";
import type { ImageArgs, PinnedDownload } from "../args/types";
import { packageRoot } from "../packageInfo";

/**
 * The image's build inputs as plain data: pinned downloads, build args, and a tag
 * derived from them. image/versions.env is the one source of truth for the pins.
 */

/** sqlpackage ships for x64 only, so the image is always linux/amd64 (an unset platform takes the host's). */
export const IMAGE_PLATFORM = "linux/amd64";
/** The downloads the image installs, by their prefix in image/versions.env. */
export const PINNED_TOOLS = { sqlpackage: "SQLPACKAGE", gobackup: "GOBACKUP", mc: "MC" } as const;
export type PinnedTool = keyof typeof PINNED_TOOLS;

/** The package's image/ directory (shipped with the package, see package.json "files"). */
export function imageDirectory(): string {
    return path.join(packageRoot(), "image");
}

/** The files of image/ that go into the build context: what image/.dockerignore lets through. */
export function contextFiles(imageDir = imageDirectory()): string[] {
    const allowed = fs
        .readFileSync(path.join(imageDir, ".dockerignore"), "utf8")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.startsWith("!"))
        .map((line) => line.slice(1));
    return ["Dockerfile", ".dockerignore", ...allowed].sort();
}

/** The pins in image/versions.env. */
export function pinnedVersions(imageDir = imageDirectory()): Record<PinnedTool, PinnedDownload> {
    const values: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(imageDir, "versions.env"), "utf8").split("\n")) {
        const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (match) values[match[1]] = match[2];
    }
    const pin = (prefix: string): PinnedDownload => ({
        version: values[`${prefix}_VERSION`] ?? "",
        url: values[`${prefix}_URL`] ?? "",
        sha256: values[`${prefix}_SHA256`] ?? "",
    });
    return { sqlpackage: pin(PINNED_TOOLS.sqlpackage), gobackup: pin(PINNED_TOOLS.gobackup), mc: pin(PINNED_TOOLS.mc) };
}

/** Why a pinned download cannot be used, or undefined. */
export function pinProblem(download: PinnedDownload): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(download.sha256)) return "sha256 must be 64 lower-case hex digits; the image never installs an unverified download.";
    if (!/^https?:\/\/\S+$/.test(download.url)) return "url must be an http(s) link.";
    if (!/^[0-9A-Za-z][0-9A-Za-z.+_:-]*$/.test(download.version)) return "version must be set (it is recorded in the image's labels).";
    return undefined;
}

/** Problems with the image args: a bad pin, a wrong platform, a reference without tag or digest. */
export function imageProblems(image: ImageArgs): Problem[] {
    const problems: Problem[] = [];
    if ("ref" in image) {
        if (!/^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/.test(image.ref)) {
            problems.push({ field: "image.ref", message: `"${image.ref}" must be an image reference with a tag or, better, a digest (registry/name@sha256:...).` });
        }
        return problems;
    }
    const pins = pinnedVersions();
    for (const tool of Object.keys(PINNED_TOOLS) as PinnedTool[]) {
        const problem = pinProblem(image.build?.[tool] ?? pins[tool]);
        if (problem) {
            const where = image.build?.[tool] ? "" : `the pin in image/versions.env (${PINNED_TOOLS[tool]}_*): `;
            problems.push({ field: `image.build.${tool}`, message: `${where}${problem} Set image.build.${tool} { version, url, sha256 }, or fix the pin.` });
        }
    }
    if (image.build?.platform !== undefined && image.build.platform !== IMAGE_PLATFORM) {
        problems.push({ field: "image.build.platform", message: `must be ${IMAGE_PLATFORM}: Microsoft ships sqlpackage for Linux on x64 only.` });
    }
    return problems;
}

/** Build args for the Dockerfile, in a fixed order. */
export function imageBuildArgs(image: Extract<ImageArgs, { build?: unknown }>): Record<string, string> {
    const pins = pinnedVersions();
    const args: Record<string, string> = image.build?.baseImage ? { BASE_IMAGE: image.build.baseImage } : {};
    for (const tool of Object.keys(PINNED_TOOLS) as PinnedTool[]) {
        const download = image.build?.[tool] ?? pins[tool];
        const prefix = PINNED_TOOLS[tool];
        args[`${prefix}_VERSION`] = download.version;
        args[`${prefix}_URL`] = download.url;
        args[`${prefix}_SHA256`] = download.sha256;
    }
    return args;
}

/**
 * A tag derived from the build inputs (context files and build args): the same
 * inputs give the same tag on every machine, and any change gives a new one, so a
 * container referencing it is replaced exactly when the image changed.
 */
export function contentTag(buildArgs: Record<string, string>, imageDir = imageDirectory()): string {
    const hash = crypto.createHash("sha256");
    for (const file of contextFiles(imageDir)) {
        hash.update(file).update("\0").update(fs.readFileSync(path.join(imageDir, file))).update("\0");
    }
    hash.update(JSON.stringify(buildArgs));
    return hash.digest("hex").slice(0, 16);
}

/** The image to use: the one given, else a build when a target needs one, else none. */
export function effectiveImage(args: { image?: ImageArgs; target?: unknown }): ImageArgs | undefined {
    return args.image ?? (args.target ? { build: {} } : undefined);
}
