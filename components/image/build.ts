import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type { ImageArgs } from "../args/types";
import { childName } from "../plan/naming";
import { contentTag, IMAGE_PLATFORM, imageBuildArgs, imageDirectory } from "./pins";

/**
 * The backup image: built from the package's image/ directory on `provider`'s
 * engine (pushed when a registry is given), or a prebuilt reference. Returns the
 * reference a deployment should run.
 */
export function backupImage(name: string, image: ImageArgs, parent: pulumi.Resource, provider?: docker.Provider): pulumi.Output<string> {
    if ("ref" in image) return pulumi.output(image.ref);
    const build = image.build ?? {};
    const imageDir = imageDirectory();
    const args = imageBuildArgs(image);
    const repository = build.registry ? `${build.registry.server}/${build.repository ?? "sqlserver-backup"}` : (build.repository ?? "sqlserver-backup");
    const buildProvider = build.provider ?? provider;
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
                ...(build.network !== undefined ? { network: build.network } : {}),
                ...(build.addHosts !== undefined ? { addHosts: build.addHosts } : {}),
                ...(build.cacheFrom !== undefined ? { cacheFrom: { images: build.cacheFrom } } : {}),
                ...(build.builderVersion !== undefined ? { builderVersion: build.builderVersion } : {}),
            },
            skipPush: build.registry === undefined,
            ...(build.registry
                ? {
                      registry: {
                          server: build.registry.server,
                          username: build.registry.username,
                          password: build.registry.password === undefined ? undefined : pulumi.secret(build.registry.password),
                      },
                  }
                : {}),
        },
        { parent, ...(buildProvider ? { provider: buildProvider } : {}) },
    );
    // Pushed: pin the digest; local only: the content-derived tag is already exact.
    return build.registry ? built.repoDigest : built.imageName;
}
