import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs } from "../../args/types";
import { drillEnvironment, drillFiles } from "../../plan/drill";
import { secretFileVariables, standardLabels } from "../../plan/job";
import { childName, KubernetesNames } from "../../plan/naming";
import { RESTORE_PLATFORM_MARGIN_SECONDS } from "../../plan/restore";
import { TargetInputs } from "../types";
import { cronJobScheduling, envEntries, jobSpec, podEnvironment, secretWithData } from "./pod";

/**
 * Restore drills on a cluster: a CronJob running the agent's `drill` (every drilled
 * database, one after the other) with the read-only restore identity and the drill
 * server's password as files, on the drill schedule. Drills of one database are kept
 * apart by their lease in the bucket; the Job's deadline lies beyond the drills' own
 * timeouts, so the agent always stops a drill itself, drops its database and records why.
 */
export function deployDrills(
    target: KubernetesTargetArgs,
    inputs: TargetInputs,
    drill: NonNullable<TargetInputs["drill"]>,
    names: KubernetesNames,
    restoreCredentials: k8s.core.v1.Secret,
    opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
    const name = inputs.name;
    const labels = standardLabels(names.instance, "restore", inputs.version);
    const credentials = secretWithData(childName(name, "drill-credentials"), { name: names.drillCredentials, namespace: target.namespace, labels }, drill.files, opts);
    const env = pulumi.all([inputs.settings, drill.settings]).apply(([settings, d]) =>
        envEntries({ ...drillEnvironment(settings, d), ...secretFileVariables(drillFiles(settings)), ...podEnvironment(target) }),
    );
    const cronJob = new k8s.batch.v1.CronJob(
        childName(name, "drill"),
        {
            metadata: { namespace: target.namespace, labels, name: names.drillCronJob },
            spec: {
                schedule: drill.settings.apply((d) => d.schedule),
                timeZone: inputs.settings.apply((s) => s.schedule.timeZone),
                // Drills of one database are kept apart by their lease.
                ...cronJobScheduling(target),
                jobTemplate: {
                    metadata: { labels },
                    spec: jobSpec(
                        target,
                        {
                            labels,
                            image: inputs.image,
                            args: ["drill"],
                            env,
                            serviceAccountName: names.restoreServiceAccount,
                            secrets: [{ name: restoreCredentials.metadata.name }, { name: credentials.metadata.name }],
                        },
                        // A failed drill is an outcome, not a reason to run it again at once.
                        {
                            backoffLimit: 0,
                            activeDeadlineSeconds: drill.settings.apply((d) => d.timeoutSeconds * d.databases.length + RESTORE_PLATFORM_MARGIN_SECONDS),
                        },
                    ),
                },
            },
        },
        { ...opts, deleteBeforeReplace: true },
    );
    return [credentials, cronJob];
}
