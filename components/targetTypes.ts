import * as pulumi from "@pulumi/pulumi";
import { OperatorCommands } from "./deployment";
import { BackupSettings } from "./settings";

/** What a target needs from the component. */
export interface TargetInputs {
    image: pulumi.Output<string>;
    /** Rendered gobackup.yml (secret). */
    config: pulumi.Output<string>;
    /** Values of the config's variables (secret). */
    environment: pulumi.Output<Record<string, string>>;
    settings: pulumi.Output<BackupSettings>;
    version: string;
}

/** What a deployed target gives back. */
export interface DeployedTarget {
    /** Name of the container or CronJob. */
    name: pulumi.Output<string>;
    commands: pulumi.Output<OperatorCommands>;
    /** Objects a restore Job reuses (kubernetes only). */
    kubernetes?: { serviceAccountName: pulumi.Output<string>; credentialsSecretName: pulumi.Output<string> };
}
