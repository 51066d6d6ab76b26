import * as pulumi from "@pulumi/pulumi";
import { outcomeFailure } from "../plan/outcome";

/**
 * Resource hooks that fail the `pulumi up` which created a one-shot run (first backup,
 * restore) when its outcome is a failure, with the run's own reason. They run after
 * the create only: later updates, with the run already in the state, only report it
 * and are never blocked by an old failure.
 */
export function failOnOutcome(what: string, outcomeOf: (outputs: Record<string, unknown> | undefined) => string): pulumi.ResourceHookBinding {
    return {
        afterCreate: [
            (args) => {
                const failure = outcomeFailure(what, outcomeOf(args.newOutputs));
                if (failure) throw new Error(failure);
            },
        ],
    };
}
