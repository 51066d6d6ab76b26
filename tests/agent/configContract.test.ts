import * as assert from "assert";
import { execFileSync } from "child_process";
import * as YAML from "yaml";
import { BackupSettings } from "../../components/args/settings";
import { DEFAULTS } from "../../components/plan/defaults";
import { renderGoBackupConfig } from "../../components/plan/gobackupConfig";
import { agentBinary } from "./helpers";

/** GoBackup's view of a config: env references expanded as os.ExpandEnv would. */
function asGoBackupSees(yaml: string, env: Record<string, string>): Record<string, unknown> {
    const expanded = yaml.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
    return YAML.parse(expanded);
}

/** The config the image's agent renders from its environment, for users without Pulumi. */
function agentRender(env: Record<string, string>): string {
    return execFileSync(agentBinary(), ["render"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
}

const storageDefaults = { pathStyle: DEFAULTS.pathStyle, retentionDays: DEFAULTS.retentionDays, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepFailed: DEFAULTS.keepFailed, takeOverFrom: "", customCA: false };

/**
 * One source of truth for the config's shape: the component's renderer and the agent's
 * renderer (image/agent/internal/gbconfig/render.go) get the same settings and must give
 * GoBackup the same models.
 */
describe("config contract: the component's renderer and the agent's agree", () => {
    it("renders the same model, storages (local copy included), schedule and keys from the same settings", () => {
        const workdir = "/tmp/gobackup-contract";
        const secrets = { password: "Same-Secret-1", accessKey: "backup-user", secretKey: "Same/Secret+2=" };
        const settings: BackupSettings = {
            databases: [{ name: "orders", host: "sql.internal", port: 14330, database: "Orders", username: "backup_user", trustServerCertificate: true, extraArgs: [] }],
            schedule: { cron: "15 3 * * 1-5", timeZone: "Etc/UTC" },
            storage: { ...storageDefaults, endpoint: "https://s3.example.com", region: "eu-west-1", bucket: "sql-backups", prefix: "backups/sqlserver", keep: 9, timeoutSeconds: 120, maxRetries: 5, pathStyle: false },
            workdir,
            localCopy: { path: `${workdir}/archives`, keep: 3 },
            deploymentId: "contract/test/orders",
        };
        const fromComponent = asGoBackupSees(renderGoBackupConfig(settings).yaml, { MSSQL_PASSWORD_ORDERS: secrets.password, MINIO_ACCESS_KEY: secrets.accessKey, MINIO_SECRET_KEY: secrets.secretKey });
        const rendered = agentRender({
            GOBACKUP_WORKDIR: workdir,
            BACKUP_NAME: "orders",
            MSSQL_HOST: "sql.internal",
            MSSQL_PORT: "14330",
            MSSQL_DATABASE: "Orders",
            MSSQL_USERNAME: "backup_user",
            MSSQL_TRUST_CERT: "true",
            MINIO_ENDPOINT: "https://s3.example.com",
            MINIO_REGION: "eu-west-1",
            MINIO_BUCKET: "sql-backups",
            MINIO_PATH: "backups/sqlserver",
            MINIO_FORCE_PATH_STYLE: "false",
            MINIO_TIMEOUT: "120",
            MINIO_MAX_RETRIES: "5",
            BACKUP_CRON: "15 3 * * 1-5",
            BACKUP_KEEP: "9",
            LOCAL_KEEP: "3",
        });
        const fromAgent = asGoBackupSees(rendered, { MSSQL_PASSWORD: secrets.password, MINIO_ACCESS_KEY: secrets.accessKey, MINIO_SECRET_KEY: secrets.secretKey });
        assert.deepStrictEqual(fromAgent, fromComponent);
    });

    it("applies the same defaults: the agent given only what it requires renders what the component renders from its defaults", () => {
        const settings: BackupSettings = {
            databases: [{ name: "main", host: "sql.internal", port: DEFAULTS.port, database: "Orders", username: DEFAULTS.username, trustServerCertificate: DEFAULTS.trustServerCertificate, extraArgs: [] }],
            schedule: { cron: DEFAULTS.cron, timeZone: DEFAULTS.timeZone },
            storage: { ...storageDefaults, endpoint: "http://minio:9000", region: DEFAULTS.region, bucket: "sql-backups", prefix: DEFAULTS.prefix, keep: DEFAULTS.keep, timeoutSeconds: DEFAULTS.timeoutSeconds, maxRetries: DEFAULTS.maxRetries },
            workdir: "/tmp/gobackup",
            localCopy: { path: "/tmp/gobackup/archives", keep: DEFAULTS.localCopies },
            deploymentId: "contract/test/main",
        };
        const secrets = { MSSQL_PASSWORD_MAIN: "Same-Secret-1", MINIO_ACCESS_KEY: "backup-user", MINIO_SECRET_KEY: "Same-Secret-2" };
        const fromComponent = asGoBackupSees(renderGoBackupConfig(settings).yaml, secrets);
        const rendered = agentRender({ MSSQL_HOST: "sql.internal", MSSQL_DATABASE: "Orders", MINIO_ENDPOINT: "http://minio:9000", MINIO_BUCKET: "sql-backups" });
        const fromAgent = asGoBackupSees(rendered, { MSSQL_PASSWORD: secrets.MSSQL_PASSWORD_MAIN, MINIO_ACCESS_KEY: secrets.MINIO_ACCESS_KEY, MINIO_SECRET_KEY: secrets.MINIO_SECRET_KEY });
        assert.deepStrictEqual(fromAgent, fromComponent);
    });
});
