import * as crypto from "crypto";
import { CRONJOB_NAME_MAX, LABEL_MAX } from "../args/kubernetesNames";
import { variableSuffix } from "../args/rules";
import { ENV } from "./defaults";

/**
 * Every name the component derives, in one place. Names an operator types (the
 * container, the CronJob, the restore Job) are deterministic, so the commands a
 * preview shows are the commands that will work.
 */

/** `orders-eu` -> `MSSQL_PASSWORD_ORDERS_EU`: the variable that carries that database's password. */
export function passwordVariable(databaseName: string): string {
    return ENV.mssqlPasswordPrefix + variableSuffix(databaseName);
}

/**
 * Where one database's archives land: `<prefix>/<name>`. Each GoBackup model needs
 * its own folder: archive names are timestamps, so two models finishing in the same
 * second would overwrite each other in a shared one.
 */
export function databasePath(prefix: string, databaseName: string): string {
    return `${prefix}/${databaseName}`;
}

/** Pulumi names of child resources: `<component>-<part>`, so they group under the component in every listing. */
export function childName(componentName: string, part: string): string {
    return `${componentName}-${part}`;
}

/** `Orders EU` -> `orders-eu`: lower-case letters, digits and single dashes, alphanumeric at both ends. */
function slug(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
}

/** A short hash of the component name, which keeps shortened names distinct. */
function nameHash(componentName: string): string {
    return crypto.createHash("sha256").update(componentName).digest("hex").slice(0, 6);
}

/**
 * `<slug of the component name>-<suffix>` (or the slug alone), at most `max`
 * characters. When it would be longer, the slug is shortened and a hash of the full
 * component name keeps it unique: `orders-eu-west-produc-3f9a1c-backup`.
 */
export function boundedName(componentName: string, suffix: string, max: number): string {
    const base = slug(componentName) || "sqlserver";
    const full = suffix ? `${base}-${suffix}` : base;
    if (full.length <= max) return full;
    const tail = `-${nameHash(componentName)}${suffix ? `-${suffix}` : ""}`;
    return `${base.slice(0, max - tail.length).replace(/-+$/, "")}${tail}`;
}

/** Bucket name when the user gives none: derived from the component name, S3-safe. */
export function defaultBucketName(componentName: string): string {
    return boundedName(componentName, "backups", 63);
}

/** IAM user name of the backup user (it is also the access key id in MinIO). */
export function backupUserName(componentName: string): string {
    return boundedName(componentName, "backup", 64);
}

/** IAM user name of the read-only restore user. */
export function restoreUserName(componentName: string): string {
    return boundedName(componentName, "restore", 64);
}

/** Docker container and volume names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; other characters become "-". */
export function dockerName(componentName: string, suffix: string): string {
    const base = componentName.replace(/[^a-zA-Z0-9_.-]/g, "-").replace(/^[^a-zA-Z0-9]+/, "") || "sqlserver";
    return `${base}-${suffix}`;
}

/** The names of the Kubernetes objects of one component. */
export interface KubernetesNames {
    /** `app.kubernetes.io/instance` label value. */
    instance: string;
    cronJob: string;
    serviceAccount: string;
    /** Secret holding the backup job's credentials (files). */
    credentials: string;
    /** Secret holding the read-only restore user's keys (files), for restores. */
    restoreCredentials: string;
    networkPolicy: string;
    /** Job and Secret of one restore. */
    restore(id: string): string;
    /** The CronJob of one database (fleet.perDatabase). */
    cronJobOf(database: string): string;
    /** Service account of restore pods: it may empty its restore's password Secret, nothing else. */
    restoreServiceAccount: string;
    /** Deployment, Service, service account and Role of the monitor. */
    monitor: string;
    /** The restore drills' CronJob. */
    drillCronJob: string;
    /** Secret holding the drill server's password (a file). */
    drillCredentials: string;
}

/**
 * Valid Kubernetes names for any component name: the CronJob within 52 characters
 * (its Jobs add 11), everything else within 63 (a Job's name becomes a label).
 */
export function kubernetesNames(componentName: string): KubernetesNames {
    return {
        instance: boundedName(componentName, "", LABEL_MAX),
        cronJob: boundedName(componentName, "backup", CRONJOB_NAME_MAX),
        serviceAccount: boundedName(componentName, "backup", LABEL_MAX),
        credentials: boundedName(componentName, "credentials", LABEL_MAX),
        restoreCredentials: boundedName(componentName, "restore-credentials", LABEL_MAX),
        networkPolicy: boundedName(componentName, "backup", LABEL_MAX),
        restore: (id) => boundedName(componentName, `restore-${id}`, LABEL_MAX),
        // `<component>-<database>-backup`; a database name that is not a DNS label as it
        // is (`orders_eu`) gets a hash, so it never meets `orders-eu`'s name.
        cronJobOf: (database) => boundedName(`${componentName}-${/^[a-z0-9-]+$/.test(database) ? database : `${slug(database)}-${nameHash(database)}`}`, "backup", CRONJOB_NAME_MAX),
        restoreServiceAccount: boundedName(componentName, "restore", LABEL_MAX),
        monitor: boundedName(componentName, "monitor", LABEL_MAX),
        drillCronJob: boundedName(componentName, "drill", CRONJOB_NAME_MAX),
        drillCredentials: boundedName(componentName, "drill-credentials", LABEL_MAX),
    };
}
