import * as pulumi from "@pulumi/pulumi";
import { BackupSettings } from "../args/settings";
import { RestoreArgs } from "../args/types";
import { ConfigVariable } from "../plan/gobackupConfig";
import { OperatorCommands } from "../plan/operatorCommands";
import { RestoreTarget } from "../plan/restore";
import { DrillSettings } from "../plan/drill";

/** What a target needs from the component. */
export interface TargetInputs {
    /** The component's name (child resource names, derived object names). */
    name: string;
    /** The databases' names (plain arguments: how many CronJobs a fleet has is known at preview). */
    databases: string[];
    image: pulumi.Output<string>;
    settings: pulumi.Output<BackupSettings>;
    /** The rendered gobackup.yml: no secret in it, only `${NAME}` references. */
    config: pulumi.Output<string>;
    /** The credentials the config references (their names never depend on secret values). */
    credentials: pulumi.Output<ConfigVariable[]>;
    /** The backup job's files by variable name: the config's credentials and the private CA (secret). */
    files: pulumi.Output<Record<string, string>>;
    /** The restore user's keys by variable name (RESTORE_ACCESS_KEY, RESTORE_SECRET_KEY), and the private CA (secret). */
    restoreFiles: pulumi.Output<Record<string, string>>;
    /** This package's version, for Kubernetes labels (never for Docker's, which cannot change in place). */
    version: string;
    /** Restore drills, when the `drill` arg asks for them. */
    drill?: {
        settings: pulumi.Output<DrillSettings>;
        /** The drill server's password by variable name (DRILL_SERVER_PASSWORD; secret). */
        files: pulumi.Output<Record<string, string>>;
    };
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
    /** The long-running container (docker). */
    container?: pulumi.CustomResource;
    /** The CronJob (kubernetes). */
    cronJob?: pulumi.CustomResource;
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
