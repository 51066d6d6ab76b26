import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type { ImageBuildArgs } from "../args/types";
import { childName } from "../plan/naming";
import { contentTag, IMAGE_PLATFORM, imageBuildArgs, imageDirectory } from "./pins";

/** The image a deployment runs, and the build resource when the component built it. */
export interface BuiltImage {
    ref: pulumi.Output<string>;
    resource?: docker.Image;
}

/**
 * The backup image: built from the package's image/ directory on the given Docker
 * engine and, with a registry, pushed (the deployment then runs the pushed digest);
 * without one it stays on the engine that built it, for a Docker target there.
 */
export function backupImage(name: string, build: ImageBuildArgs, parent: pulumi.Resource, provider?: docker.Provider): BuiltImage {
    const imageDir = imageDirectory();
    const args = imageBuildArgs(build);
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
    return { ref: build.registry ? built.repoDigest : built.imageName, resource: built };
}
