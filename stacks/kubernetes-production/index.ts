/**
 * Example: another team's production stack. It imports the package by name, as
 * from npm, and runs the backups as a Kubernetes CronJob with a NetworkPolicy.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup } from "sqlserver-backup";

const config = new pulumi.Config();

const backup = new SqlServerBackup("orders", {
    databases: [
        {
            name: "orders",
            host: "sql-orders.db.svc.cluster.local",
            database: "Orders",
            username: "backup_operator",
            password: config.requireSecret("ordersPassword"),
            trustServerCertificate: true,
            extraArgs: ["/p:CompressionOption=Fast"],
        },
        {
            name: "billing",
            host: "sql-billing.db.svc.cluster.local",
            port: 14330,
            database: "Billing",
            username: "backup_operator",
            password: config.requireSecret("billingPassword"),
        },
    ],
    schedule: { cron: "0 1 * * *", timeZone: "Europe/Berlin" },
    storage: {
        endpoint: config.require("minioEndpoint"),
        admin: { user: config.require("minioAdminUser"), password: config.requireSecret("minioAdminPassword") },
        // Deleted or replaced archives stay recoverable for 14 days; keep governs the rest.
        bucket: { name: "orders-sql-backups", retentionDays: 14 },
        prefix: "production/sqlserver",
        keep: 30,
        userName: "orders-prod-backup",
    },
    image: { ref: config.require("image") },
    target: {
        kubernetes: {
            namespace: config.get("namespace") ?? "sql-backups",
            // Created labelled to enforce the "restricted" Pod Security Standard.
            createNamespace: true,
            resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "6Gi" } },
            workdirSizeLimit: "80Gi",
            networkPolicy: {
                // SQL Server runs in the cluster: select its pods (a CIDR would not match pods under every network plugin).
                sqlServer: { namespaceLabels: { "kubernetes.io/metadata.name": "db" }, podLabels: { app: "mssql" } },
                // MinIO is outside the cluster.
                minio: { cidrs: [config.require("minioCidr")] },
            },
        },
    },
});

export const backupLocation = pulumi.interpolate`s3://${backup.bucket}/${backup.prefix}/`;
export const schedule = backup.scheduleDescription;
export const cronJob = backup.deployedName;
export const commands = backup.commands;
export const restorePolicy = backup.restorePolicy;
