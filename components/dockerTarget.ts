import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "./args";
import { CONFIG_PATH, dockerCommands, IMAGE_UID, plainEnvironment, standardLabels, WORKDIR_PATH } from "./deployment";
import { childName } from "./naming";
import { DeployedTarget, TargetInputs } from "./targetTypes";

/** The container's environment as `NAME=value` lines, in a stable order. */
export function dockerEnvs(secretEnv: Record<string, string>, plainEnv: Record<string, string>): string[] {
    const all = { ...secretEnv, ...plainEnv };
    return Object.keys(all)
        .sort()
        .map((name) => `${name}=${all[name]}`);
}

/**
 * The schedule on one host: a long-running container with GoBackup's scheduler,
 * the rendered config uploaded into it, a named volume for the workdir, the
 * image's backup-age health check, and `pulumi up` waiting until it is healthy.
 */
export function deployDockerTarget(name: string, target: DockerTargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    const opts: pulumi.CustomResourceOptions = { parent, ...(target.provider ? { provider: target.provider } : {}) };
    const containerName = target.containerName ?? childName(name, "backup");
    const labels = standardLabels(name, inputs.version);
    const volume = new docker.Volume(
        childName(name, "workdir"),
        { name: target.volumeName ?? childName(name, "workdir"), labels: Object.entries(labels).map(([label, value]) => ({ label, value })) },
        // The volume holds the local copies: keep it when the container is replaced.
        opts,
    );
    const rotation = target.logRotation ?? { maxSize: "10m", maxFiles: 5 };
    const container = new docker.Container(
        childName(name, "backup"),
        {
            name: containerName,
            image: inputs.image,
            restart: "unless-stopped",
            // Secret as a whole: the env carries passwords and keys.
            envs: pulumi.secret(
                pulumi.all([inputs.environment, inputs.settings]).apply(([env, s]) =>
                    dockerEnvs(env, { ...plainEnvironment(s, "daemon"), ...(target.backupOnStart ? { BACKUP_ON_START: "1" } : {}) }),
                ),
            ),
            uploads: [{ file: CONFIG_PATH, content: inputs.config, owner: String(IMAGE_UID), group: String(IMAGE_UID), permissions: "0440" }],
            volumes: [{ volumeName: volume.name, containerPath: WORKDIR_PATH }],
            healthcheck: {
                tests: ["CMD", "/usr/local/bin/healthcheck.sh"],
                interval: "30s",
                timeout: "10s",
                retries: 3,
                startPeriod: "2m",
            },
            wait: true,
            waitTimeout: target.waitTimeoutSeconds ?? 300,
            logDriver: "json-file",
            logOpts: { "max-size": rotation.maxSize, "max-file": String(rotation.maxFiles) },
            networksAdvanced: (target.networks ?? []).map((network) => ({ name: network })),
            labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
            securityOpts: ["no-new-privileges:true"],
            capabilities: { drops: ["ALL"] },
        },
        // The provider does not update a health check in place.
        { ...opts, replaceOnChanges: ["healthcheck"], deleteBeforeReplace: true },
    );
    return { name: container.name, commands: container.name.apply(dockerCommands) };
}
