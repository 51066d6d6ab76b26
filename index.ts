/**
 * This repository's own Pulumi program: one SqlServerBackup configured from stack
 * config (keys, types and defaults are declared in Pulumi.yaml). Other teams import
 * the library from `components/` (the npm package) instead; see stacks/.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup } from "./components";

const config = new pulumi.Config();

const backup = new SqlServerBackup(config.get("name") ?? "sqlserver", {
    databases: [
        {
            name: config.get("databaseKey") ?? "main",
            host: config.require("sqlHost"),
            port: config.getNumber("sqlPort"),
            database: config.require("sqlDatabase"),
            username: config.get("sqlUser"),
            password: config.requireSecret("sqlPassword"),
            trustServerCertificate: config.getBoolean("trustServerCertificate"),
        },
    ],
    schedule: { cron: config.get("cron"), timeZone: config.get("timeZone") },
    storage: {
        endpoint: config.require("minioEndpoint"),
        admin: {
            server: config.get("minioServer"),
            user: config.require("minioAdminUser"),
            password: config.requireSecret("minioAdminPassword"),
        },
        bucket: { name: config.get("bucket"), retentionDays: config.getNumber("retentionDays") },
        prefix: config.get("prefix"),
        keep: config.getNumber("keep"),
    },
});

export const bucket = backup.bucket;
export const prefix = backup.prefix;
export const accessKeyId = backup.accessKeyId;
export const secretAccessKey = backup.secretAccessKey;
export const schedule = backup.scheduleDescription;
export const environmentVariableNames = backup.environmentVariableNames;
export const gobackupConfig = backup.config;
