import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackupArgs } from "../../../components";
import { BackupSettings } from "../../../components/args/settings";

export const ORDERS_PASSWORD = "Orders-Pa55word!";
export const BILLING_PASSWORD = "B1lling#2026";
export const ADMIN_PASSWORD = "minio-admin-secret";

/** Two databases, storage on a local MinIO: the arguments a typical stack passes. */
export function validArgs(): SqlServerBackupArgs {
    return {
        databases: [
            {
                name: "orders",
                host: "sql.internal",
                database: "Orders",
                username: "backup_user",
                password: pulumi.secret(ORDERS_PASSWORD),
                trustServerCertificate: true,
            },
            { name: "billing", host: "10.0.0.5", port: 14330, database: "Billing", password: BILLING_PASSWORD },
        ],
        schedule: { cron: "30 1 * * *", timeZone: "Europe/Berlin" },
        storage: {
            endpoint: "http://minio:9000",
            admin: { user: "minioadmin", password: pulumi.secret(ADMIN_PASSWORD), server: "localhost:9000" },
            bucket: { name: "sql-backups" },
            prefix: "backups/sqlserver",
            keep: 7,
        },
    };
}

/** Resolved settings for renderer tests. */
export function validSettings(): BackupSettings {
    return {
        databases: [
            { name: "orders", host: "sql.internal", port: 1433, database: "Orders", username: "backup_user", trustServerCertificate: true, extraArgs: [] },
            {
                name: "billing",
                host: "10.0.0.5",
                port: 14330,
                database: "Billing",
                username: "sa",
                trustServerCertificate: false,
                extraArgs: ["/p:CompressionOption=Fast", "/p:VerifyExtraction=False"],
            },
        ],
        schedule: { cron: "30 1 * * *", timeZone: "Europe/Berlin" },
        storage: {
            endpoint: "http://minio:9000",
            region: "us-east-1",
            bucket: "sql-backups",
            prefix: "backups/sqlserver",
            keep: 7,
            timeoutSeconds: 300,
            maxRetries: 3,
            pathStyle: true,
            retentionDays: 30,
            keepDaily: 0,
            keepWeekly: 0,
            keepMonthly: 0,
            keepFailed: 2,
            takeOverFrom: "",
            customCA: false,
        },
        workdir: "/tmp/gobackup",
        localCopy: { path: "/tmp/gobackup/archives", keep: 2 },
        deploymentId: "project/stack/orders",
    };
}
