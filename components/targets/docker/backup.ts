import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "../../args/types";
import { IMAGE } from "../../plan/defaults";
import { jobEnvironment, standardLabels } from "../../plan/job";
import { childName, dockerName, kubernetesNames } from "../../plan/naming";
import { dockerCommands } from "../../plan/operatorCommands";
import { containerOutcome } from "../../plan/outcome";
import { goDuration } from "../../plan/schedule";
import { failOnOutcome } from "../outcomeHook";
import { DeployedTarget, TargetInputs } from "../types";
import { dockerEnvs, dockerLabels, dockerNetworks, dockerOptions, hardening, secretUploads } from "./common";

/** Defaults of the docker target. */
export const DOCKER_DEFAULTS = {
    waitTimeoutSeconds: 300,
    firstBackupTimeoutSeconds: 3600,
    logRotation: { maxSize: "10m", maxFiles: 5 },
    /** The health check, in seconds; written in Go's duration form (see healthcheck()). */
    health: { intervalSeconds: 30, timeoutSeconds: 10, startPeriodSeconds: 120, retries: 3 },
} as const;

/**
 * The container's health check. The Docker provider reads durations back in Go's
 * form ("2m" becomes "2m0s"); anything else would differ on every preview and, as
 * a health check cannot change in place, replace the container on every `up`.
 */
export function healthcheck(): docker.types.input.ContainerHealthcheck {
    const health = DOCKER_DEFAULTS.health;
    return {
        tests: ["CMD", "/usr/local/bin/healthcheck.sh"],
        interval: goDuration(health.intervalSeconds),
        timeout: goDuration(health.timeoutSeconds),
        startPeriod: goDuration(health.startPeriodSeconds),
        retries: health.retries,
    };
}

/**
 * The schedule on one host: a long-running container with GoBackup's scheduler, its
 * credentials as files, a named volume for the workdir, the image's backup health
 * check, and `pulumi up` waiting until it is healthy. With `backupOnStart`, a
 * one-shot container runs the first backup and `up` waits for its outcome.
 */
export function deployDockerTarget(target: DockerTargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    const name = inputs.name;
    const opts = dockerOptions(target, parent);
    const containerName = target.containerName ?? dockerName(name, "backup");
    const instance = kubernetesNames(name).instance;
    // No version label on the volume: a volume cannot change in place, and it holds the local copies.
    const volume = new docker.Volume(
        childName(name, "workdir"),
        { name: target.volumeName ?? dockerName(name, "workdir"), labels: dockerLabels(standardLabels(instance, "backup")) },
        opts,
    );
    const rotation = target.logRotation ?? DOCKER_DEFAULTS.logRotation;
    const common = (runMode: "daemon" | "once"): docker.ContainerArgs => ({
        image: inputs.image,
        envs: pulumi.all([inputs.settings, inputs.config, inputs.credentials]).apply(([settings, config, credentials]) =>
            dockerEnvs(jobEnvironment(settings, config, credentials, runMode)),
        ),
        uploads: secretUploads(inputs.secretValues),
        volumes: [{ volumeName: volume.name, containerPath: IMAGE.workdir }],
        networksAdvanced: dockerNetworks(target),
        logDriver: "json-file",
        logOpts: { "max-size": rotation.maxSize, "max-file": String(rotation.maxFiles) },
        labels: dockerLabels(standardLabels(instance, "backup", inputs.version)),
        ...hardening(),
    });

    const container = new docker.Container(
        childName(name, "backup"),
        {
            ...common("daemon"),
            name: containerName,
            restart: "unless-stopped",
            healthcheck: healthcheck(),
            wait: true,
            waitTimeout: target.waitTimeoutSeconds ?? DOCKER_DEFAULTS.waitTimeoutSeconds,
        },
        // The provider cannot change a health check in place.
        { ...opts, replaceOnChanges: ["healthcheck"], deleteBeforeReplace: true },
    );
    const resources: pulumi.Resource[] = [volume, container];

    let firstBackup: pulumi.Output<string> | undefined;
    if (target.backupOnStart) {
        const firstName = `${containerName}-first-backup`;
        const logsCommand = `docker logs ${firstName}`;
        const first = new docker.Container(
            childName(name, "first-backup"),
            {
                ...common("once"),
                name: firstName,
                restart: "no",
                mustRun: false,
                attach: true,
                logs: true,
            },
            {
                ...opts,
                // Runs again whenever the backup container is replaced (new image, config or credentials).
                replaceWith: [container],
                deleteBeforeReplace: true,
                customTimeouts: { create: `${target.firstBackupTimeoutSeconds ?? DOCKER_DEFAULTS.firstBackupTimeoutSeconds}s` },
                hooks: failOnOutcome(`The first backup (${firstName})`, (outputs) => containerOutcome(outputs, logsCommand)),
            },
        );
        resources.push(first);
        firstBackup = pulumi.all([first.exitCode, first.containerLogs]).apply(([exitCode, containerLogs]) => containerOutcome({ exitCode, containerLogs }, logsCommand));
    }
    return { name: container.name, commands: container.name.apply(dockerCommands), firstBackup, resources };
}
