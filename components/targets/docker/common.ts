import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "../../args/types";
import { secretFilePath } from "../../plan/job";

/** Resource options every resource of the docker target shares. */
export function dockerOptions(target: DockerTargetArgs, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return { parent, ...(target.provider ? { provider: target.provider } : {}) };
}

/** The container's environment as `NAME=value` lines, in a stable order (plain values only). */
export function dockerEnvs(env: Record<string, string>): string[] {
    return Object.keys(env)
        .sort()
        .map((name) => `${name}=${env[name]}`);
}

/** Docker labels from a map, in a stable order. */
export function dockerLabels(labels: Record<string, string>): docker.types.input.ContainerLabel[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}

/**
 * Each credential as a file at the path its `NAME_FILE` variable names. The whole list
 * is secret: `docker inspect` and the state show no value, the plan shows which files
 * change. Mode 0444, owned by root: upload owners exist only from the provider behind
 * @pulumi/docker 5.2, and on any older one a 0400 file would lock the image's user
 * out. The container runs nothing but the agent, so readable by all inside it is
 * readable by the agent alone; outside, only the Docker host's root sees the files.
 */
export function secretUploads(values: pulumi.Output<Record<string, string>>): pulumi.Output<docker.types.input.ContainerUpload[]> {
    return pulumi.secret(
        values.apply((secrets) =>
            Object.keys(secrets)
                .sort()
                .filter((name) => secrets[name] !== undefined)
                .map((name) => ({ file: secretFilePath(name), content: secrets[name], permissions: "0444" })),
        ),
    );
}

/** Networks to attach, by name. */
export function dockerNetworks(target: DockerTargetArgs): docker.types.input.ContainerNetworksAdvanced[] {
    return (target.networks ?? []).map((network) => ({ name: network }));
}

/** The restrictions every container of the target runs with. */
export function hardening(): Pick<docker.ContainerArgs, "securityOpts" | "capabilities"> {
    return { securityOpts: ["no-new-privileges:true"], capabilities: { drops: ["ALL"] } };
}
