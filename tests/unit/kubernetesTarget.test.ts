import * as assert from "assert";
import { SqlServerBackup, SqlServerBackupArgs } from "../../components";
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from "../../components/kubernetesTarget";
import { ADMIN_PASSWORD, BILLING_PASSWORD, ORDERS_PASSWORD, validArgs } from "./helpers/fixtures";
import { RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;

function k8sArgs(): SqlServerBackupArgs {
    return {
        ...validArgs(),
        image: { ref: IMAGE },
        target: { kind: "kubernetes", namespace: "backup", networkPolicy: { sqlServerCidrs: ["10.0.0.0/24"], minioCidrs: ["10.0.9.0/24"] } },
    };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const one = (resources: RecordedResource[], type: string) => {
    const found = resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type}`);
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

    it("creates a Secret, a ConfigMap, a ServiceAccount without token, a CronJob and a NetworkPolicy in the namespace", async () => {
        await deploy();
        const kinds = resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type).sort();
        assert.deepStrictEqual(kinds, [
            "kubernetes:batch/v1:CronJob",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        ]);
        for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) assert.strictEqual((r.inputs.metadata as Json).namespace, "backup");
        assert.strictEqual(one(resources, "kubernetes:core/v1:ServiceAccount").inputs.automountServiceAccountToken, false);
    });

    it("schedules the CronJob field by field from the args and production defaults", async () => {
        const { cronJob } = await deploy();
        const spec = cronJob.spec;
        assert.strictEqual(spec.schedule, "30 1 * * *");
        assert.strictEqual(spec.timeZone, "Europe/Berlin");
        assert.strictEqual(spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(spec.startingDeadlineSeconds, 600);
        assert.strictEqual(spec.successfulJobsHistoryLimit, 3);
        assert.strictEqual(spec.failedJobsHistoryLimit, 5);
        assert.strictEqual(spec.suspend, false);
        assert.strictEqual(spec.jobTemplate.spec.backoffLimit, 1);
        assert.strictEqual(spec.jobTemplate.spec.activeDeadlineSeconds, 21600);
        assert.strictEqual(spec.jobTemplate.spec.ttlSecondsAfterFinished, 604800);
        assert.strictEqual(podSpec(cronJob).restartPolicy, "Never");
        assert.strictEqual(podSpec(cronJob).automountServiceAccountToken, false);
        assert.deepStrictEqual(container(cronJob).args, ["once"]);
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

    it("mounts the config read-only, an emptyDir workdir sized for the data, and writable /tmp and HOME", async () => {
        const { cronJob } = await deploy();
        assert.deepStrictEqual(container(cronJob).volumeMounts, [
            { name: "config", mountPath: "/etc/gobackup/gobackup.yml", subPath: "gobackup.yml", readOnly: true },
            { name: "workdir", mountPath: "/tmp/gobackup" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "home", mountPath: "/home/sqlbackup" },
        ]);
        const volumes = podSpec(cronJob).volumes as Json[];
        assert.deepStrictEqual(volumes.find((v) => v.name === "workdir"), { name: "workdir", emptyDir: { sizeLimit: "20Gi" } });
    });

    it("uses a PVC for the workdir when asked", async () => {
        const args = k8sArgs();
        args.target = { kind: "kubernetes", namespace: "backup", persistentVolumeClaim: "backup-workdir" };
        const { cronJob } = await deploy(args);
        assert.deepStrictEqual((podSpec(cronJob).volumes as Json[]).find((v) => v.name === "workdir"), { name: "workdir", persistentVolumeClaim: { claimName: "backup-workdir" } });
    });

    it("sets resource requests and limits with defaults, overridable by arg", async () => {
        const { cronJob } = await deploy();
        assert.deepStrictEqual(container(cronJob).resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } });
        const args = k8sArgs();
        args.target = { kind: "kubernetes", namespace: "backup", resources: { limits: { memory: "8Gi", cpu: "2" } } };
        resources.length = 0;
        const { cronJob: tuned } = await deploy(args);
        assert.deepStrictEqual(container(tuned).resources.limits, { memory: "8Gi", cpu: "2" });
    });

    it("takes secrets only by reference from the Secret, which holds every variable the config needs", async () => {
        const { cronJob, backup } = await deploy();
        const env = container(cronJob).env as Json[];
        const secretRefs = env.filter((e) => e.valueFrom).map((e) => e.name);
        assert.deepStrictEqual(secretRefs, ["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MSSQL_PASSWORD_BILLING", "MSSQL_PASSWORD_ORDERS", "TZ"]);
        assert.ok(env.every((e) => e.valueFrom || !String(e.value).includes(ORDERS_PASSWORD)));
        assert.deepStrictEqual(env.find((e) => e.name === "RUN_MODE"), { name: "RUN_MODE", value: "once" });
        const secret = one(resources, "kubernetes:core/v1:Secret").inputs;
        assert.deepStrictEqual(secretInput(secret.stringData), await valueOf(backup.environment));
    });

    it("annotates the pod template with the config's checksum, which changes when the config changes", async () => {
        const { cronJob, backup } = await deploy();
        const annotation = cronJob.spec.jobTemplate.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
        assert.strictEqual(annotation, configChecksum(await valueOf(backup.config)));
        const changed = k8sArgs();
        changed.storage.keep = 8;
        resources.length = 0;
        const { cronJob: after } = await deploy(changed);
        assert.notStrictEqual(after.spec.jobTemplate.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION], annotation);
    });

    it("names neither the Secret, the ConfigMap nor the CronJob, so a changed secret or config updates the CronJob instead of recreating it", async () => {
        await deploy();
        for (const type of ["kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap", "kubernetes:batch/v1:CronJob"]) {
            assert.strictEqual((one(resources, type).inputs.metadata as Json).name, undefined, type);
        }
    });

    it("labels everything with app.kubernetes.io labels", async () => {
        const { cronJob } = await deploy();
        const labels = cronJob.spec.jobTemplate.spec.template.metadata.labels;
        assert.strictEqual(labels["app.kubernetes.io/name"], "sqlserver-backup");
        assert.strictEqual(labels["app.kubernetes.io/instance"], "orders");
        assert.strictEqual(labels["app.kubernetes.io/component"], "backup");
        assert.strictEqual(labels["app.kubernetes.io/managed-by"], "pulumi");
    });

    it("limits egress to DNS, the SQL Server ports and MinIO, and denies ingress", async () => {
        await deploy();
        const spec = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec as Json;
        assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
        assert.deepStrictEqual(spec.ingress, []);
        assert.deepStrictEqual(spec.egress, [
            { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
            { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 1433 }, { protocol: "TCP", port: 14330 }] },
            { to: [{ ipBlock: { cidr: "10.0.9.0/24" } }], ports: [{ protocol: "TCP", port: 9000 }] },
        ]);
    });

    it("puts no secret value in any non-secret input", async () => {
        const { backup } = await deploy();
        const env = await valueOf(backup.environment);
        for (const resource of resources) {
            const plain = JSON.stringify(resource.inputs, (_, value) => (value && value["4dabf18193072939515e22adb298388d"] ? "[secret]" : value));
            for (const secret of [ORDERS_PASSWORD, BILLING_PASSWORD, ADMIN_PASSWORD, env.MINIO_SECRET_KEY]) {
                assert.ok(!plain.includes(secret), `${resource.type} ${resource.name} holds a secret in plain text`);
            }
        }
    });

    it("gives operators kubectl commands to back up now, read logs and see jobs", async () => {
        const { backup } = await deploy();
        const commands = await valueOf(backup.commands);
        assert.match(commands!.backupNow, /^kubectl --namespace backup create job --from=cronjob\/orders-backup\S* orders-backup\S*-manual-\$\(date \+%s\)$/);
        assert.match(commands!.logs, /--selector app\.kubernetes\.io\/instance=orders/);
    });
});
