import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "../../args/types";
import { AGENT, IMAGE } from "../../plan/defaults";
import { backupFiles, jobEnvironment, secretFileVariables, standardLabels } from "../../plan/job";
import { childName, dockerName, kubernetesNames } from "../../plan/naming";
import { dockerCommands } from "../../plan/operatorCommands";
import { containerOutcome } from "../../plan/outcome";
import { drillOwnEnvironment } from "../../plan/drill";
import { goDuration } from "../../plan/schedule";
import { ENV } from "../../plan/defaults";
import { failOnOutcome } from "../outcomeHook";
import { DeployedTarget, TargetInputs } from "../types";
import { dockerEnvs, dockerLabels, dockerNetworks, dockerOptions, hardening, secretUploads } from "./common";

/** Defaults of the docker target. */
export const DOCKER_DEFAULTS = {
    waitTimeoutSeconds: 300,
    firstBackupTimeoutSeconds: 3600,
    logRotation: { maxSize: "10m", maxFiles: 5 },
    metricsHostAddress: "127.0.0.1",
    /**
     * The health check, in seconds, written in Go's duration form (see healthcheck()).
     * One failed probe is unhealthy: a failed backup shows at once. The first probe
     * after `interval`; during the start period (= the agent's settle time) it reports
     * readiness only, so a scheduled run that fails seconds after the start cannot hold
     * `up` until its timeout (the first-backup container names a backup's outcome).
     */
    health: { intervalSeconds: 10, timeoutSeconds: 10, startPeriodSeconds: AGENT.healthSettleSeconds, retries: 1 },
} as const;

/** Seconds Docker waits after SIGTERM before SIGKILL: the agent's grace plus time to record the outcome. */
export function stopSeconds(target: DockerTargetArgs): number {
    return (target.shutdownGraceSeconds ?? AGENT.shutdownGraceSeconds) + 30;
}

/**
 * The container's health check: the agent's `health`. The Docker provider reads
 * durations back in Go's form ("2m" becomes "2m0s"); anything else would differ on
 * every preview and, as a health check cannot change in place, replace the container.
 */
export function healthcheck(): docker.types.input.ContainerHealthcheck {
    const health = DOCKER_DEFAULTS.health;
    return {
        tests: ["CMD", IMAGE.agent, "health"],
        interval: goDuration(health.intervalSeconds),
        timeout: goDuration(health.timeoutSeconds),
        startPeriod: goDuration(health.startPeriodSeconds),
        retries: health.retries,
    };
}

/**
 * The schedule on one host: a long-running container with the agent's scheduler, its
 * credentials as files, a named volume for the workdir, and `pulumi up` waiting until
 * it is ready (configuration valid, credentials readable, scheduler running), never
 * for a backup. Backup health stays visible in the health check from the settle
 * time on, in `status` and in the metrics. With `backupOnStart`, a one-shot container
 * runs the first backup and `up` waits for its outcome.
 *
 * Nothing that changes with the package version is an input Docker cannot change in
 * place (labels, uploads, environment, log options are ForceNew): a package upgrade
 * that leaves image/ alone leaves the container alone.
 */
