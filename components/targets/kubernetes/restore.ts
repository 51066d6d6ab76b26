import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs } from "../../args/types";
import { secretFileVariables, standardLabels } from "../../plan/job";
import { childName, kubernetesNames } from "../../plan/naming";
import { RESTORE_CREDENTIALS, RESTORE_WAIT_MARGIN_SECONDS, restoreEnvironment, restoreTimeoutSeconds } from "../../plan/restore";
import { failOnOutcome } from "../outcomeHook";
import { restoreSecretValues } from "../restoreSecrets";
import { RestoreRequest, RestoreRun, TargetInputs } from "../types";
import { envEntries, jobSpec, kubernetesOptions } from "./pod";

/**
 * What `pulumi up` waits for: a terminal condition, success or failure. The
 * provider's own Job await fails `up` on a failed Job and, with the Job recorded
 * half-created, fails every later `up` too; waiting for either end instead lets the
 * outcome be reported (and fail only the `up` that ran it).
 */
export const RESTORE_WAIT_FOR = "jsonpath={.status.conditions[?@.status=='True' && (@.type=='Complete' || @.type=='Failed')]}";

/** A Job's condition as the API reports it. */
interface JobCondition {
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
}

/** The restore's outcome from its Job's status. */
export function jobOutcome(status: { conditions?: JobCondition[] } | undefined, logsCommand: string): string {
    const conditions = (status?.conditions ?? []).filter((condition) => condition.status === "True");
    if (conditions.some((condition) => condition.type === "Complete")) return "succeeded";
    const failed = conditions.find((condition) => condition.type === "Failed");
    if (failed) return `failed: ${[failed.reason, failed.message].filter(Boolean).join(": ") || "the Job failed"}; see ${logsCommand}`;
    return `unknown: the Job has not finished; see ${logsCommand}`;
}

/**
 * A Job named after the restore id, run once. It is kept when it ends (no TTL) as the
 * record of the restore, and the image refuses to run an id whose record in the
 * bucket says it ran, so a Job deleted and created again does nothing.
 */
export function kubernetesRestore(target: KubernetesTargetArgs, request: RestoreRequest, inputs: TargetInputs, parent: pulumi.Resource, dependsOn: pulumi.Resource[]): RestoreRun {
    const restore = request.args;
    const names = kubernetesNames(inputs.name);
    const jobName = names.restore(restore.id);
    const logsCommand = `kubectl --namespace ${typeof target.namespace === "string" ? target.namespace : "<namespace>"} logs job/${jobName}`;
    const opts = kubernetesOptions(target, parent, dependsOn);
    const labels = standardLabels(names.instance, "restore", inputs.version);
    const metadata = { name: jobName, namespace: target.namespace, labels };
    const secret = new k8s.core.v1.Secret(
        childName(inputs.name, `restore-${restore.id}-credentials`),
        {
            metadata,
            type: "Opaque",
            stringData: restoreSecretValues(inputs, request),
        },
        // Created with the Job and kept with it; a later password change does not concern a restore that ran.
        { ...opts, ignoreChanges: ["stringData", "data"], deleteBeforeReplace: true },
    );
    const env = pulumi
        .all([inputs.settings, request.target])
        .apply(([settings, t]) => envEntries({ ...restoreEnvironment(settings, restore, t), ...secretFileVariables([...RESTORE_CREDENTIALS]) }));
    const timeout = restoreTimeoutSeconds(restore);
    const job = new k8s.batch.v1.Job(
        childName(inputs.name, `restore-${restore.id}`),
        {
            metadata: { ...metadata, annotations: { "pulumi.com/waitFor": RESTORE_WAIT_FOR } },
            spec: jobSpec(
                target,
                { labels, image: inputs.image, args: ["restore"], env, serviceAccountName: names.serviceAccount, secretName: secret.metadata.name },
                // Retried by a new id, not by the Job controller; stopped at its deadline; kept as the record.
                { backoffLimit: 0, activeDeadlineSeconds: timeout, ttlSecondsAfterFinished: undefined },
            ),
        },
        {
            ...opts,
            // A restore is an event, not a state: nothing that changes later runs it again.
            ignoreChanges: ["spec", "metadata.labels"],
            customTimeouts: { create: `${timeout + RESTORE_WAIT_MARGIN_SECONDS}s` },
            deleteBeforeReplace: true,
            hooks: failOnOutcome(`The restore "${restore.id}" (Job ${jobName})`, (outputs) => jobOutcome(outputs?.status as { conditions?: JobCondition[] } | undefined, logsCommand)),
        },
    );
    pulumi.log.info(`Restore "${restore.id}": pulumi up waits up to ${Math.round(timeout / 60)} min for Job ${jobName} to finish.`, job);
    return { name: job.metadata.name, status: job.status.apply((s) => jobOutcome(s as { conditions?: JobCondition[] }, logsCommand)), resources: [secret, job] };
}
