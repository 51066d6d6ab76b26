import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs } from "../../args/types";
import { secretFileVariables, standardLabels } from "../../plan/job";
import { childName, dockerName, kubernetesNames } from "../../plan/naming";
import { outcomeFailed, runOutcome } from "../../plan/outcome";
import { RESTORE_CREDENTIALS, RESTORE_WAIT_MARGIN_SECONDS, restoreEnvironment, restoreTimeoutSeconds } from "../../plan/restore";
import { RestoreRequest, RestoreRun, TargetInputs } from "../types";
import { dockerEnvs, dockerLabels, dockerNetworks, dockerOptions, hardening, secretUploads } from "./common";

/** Every input of the restore container: none may re-run it once it ran. */
const RESTORE_INPUTS = ["image", "envs", "uploads", "labels", "networksAdvanced", "command", "restart", "mustRun", "attach", "logs", "securityOpts", "capabilities"];

/**
 * A one-shot container that restores; `pulumi up` waits for it (attached) and reads
 * its outcome from its last log line. A restore is an event, not a state: no input
 * change (a new image, a package upgrade) runs it again, and the image refuses to
 * run an id its record in the bucket says already ran. A failure fails the `up`
 * that ran it, with the reason, and only that one.
 */
export function dockerRestore(target: DockerTargetArgs, request: RestoreRequest, inputs: TargetInputs, parent: pulumi.Resource): RestoreRun {
    const restore = request.args;
    const containerName = dockerName(inputs.name, `restore-${restore.id}`);
    const logsCommand = `docker logs ${containerName}`;
    const secrets = pulumi.all([inputs.secretValues, request.password]).apply(([values, targetPassword]): Record<string, string> => ({
        [RESTORE_CREDENTIALS[0]]: values[RESTORE_CREDENTIALS[0]],
        [RESTORE_CREDENTIALS[1]]: values[RESTORE_CREDENTIALS[1]],
        [RESTORE_CREDENTIALS[2]]: targetPassword,
    }));
    const container = new docker.Container(
        childName(inputs.name, `restore-${restore.id}`),
        {
            name: containerName,
            image: inputs.image,
            command: ["restore"],
            envs: pulumi
                .all([inputs.settings, request.target])
                .apply(([settings, t]) => dockerEnvs({ ...restoreEnvironment(settings, restore, t), ...secretFileVariables([...RESTORE_CREDENTIALS]) })),
            // The archive is downloaded and unpacked in the image's workdir, a volume of the restore's own.
            uploads: secretUploads(secrets),
            restart: "no",
            mustRun: false,
            attach: true,
            logs: true,
            networksAdvanced: dockerNetworks(target),
            // No version label: a package upgrade must not look like a change.
            labels: dockerLabels(standardLabels(kubernetesNames(inputs.name).instance, "restore")),
            ...hardening(),
        },
        {
            ...dockerOptions(target, parent),
            ignoreChanges: RESTORE_INPUTS,
            // The image stops the restore at its deadline; Pulumi waits a margin longer.
            customTimeouts: { create: `${restoreTimeoutSeconds(restore) + RESTORE_WAIT_MARGIN_SECONDS}s` },
            hooks: {
                afterCreate: [
                    (args) => {
                        const outcome = runOutcome(args.newOutputs?.exitCode as number | undefined, args.newOutputs?.containerLogs as string | undefined, logsCommand);
                        if (outcomeFailed(outcome)) throw new Error(`The restore "${restore.id}" (${containerName}) ${outcome}`);
                    },
                ],
            },
        },
    );
    return {
        name: container.name,
        status: pulumi.all([container.exitCode, container.containerLogs]).apply(([code, logs]) => runOutcome(code, logs, logsCommand)),
        resources: [container],
    };
}
