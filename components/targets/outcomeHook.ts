import * as pulumi from "@pulumi/pulumi";
import { outcomeFailure } from "../plan/outcome";

/**
 * Whether the engine can register resource hooks. The Pulumi CLI can since 3.182
 * (a throwing after-hook fails `up` since 3.238, which Pulumi.yaml requires); the
 * SDK's mocks cannot (their monitor has no registerResourceHook), so under mocks the
 * one-shot runs register without hooks and report their outcome in outputs only.
 */
export function hooksSupported(): boolean {
    const monitor = pulumi.runtime.getMonitor() as { registerResourceHook?: unknown } | undefined;
    return monitor !== undefined && typeof monitor.registerResourceHook === "function";
}

/**
 * A resource hook that fails the `pulumi up` which created a one-shot run (first
 * backup, restore) when its outcome is a failure, with the run's own reason. It runs
 * after the create only: later updates, with the run already in the state, only
 * report it and are never blocked by an old failure. Undefined where hooks cannot run.
 */
export function failOnOutcome(what: string, outcomeOf: (outputs: Record<string, unknown> | undefined) => string): pulumi.ResourceHookBinding | undefined {
    if (!hooksSupported()) return undefined;
    return {
        afterCreate: [
            (args) => {
                const failure = outcomeFailure(what, outcomeOf(args.newOutputs));
                if (failure) throw new Error(failure);
            },
        ],
    };
}
