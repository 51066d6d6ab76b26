import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DrillArgs, SqlServerBackup, SqlServerBackupArgs } from "../../components";
import { drillSettings } from "../../components/plan/drill";
import { validArgs, validSettings } from "./helpers/fixtures";
import { assertNoPlainSecrets, envMap, RecordedResource, secretInput, settle, useMocks, valueOf } from "./helpers/mocks";

const IMAGE = `registry.example.com/sqlserver-backup@sha256:${"c".repeat(64)}`;
const DRILL_PASSWORD = "Drill-Pa55-word-9f2";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function drillArgs(): DrillArgs {
    return { schedule: "0 6 * * 0", server: { host: "sql-scratch.internal", password: pulumi.secret(DRILL_PASSWORD), trustServerCertificate: true } };
}

describe("restore drills (mocked engine)", () => {
    const resources = useMocks();
    const ofType = (type: string) => resources.filter((r: RecordedResource) => r.type === type);

    async function deploy(args: SqlServerBackupArgs): Promise<SqlServerBackup> {
        const backup = new SqlServerBackup("orders", args);
        await valueOf(backup.commands);
        await settle();
        return backup;
    }

    it("stale after the schedule's longest gap plus each database's drill time, unless maxAgeSeconds says otherwise", () => {
        const weekly = drillSettings(validSettings(), { schedule: "0 6 * * 0", server: { host: "s", port: 1433, username: "sa", trustServerCertificate: false } });
        assert.deepStrictEqual(weekly.databases, ["orders", "billing"]);
        assert.ok(weekly.maxAgeSeconds >= 7 * 86400 + 2 * 7200, String(weekly.maxAgeSeconds));
        assert.ok(weekly.maxAgeSeconds < 8 * 86400 + 2 * 7200, String(weekly.maxAgeSeconds));
        assert.deepStrictEqual(weekly.checks, ["checkdb", "totals"]);
        const explicit = drillSettings(validSettings(), { schedule: "0 6 * * 0", maxAgeSeconds: 86400, server: { host: "s", port: 1433, username: "sa", trustServerCertificate: false } });
        assert.strictEqual(explicit.maxAgeSeconds, 86400);
    });

    it("docker: the daemon gets the drill schedule, every database as <name>=<database>, the server without its password, and the password as a file", async () => {
        const backup = await deploy({ ...validArgs(), image: { ref: IMAGE }, target: { docker: {} }, drill: drillArgs() });
        const container = ofType("docker:index/container:Container").find((c) => c.inputs.name === "orders-backup")!;
        const env = envMap(container.inputs.envs);
        assert.strictEqual(env.DRILL_SCHEDULE, "0 6 * * 0");
        assert.strictEqual(env.DRILL_TARGETS, "orders=Orders,billing=Billing");
        assert.strictEqual(env.DRILL_SERVER_HOST, "sql-scratch.internal");
        assert.strictEqual(env.DRILL_SERVER_USERNAME, "sa");
        assert.strictEqual(env.DRILL_TRUST_CERT, "true");
        assert.strictEqual(env.DRILL_CHECKS, "checkdb,totals");
        assert.match(env.DRILL_SERVER_PASSWORD_FILE, /\/DRILL_SERVER_PASSWORD$/);
        assert.ok(Number(env.DRILL_MAX_AGE_SECONDS) > 7 * 86400, env.DRILL_MAX_AGE_SECONDS);
        const uploads = secretInput(container.inputs.uploads) as Json[];
        const password = uploads.find((u) => String(u.file).endsWith("/DRILL_SERVER_PASSWORD"));
        assert.strictEqual(password?.content, DRILL_PASSWORD);
        assertNoPlainSecrets(resources, [DRILL_PASSWORD]);
        const commands = await valueOf(backup.commands);
        assert.strictEqual(commands?.drillNow, "docker exec orders-backup /entrypoint.sh drill");
        assert.match(String(await valueOf(backup.drillSchedule)), /^0 6 \* \* 0 \(orders, billing; stale after \d+ s\)$/);
    });

    it("docker: without the drill arg the container has no drill setting and no drill command", async () => {
        const backup = await deploy({ ...validArgs(), image: { ref: IMAGE }, target: { docker: {} } });
        const container = ofType("docker:index/container:Container").find((c) => c.inputs.name === "orders-backup")!;
        assert.deepStrictEqual(Object.keys(envMap(container.inputs.envs)).filter((k) => k.startsWith("DRILL_")), []);
        assert.strictEqual((await valueOf(backup.commands))?.drillNow, undefined);
        assert.strictEqual(await valueOf(backup.drillSchedule), undefined);
    });

    it("kubernetes: a drill CronJob runs `drill` with the restore identity and the drill password from Secrets, no retries, a deadline beyond every drill's timeout; the monitor counts drills", async () => {
        const backup = await deploy({ ...validArgs(), image: { ref: IMAGE }, target: { kubernetes: { namespace: "backup" } }, drill: { ...drillArgs(), databases: ["orders"], timeoutSeconds: 3600 } });
        const cronJobs = ofType("kubernetes:batch/v1:CronJob");
        const drill = cronJobs.find((c) => (c.inputs.metadata as Json).name === "orders-drill")!;
        assert.ok(drill, cronJobs.map((c) => (c.inputs.metadata as Json).name).join(", "));
        const spec = drill.inputs.spec as Json;
        assert.strictEqual(spec.schedule, "0 6 * * 0");
        assert.strictEqual(spec.timeZone, "Europe/Berlin");
        assert.strictEqual((drill.inputs.metadata as Json).labels["app.kubernetes.io/component"], "restore");
        assert.strictEqual(spec.jobTemplate.spec.backoffLimit, 0);
        assert.strictEqual(spec.jobTemplate.spec.activeDeadlineSeconds, 3600 + 600);
        const pod = spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(pod.containers[0].args, ["drill"]);
        const env = Object.fromEntries((pod.containers[0].env as Json[]).map((e) => [e.name, e.value]));
        assert.strictEqual(env.DRILL_TARGETS, "orders=Orders");
        assert.strictEqual(env.DRILL_TIMEOUT_SECONDS, "3600");
        assert.ok(env.RESTORE_ACCESS_KEY_FILE && env.RESTORE_SECRET_KEY_FILE && env.DRILL_SERVER_PASSWORD_FILE, JSON.stringify(env));
        assert.strictEqual(env.MINIO_ACCESS_KEY_FILE, undefined, "a drill never gets the backup user's keys");
        const secrets = JSON.stringify(pod.volumes);
        assert.match(secrets, /orders-restore-credentials/);
        assert.match(secrets, /orders-drill-credentials/);
        const monitor = ofType("kubernetes:apps/v1:Deployment")[0];
        const monitorEnv = Object.fromEntries(((monitor.inputs.spec as Json).template.spec.containers[0].env as Json[]).map((e) => [e.name, e.value]));
        assert.ok(Number(monitorEnv.DRILL_MAX_AGE_SECONDS) > 7 * 86400);
        assertNoPlainSecrets(resources, [DRILL_PASSWORD]);
        const commands = await valueOf(backup.commands);
        assert.match(commands!.backupNow, /app\.kubernetes\.io\/component=backup/, "backup now must not start the drill CronJob");
        assert.match(commands!.drillNow!, /get cronjob orders-drill .*app\.kubernetes\.io\/component=restore/);
        assert.strictEqual(ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule").length, 0, "the PrometheusRule is opt-in");
    });

    it("kubernetes: monitor.prometheusRule creates the shipped alert rules as a PrometheusRule, with the labels asked for", async () => {
        await deploy({ ...validArgs(), image: { ref: IMAGE }, target: { kubernetes: { namespace: "backup", monitor: { prometheusRule: true, prometheusRuleLabels: { release: "kube-prometheus" } } } } });
        const [rule] = ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        assert.ok(rule, "no PrometheusRule");
        assert.strictEqual((rule.inputs.metadata as Json).namespace, "backup");
        assert.strictEqual((rule.inputs.metadata as Json).labels.release, "kube-prometheus");
        const groups = (rule.inputs.spec as Json).groups as Json[];
        const alerts = groups.flatMap((g) => (g.rules as Json[]).map((r) => r.alert));
        assert.deepStrictEqual(alerts, ["SqlServerBackupTooOld", "SqlServerBackupFailed", "SqlServerBackupNotIntact", "SqlServerBackupDrillFailed", "SqlServerBackupDrillStale", "SqlServerBackupMetricsAbsent"]);
    });
});
