import * as pulumi from "@pulumi/pulumi";
import { RestoreArgs } from "../args/types";
import { ConfigVariable } from "../plan/gobackupConfig";
import { OperatorCommands } from "../plan/operatorCommands";
import { RestoreTarget } from "../plan/restore";
import { BackupSettings } from "../plan/settings";

/** What a target needs from the component. */
export interface TargetInputs {
    /** The component's name (child resource names, derived object names). */
    name: string;
    image: pulumi.Output<string>;
    settings: pulumi.Output<BackupSettings>;
    /** The rendered gobackup.yml: no secret in it, only `${NAME}` references. */
    config: pulumi.Output<string>;
    /** The credentials the config references (their names never depend on secret values). */
    credentials: pulumi.Output<ConfigVariable[]>;
    /** Their values by variable name (secret). */
    secretValues: pulumi.Output<Record<string, string>>;
    /** This package's version, for labels. */
    version: string;
}

/** What a deployed target gives back. */
export interface DeployedTarget {
    /** Name of the container or CronJob. */
    name: pulumi.Output<string>;
    commands: pulumi.Output<OperatorCommands>;
    /** Outcome of the first backup (docker `backupOnStart`), else undefined. */
    firstBackup?: pulumi.Output<string>;
    /** The child resources, for `dependsOn` and references. */
    resources: pulumi.Resource[];
}

/** A restore to run: the arg, its target with defaults applied, and the target's validated password (secret). */
export interface RestoreRequest {
    args: RestoreArgs;
    target: pulumi.Output<RestoreTarget>;
    password: pulumi.Output<string>;
}

/** What a restore run reports. */
export interface RestoreRun {
    /** Name of the container or Job that ran it. */
    name: pulumi.Output<string>;
    /** "succeeded", "failed: ..." or "already-ran: ..." */
    status: pulumi.Output<string>;
    resources: pulumi.Resource[];
}
