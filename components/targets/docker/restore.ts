import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "../../args/types";
import { secretFileVariables, standardLabels } from "../../plan/job";
import { childName, dockerName, kubernetesNames } from "../../plan/naming";
import { containerOutcome } from "../../plan/outcome";
import { RESTORE_WAIT_MARGIN_SECONDS, restoreEnvironment, restoreFiles, restoreTimeoutSeconds } from "../../plan/restore";
import { failOnOutcome } from "../outcomeHook";
import { restoreSecretValues } from "../restoreSecrets";
import { RestoreRequest, RestoreRun, TargetInputs } from "../types";
import { dockerEnvs, dockerLabels, dockerNetworks, dockerOptions, hardening, secretUploads } from "./common";

/** Every input of the restore container: none may re-run it once it ran. */
const RESTORE_INPUTS = ["image", "envs", "uploads", "labels", "networksAdvanced", "command", "restart", "mustRun", "attach", "logs", "securityOpts", "capabilities"];

/**
 * A one-shot container that restores with the read-only restore identity; `pulumi up`
 * waits for it (attached) and reads its outcome from its last log line. A restore is
 * an event, not a state: no input change (a new image, a package upgrade) runs it
 * again, and the agent refuses to run an id its record in the bucket says already
 * ran. A failure fails the `up` that ran it, with the reason, and only that one.
 */
export function dockerRestore(target: DockerTargetArgs, request: RestoreRequest, inputs: TargetInputs, parent: pulumi.Resource): RestoreRun {
    const restore = request.args;
    const containerName = dockerName(inputs.name, `restore-${restore.id}`);
    const logsCommand = `docker logs ${containerName}`;
    const hooks = failOnOutcome(`The restore "${restore.id}" (${containerName})`, (outputs) => containerOutcome(outputs, logsCommand));
    const container = new docker.Container(
        childName(inputs.name, `restore-${restore.id}`),
        {
            name: containerName,
            image: inputs.image,
            command: ["restore"],
            envs: pulumi
                .all([inputs.settings, request.target])
                .apply(([settings, t]) => dockerEnvs({ ...restoreEnvironment(settings, restore, t), ...secretFileVariables(restoreFiles(settings)) })),
            uploads: secretUploads(restoreSecretValues(inputs, request)),
            restart: "no",
            mustRun: false,
            attach: true,
            logs: true,
            networksAdvanced: dockerNetworks(target),
            labels: dockerLabels(standardLabels(kubernetesNames(inputs.name).instance, "restore")),
            ...hardening(),
        },
        {
            ...dockerOptions(target, parent),
            ignoreChanges: RESTORE_INPUTS,
            // The agent stops the restore at its deadline; Pulumi waits a margin longer.
            customTimeouts: { create: `${restoreTimeoutSeconds(restore) + RESTORE_WAIT_MARGIN_SECONDS}s` },
            ...(hooks ? { hooks } : {}),
        },
    );
    return {
        name: container.name,
        status: pulumi.all([container.exitCode, container.containerLogs]).apply(([exitCode, containerLogs]) => containerOutcome({ exitCode, containerLogs }, logsCommand)),
        resources: [container],
    };
}
