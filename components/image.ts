import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ImageArgs, PinnedDownload } from "./args";
import { childName } from "./naming";
import { packageRoot } from "./packageInfo";
import type { Problem } from "./validation";

/** sqlpackage ships for x64 only, so the image is always linux/amd64 (an unset platform takes the host's). */
export const IMAGE_PLATFORM = "linux/amd64";
/** The files of image/ that go into the build context (see image/.dockerignore). */
const CONTEXT_FILES = ["Dockerfile", ".dockerignore", "fetch-verified.sh", "entrypoint.sh", "healthcheck.sh", "s3.sh", "manifest.sh", "restore.sh"];

/** The package's image/ directory (shipped with the package, see package.json "files"). */
export function imageDirectory(): string {
    return path.join(packageRoot(), "image");
}

/** The pins in image/versions.env (the one source of truth for versions and checksums). */
export function pinnedVersions(imageDir = imageDirectory()): { sqlpackage: PinnedDownload; gobackup: PinnedDownload } {
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
    return { sqlpackage: pin("SQLPACKAGE"), gobackup: pin("GOBACKUP") };
}

/** The image to use: the one given, else a build when a target needs one, else none. */
export function effectiveImage(args: { image?: ImageArgs; target?: unknown }): ImageArgs | undefined {
    return args.image ?? (args.target ? { build: {} } : undefined);
}

/** Problems with the image args: a checksum not pinned, a wrong platform, a reference without tag or digest. */
export function imageProblems(image: ImageArgs): Problem[] {
    const problems: Problem[] = [];
    if ("ref" in image) {
        if (!/^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/.test(image.ref)) {
            problems.push({ field: "image.ref", message: `"${image.ref}" must be an image reference with a tag or, better, a digest (registry/name@sha256:...).` });
        }
        return problems;
    }
    const pins = pinnedVersions();
    for (const tool of ["sqlpackage", "gobackup"] as const) {
        const download = image.build?.[tool] ?? pins[tool];
        if (!/^[0-9a-f]{64}$/.test(download.sha256)) {
            problems.push({
                field: `image.build.${tool}.sha256`,
                message:
                    `no SHA-256 is pinned for ${tool} ${download.version}: set image.build.${tool} { version, url, sha256 }, ` +
                    "or run image/pin-checksums.sh (it fills image/versions.env). The image never installs an unverified download.",
            });
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
    const sqlpackage = image.build?.sqlpackage ?? pins.sqlpackage;
    const gobackup = image.build?.gobackup ?? pins.gobackup;
    return {
        ...(image.build?.baseImage ? { BASE_IMAGE: image.build.baseImage } : {}),
        SQLPACKAGE_VERSION: sqlpackage.version,
        SQLPACKAGE_URL: sqlpackage.url,
        SQLPACKAGE_SHA256: sqlpackage.sha256,
        GOBACKUP_VERSION: gobackup.version,
        GOBACKUP_URL: gobackup.url,
        GOBACKUP_SHA256: gobackup.sha256,
    };
}

/**
 * A tag derived from the build inputs (context files and build args): the same
 * inputs give the same tag on every machine, and any change gives a new one, so a
 * container referencing it is replaced exactly when the image changed.
 */
export function contentTag(buildArgs: Record<string, string>, imageDir = imageDirectory()): string {
    const hash = crypto.createHash("sha256");
    for (const file of CONTEXT_FILES) {
        hash.update(file).update("\0").update(fs.readFileSync(path.join(imageDir, file))).update("\0");
    }
    hash.update(JSON.stringify(buildArgs));
    return hash.digest("hex").slice(0, 16);
}

/**
 * The backup image: built from the package's image/ directory, or a prebuilt
 * reference. Returns the reference a deployment should run.
 */
export function backupImage(name: string, image: ImageArgs, parent: pulumi.Resource): pulumi.Output<string> {
    if ("ref" in image) return pulumi.output(image.ref);
    const imageDir = imageDirectory();
    const args = imageBuildArgs(image);
    const repository = image.build?.registry
        ? `${image.build.registry.server}/${image.build.repository ?? "sqlserver-backup"}`
        : (image.build?.repository ?? "sqlserver-backup");
    const built = new docker.Image(
        childName(name, "image"),
        {
            imageName: `${repository}:${contentTag(args, imageDir)}`,
            build: {
                // Relative to the program's directory: an absolute path differs between
                // machines and would show a rebuild diff on every other machine.
                context: path.relative(process.cwd(), imageDir) || ".",
                dockerfile: path.relative(process.cwd(), path.join(imageDir, "Dockerfile")),
                platform: IMAGE_PLATFORM,
                args,
            },
            skipPush: image.build?.registry === undefined,
            ...(image.build?.registry
                ? {
                      registry: {
                          server: image.build.registry.server,
                          username: image.build.registry.username,
                          password: image.build.registry.password === undefined ? undefined : pulumi.secret(image.build.registry.password),
                      },
                  }
                : {}),
        },
        { parent },
    );
    // Pushed: pin the digest; local only: the content-derived tag is already exact.
    return image.build?.registry ? built.repoDigest : built.imageName;
}
