import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderGoBackupConfig } from "../../components/plan/gobackupConfig";
import { DEFAULTS } from "../../components/plan/defaults";
import { BackupSettings } from "../../components/plan/settings";

const REPO = path.resolve(__dirname, "../..");

/** GoBackup's view of a config: env references expanded as os.ExpandEnv would. */
function asGoBackupSees(yaml: string, env: Record<string, string>): Record<string, unknown> {
    const expanded = yaml.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
    return YAML.parse(expanded);
}

/**
 * One source of truth for the config's shape: the component's renderer and the
 * image entrypoint's renderer (for users without Pulumi) get the same settings and
 * must give GoBackup the same models.
 */
describe("config contract: component renderer and image entrypoint agree", () => {
    it("renders the same model, storages (local copy included), schedule and keys from the same settings", () => {
        const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
        const secrets = { password: "Same-Secret-1", accessKey: "backup-user", secretKey: "Same-Secret-2" };
        const settings: BackupSettings = {
            databases: [{ name: "orders", host: "sql.internal", port: 14330, database: "Orders", username: "backup_user", trustServerCertificate: true, extraArgs: [] }],
            schedule: { cron: "15 3 * * 1-5", timeZone: "Etc/UTC" },
            storage: {
                endpoint: "http://minio:9000",
                region: "eu-west-1",
                bucket: "sql-backups",
                prefix: "backups/sqlserver",
                keep: 9,
                timeoutSeconds: 120,
                maxRetries: 5,
                retentionDays: 30,
                noncurrentVersionRetentionDays: 7,
            },
            webUi: { enabled: false, port: 2703 },
            workdir,
            localCopy: { path: `${workdir}/archives`, keep: 3 },
        };
        const fromComponent = asGoBackupSees(renderGoBackupConfig(settings).yaml, {
            MSSQL_PASSWORD_ORDERS: secrets.password,
            MINIO_ACCESS_KEY: secrets.accessKey,
            MINIO_SECRET_KEY: secrets.secretKey,
        });

        const env = {
            PATH: process.env.PATH,
            HOME: workdir,
            GOBACKUP_CONFIG: path.join(workdir, "not-mounted.yml"),
            GOBACKUP_WORKDIR: workdir,
            BACKUP_NAME: "orders",
            MSSQL_HOST: "sql.internal",
            MSSQL_PORT: "14330",
            MSSQL_DATABASE: "Orders",
            MSSQL_USERNAME: "backup_user",
            MSSQL_PASSWORD: secrets.password,
            MSSQL_TRUST_CERT: "true",
            MINIO_ENDPOINT: "http://minio:9000",
            MINIO_REGION: "eu-west-1",
            MINIO_BUCKET: "sql-backups",
            MINIO_PATH: "backups/sqlserver",
            MINIO_ACCESS_KEY: secrets.accessKey,
            MINIO_SECRET_KEY: secrets.secretKey,
            MINIO_TIMEOUT: "120",
            MINIO_MAX_RETRIES: "5",
            BACKUP_CRON: "15 3 * * 1-5",
            BACKUP_KEEP: "9",
            LOCAL_KEEP: "3",
        };
        execFileSync("bash", [path.join(REPO, "image/entrypoint.sh"), "check"], { env, stdio: "pipe" });
        const rendered = fs.readFileSync(path.join(workdir, ".gobackup", "gobackup.yml"), "utf8");
        const fromEntrypoint = asGoBackupSees(rendered, { MSSQL_PASSWORD: secrets.password, MINIO_ACCESS_KEY: secrets.accessKey, MINIO_SECRET_KEY: secrets.secretKey });

        assert.deepStrictEqual(fromEntrypoint, fromComponent);
    });

    it("applies the same defaults: the entrypoint given only what it requires renders what the component renders from its defaults", () => {
        const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "contract-defaults-"));
        // Everything not given is each side's own default (DEFAULTS in components/plan/defaults.ts,
        // apply_defaults in image/entrypoint.sh); a default that drifts fails here.
        const settings: BackupSettings = {
            databases: [{ name: "main", host: "sql.internal", port: DEFAULTS.port, database: "Orders", username: DEFAULTS.username, trustServerCertificate: DEFAULTS.trustServerCertificate, extraArgs: [] }],
            schedule: { cron: DEFAULTS.cron, timeZone: DEFAULTS.timeZone },
            storage: {
                endpoint: "http://minio:9000",
                region: DEFAULTS.region,
                bucket: "sql-backups",
                prefix: DEFAULTS.prefix,
                keep: DEFAULTS.keep,
                timeoutSeconds: DEFAULTS.timeoutSeconds,
                maxRetries: DEFAULTS.maxRetries,
                retentionDays: DEFAULTS.retentionDays,
                noncurrentVersionRetentionDays: DEFAULTS.noncurrentVersionRetentionDays,
            },
            webUi: { enabled: false, port: DEFAULTS.webUiPort },
            workdir,
            localCopy: { path: `${workdir}/archives`, keep: DEFAULTS.localCopies },
        };
        const secrets = { MSSQL_PASSWORD_MAIN: "Same-Secret-1", MINIO_ACCESS_KEY: "backup-user", MINIO_SECRET_KEY: "Same-Secret-2" };
        const fromComponent = asGoBackupSees(renderGoBackupConfig(settings).yaml, secrets);
        const env = {
            PATH: process.env.PATH,
            HOME: workdir,
            GOBACKUP_CONFIG: path.join(workdir, "not-mounted.yml"),
            GOBACKUP_WORKDIR: workdir,
            MSSQL_HOST: "sql.internal",
            MSSQL_DATABASE: "Orders",
            MSSQL_PASSWORD: secrets.MSSQL_PASSWORD_MAIN,
            MINIO_ENDPOINT: "http://minio:9000",
            MINIO_BUCKET: "sql-backups",
            MINIO_ACCESS_KEY: secrets.MINIO_ACCESS_KEY,
            MINIO_SECRET_KEY: secrets.MINIO_SECRET_KEY,
        };
        execFileSync("bash", [path.join(REPO, "image/entrypoint.sh"), "check"], { env, stdio: "pipe" });
        const rendered = fs.readFileSync(path.join(workdir, ".gobackup", "gobackup.yml"), "utf8");
        const fromEntrypoint = asGoBackupSees(rendered, { MSSQL_PASSWORD: secrets.MSSQL_PASSWORD_MAIN, MINIO_ACCESS_KEY: secrets.MINIO_ACCESS_KEY, MINIO_SECRET_KEY: secrets.MINIO_SECRET_KEY });
        assert.deepStrictEqual(fromEntrypoint, fromComponent);
    });
});
