import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../plan/defaults";
import { RestoreRequest, TargetInputs } from "./types";

/**
 * What a restore reads from files: the backup user's keys (read access to the prefix,
 * nothing else) and the target's password; secret as a whole.
 */
export function restoreSecretValues(inputs: TargetInputs, request: RestoreRequest): pulumi.Output<Record<string, string>> {
    return pulumi.secret(
        pulumi.all([inputs.secretValues, request.password]).apply(([values, targetPassword]): Record<string, string> => ({
            [ENV.minioAccessKey]: values[ENV.minioAccessKey],
            [ENV.minioSecretKey]: values[ENV.minioSecretKey],
            [ENV.restoreTargetPassword]: targetPassword,
        })),
    );
}
