import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs } from "../../args/types";
import { ENV } from "../../plan/defaults";
import { secretFileVariables, standardLabels } from "../../plan/job";
import { childName, kubernetesNames } from "../../plan/naming";
import {
    RESTORE_ALREADY_RAN_EXIT_CODE,
    RESTORE_PLATFORM_MARGIN_SECONDS,
    RESTORE_WAIT_MARGIN_SECONDS,
    restoreEnvironment,
    restoreFiles,
    restoreTimeoutSeconds,
} from "../../plan/restore";
import { failOnOutcome } from "../outcomeHook";
import { RestoreRequest, RestoreRun, TargetInputs } from "../types";
import { CONTAINER_NAME, envEntries, jobSpec, kubernetesOptions, podEnvironment } from "./pod";

/**
 * What `pulumi up` waits for: a terminal condition, success or failure. The
 * provider's own Job await fails `up` on a failed Job and, with the Job recorded
 * half-created, fails every later `up` too; waiting for either end instead lets the
 * outcome be reported (and fail only the `up` that ran it).
 */
export const RESTORE_WAIT_FOR = "jsonpath={.status.conditions[?@.status=='True' && (@.type=='Complete' || @.type=='Failed')]}";

/** The annotation the scrubbing patch carries the restore's outcome in (its hook reads it). */
export const OUTCOME_ANNOTATION = "sqlserver-backup.io/restore-outcome";

/** A Job's condition as the API reports it. */
interface JobCondition {
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
}

/**
 * The restore's outcome from its Job's status. The agent exits 3 when the id's record
 * says it ran before; the Job's podFailurePolicy turns that exit code into a Failed
 * condition with reason PodFailurePolicy, which reads as already-ran, not a failure.
 */
export function jobOutcome(status: { conditions?: JobCondition[] } | undefined, logsCommand: string): string {
    const conditions = (status?.conditions ?? []).filter((condition) => condition.status === "True");
    if (conditions.some((condition) => condition.type === "Complete")) return "succeeded";
    const failed = conditions.find((condition) => condition.type === "Failed");
    if (failed?.reason === "PodFailurePolicy" && new RegExp(`exit code ${RESTORE_ALREADY_RAN_EXIT_CODE}\\b`).test(failed.message ?? "")) {
        return `already-ran: the restore id's record in the bucket says it ran before; nothing was restored (use a new id to restore again); see ${logsCommand}`;
    }
    if (failed) return `failed: ${[failed.reason, failed.message].filter(Boolean).join(": ") || "the Job failed"}; see ${logsCommand}`;
    return `unknown: the Job has not finished; see ${logsCommand}`;
}

/**
 * A Job named after the restore id, run once with the read-only restore identity. The
 * target's password is in a Secret of its own, which the restore pod empties as soon as
 * it holds the password (whatever happens to the `up`), and which is emptied again
 * when the Job has ended (that patch also fails the `up` on a failed restore). The Job is
 * kept when it ends (no TTL); the agent refuses to run an id whose record in the
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
    const password = new k8s.core.v1.Secret(
        childName(inputs.name, `restore-${restore.id}-credentials`),
        { metadata, type: "Opaque", stringData: pulumi.secret(request.password.apply((value) => ({ [ENV.restoreTargetPassword]: value }))) },
        // Created with the Job; emptied after it (below), never filled again.
        { ...opts, ignoreChanges: ["stringData", "data"], deleteBeforeReplace: true },
    );
    // The restore pod empties its own password Secret as soon as it holds the password
    // (RESTORE_PASSWORD_SECRET): this Role lets it patch that one Secret, nothing else.
    const role = new k8s.rbac.v1.Role(
        childName(inputs.name, `restore-${restore.id}-role`),
        { metadata, rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [jobName], verbs: ["get", "patch"] }] },
        { ...opts, deleteBeforeReplace: true },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
        childName(inputs.name, `restore-${restore.id}-role-binding`),
        {
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: names.restoreServiceAccount, namespace: target.namespace }],
        },
        { ...opts, deleteBeforeReplace: true },
    );
    const env = pulumi.all([inputs.settings, request.target]).apply(([settings, t]) =>
        envEntries({
            ...restoreEnvironment(settings, restore, t),
            ...secretFileVariables(restoreFiles(settings)),
            ...podEnvironment(target),
            RESTORE_PASSWORD_SECRET: jobName,
        }),
    );
    const timeout = restoreTimeoutSeconds(restore);
    // The agent's own deadline covers the whole restore; the platform's lies beyond it,
    // so the agent always stops the restore itself and records why.
    const platformDeadline = timeout + RESTORE_PLATFORM_MARGIN_SECONDS;
    const job = new k8s.batch.v1.Job(
        childName(inputs.name, `restore-${restore.id}`),
        {
            metadata: { ...metadata, annotations: { "pulumi.com/waitFor": RESTORE_WAIT_FOR } },
            spec: jobSpec(
                target,
                {
                    labels,
                    image: inputs.image,
                    args: ["restore"],
                    env,
                    serviceAccountName: names.restoreServiceAccount,
                    automountServiceAccountToken: true,
                    secrets: [{ name: names.restoreCredentials }, { name: password.metadata.name }],
                },
                {
                    // Retried by a new id, not by the Job controller; kept as the record.
                    backoffLimit: 0,
                    activeDeadlineSeconds: platformDeadline,
                    ttlSecondsAfterFinished: undefined,
                    podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: CONTAINER_NAME, operator: "In", values: [RESTORE_ALREADY_RAN_EXIT_CODE] } }] },
                },
            ),
        },
        {
            ...opts,
            dependsOn: [...dependsOn, binding],
            // A restore is an event, not a state: nothing that changes later runs it again.
            ignoreChanges: ["spec", "metadata.labels"],
            customTimeouts: { create: `${platformDeadline + RESTORE_WAIT_MARGIN_SECONDS}s` },
            deleteBeforeReplace: true,
        },
    );
    const status = job.status.apply((s) => jobOutcome(s as { conditions?: JobCondition[] }, logsCommand));
    const hooks = failOnOutcome(`The restore "${restore.id}" (Job ${jobName})`, (outputs) => {
        const annotations = (outputs?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
        return annotations?.[OUTCOME_ANNOTATION] ?? "unknown";
    });
    const scrub = new k8s.core.v1.SecretPatch(
        childName(inputs.name, `restore-${restore.id}-scrub`),
        {
            metadata: {
                name: password.metadata.name,
                namespace: password.metadata.namespace,
                // Take the field over from the Secret's own manager (server-side apply).
                annotations: { "pulumi.com/patchForce": "true", [OUTCOME_ANNOTATION]: status },
            },
            data: { [ENV.restoreTargetPassword]: "" },
        },
        { ...opts, dependsOn: [job], ignoreChanges: ["metadata.annotations"], ...(hooks ? { hooks } : {}) },
    );
    pulumi.log.info(`Restore "${restore.id}": pulumi up waits up to ${Math.round(platformDeadline / 60)} min for Job ${jobName} to finish.`, job);
    return { name: job.metadata.name, status, resources: [password, role, binding, job, scrub] };
}
