/**
 * The dev stack's embedded services: on the local Docker engine, a private network,
 * a MinIO-compatible server (Silo, MinIO's maintained community fork, pgsty/silo: MinIO's own images
 * were withdrawn in 2026-09) and a SQL Server 2022 with a small sample database, both
 * waited on until healthy. Their passwords are generated, so `pulumi up --stack dev`
 * needs no configuration. The images come from the register (image/artifacts.env),
 * pinned by digest; MINIO_SERVER_IMAGE and SQLSERVER_IMAGE there name the source.
 * An air-gapped machine names its mirror's copies instead (LocalImages).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { registered } from "../components/image/register";
import { goDuration } from "../components/plan/schedule";

/** The MinIO-compatible server (Silo): same S3 and admin API, `server /data`, MINIO_* variables; its binary is `silo`. */
export const MINIO_IMAGE = registered("MINIO_SERVER_IMAGE");
/** A fixed cumulative update, by digest, not 2022-latest: the dev stack must not change under you. */
export const SQLSERVER_IMAGE = registered("SQLSERVER_IMAGE");

const SQLCMD = "/opt/mssql-tools18/bin/sqlcmd -C -S localhost -U sa -b";

/** Starts SQL Server, creates SampleDb with a table and a few rows once, then waits on the server. */
const SQL_STARTUP = [
    "/opt/mssql/bin/sqlservr & server=$!",
    `for attempt in $(seq 1 90); do ${SQLCMD} -P "$MSSQL_SA_PASSWORD" -Q "IF DB_ID('SampleDb') IS NULL CREATE DATABASE SampleDb" && break; sleep 2; done`,
    `${SQLCMD} -P "$MSSQL_SA_PASSWORD" -d SampleDb -Q "IF OBJECT_ID('dbo.Orders') IS NULL BEGIN CREATE TABLE dbo.Orders (Id int IDENTITY PRIMARY KEY, Customer nvarchar(100) NOT NULL, Total decimal(10,2) NOT NULL, CreatedAt datetime2 NOT NULL DEFAULT sysutcdatetime()); INSERT dbo.Orders (Customer, Total) VALUES (N'Ada', 12.50), (N'Grace', 99.90), (N'Linus', 7.00); END"`,
    "wait $server",
].join("\n");

export interface LocalServices {
    network: pulumi.Output<string>;
    /** host:port of MinIO as Pulumi (on the host) reaches it. Resolves once MinIO is healthy. */
    minioServer: pulumi.Output<string>;
    /** MinIO's URL as the backup container reaches it. */
    minioEndpoint: string;
    minioAdminUser: string;
    minioAdminPassword: pulumi.Output<string>;
    /** SQL Server host as the backup container reaches it. Resolves once the sample database exists. */
    sqlHost: pulumi.Output<string>;
    sqlPassword: pulumi.Output<string>;
    sqlDatabase: string;
}

/** Mirrors of the register's images (the stack keys minioImage and sqlServerImage); unset: the register's. */
export interface LocalImages {
    minio?: string;
    sqlServer?: string;
}

export function localServices(prefix: string, minioHostPort: number, images: LocalImages = {}): LocalServices {
    const network = new docker.Network(`${prefix}-network`, { name: `${prefix}-network` });
    const minioPassword = new random.RandomPassword(`${prefix}-minio-root-password`, { length: 32, special: false });
    const saPassword = new random.RandomPassword(`${prefix}-sql-sa-password`, {
        length: 32,
        special: false,
        // SQL Server's password policy: three of upper, lower, digits, symbols.
        minUpper: 2,
        minLower: 2,
        minNumeric: 2,
    });

    const minioData = new docker.Volume(`${prefix}-minio-data`, { name: `${prefix}-minio-data` });
    const minioImage = new docker.RemoteImage(`${prefix}-minio-image`, { name: images.minio ?? MINIO_IMAGE, keepLocally: true });
    const minio = new docker.Container(`${prefix}-minio`, {
        name: `${prefix}-minio`,
        image: minioImage.imageId,
        command: ["server", "/data", "--console-address", ":9001"],
        envs: pulumi.secret(pulumi.interpolate`MINIO_ROOT_PASSWORD=${minioPassword.result}`.apply((pw) => ["MINIO_ROOT_USER=minioadmin", pw])),
        ports: [{ internal: 9000, external: minioHostPort, ip: "127.0.0.1" }],
        networksAdvanced: [{ name: network.name, aliases: ["minio"] }],
        volumes: [{ volumeName: minioData.name, containerPath: "/data" }],
        // Silo's own readiness probe, built into its binary (no client needed in the image; `mc` is not there).
        // Durations in Go's form, as the Docker provider reads them back (no diff on the next preview).
        healthcheck: { tests: ["CMD", "silo", "healthcheck", "ready"], interval: goDuration(5), timeout: goDuration(5), retries: 12 },
        wait: true,
        waitTimeout: 180,
        restart: "unless-stopped",
    });

    const sqlImage = new docker.RemoteImage(`${prefix}-sqlserver-image`, { name: images.sqlServer ?? SQLSERVER_IMAGE, keepLocally: true });
    const sql = new docker.Container(`${prefix}-sqlserver`, {
        name: `${prefix}-sqlserver`,
        image: sqlImage.imageId,
        entrypoints: ["/bin/bash", "-c", SQL_STARTUP],
        envs: pulumi.secret(saPassword.result.apply((pw) => ["ACCEPT_EULA=Y", "MSSQL_PID=Developer", `MSSQL_SA_PASSWORD=${pw}`])),
        networksAdvanced: [{ name: network.name, aliases: ["sqlserver"] }],
        // Healthy only once the sample database exists, so the first backup has something to export.
        healthcheck: {
            tests: ["CMD-SHELL", `${SQLCMD} -P "$MSSQL_SA_PASSWORD" -Q "IF DB_ID('SampleDb') IS NULL RAISERROR('SampleDb not created yet', 16, 1)"`],
            interval: goDuration(5),
            timeout: goDuration(10),
            retries: 60,
            startPeriod: goDuration(20),
        },
        wait: true,
        waitTimeout: 300,
        restart: "unless-stopped",
    });

    return {
        network: network.name,
        // Derived from the containers' ids: whatever uses these waits until both are healthy.
        minioServer: minio.id.apply(() => `localhost:${minioHostPort}`),
        minioEndpoint: "http://minio:9000",
        minioAdminUser: "minioadmin",
        minioAdminPassword: minioPassword.result,
        sqlHost: sql.id.apply(() => "sqlserver"),
        sqlPassword: saPassword.result,
        sqlDatabase: "SampleDb",
    };
}
