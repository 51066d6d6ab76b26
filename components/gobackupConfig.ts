import * as YAML from "yaml";
import { DEFAULTS, ENV } from "./defaults";
import { databasePath, passwordVariable } from "./naming";
import { BackupSettings, DatabaseSettings } from "./settings";

/** An environment variable the rendered config (or the job running it) needs. */
export interface ConfigVariable {
    name: string;
    /** Secret values are supplied by the component and must be wired as secrets. */
    secret: boolean;
    /** What it carries, for people reading a target's env list. */
    description: string;
    /** The value, when the renderer knows it (never for secrets). */
    value?: string;
}

/** The rendered gobackup.yml and what it needs from its environment. */
export interface RenderedConfig {
    yaml: string;
    variables: ConfigVariable[];
}

/** Name of the MinIO storage inside every model (also part of GoBackup's retention state file name). */
export const REMOTE_STORAGE = "minio";
/** Name of the local-copy storage inside every model. */
export const LOCAL_STORAGE = "local";

/**
 * `"${NAME}"`, double-quoted. GoBackup runs os.ExpandEnv over the file before parsing
 * it, so the value is pasted verbatim between the quotes; unquoted, a value starting
 * with a YAML indicator would change the document.
 */
function envReference(name: string): YAML.Scalar {
    const scalar = new YAML.Scalar(`\${${name}}`);
    scalar.type = YAML.Scalar.QUOTE_DOUBLE;
    return scalar;
}

function mssqlDatabase(db: DatabaseSettings): Record<string, unknown> {
    const database: Record<string, unknown> = {
        type: "mssql",
        host: db.host,
        port: db.port,
        database: db.database,
        username: db.username,
        password: envReference(passwordVariable(db.name)),
        // snake_case: GoBackup >= 3.0 ignores the camelCase spelling on its docs site.
        trust_server_certificate: db.trustServerCertificate,
    };
    if (db.extraArgs.length > 0) database.args = db.extraArgs.join(" ");
    return database;
}

function storages(settings: BackupSettings, db: DatabaseSettings): Record<string, unknown> {
    const { storage } = settings;
    const result: Record<string, unknown> = {
        [REMOTE_STORAGE]: {
            type: "minio",
            bucket: storage.bucket,
            endpoint: storage.endpoint,
            region: storage.region,
            path: databasePath(storage.prefix, db.name),
            access_key_id: envReference(ENV.minioAccessKey),
            secret_access_key: envReference(ENV.minioSecretKey),
            force_path_style: true,
            timeout: storage.timeoutSeconds,
            max_retries: storage.maxRetries,
            keep: storage.keep,
        },
    };
    if (settings.localCopy) {
        result[LOCAL_STORAGE] = {
            type: "local",
            path: `${settings.localCopy.path}/${db.name}`,
            keep: settings.localCopy.keep,
        };
    }
    return result;
}

/** Command GoBackup runs around each run to write the integrity manifest (image/manifest.sh). */
export const MANIFEST_COMMAND = "sqlserver-backup-manifest";

/**
 * before_script/after_script that write `<archive>.manifest.json` next to each archive
 * that reached the bucket. They read the archive from the local copy, so they come
 * with it.
 */
function manifestScripts(settings: BackupSettings, db: DatabaseSettings): Record<string, string> {
    if (!settings.localCopy) return {};
    const { storage } = settings;
    return {
        before_script: `${MANIFEST_COMMAND} start ${db.name}`,
        after_script: [
            MANIFEST_COMMAND,
            "finish",
            db.name,
            `${settings.localCopy.path}/${db.name}`,
            storage.endpoint,
            storage.bucket,
            databasePath(storage.prefix, db.name),
            storage.region,
        ].join(" "),
    };
}

function model(settings: BackupSettings, db: DatabaseSettings): Record<string, unknown> {
    return {
        description: `SQL Server database ${db.database} on ${db.host},${db.port}`,
        schedule: { cron: settings.schedule.cron },
        ...manifestScripts(settings, db),
        databases: { [db.name]: mssqlDatabase(db) },
        compress_with: { type: DEFAULTS.compressWith, filename_format: DEFAULTS.filenameFormat },
        default_storage: REMOTE_STORAGE,
        storages: storages(settings, db),
    };
}

function webSection(settings: BackupSettings): Record<string, unknown> {
    if (!settings.webUi.enabled) return { enabled: false };
    // Loopback only: GoBackup's API registers its routes before BasicAuth (FACTS), so
    // the credentials are a second line of defence, not the first.
    return {
        enabled: true,
        host: "127.0.0.1",
        port: settings.webUi.port,
        username: envReference(ENV.webUsername),
        password: envReference(ENV.webPassword),
    };
}

/** The variables the config references, in a stable order. */
function variables(settings: BackupSettings): ConfigVariable[] {
    const result: ConfigVariable[] = [
        { name: ENV.minioAccessKey, secret: false, description: "access key id of the backup user" },
        { name: ENV.minioSecretKey, secret: true, description: "secret key of the backup user" },
        ...settings.databases.map((db) => ({
            name: passwordVariable(db.name),
            secret: true,
            description: `password of ${db.username} for database ${db.database} (${db.name})`,
        })),
    ];
    if (settings.webUi.enabled) {
        result.push(
            { name: ENV.webUsername, secret: true, description: "web UI user name" },
            { name: ENV.webPassword, secret: true, description: "web UI password" },
        );
    }
    // GoBackup's scheduler reads cron in the process' local time zone.
    result.push({ name: "TZ", secret: false, description: "time zone of the schedule", value: settings.schedule.timeZone });
    return result;
}

/**
 * Renders gobackup.yml from validated settings: one model per database, secrets only
 * as quoted env references, every default written out (GoBackup has no default
 * syntax: it reads `VAR:-x` as one variable name, FACTS), and nothing that depends
 * on time or machine, so the same settings always give the same text.
 */
export function renderGoBackupConfig(settings: BackupSettings): RenderedConfig {
    const models: Record<string, unknown> = {};
    for (const db of settings.databases) models[db.name] = model(settings, db);
    const document = new YAML.Document({
        workdir: settings.workdir,
        web: webSection(settings),
        models,
    });
    const header = "# Rendered by sqlserver-backup. Secrets are env references; GoBackup expands them at load.\n";
    return { yaml: header + document.toString({ lineWidth: 0 }), variables: variables(settings) };
}
