import { ENV } from "./defaults";

/** `orders-eu` -> `MSSQL_PASSWORD_ORDERS_EU`: the variable that carries that database's password. */
export function passwordVariable(databaseName: string): string {
    return ENV.mssqlPasswordPrefix + databaseName.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Where one database's archives land: `<prefix>/<name>`. Each GoBackup model needs
 * its own folder: archive names are timestamps, so two models finishing in the same
 * second would overwrite each other in a shared one.
 */
export function databasePath(prefix: string, databaseName: string): string {
    return `${prefix}/${databaseName}`;
}

/** Child resource names: `<component>-<part>`, so they group under the component in every listing. */
export function childName(componentName: string, part: string): string {
    return `${componentName}-${part}`;
}

/** Bucket name when the user gives none: derived from the component name, S3-safe. */
export function defaultBucketName(componentName: string): string {
    const base = componentName.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
    return `${base.slice(0, 55) || "sqlserver"}-backups`;
}

/** IAM user name (it is also the access key id in MinIO). */
export function backupUserName(componentName: string): string {
    return `${defaultBucketName(componentName).replace(/-backups$/, "")}-backup`;
}
