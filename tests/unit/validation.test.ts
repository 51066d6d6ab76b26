import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup, SqlServerBackupArgs, SqlServerBackupArgsError } from "../../components";
import { secretProblem } from "../../components/args/rules";
import { validArgs } from "./helpers/fixtures";
import { useMocks, valueOf } from "./helpers/mocks";

type Case = [title: string, field: string, change: (a: SqlServerBackupArgs) => void, expect: RegExp];

const db = (a: SqlServerBackupArgs) => a.databases[0];

/** Each bad input, the field the error must name, and words the fix must contain. */
const BAD_INPUTS: Case[] = [
    ["no databases", "databases", (a) => (a.databases = []), /at least one/],
    ["a model name GoBackup would lower-case", "databases[0].name", (a) => (db(a).name = "Orders"), /lower-case/],
    ["two databases with the same name", "databases[1].name", (a) => (a.databases[1].name = "orders"), /distinct name/],
    ["names that give the same password variable", "databases[1].name", (a) => {
        db(a).name = "orders-eu";
        a.databases[1].name = "orders_eu";
    }, /MSSQL_PASSWORD_ORDERS_EU/],
    ["a host with a space", "databases[0].host", (a) => (db(a).host = "sql server"), /whitespace/],
    ["a host with the port after a comma", "databases[0].host", (a) => (db(a).host = "sql,1433"), /port/],
    ["port 0", "databases[0].port", (a) => (db(a).port = 0), /1 to 65535/],
    ["port 70000", "databases[0].port", (a) => (db(a).port = 70000), /1 to 65535/],
    ["a database name with a space", "databases[0].database", (a) => (db(a).database = "My Orders"), /whitespace/],
    ["a database name with $", "databases[0].database", (a) => (db(a).database = "Orders$1"), /expands/],
    ["a user name with a tab", "databases[0].username", (a) => (db(a).username = "sa\tx"), /whitespace/],
    ["a password with a space", "databases[0].password", (a) => (db(a).password = "two words"), /splits its sqlpackage command/],
    ["a password with U+FFFE, which GoBackup's YAML loader refuses", "databases[0].password", (a) => (db(a).password = "pa\uFFFEss"), /U\+FFFE/],
    ["a password with a line separator", "databases[0].password", (a) => (db(a).password = "pa\u2028ss"), /U\+2028/],
    ["a password with a double quote", "databases[0].password", (a) => (db(a).password = 'pa"ss'), /double quote/],
    ["a password with a backslash", "databases[0].password", (a) => (db(a).password = "pa\\ss"), /backslash/],
    ["a password with a newline", "databases[0].password", (a) => (db(a).password = "pa\nss"), /line breaks/],
    ["a password with a control character", "databases[0].password", (a) => (db(a).password = "pa\u0007ss"), /control/],
    ["an empty password", "databases[0].password", (a) => (db(a).password = ""), /empty/],
    ["an extra argument with a space", "databases[0].extraArgs[0]", (a) => (db(a).extraArgs = ["/p:A=B C"]), /whitespace/],
    ["an extra argument the component owns", "databases[0].extraArgs[0]", (a) => (db(a).extraArgs = ["/SourcePassword:x"]), /use password/],
    ["an extra argument without a slash", "databases[0].extraArgs[0]", (a) => (db(a).extraArgs = ["p:A=B"]), /\/Name:value/],
    ["a six-field cron", "schedule.cron", (a) => (a.schedule = { cron: "0 0 2 * * *" }), /exactly 5/],
    ["a cron hour of 25", "schedule.cron", (a) => (a.schedule = { cron: "0 25 * * *" }), /above maximum/],
    ["weekday 7, which Kubernetes and the agent's scheduler refuse", "schedule.cron", (a) => (a.schedule = { cron: "0 2 * * 7" }), /maximum \(6\)/],
    ["a cron that never runs", "schedule.cron", (a) => (a.schedule = { cron: "0 0 30 2 *" }), /never runs/],
    ["an unknown time zone", "schedule.timeZone", (a) => (a.schedule = { timeZone: "Moon/Base" }), /IANA/],
    ["a time zone in the wrong case, which Go cannot load", "schedule.timeZone", (a) => (a.schedule = { timeZone: "europe/berlin" }), /Europe\/Berlin/],
    ["an endpoint without scheme", "storage.endpoint", (a) => (a.storage.endpoint = "minio:9000"), /http:\/\/minio:9000/],
    ["an endpoint with a path", "storage.endpoint", (a) => (a.storage.endpoint = "http://minio:9000/bucket"), /no path/],
    ["a bucket name with capitals", "storage.bucket.name", (a) => (a.storage.bucket = { name: "SQL_Backups" }), /lower-case/],
    ["a bucket name like an IP address", "storage.bucket.name", (a) => (a.storage.bucket = { name: "192.168.1.10" }), /IP address/],
    ["a prefix with a leading slash", "storage.prefix", (a) => (a.storage.prefix = "/backups"), /leading or trailing/],
    ["a prefix with ..", "storage.prefix", (a) => (a.storage.prefix = "backups/../other"), /".."/],
    ["a prefix with a wildcard", "storage.prefix", (a) => (a.storage.prefix = "backups/*"), /segments/],
    ["keep 0", "storage.keep", (a) => (a.storage.keep = 0), /1 to 10000/],
    ["keep 2.5", "storage.keep", (a) => (a.storage.keep = 2.5), /whole number/],
    ["an age cap on current archives (it would delete the newest verified backups once backups stop)", "storage.bucket.maxAgeDays", (a) => {
        a.storage.bucket = { name: "sql-backups", maxAgeDays: 400 };
    }, /was removed: .*storage\.keepDaily/],
    ["a negative calendar tier", "storage.keepMonthly", (a) => (a.storage.keepMonthly = -1), /0 to 10000/],
    ["keepFailed 1.5", "storage.keepFailed", (a) => (a.storage.keepFailed = 1.5), /whole number/],
    ["a deployment id with a line break", "deploymentId", (a) => (a.deploymentId = "shop/prod\norders"), /printable/],
    ["an empty takeOverFrom is fine, one with a trailing space is not", "storage.takeOverFrom", (a) => (a.storage.takeOverFrom = "shop/old "), /leading or trailing/],
    // The mistakes a user's second day found passing preview and failing at up or at 2 AM (issue 24).
    ["virtual-hosted addressing on a single-label host", "storage.pathStyle", (a) => {
        a.storage.endpoint = "http://minio:9000";
        a.storage.pathStyle = false;
    }, /single-label host "minio".*pathStyle: true/],
    ["virtual-hosted addressing on an IP address", "storage.pathStyle", (a) => {
        a.storage.endpoint = "http://10.0.0.5:9000";
        a.storage.pathStyle = false;
    }, /IP address \(10\.0\.0\.5\).*pathStyle: true/],
    ["an endpoint with a trailing space", "storage.endpoint", (a) => (a.storage.endpoint = "http://minio.internal:9000 "), /without leading or trailing spaces/],
    ["an endpoint with a leading space", "storage.endpoint", (a) => (a.storage.endpoint = " http://minio.internal:9000"), /without leading or trailing spaces/],
    ["a registry user name without its password", "image.build.registry.password", (a) => (a.image = { build: { registry: { server: "registry.example.com", username: "ci" } } }), /give both/],
    ["a registry password without its user name", "image.build.registry.username", (a) => (a.image = { build: { registry: { server: "registry.example.com", password: "token" } } }), /give both/],
    ["an image repository with capitals", "image.build.repository", (a) => (a.image = { build: { repository: "SqlServer-Backup" } }), /lower-case/],
    ["a Go proxy without a scheme", "image.build.goProxy", (a) => (a.image = { build: { goProxy: "goproxy.example.com,direct" } }), /with its scheme/],
    ["a base image that is not Debian or Ubuntu (the Dockerfile uses apt)", "image.build.baseImage", (a) => (a.image = { build: { baseImage: `alpine:3.20@sha256:${"a".repeat(64)}` } }), /Ubuntu or Debian.*apt-get/],
    ["an extra host not in host:ip form", "image.build.addHosts[0]", (a) => (a.image = { build: { addHosts: ["mirror.internal=10.0.0.5"] } }), /host:ip/],
    ["a Kubernetes image with no registry (pulled from Docker Hub's library)", "image.ref", (a) => {
        a.image = { ref: `sqlserver-backup@sha256:${"a".repeat(64)}` };
        a.target = { kubernetes: { namespace: "backups" } };
    }, /names no registry/],
    ["a compression option sqlpackage does not have", "databases[0].extraArgs[0]", (a) => (db(a).extraArgs = ["/p:CompressionOption=Fastest"]), /Normal, Maximum, Fast, SuperFast, NotCompressed/],
    ["negative retention", "storage.bucket.retentionDays", (a) => (a.storage.bucket = { retentionDays: -1 }), /0 to 36500/],
    ["both retentionDays and its old name", "storage.bucket.noncurrentVersionRetentionDays", (a) => (a.storage.bucket = { retentionDays: 7, noncurrentVersionRetentionDays: 7 }), /old name/],
    ["both admin and provider", "storage.admin", (a) => (a.storage.provider = {} as never), /exactly one/],
    ["neither admin, provider nor credentials", "storage.admin", (a) => (a.storage.admin = undefined), /exactly one/],
    ["both admin and existing credentials", "storage.admin", (a) => (a.storage.credentials = { accessKeyId: "k", secretAccessKey: "s" }), /exactly one/],
    ["existing credentials without a bucket name", "storage.bucket.name", (a) => {
        a.storage.admin = undefined;
        a.storage.bucket = undefined;
        a.storage.credentials = { accessKeyId: "backup-user", secretAccessKey: "backup-secret" };
    }, /existing bucket/],
    ["existing credentials with a user name to create", "storage.userName", (a) => {
        a.storage.admin = undefined;
        a.storage.userName = "orders-backup";
        a.storage.credentials = { accessKeyId: "backup-user", secretAccessKey: "backup-secret" };
    }, /already exists/],
    ["an existing secret key with a space", "storage.credentials.secretAccessKey", (a) => {
        a.storage.admin = undefined;
        a.storage.credentials = { accessKeyId: "backup-user", secretAccessKey: "two words" };
    }, /spaces/],
    ["an admin server with scheme", "storage.admin.server", (a) => (a.storage.admin!.server = "http://localhost:9000"), /host:port/],
    ["an existing bucket without a name", "storage.bucket.name", (a) => (a.storage.bucket = { create: false }), /which bucket/],
    ["retention on a bucket the component does not own", "storage.bucket.retentionDays", (a) => {
        a.storage.bucket = { create: false, name: "shared", retentionDays: 30 };
    }, /does not own/],
    ["restore keys in provisioned mode", "storage.restoreCredentials", (a) => (a.storage.restoreCredentials = { accessKeyId: "r", secretAccessKey: "s" }), /creates the restore user itself/],
    ["the same name for the backup and the restore user", "storage.restoreUserName", (a) => {
        a.storage.userName = "orders-backup";
        a.storage.restoreUserName = "orders-backup";
    }, /must differ/],
    ["a database name written with brackets", "databases[0].database", (a) => (db(a).database = "[Orders]"), /without brackets \(Orders\)/],
    ["a Windows login, which SQL authentication cannot use", "databases[0].username", (a) => (db(a).username = "CORP\\svc-backup"), /Windows login/],
    ["a region with capitals", "storage.region", (a) => (a.storage.region = "US-East"), /region/],
    ["GoBackup's web UI, which the agent replaced", "webUi.enabled", (a) => (a.webUi = { enabled: true }), /was removed/],
    ["both an image build and a reference", "image", (a) => (a.image = { build: {}, ref: "registry.example.com/x:1" }), /exactly one of image.build/],
    ["a pin that is not a checksum", "image.build.gobackup", (a) => (a.image = { build: { gobackup: { version: "3.1.1", url: "https://example.invalid/g.tgz", sha256: "" } } }), /64 lower-case hex/],
    ["a NetworkPolicy CIDR that is not one", "target.kubernetes.networkPolicy.minio.cidrs[0]", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", networkPolicy: { sqlServer: { cidrs: ["10.0.5.0/24"] }, minio: { cidrs: ["minio.svc"] } } } };
    }, /CIDR block/],
    ["a NetworkPolicy peer with nothing to match", "target.kubernetes.networkPolicy.sqlServer", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", networkPolicy: { sqlServer: {}, minio: { cidrs: ["10.0.9.0/24"] } } } };
    }, /podLabels/],
    ["a pod grace the Job's deadline would cut short", "target.kubernetes.shutdownGraceSeconds", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", activeDeadlineSeconds: 600, shutdownGraceSeconds: 600 } };
    }, /not below activeDeadlineSeconds \(600\)/],
    ["a fleet window on a schedule that cannot be shifted", "target.kubernetes.fleet.windowMinutes", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.schedule = { cron: "*/15 * * * *" };
        a.target = { kubernetes: { namespace: "backup", fleet: { perDatabase: true, windowMinutes: 30 } } };
    }, /daily .* or hourly/],
    ["a fleet window longer than an hourly schedule's hour", "target.kubernetes.fleet.windowMinutes", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.schedule = { cron: "15 * * * *" };
        a.target = { kubernetes: { namespace: "backup", fleet: { perDatabase: true, windowMinutes: 90 } } };
    }, /at most 60/],
    ["a fleet window without per-database CronJobs", "target.kubernetes.fleet.windowMinutes", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", fleet: { windowMinutes: 60 } } };
    }, /perDatabase: true/],
    ["no slot per SQL Server at all", "target.kubernetes.fleet.maxConcurrentPerHost", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", fleet: { perDatabase: true, maxConcurrentPerHost: 0 } } };
    }, /1/],
    ["a monitor start deadline shorter than an image pull", "target.kubernetes.monitor.startDeadlineSeconds", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", monitor: { startDeadlineSeconds: 10 } } };
    }, /60/],
    ["a namespace Kubernetes refuses", "target.kubernetes.namespace", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "Backups_Prod" } };
    }, /lower-case/],
    ["a container name Docker refuses", "target.docker.containerName", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { docker: { containerName: "orders backup" } };
    }, /letters, digits/],
    ["both targets", "target", (a) => (a.target = { docker: {}, kubernetes: { namespace: "backup" } }), /exactly one of target.docker/],
    ["the old target shape", "target.kind", (a) => (a.target = { kind: "docker" } as never), /target: \{ docker: \{ ... \} \}/],
    ["a Kubernetes target with an image that never leaves this machine", "image", (a) => (a.target = { kubernetes: { namespace: "backup" } }), /image\.ref .* or image\.build\.registry/],
    ["a Kubernetes target building without a registry", "image", (a) => {
        a.image = { build: {} };
        a.target = { kubernetes: { namespace: "backup" } };
    }, /cannot pull an image/],
    ...(
        [
            ["a memory limit written as 10GB", "limits", "memory", "10GB", /not a Kubernetes quantity/],
            ["a memory limit with a space", "limits", "memory", "10 Gi", /not a Kubernetes quantity/],
            ["a negative cpu request", "requests", "cpu", "-1", /must not be negative/],
        ] as const
    ).map(([title, side, kind, value, expect]): Case => [
        title,
        `target.kubernetes.resources.${side}.${kind}`,
        (a) => {
            a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
            a.target = { kubernetes: { namespace: "backup", resources: { [side]: { [kind]: value } } } };
        },
        expect,
    ]),
    ["a request above its limit", "target.kubernetes.resources.requests.memory", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", resources: { requests: { memory: "8Gi" }, limits: { memory: "4Gi" } } } };
    }, /above the limit 4Gi/],
    ["a workdir size limit Kubernetes cannot read", "target.kubernetes.workdirSizeLimit", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", workdirSizeLimit: "20 GB" } };
    }, /not a Kubernetes quantity/],
    ["a negative backoffLimit", "target.kubernetes.backoffLimit", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", backoffLimit: -1 } };
    }, /0 to 100/],
    ["a zero activeDeadlineSeconds, which the API server refuses", "target.kubernetes.activeDeadlineSeconds", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", activeDeadlineSeconds: 0 } };
    }, /1 to 2147483647/],
    ["a negative TTL", "target.kubernetes.ttlSecondsAfterFinished", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", ttlSecondsAfterFinished: -5 } };
    }, /0 to/],
    ["a history limit that is not a number of Jobs", "target.kubernetes.historyLimits.failed", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", historyLimits: { failed: 2.5 } } };
    }, /whole number/],
    ["a PVC name Kubernetes refuses", "target.kubernetes.persistentVolumeClaim", (a) => {
        a.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        a.target = { kubernetes: { namespace: "backup", persistentVolumeClaim: "Backup_PVC" } };
    }, /lower-case/],
    ["a Docker network name Docker refuses", "target.docker.networks[0]", (a) => (a.target = { docker: { networks: ["back end"] } }), /Docker network name/],
    ["a log size Docker cannot read", "target.docker.logRotation.maxSize", (a) => (a.target = { docker: { logRotation: { maxSize: "10 megabytes", maxFiles: 3 } } }), /positive size/],
    ["zero log files", "target.docker.logRotation.maxFiles", (a) => (a.target = { docker: { logRotation: { maxSize: "10m", maxFiles: 0 } } }), /1 to 1000/],
    ["negative local copies", "localCopies", (a) => (a.localCopies = -1), /0 to 1000/],
    ["a drill without a target", "drill", (a) => (a.drill = { schedule: "0 6 * * 0", server: { host: "scratch", password: "Pa55-word" } }), /needs a target/],
    ["a drill schedule robfig/cron refuses", "drill.schedule", (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 8", server: { host: "scratch", password: "Pa55-word" } })), /day/],
    [
        "a drill database name template without {timestamp}",
        "drill.databaseNameTemplate",
        (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 0", databaseNameTemplate: "{database}_drill", server: { host: "scratch", password: "Pa55-word" } })),
        /must contain \{timestamp\}/,
    ],
    [
        "a drill template giving a name SQL Server does not take unquoted",
        "drill.databaseNameTemplate",
        (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 0", databaseNameTemplate: "drill {database} {timestamp}", server: { host: "scratch", password: "Pa55-word" } })),
        /gives "drill Orders 20261206T060000Z" for orders/,
    ],
    ["a drill of a database that is not backed up", "drill.databases", (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 0", databases: ["sales"], server: { host: "scratch", password: "Pa55-word" } })), /"sales" is not one of the databases/],
    ["a drill check that does not exist", "drill.checks", (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 0", checks: ["verifyonly"], server: { host: "scratch", password: "Pa55-word" } })), /"verifyonly" is not a check/],
    ["a drill timeout under a minute", "drill.timeoutSeconds", (a) => ((a.target = { docker: {} }), (a.drill = { schedule: "0 6 * * 0", timeoutSeconds: 30, server: { host: "scratch", password: "Pa55-word" } })), /60 to/],
];

function problemsOf(error: unknown): { field: string; message: string }[] {
    assert.ok(error instanceof SqlServerBackupArgsError, `expected SqlServerBackupArgsError, got ${error}`);
    return error.problems;
}

describe("argument validation", () => {
    useMocks();

    it(`has a table of ${BAD_INPUTS.length} bad inputs`, () => assert.ok(BAD_INPUTS.length >= 20));

    for (const [title, field, change, expected] of BAD_INPUTS) {
        it(`rejects ${title} at construction, naming ${field}`, () => {
            const args = validArgs();
            change(args);
            let thrown: unknown;
            try {
                new SqlServerBackup("orders", args);
            } catch (err) {
                thrown = err;
            }
            const problems = problemsOf(thrown);
            const problem = problems.find((p) => p.field === field);
            assert.ok(problem, `no problem names ${field}: ${JSON.stringify(problems)}`);
            assert.match(problem.message, expected);
        });
    }

    it("refuses a CA certificate whose PEM markers hold something else, naming storage.caCertificate", async () => {
        const args = validArgs();
        args.storage.caCertificate = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        assert.throws(() => new SqlServerBackup("orders", args), (err: unknown) => {
            const problem = problemsOf(err).find((p) => p.field === "storage.caCertificate");
            return problem !== undefined && /not an X\.509 certificate/.test(problem.message);
        });
    });

    it("refuses a second Docker component on one host with the same metrics port, naming the first", () => {
        const withMetrics = (name: string) => {
            const args = validArgs();
            args.target = { docker: { metrics: { port: 9464 } } };
            return new SqlServerBackup(name, args);
        };
        withMetrics("orders");
        assert.throws(() => withMetrics("billing"), (err: unknown) => {
            const problem = problemsOf(err).find((p) => p.field === "target.docker.metrics.port");
            return problem !== undefined && /already published on this Docker host by SqlServerBackup "orders"/.test(problem.message);
        });
    });

    it("accepts the valid fixture", () => {
        assert.doesNotThrow(() => new SqlServerBackup("orders", validArgs()));
    });

    it("lists every problem at once, not only the first", () => {
        const args = validArgs();
        db(args).port = 0;
        args.storage.keep = 0;
        try {
            new SqlServerBackup("orders", args);
            assert.fail("should throw");
        } catch (err) {
            assert.deepStrictEqual(problemsOf(err).map((p) => p.field).sort(), ["databases[0].port", "storage.keep"]);
            assert.match((err as Error).message, /SqlServerBackup "orders" has invalid arguments/);
        }
    });

    it("never repeats the rejected password in the error", () => {
        const args = validArgs();
        db(args).password = 'leak-me"now';
        assert.throws(() => new SqlServerBackup("orders", args), (err: Error) => !err.message.includes("leak-me"));
    });

    it("rejects a bad value given as an Output once it resolves (the preview fails)", async () => {
        const args = validArgs();
        db(args).host = pulumi.output("bad host");
        const backup = new SqlServerBackup("orders", args);
        await assert.rejects(valueOf(backup.config), (err: Error) => err instanceof SqlServerBackupArgsError && /databases\[0\]\.host/.test(err.message));
    });

    it("rejects a bad secret password given as an Output once it resolves", async () => {
        const args = validArgs();
        db(args).password = pulumi.secret('bad"secret');
        const backup = new SqlServerBackup("orders", args);
        await assert.rejects(valueOf(backup.environment), /databases\[0\]\.password/);
    });

    it("accepts what the engines accept: a PVC named backup.pvc, backoffLimit 0, quantities in every suffix", () => {
        const args = validArgs();
        args.image = { ref: "registry.example.com/sqlserver-backup:1.0" };
        args.target = { kubernetes: { namespace: "backup", persistentVolumeClaim: "backup.pvc", backoffLimit: 0, resources: { requests: { cpu: "0.5", memory: "1.5Gi" }, limits: { cpu: "2000m", memory: "1e10" } } } };
        assert.doesNotThrow(() => new SqlServerBackup("orders", args));
    });

    it("allows $ and ' in passwords: env references are expanded once and pasted verbatim", () => {
        assert.strictEqual(secretProblem("P@$$w0rd'x"), undefined);
    });
});
