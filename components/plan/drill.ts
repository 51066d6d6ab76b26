/**
 * Restore drills as pure data: their settings with defaults, their environment and
 * the files they read. The targets run them (the Docker daemon beside the backups, a
 * CronJob on Kubernetes); the agent's `drill` does the work.
 */
import { DEFAULT_DRILL_TEMPLATE, DRILL_CHECKS } from "../args/drill";
import { DrillArgs } from "../args/types";
import { BackupSettings } from "../args/settings";
import { maxBackupAgeSeconds } from "../args/scheduleMath";
import { ENV } from "./defaults";
import { storageLocation } from "./job";
import { SqlLogin, sqlLoginDefaults } from "./restore";

/** Seconds one database's drill may take by default. */
export const DEFAULT_DRILL_TIMEOUT_SECONDS = 7200;

/** The server a drill restores into, with defaults applied. */
export interface DrillServer extends SqlLogin {
    host: string;
}

/** Drills as resolved: plain data, no secret. */
export interface DrillSettings {
    /** Five-field cron, read in the backups' time zone. */
    schedule: string;
    server: DrillServer;
    /** The databases drilled (their names), in the order given. */
    databases: string[];
    template: string;
    checks: string[];
    timeoutSeconds: number;
    /** Seconds without a successful drill before it is stale. */
    maxAgeSeconds: number;
    unhealthyOnFailure: boolean;
}

/** The drill settings with defaults, from the resolved arguments. */
export function drillSettings(settings: BackupSettings, drill: Omit<DrillArgs, "server"> & { server: DrillServer }): DrillSettings {
    const timeoutSeconds = drill.timeoutSeconds ?? DEFAULT_DRILL_TIMEOUT_SECONDS;
    const databases = drill.databases ?? settings.databases.map((db) => db.name);
    return {
        schedule: drill.schedule,
        server: drill.server,
        databases,
        template: drill.databaseNameTemplate ?? DEFAULT_DRILL_TEMPLATE,
        // All of them unless the argument names some.
        checks: [...(drill.checks ?? DRILL_CHECKS)],
        timeoutSeconds,
        // A drill per run of the schedule, each database after the other: stale after the
        // longest gap plus every database's drill time.
        maxAgeSeconds: drill.maxAgeSeconds ?? maxBackupAgeSeconds(drill.schedule, settings.schedule.timeZone) + timeoutSeconds * databases.length,
        unhealthyOnFailure: drill.unhealthyOnFailure ?? false,
    };
}

/** The server's defaults. */
export function drillServerDefaults(server: { host: string } & Partial<SqlLogin>): DrillServer {
    return { host: server.host, ...sqlLoginDefaults(server) };
}

/** How drills count toward health, for every process that evaluates it (daemon, status, exporter). */
export function drillHealthEnvironment(drill: DrillSettings | undefined): Record<string, string> {
    if (!drill) return {};
    return { DRILL_MAX_AGE_SECONDS: String(drill.maxAgeSeconds), DRILL_UNHEALTHY: drill.unhealthyOnFailure ? "1" : "0" };
}

/** Non-secret environment of the agent's `drill`; the credentials come as files (drillFiles). */
export function drillEnvironment(settings: BackupSettings, drill: DrillSettings): Record<string, string> {
    return { ...storageLocation(settings), ...drillOwnEnvironment(settings, drill), TZ: settings.schedule.timeZone };
}

/** The drill's own variables, for a container that already has the storage's (the Docker daemon's). */
export function drillOwnEnvironment(settings: BackupSettings, drill: DrillSettings): Record<string, string> {
    const byName = new Map(settings.databases.map((db) => [db.name, db.database]));
    return {
        DRILL_TARGETS: drill.databases.map((name) => `${name}=${byName.get(name) ?? name}`).join(","),
        DRILL_SERVER_HOST: drill.server.host,
        DRILL_SERVER_PORT: String(drill.server.port),
        DRILL_SERVER_USERNAME: drill.server.username,
        DRILL_TRUST_CERT: String(drill.server.trustServerCertificate),
        DRILL_DATABASE_TEMPLATE: drill.template,
        DRILL_CHECKS: drill.checks.length > 0 ? drill.checks.join(",") : "none",
        DRILL_TIMEOUT_SECONDS: String(drill.timeoutSeconds),
        DRILL_SCHEDULE: drill.schedule,
        ...drillHealthEnvironment(drill),
    };
}

/** The files a drill reads: the restore user's keys (read backups, record drills), the server's password, the private CA. */
export function drillFiles(settings: BackupSettings): string[] {
    return [ENV.restoreAccessKey, ENV.restoreSecretKey, ENV.drillServerPassword, ...(settings.storage.customCA ? [ENV.caCertificate] : [])];
}
