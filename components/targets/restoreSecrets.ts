import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../plan/defaults";
import { RestoreRequest, TargetInputs } from "./types";

/**
 * What a restore run reads from files: the restore user's keys (it can read the prefix
 * and record restores, nothing else), the private CA, and the target's password;
 * secret as a whole.
 */
export function restoreSecretValues(inputs: TargetInputs, request: RestoreRequest): pulumi.Output<Record<string, string>> {
    return pulumi.secret(
        pulumi.all([inputs.restoreFiles, request.password]).apply(([files, targetPassword]): Record<string, string> => ({
            ...files,
            [ENV.restoreTargetPassword]: targetPassword,
        })),
    );
}
