import * as YAML from "yaml";
import { DEFAULTS, ENV } from "./defaults";
import { databasePath, passwordVariable } from "./naming";
import { BackupSettings, DatabaseSettings } from "../args/settings";

/**
 * A credential the rendered config references as `"${NAME}"`. Targets deliver each
 * as a file and set `NAME_FILE`; the entrypoint reads it into `NAME` for GoBackup.
 */
export interface ConfigVariable {
    name: string;
    /** What it carries, for people reading a target's file list. */
    description: string;
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
            force_path_style: storage.pathStyle,
            timeout: storage.timeoutSeconds,
            max_retries: storage.maxRetries,
        },
    };
    if (settings.localCopy) {
        result[LOCAL_STORAGE] = {
            type: "local",
            path: `${settings.localCopy.path}/${db.name}`,
        };
    }
    return result;
}

function model(settings: BackupSettings, db: DatabaseSettings): Record<string, unknown> {
    return {
        description: `SQL Server database ${db.database} on ${db.host},${db.port}`,
        schedule: { cron: settings.schedule.cron },
        databases: { [db.name]: mssqlDatabase(db) },
        compress_with: { type: DEFAULTS.compressWith, filename_format: DEFAULTS.filenameFormat },
        default_storage: REMOTE_STORAGE,
        storages: storages(settings, db),
    };
}

/** The credentials the config references, in a stable order. */
function variables(settings: BackupSettings): ConfigVariable[] {
    return [
        { name: ENV.minioAccessKey, description: "access key id of the backup user" },
        { name: ENV.minioSecretKey, description: "secret key of the backup user" },
        ...settings.databases.map((db) => ({
            name: passwordVariable(db.name),
            description: `password of ${db.username} for database ${db.database} (${db.name})`,
        })),
    ];
}

/**
 * Renders gobackup.yml from validated settings: one model per database, secrets only
 * as quoted env references, every default written out (GoBackup has no default
 * syntax: it reads `VAR:-x` as one variable name, FACTS), and nothing that depends
 * on time or machine, so the same settings always give the same text. No hook
 * scripts: the backup agent runs GoBackup and verifies each run's archive itself. No
 * `keep`: GoBackup prunes inside its upload, before anything is verified, so retention
 * is the agent's (BACKUP_KEEP*, LOCAL_KEEP in the job's environment).
 */
export function renderGoBackupConfig(settings: BackupSettings): RenderedConfig {
    const models: Record<string, unknown> = {};
    for (const db of settings.databases) models[db.name] = model(settings, db);
    const document = new YAML.Document({
        workdir: settings.workdir,
        // The agent runs `gobackup perform`, which never serves the web UI; off all the same.
        web: { enabled: false },
        models,
    });
    const header = "# Rendered by sqlserver-backup. Secrets are env references; GoBackup expands them at load.\n";
    return { yaml: header + document.toString({ lineWidth: 0 }), variables: variables(settings) };
}
