import * as pulumi from "@pulumi/pulumi";
import { TargetArgs } from "../args/types";
import { deployDockerTarget } from "./docker/backup";
import { dockerRestore } from "./docker/restore";
import { deployKubernetesTarget, kubernetesNamespace } from "./kubernetes/backup";
import { kubernetesRestore } from "./kubernetes/restore";
import { DeployedTarget, RestoreRequest, RestoreRun, TargetInputs } from "./types";

/** What must exist before anything else is created: the Kubernetes namespace (created, or read to prove it exists). */
export function prepareTarget(name: string, target: TargetArgs, parent: pulumi.Resource): pulumi.Resource[] {
    return target.kind === "kubernetes" ? [kubernetesNamespace(name, target, parent)] : [];
}

/** Deploys the schedule where `target.kind` says. */
export function deployTarget(target: TargetArgs, inputs: TargetInputs, parent: pulumi.Resource, prepared: pulumi.Resource[]): DeployedTarget {
    switch (target.kind) {
        case "docker":
            return deployDockerTarget(target, inputs, parent);
        case "kubernetes":
            return deployKubernetesTarget(target, inputs, parent, prepared);
    }
}

/** Runs the `restore` arg on the same target, after the backup deployment exists. */
export function runRestore(target: TargetArgs, restore: RestoreRequest, inputs: TargetInputs, deployed: DeployedTarget, parent: pulumi.Resource): RestoreRun {
    switch (target.kind) {
        case "docker":
            return dockerRestore(target, restore, inputs, parent);
        case "kubernetes":
            return kubernetesRestore(target, restore, inputs, parent, deployed.resources);
    }
}
