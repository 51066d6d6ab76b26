import * as pulumi from "@pulumi/pulumi";
import { RestoreArgs, TargetArgs } from "./args";
import { deployDockerTarget } from "./dockerTarget";
import { DeployedTarget, TargetInputs } from "./targetTypes";
import { deployKubernetesTarget } from "./kubernetesTarget";
import { dockerRestore, kubernetesRestore, RestoreRun } from "./restore";

/** Deploys the schedule where `target.kind` says. */
export function deployTarget(name: string, target: TargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    switch (target.kind) {
        case "docker":
            return deployDockerTarget(name, target, inputs, parent);
        case "kubernetes":
            return deployKubernetesTarget(name, target, inputs, parent);
    }
}

/** Runs the `restore` arg on the same target. */
export function runRestore(name: string, target: TargetArgs, restore: RestoreArgs, inputs: TargetInputs, deployed: DeployedTarget, parent: pulumi.Resource): RestoreRun {
    switch (target.kind) {
        case "docker":
            return dockerRestore(name, target, restore, inputs, parent);
        case "kubernetes":
            return kubernetesRestore(name, target, restore, inputs, deployed, parent);
    }
}
