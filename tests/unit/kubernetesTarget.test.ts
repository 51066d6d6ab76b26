import * as assert from "assert";
import * as YAML from "yaml";
import { KubernetesTargetArgs, SqlServerBackup, SqlServerBackupArgs } from "../../components";
import * as scheduleMath from "../../components/args/scheduleMath";
import { kubernetesNames } from "../../components/plan/naming";
import { ADMIN_PASSWORD, BILLING_PASSWORD, ORDERS_PASSWORD, validArgs } from "./helpers/fixtures";
import { assertNoPlainSecrets, RecordedResource, secretInput, settle, useMocks, valueOf, withUnpatchedMocks } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;

function k8sArgs(extra: Partial<KubernetesTargetArgs> = {}): SqlServerBackupArgs {
    return {
        ...validArgs(),
        image: { ref: IMAGE },
        target: {
            kubernetes: {
                namespace: "backup",
                networkPolicy: { sqlServer: { cidrs: ["10.0.0.0/24"] }, minio: { namespaceLabels: { "kubernetes.io/metadata.name": "storage" }, podLabels: { app: "minio" } } },
                ...extra,
            },
        },
    };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const one = (resources: RecordedResource[], type: string) => {
    const found = resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
};

describe("kubernetes target (mocked engine)", () => {
    const resources = useMocks();

    async function deploy(args = k8sArgs()): Promise<{ backup: SqlServerBackup; cronJob: Json }> {
        const backup = new SqlServerBackup("orders", args);
        await valueOf(backup.commands);
        await settle();
        return { backup, cronJob: one(resources, "kubernetes:batch/v1:CronJob").inputs };
    }
    const podSpec = (cronJob: Json) => cronJob.spec.jobTemplate.spec.template.spec;
    const container = (cronJob: Json) => podSpec(cronJob).containers[0];
    const envOf = (cronJob: Json) => Object.fromEntries((container(cronJob).env as Json[]).map((e) => [e.name, e.value]));

    it("creates the backup and the restore credentials Secrets (their data applied in place), service accounts without tokens, a CronJob, the monitor and a NetworkPolicy", async () => {
        await deploy();
        const kinds = resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read).map((r) => r.type).sort();
        assert.deepStrictEqual(kinds, [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:CronJob",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:SecretPatch",
            "kubernetes:core/v1:SecretPatch",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        ]);
        for (const r of resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read)) assert.strictEqual((r.inputs.metadata as Json).namespace, "backup");
        for (const account of resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount")) assert.strictEqual(account.inputs.automountServiceAccountToken, false);
    });

    it("reads the namespace when it is not created, so a missing one fails the preview before anything is created", async () => {
        await deploy();
        const namespace = one(resources, "kubernetes:core/v1:Namespace");
        assert.strictEqual(namespace.read, true, "read, not created");
        const namespaceIndex = resources.indexOf(namespace);
        for (const r of resources.filter((r) => r.type.startsWith("minio:") || r.type.startsWith("kubernetes:batch"))) {
            assert.ok(resources.indexOf(r) > namespaceIndex, `${r.type} is registered before the namespace check`);
        }
    });

    it("creates the namespace enforcing the restricted Pod Security Standard when asked", async () => {
        await deploy(k8sArgs({ createNamespace: true }));
        const namespace = one(resources, "kubernetes:core/v1:Namespace").inputs.metadata as Json;
        assert.deepStrictEqual(namespace, {
            name: "backup",
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        });
    });

    it("schedules the CronJob field by field from the args and production defaults", async () => {
        const { cronJob } = await deploy();
        const spec = cronJob.spec;
        assert.strictEqual(spec.schedule, "30 1 * * *");
        assert.strictEqual(spec.timeZone, "Europe/Berlin");
        assert.strictEqual(spec.concurrencyPolicy, "Allow", "the bucket lease keeps runs apart; Forbid lets a pod that cannot start hold the schedule");
        assert.strictEqual(spec.startingDeadlineSeconds, 600);
        assert.strictEqual(spec.successfulJobsHistoryLimit, 3);
        assert.strictEqual(spec.failedJobsHistoryLimit, 5);
        assert.strictEqual(spec.suspend, false);
        assert.strictEqual(spec.jobTemplate.spec.backoffLimit, 1);
        assert.strictEqual(spec.jobTemplate.spec.activeDeadlineSeconds, 21600);
        assert.strictEqual(spec.jobTemplate.spec.ttlSecondsAfterFinished, 604800);
        assert.strictEqual(podSpec(cronJob).restartPolicy, "Never");
        assert.strictEqual(podSpec(cronJob).automountServiceAccountToken, false);
        assert.deepStrictEqual(container(cronJob).args, ["tick"]);
        assert.strictEqual(container(cronJob).image, IMAGE);
    });

    it("runs the pod restricted: non-root uid 10001, read-only root, no escalation, no capabilities, RuntimeDefault seccomp", async () => {
        const { cronJob } = await deploy();
        assert.deepStrictEqual(podSpec(cronJob).securityContext, {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepStrictEqual(container(cronJob).securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("mounts the credentials read-only as files, an emptyDir workdir sized for the data, and writable /tmp and HOME", async () => {
        const { cronJob } = await deploy();
        assert.deepStrictEqual(container(cronJob).volumeMounts, [
            { name: "credentials", mountPath: "/run/secrets/sqlserver-backup", readOnly: true },
            { name: "workdir", mountPath: "/tmp/gobackup" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "home", mountPath: "/home/sqlbackup" },
        ]);
        const volumes = podSpec(cronJob).volumes as Json[];
        assert.deepStrictEqual(volumes.find((v) => v.name === "workdir"), { name: "workdir", emptyDir: { sizeLimit: "20Gi" } });
        assert.deepStrictEqual(volumes.find((v) => v.name === "credentials"), { name: "credentials", projected: { defaultMode: 0o440, sources: [{ secret: { name: "orders-credentials" } }] } });
    });

    it("uses a PVC for the workdir when asked, by any name Kubernetes accepts (a DNS subdomain such as backup.pvc)", async () => {
        const { cronJob } = await deploy(k8sArgs({ persistentVolumeClaim: "backup.pvc" }));
        assert.deepStrictEqual((podSpec(cronJob).volumes as Json[]).find((v) => v.name === "workdir"), { name: "workdir", persistentVolumeClaim: { claimName: "backup.pvc" } });
    });

    it("sets resource requests and limits with defaults, overridable by arg", async () => {
        const { cronJob } = await deploy();
        assert.deepStrictEqual(container(cronJob).resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } });
        resources.length = 0;
        const { cronJob: tuned } = await deploy(k8sArgs({ resources: { limits: { memory: "8Gi", cpu: "2" } } }));
        assert.deepStrictEqual(container(tuned).resources.limits, { memory: "8Gi", cpu: "2" });
    });

    it("lowers the default memory request to a smaller limit, as Kubernetes refuses a request above its limit", async () => {
        const { cronJob } = await deploy(k8sArgs({ resources: { limits: { memory: "512Mi" } } }));
        assert.deepStrictEqual(container(cronJob).resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "512Mi" } });
    });

    it("registers under the SDK's own mocks (no registerResourceHook), as consumers' unit tests run it", async () => {
        await withUnpatchedMocks(async () => {
            const args = k8sArgs();
            args.restore = { id: "incident-1", database: "orders", target: { host: "sql.internal", database: "Orders_Restored", password: "target-Pa55" } };
            const backup = new SqlServerBackup("orders", args);
            await valueOf(backup.commands);
            await settle();
            assert.ok(resources.some((r) => r.type === "kubernetes:batch/v1:Job"), "the restore Job never registered");
            assert.ok(resources.some((r) => r.type === "kubernetes:core/v1:SecretPatch" && secretInput(r.inputs.data) !== undefined));
        });
    });

    it("carries the rendered config and the time zone as plain env in the pod template, and credentials only as _FILE paths", async () => {
        const { cronJob, backup } = await deploy();
        const env = envOf(cronJob);
        assert.strictEqual(env.GOBACKUP_CONFIG_YAML, await valueOf(backup.config));
        assert.strictEqual(YAML.parse(env.GOBACKUP_CONFIG_YAML).models.orders.databases.orders.password, "${MSSQL_PASSWORD_ORDERS}");
        assert.strictEqual(env.TZ, "Europe/Berlin");
        assert.strictEqual(env.RUN_MODE, "once");
        assert.deepStrictEqual(
            Object.keys(env).filter((name) => name.endsWith("_FILE")),
            ["MINIO_ACCESS_KEY_FILE", "MINIO_SECRET_KEY_FILE", "MSSQL_PASSWORD_BILLING_FILE", "MSSQL_PASSWORD_ORDERS_FILE"],
        );
        assert.strictEqual(env.MINIO_FORCE_PATH_STYLE, "true");
        assert.strictEqual(env.BACKUP_KEEP, "7");
        assert.ok((container(cronJob).env as Json[]).every((e) => e.valueFrom === undefined), "no secret reaches the env");
    });

    it("applies the credentials in place to one Secret of a fixed name, so Jobs already created never lose it", async () => {
        const { backup } = await deploy();
        const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "orders-credentials")!.inputs;
        assert.strictEqual((secret.metadata as Json).name, "orders-credentials");
        assert.strictEqual(secret.data, undefined, "the Secret itself holds no data, so a password change never replaces it");
        const patch = resources.find((r) => r.type === "kubernetes:core/v1:SecretPatch" && r.name === "orders-credentials-data")!.inputs;
        assert.deepStrictEqual(patch.metadata, { name: "orders-credentials", namespace: "backup" });
        const data = secretInput(patch.data) as Record<string, string>;
        const expected = await valueOf(backup.environment);
        assert.deepStrictEqual(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])), expected);
    });

    it("keeps the read-only restore user's keys in a Secret of their own, never the backup user's", async () => {
        const { backup } = await deploy();
        const patch = resources.find((r) => r.type === "kubernetes:core/v1:SecretPatch" && r.name === "orders-restore-credentials-data")!.inputs;
        const data = secretInput(patch.data) as Record<string, string>;
        assert.deepStrictEqual(Object.keys(data), ["RESTORE_ACCESS_KEY", "RESTORE_SECRET_KEY"]);
        assert.strictEqual(Buffer.from(data.RESTORE_ACCESS_KEY, "base64").toString(), await valueOf(backup.restoreAccessKeyId));
        assert.notStrictEqual(await valueOf(backup.restoreAccessKeyId), await valueOf(backup.accessKeyId));
    });

    it("names every object deterministically, so the preview's commands are the ones that will work", async () => {
        const { backup } = await deploy();
        const name = (type: string) => (one(resources, type).inputs.metadata as Json).name;
        assert.strictEqual(name("kubernetes:batch/v1:CronJob"), "orders-backup");
        assert.deepStrictEqual(resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount").map((r) => (r.inputs.metadata as Json).name).sort(), ["orders-backup", "orders-monitor", "orders-restore"]);
        assert.strictEqual(name("kubernetes:networking.k8s.io/v1:NetworkPolicy"), "orders-backup");
        assert.strictEqual(await valueOf(backup.deployedName), "orders-backup");
    });

    it("derives names Kubernetes accepts from any component name: lower case, CronJob within 52, restore Job within 63", () => {
        const names = kubernetesNames("Orders-EU-West-Production-SqlServer-01");
        assert.strictEqual(names.cronJob.length <= 52, true, names.cronJob);
        assert.match(names.cronJob, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.match(names.cronJob, /-backup$/);
        assert.ok(names.restore("incident-2026-11-23").length <= 63, names.restore("incident-2026-11-23"));
        assert.strictEqual(names.instance, "orders-eu-west-production-sqlserver-01");
        assert.notStrictEqual(kubernetesNames(`${"a".repeat(60)}x`).cronJob, kubernetesNames(`${"a".repeat(60)}y`).cronJob, "shortened names stay distinct");
    });

    it("labels everything with app.kubernetes.io labels", async () => {
        const { cronJob } = await deploy();
        const labels = cronJob.spec.jobTemplate.spec.template.metadata.labels;
        assert.strictEqual(labels["app.kubernetes.io/name"], "sqlserver-backup");
        assert.strictEqual(labels["app.kubernetes.io/instance"], "orders");
        assert.strictEqual(labels["app.kubernetes.io/component"], "backup");
        assert.strictEqual(labels["app.kubernetes.io/managed-by"], "pulumi");
    });

    it("limits egress of backup and restore pods to DNS, SQL Server and MinIO, by CIDR or by pod and namespace selectors, and denies ingress", async () => {
        await deploy();
        const spec = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec as Json;
        assert.deepStrictEqual(spec.podSelector, {
            matchLabels: { "app.kubernetes.io/name": "sqlserver-backup", "app.kubernetes.io/instance": "orders" },
            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["backup", "restore"] }],
        });
        assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
        assert.deepStrictEqual(spec.ingress, []);
        assert.deepStrictEqual(spec.egress, [
            { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
            { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 1433 }, { protocol: "TCP", port: 14330 }] },
            {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "storage" } }, podSelector: { matchLabels: { app: "minio" } } }],
                ports: [{ protocol: "TCP", port: 9000 }],
            },
        ]);
    });

    it("takes the pod's port for a peer when given (a Service's DNAT changes it)", async () => {
        await deploy(k8sArgs({ networkPolicy: { sqlServer: { podLabels: { app: "mssql" }, ports: [31433] }, minio: { cidrs: ["10.0.9.0/24"], ports: [9443] } } }));
        const spec = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec as Json;
        assert.deepStrictEqual(spec.egress[1].ports, [{ protocol: "TCP", port: 31433 }]);
        assert.deepStrictEqual(spec.egress[2].ports, [{ protocol: "TCP", port: 9443 }]);
    });

    it("puts no secret value in any non-secret input", async () => {
        const { backup } = await deploy();
        const env = await valueOf(backup.environment);
        assertNoPlainSecrets(resources, [ORDERS_PASSWORD, BILLING_PASSWORD, ADMIN_PASSWORD, env.MINIO_SECRET_KEY]);
    });

    it("gives operators kubectl commands with the real names; a manual Job's name stays within 63 characters", async () => {
        const { backup } = await deploy();
        const commands = (await valueOf(backup.commands))!;
        assert.match(commands.backupNow, /^for c in \$\(kubectl --namespace backup get cronjobs --selector app\.kubernetes\.io\/instance=orders,app\.kubernetes\.io\/component=backup -o name\); do /);
        assert.match(commands.backupNow, /create job --from="\$c" "\$\{c#\*\/\}-\$\(date \+%s\)" --dry-run=client -o yaml \| sed -e '\/\^  ownerReferences:\/,\/\^    uid:\/d' -e 's\/\^\\\( \*\\\)- tick\$\/\\1- once\/' \| kubectl --namespace backup create -f -; done$/);
        assert.match(commands.logs, /--selector app\.kubernetes\.io\/instance=orders/);
        assert.match(commands.list, /^kubectl --namespace backup run orders-list-\$\(date \+%s\) --rm -i --restart=Never --image=registry\.example\.com/);
        assert.match(commands.list, /"secret":\{"name":"orders-restore-credentials","items":\[\{"key":"RESTORE_ACCESS_KEY"/, "manual restores and lists use the read-only identity");
        assert.match(commands.list, /"runAsNonRoot":true,"runAsUser":10001/, "the one-off pod is as restricted as the CronJob's");
        assert.match(commands.restore, /create secret generic orders-restore-target --from-file=RESTORE_TARGET_PASSWORD=<password-file>/);
        assert.doesNotMatch(commands.restore, /RESTORE_TARGET_PASSWORD=[^<]/);

        // A manual Job is `<cronjob>-<10 digits>`: within 63 for the longest CronJob name.
        const longest = kubernetesNames(`${"a".repeat(80)}`).cronJobOf("b".repeat(60));
        assert.ok(longest.length + 1 + 10 <= 63, `${longest}-<10 digits> is longer than 63`);
    });

    it("gives a stopped pod the agent's grace plus 30 s, and makes the agent's outcome the container's termination message", async () => {
        const { cronJob } = await deploy(k8sArgs({ shutdownGraceSeconds: 900 }));
        assert.strictEqual(podSpec(cronJob).terminationGracePeriodSeconds, 930);
        assert.strictEqual(container(cronJob).terminationMessagePolicy, "FallbackToLogsOnError");
        assert.strictEqual(envOf(cronJob).SHUTDOWN_GRACE_SECONDS, "900");
        assert.strictEqual(envOf(cronJob).TERMINATION_MESSAGE_PATH, "/dev/termination-log");
        resources.length = 0;
        const defaults = await deploy();
        assert.strictEqual(podSpec(defaults.cronJob).terminationGracePeriodSeconds, 630);
    });

    describe("fleet.perDatabase", () => {
        const fleet = () => k8sArgs({ fleet: { perDatabase: true, windowMinutes: 90, maxConcurrentPerHost: 2 } });
        const cronJobs = () => resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob").map((r) => r.inputs as Json);

        it("runs each database as its own CronJob with its own config and only its own password", async () => {
            await new SqlServerBackup("orders", fleet()).commands.apply(() => undefined);
            await settle();
            const jobs = cronJobs();
            assert.deepStrictEqual(jobs.map((j) => j.metadata.name).sort(), ["orders-billing-backup", "orders-orders-backup"]);
            for (const job of jobs) {
                const database = job.metadata.name === "orders-orders-backup" ? "orders" : "billing";
                const config = YAML.parse(envOf(job).GOBACKUP_CONFIG_YAML);
                assert.deepStrictEqual(Object.keys(config.models), [database], "the pod's config holds its database only");
                const items = podSpec(job).volumes[0].projected.sources[0].secret.items as Json[];
                assert.deepStrictEqual(items.map((i) => i.key), ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", `MSSQL_PASSWORD_${database.toUpperCase()}`]);
                assert.strictEqual(envOf(job).HOST_CONCURRENCY, "2");
            }
        });

        it("spreads the databases over the window at fixed offsets of their names, on the same cadence", async () => {
            await new SqlServerBackup("orders", fleet()).commands.apply(() => undefined);
            await settle();
            const schedules = cronJobs().map((j) => j.spec.schedule as string);
            for (const schedule of schedules) {
                const [minute, hour, ...rest] = schedule.split(" ");
                assert.deepStrictEqual(rest, ["*", "*", "*"], schedule);
                const offset = (Number(hour) * 60 + Number(minute) - (1 * 60 + 30) + 1440) % 1440;
                assert.ok(offset < 90, `${schedule} is not within 90 minutes after 01:30`);
            }
            // A daily cadence, shifted or not, is healthy for 26 h.
            assert.deepStrictEqual(cronJobs().map((j) => envOf(j).BACKUP_MAX_AGE_SECONDS), schedules.map(() => String(26 * 3600)));
            resources.length = 0;
            await new SqlServerBackup("orders", fleet()).commands.apply(() => undefined);
            await settle();
            assert.deepStrictEqual(cronJobs().map((j) => j.spec.schedule), schedules, "the same offsets every time");
        });

        it("builds 200 databases' CronJobs in seconds: the health limit is computed once, not per database", async function () {
            this.timeout(60000);
            // Counted, not only timed: the time-zone arithmetic cost 33 ms per database when
            // each computed it (9 to 10 s for 200), and a wall-clock bound alone fails on a
            // busy machine or passes a regression on a fast one.
            const patchable = scheduleMath as { maxBackupAgeSeconds: typeof scheduleMath.maxBackupAgeSeconds };
            const original = patchable.maxBackupAgeSeconds;
            let computed = 0;
            const counting: typeof original = (...args) => {
                computed++;
                return original(...args);
            };
            const build = async (count: number): Promise<{ computed: number; ms: number }> => {
                resources.length = 0;
                computed = 0;
                const many = k8sArgs({ fleet: { perDatabase: true, windowMinutes: 120 } });
                many.databases = Array.from({ length: count }, (_, i) => ({ name: `db${i}`, host: `sql${i % 20}.example.internal`, database: `Db${i}`, password: "Pa55word!x" }));
                const started = Date.now();
                await new SqlServerBackup("orders", many).commands.apply(() => undefined);
                await settle();
                assert.strictEqual(cronJobs().length, count);
                return { computed, ms: Date.now() - started };
            };
            patchable.maxBackupAgeSeconds = counting;
            try {
                const few = await build(2);
                const many = await build(200);
                assert.ok(few.computed > 0, "the count sees the computation");
                assert.strictEqual(many.computed, few.computed, "200 databases compute the health limit as often as 2");
                // The fleet bench's goal for a 200-database preview, with room for a busy machine.
                assert.ok(many.ms < 15000, `${many.ms} ms for 200 databases (about 3 s on an idle machine here)`);
            } finally {
                patchable.maxBackupAgeSeconds = original;
            }
        });

        it("lets the backup user lease slots per SQL Server in <prefix>/.hosts/, and nothing more without a cap", async () => {
            const backup = new SqlServerBackup("orders", fleet());
            const policy = JSON.parse(await valueOf(backup.backupPolicy));
            const slots = policy.Statement.find((s: Json) => s.Sid === "HoldHostSlots");
            assert.deepStrictEqual(slots.Resource, ["arn:aws:s3:::sql-backups/backups/sqlserver/.hosts/*"]);
            resources.length = 0;
            const plain = JSON.parse(await valueOf(new SqlServerBackup("plain", k8sArgs()).backupPolicy));
            assert.ok(!plain.Statement.some((s: Json) => /HostSlots/.test(s.Sid)));
        });
    });

    describe("the monitor", () => {
        it("serves the metrics of every run from the bucket with the read-only identity, and fails Jobs whose pods cannot start", async () => {
            await deploy(k8sArgs({ monitor: { startDeadlineSeconds: 180 } }));
            const deployment = one(resources, "kubernetes:apps/v1:Deployment").inputs as Json;
            assert.strictEqual(deployment.metadata.name, "orders-monitor");
            const pod = deployment.spec.template.spec;
            assert.deepStrictEqual(pod.containers[0].args, ["exporter"]);
            assert.strictEqual(pod.automountServiceAccountToken, true);
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(pod.volumes[0].projected.sources, [{ secret: { name: "orders-restore-credentials" } }], "the read-only identity only");
            const env = Object.fromEntries((pod.containers[0].env as Json[]).map((e) => [e.name, e.value]));
            assert.strictEqual(env.EXPORTER_MODELS, "orders,billing");
            assert.strictEqual(env.START_DEADLINE_SECONDS, "180");
            assert.strictEqual(env.WATCHDOG_SELECTOR, "app.kubernetes.io/instance=orders,app.kubernetes.io/component in (backup,restore)");
            const role = one(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").inputs as Json;
            assert.deepStrictEqual(role.rules, [
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
                { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "patch"] },
            ]);
            const service = one(resources, "kubernetes:core/v1:Service").inputs as Json;
            assert.strictEqual(service.metadata.annotations["prometheus.io/scrape"], "true");
            assert.deepStrictEqual(service.spec.ports, [{ name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" }]);
        });

        it("is left out when disabled", async () => {
            await deploy(k8sArgs({ monitor: { enabled: false } }));
            assert.ok(!resources.some((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type.startsWith("kubernetes:rbac")));
        });
    });
});
