import * as pulumi from "@pulumi/pulumi";
import { TargetArgs } from "../args/types";
import { deployDockerTarget } from "./docker/backup";
import { dockerRestore } from "./docker/restore";
import { deployKubernetesTarget, kubernetesNamespace } from "./kubernetes/backup";
import { kubernetesRestore } from "./kubernetes/restore";
import { DeployedTarget, RestoreRequest, RestoreRun, TargetInputs } from "./types";

/** What must exist before anything else is created: the Kubernetes namespace (created, or read to prove it exists). */
export function prepareTarget(name: string, target: TargetArgs, parent: pulumi.Resource): pulumi.Resource[] {
    return target.kubernetes ? [kubernetesNamespace(name, target.kubernetes, parent)] : [];
}

/** Deploys the schedule where the target says (validation made sure exactly one is given). */
export function deployTarget(target: TargetArgs, inputs: TargetInputs, parent: pulumi.Resource, prepared: pulumi.Resource[]): DeployedTarget {
    if (target.docker) return deployDockerTarget(target.docker, inputs, parent);
    return deployKubernetesTarget(target.kubernetes!, inputs, parent, prepared);
}

/** Runs the `restore` arg on the same target, after the backup deployment exists. */
export function runRestore(target: TargetArgs, restore: RestoreRequest, inputs: TargetInputs, deployed: DeployedTarget, parent: pulumi.Resource): RestoreRun {
    if (target.docker) return dockerRestore(target.docker, restore, inputs, parent);
    return kubernetesRestore(target.kubernetes!, restore, inputs, parent, deployed.resources);
}
