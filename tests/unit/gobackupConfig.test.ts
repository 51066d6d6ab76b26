import * as assert from "assert";
import * as YAML from "yaml";
import { renderGoBackupConfig } from "../../components/plan/gobackupConfig";
import { validSettings } from "./helpers/fixtures";

type Model = {
    schedule: { cron: string };
    databases: Record<string, Record<string, unknown>>;
    compress_with: Record<string, unknown>;
    storages: Record<string, Record<string, unknown>>;
};

function parse(yaml: string): { workdir: string; web: Record<string, unknown>; models: Record<string, Model> } {
    return YAML.parse(yaml);
}

describe("GoBackup config renderer", () => {
    const rendered = renderGoBackupConfig(validSettings());
    const config = parse(rendered.yaml);

    it("renders one model per database, named after it", () => {
        assert.deepStrictEqual(Object.keys(config.models), ["orders", "billing"]);
    });

    it("writes the mssql database with GoBackup's snake_case keys, trust_server_certificate included", () => {
        assert.deepStrictEqual(config.models.orders.databases.orders, {
            type: "mssql",
            host: "sql.internal",
            port: 1433,
            database: "Orders",
            username: "backup_user",
            password: "${MSSQL_PASSWORD_ORDERS}",
            trust_server_certificate: true,
        });
        assert.ok(!rendered.yaml.includes("trustServerCertificate"), "camelCase key is ignored by GoBackup >= 3.0");
    });

    it("joins extra sqlpackage arguments with single spaces into GoBackup's args", () => {
        assert.strictEqual(config.models.billing.databases.billing.args, "/p:CompressionOption=Fast /p:VerifyExtraction=False");
        assert.strictEqual(config.models.billing.databases.billing.trust_server_certificate, false);
    });

    it("writes the MinIO storage key by key, in a folder per database", () => {
        assert.deepStrictEqual(config.models.orders.storages.minio, {
            type: "minio",
            bucket: "sql-backups",
            endpoint: "http://minio:9000",
            region: "us-east-1",
            path: "backups/sqlserver/orders",
            access_key_id: "${MINIO_ACCESS_KEY}",
            secret_access_key: "${MINIO_SECRET_KEY}",
            force_path_style: true,
            timeout: 300,
            max_retries: 3,
        });
        assert.strictEqual(config.models.billing.storages.minio.path, "backups/sqlserver/billing");
    });

    it("keeps a local copy per database on the workdir volume, and gives GoBackup no keep anywhere (it would prune before verification)", () => {
        assert.deepStrictEqual(config.models.orders.storages.local, { type: "local", path: "/tmp/gobackup/archives/orders" });
        assert.doesNotMatch(renderGoBackupConfig(validSettings()).yaml, /keep/);
        const noCopy = parse(renderGoBackupConfig({ ...validSettings(), localCopy: undefined }).yaml);
        assert.deepStrictEqual(Object.keys(noCopy.models.orders.storages), ["minio"]);
    });

    it("sets the schedule, workdir, tar archive and explicit file name format", () => {
        assert.deepStrictEqual(config.models.orders.schedule, { cron: "30 1 * * *" });
        assert.strictEqual(config.workdir, "/tmp/gobackup");
        assert.deepStrictEqual(config.models.orders.compress_with, { type: "tar", filename_format: "2006.01.02.15.04.05" });
    });

    it("disables the web UI (the agent runs gobackup perform, which serves none, and its API is unauthenticated)", () => {
        assert.deepStrictEqual(config.web, { enabled: false });
    });

    it("addresses the bucket path-style or virtual-hosted as the storage says", () => {
        assert.strictEqual(config.models.orders.storages.minio.force_path_style, true);
        const hosted = parse(renderGoBackupConfig({ ...validSettings(), storage: { ...validSettings().storage, pathStyle: false } }).yaml);
        assert.strictEqual(hosted.models.orders.storages.minio.force_path_style, false);
    });

    it("writes every env reference double-quoted and never a ${VAR:-default}", () => {
        const references = rendered.yaml.match(/.?\$\{[^}]*\}.?/g) ?? [];
        assert.strictEqual(references.length, 2 + 2 * 2, "one password and two MinIO keys per model");
        for (const reference of references) assert.match(reference, /^"\$\{[A-Z0-9_]+\}"$/);
        assert.ok(!rendered.yaml.includes(":-"));
    });

    it("lists the credentials the config references, each once, and nothing else", () => {
        assert.deepStrictEqual(
            rendered.variables.map((v) => v.name),
            ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MSSQL_PASSWORD_ORDERS", "MSSQL_PASSWORD_BILLING"],
        );
        const referenced = new Set(rendered.yaml.match(/\$\{([A-Z0-9_]+)\}/g)!.map((r) => r.slice(2, -1)));
        assert.deepStrictEqual([...referenced].sort(), rendered.variables.map((v) => v.name).sort());
    });

    it("has no hook scripts: the agent runs GoBackup and verifies each run's archive itself", () => {
        for (const model of Object.values(config.models) as Record<string, unknown>[]) {
            assert.strictEqual(model.before_script, undefined);
            assert.strictEqual(model.after_script, undefined);
        }
    });

    it("is deterministic: the same settings render the same bytes", () => {
        assert.strictEqual(renderGoBackupConfig(validSettings()).yaml, rendered.yaml);
    });
});