export function deployDockerTarget(target: DockerTargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    const name = inputs.name;
    const opts = dockerOptions(target, parent);
    const containerName = target.containerName ?? dockerName(name, "backup");
    const instance = kubernetesNames(name).instance;
    const volume = new docker.Volume(
        childName(name, "workdir"),
        { name: target.volumeName ?? dockerName(name, "workdir"), labels: dockerLabels(standardLabels(instance, "backup")) },
        opts,
    );
    const rotation = target.logRotation ?? DOCKER_DEFAULTS.logRotation;
    const grace = target.shutdownGraceSeconds ?? AGENT.shutdownGraceSeconds;
    const metricsPort = target.metrics ? (target.metrics.port ?? AGENT.metricsPort) : undefined;
    const drillFiles = inputs.drill?.files ?? pulumi.output({} as Record<string, string>);
    const files = pulumi.secret(pulumi.all([inputs.files, inputs.restoreFiles, drillFiles]).apply(([backup, restore, drill]) => ({ ...backup, ...restore, ...drill })));
    const drill = inputs.drill?.settings ?? pulumi.output(undefined);
    const common = (runMode: "daemon" | "once"): docker.ContainerArgs => ({
        image: inputs.image,
        envs: pulumi.all([inputs.settings, inputs.config, inputs.credentials, drill]).apply(([settings, config, credentials, drillSettings]) =>
            dockerEnvs({
                ...jobEnvironment(settings, config, backupFiles(settings, credentials), runMode),
                // Manual restores from this container (docker exec ... restore) use the read-only identity.
                ...secretFileVariables([ENV.restoreAccessKey, ENV.restoreSecretKey]),
                // The daemon's restore drills (and `docker exec ... drill`), with the same identity.
                ...(runMode === "daemon" && drillSettings ? { ...drillOwnEnvironment(settings, drillSettings), ...secretFileVariables([ENV.drillServerPassword]) } : {}),
                SHUTDOWN_GRACE_SECONDS: String(grace),
                HEALTH_SETTLE_SECONDS: String(AGENT.healthSettleSeconds),
                ...(runMode === "daemon" && metricsPort !== undefined ? { METRICS_ADDRESS: `0.0.0.0:${metricsPort}` } : {}),
            }),
        ),
        uploads: secretUploads(files),
        volumes: [{ volumeName: volume.name, containerPath: IMAGE.workdir }],
        networksAdvanced: dockerNetworks(target),
        logDriver: "json-file",
        logOpts: { "max-size": rotation.maxSize, "max-file": String(rotation.maxFiles) },
        labels: dockerLabels(standardLabels(instance, "backup")),
        stopTimeout: stopSeconds(target),
        destroyGraceSeconds: stopSeconds(target),
        ...hardening(),
    });
    // The daemon's json-file options are merged into the container's when it is created
    // (moby mergeAndVerifyLogConfig) and read back: ignored, or every `up` would replace it.
    const ignoreDaemonMerges = ["logOpts"];

    const container = new docker.Container(
        childName(name, "backup"),
        {
            ...common("daemon"),
            name: containerName,
            restart: "unless-stopped",
            healthcheck: healthcheck(),
            wait: true,
            waitTimeout: target.waitTimeoutSeconds ?? DOCKER_DEFAULTS.waitTimeoutSeconds,
            ...(metricsPort !== undefined ? { ports: [{ internal: metricsPort, external: metricsPort, ip: target.metrics?.hostAddress ?? DOCKER_DEFAULTS.metricsHostAddress }] } : {}),
        },
        // The provider cannot change a health check in place.
        { ...opts, replaceOnChanges: ["healthcheck"], deleteBeforeReplace: true, ignoreChanges: ignoreDaemonMerges },
    );
    const resources: pulumi.Resource[] = [volume, container];

    let firstBackup: pulumi.Output<string> | undefined;
    if (target.backupOnStart) {
        const firstName = `${containerName}-first-backup`;
        const logsCommand = `docker logs ${firstName}`;
        const hooks = failOnOutcome(`The first backup (${firstName})`, (outputs) => containerOutcome(outputs, logsCommand));
        const first = new docker.Container(
            childName(name, "first-backup"),
            {
                ...common("once"),
                name: firstName,
                command: ["first-backup"],
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
                ignoreChanges: ignoreDaemonMerges,
                customTimeouts: { create: `${target.firstBackupTimeoutSeconds ?? DOCKER_DEFAULTS.firstBackupTimeoutSeconds}s` },
                ...(hooks ? { hooks } : {}),
            },
        );
        resources.push(first);
        firstBackup = pulumi.all([first.exitCode, first.containerLogs]).apply(([exitCode, containerLogs]) => containerOutcome({ exitCode, containerLogs }, logsCommand));
    }
    return {
        name: container.name,
        commands: pulumi.all([container.name, inputs.settings]).apply(([containerName, settings]) => dockerCommands(containerName, settings, inputs.drill !== undefined)),
        firstBackup,
        resources,
        container,
    };
}
