/**
 * This repository's own Pulumi program: one SqlServerBackup configured from stack
 * config (keys, types and defaults are declared in Pulumi.yaml). With
 * `embedded: true` (the dev stack) it also runs a MinIO-compatible server and SQL
 * Server on the local Docker engine and backs those up. Other teams import the
 * library instead; see stacks/kubernetes-production.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup, TargetArgs } from "./components";
import { imageFromConfig } from "./program/imageBuild";
import { localServices } from "./program/localServices";
import { runbook } from "./program/runbook";

const config = new pulumi.Config();
const name = config.get("name") ?? "sqlserver";
const embedded = config.getBoolean("embedded") ?? false;
const localImages = { minio: config.get("minioImage"), sqlServer: config.get("sqlServerImage") };
const local = embedded ? localServices(name, config.getNumber("minioHostPort") ?? 9000, localImages) : undefined;

const imageArgs = imageFromConfig((key) => config.get(key));

const targetKind = config.get("target") ?? "docker";
let target: TargetArgs | undefined;
// Embedded: the first backup runs at start, so `pulumi up` ends with a backup in the bucket.
if (targetKind === "docker") target = { docker: { networks: local ? [local.network] : undefined, backupOnStart: embedded } };
else if (targetKind === "kubernetes") target = { kubernetes: { namespace: config.get("namespace") ?? "default" } };
else if (targetKind !== "none") throw new Error(`config target: "${targetKind}" must be docker, kubernetes or none.`);

const backup = new SqlServerBackup(name, {
    databases: [
        {
            name: config.get("databaseKey") ?? "main",
            host: local?.sqlHost ?? config.require("sqlHost"),
            port: config.getNumber("sqlPort"),
            database: local?.sqlDatabase ?? config.require("sqlDatabase"),
            username: config.get("sqlUser"),
            password: local?.sqlPassword ?? config.requireSecret("sqlPassword"),
            trustServerCertificate: config.getBoolean("trustServerCertificate"),
        },
    ],
    schedule: { cron: config.get("cron"), timeZone: config.get("timeZone") },
    storage: {
        endpoint: local?.minioEndpoint ?? config.require("minioEndpoint"),
        admin: {
            server: local?.minioServer ?? config.get("minioServer"),
            user: local?.minioAdminUser ?? config.require("minioAdminUser"),
            password: local?.minioAdminPassword ?? config.requireSecret("minioAdminPassword"),
        },
        bucket: { name: config.get("bucket"), retentionDays: config.getNumber("retentionDays"), forceDestroy: config.getBoolean("forceDestroy") },
        prefix: config.get("prefix"),
        keep: config.getNumber("keep"),
    },
    image: target ? imageArgs : undefined,
    target,
});

/** Where backups land. */
export const backupLocation = pulumi.interpolate`s3://${backup.bucket}/${backup.prefix}/`;
export const bucket = backup.bucket;
export const prefix = backup.prefix;
export const accessKeyId = backup.accessKeyId;
export const secretAccessKey = backup.secretAccessKey;
export const restoreAccessKeyId = backup.restoreAccessKeyId;
export const schedule = backup.scheduleDescription;
export const image = backup.image;
export const deployed = backup.deployedName;
/** Run a backup now, follow logs, see health, list, restore. */
export const commands = backup.commands;
/** With embedded, the dev SQL Server's password (the runbook's restore line reads it from here). */
export const sqlPassword = local ? pulumi.secret(local.sqlPassword) : undefined;
/** The same, one command per line: `pulumi stack output operatorRunbook`. */
export const operatorRunbook = pulumi
    .all([backup.commands, local?.sqlHost])
    .apply(([commands, sqlHost]) => runbook(commands, sqlHost ? { stack: pulumi.getStack(), sqlHost, passwordOutput: "sqlPassword" } : undefined));
/** With embedded, the first backup's outcome. */
export const firstBackup = backup.firstBackup;
export const environmentVariableNames = backup.environmentVariableNames;
export const gobackupConfig = backup.config;
