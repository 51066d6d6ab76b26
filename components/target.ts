import * as pulumi from "@pulumi/pulumi";
import { TargetArgs } from "./args";
import { DeployedTarget, deployDockerTarget, TargetInputs } from "./dockerTarget";
import { deployKubernetesTarget } from "./kubernetesTarget";

/** Deploys the schedule where `target.kind` says. */
export function deployTarget(name: string, target: TargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    switch (target.kind) {
        case "docker":
            return deployDockerTarget(name, target, inputs, parent);
        case "kubernetes":
            return deployKubernetesTarget(name, target, inputs, parent);
    }
}
