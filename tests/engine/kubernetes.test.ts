import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as automation from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { SqlServerBackup } from "../../components";
import { runCommand } from "../integration/helpers/exec";
import { Cluster } from "./helpers/cluster";
import { inlineStack, requireEngineTools } from "./helpers/engine";

/**
 * The Kubernetes target on the real engines: the Pulumi CLI (Automation API, inline
 * program), Pulumi's Kubernetes provider and a real API server and controller
 * manager. The component runs as a user would run it: a prebuilt image by digest,
 * a bucket and keys a storage team handed out (so it needs no other provider), and
 * the namespace created by the component. No kubelet runs, so pods stay Pending.
 */

const NAMESPACE = "sql-backups";
const IMAGE = `registry.example.com/platform/sqlserver-backup@sha256:${"4".repeat(64)}`;
const SECRETS = { ordersPassword: "Orders-Pa55word!", secretKey: "Team-Secret-Key-0123456789abcdef", targetPassword: "Restore-Target-Pa55", drillPassword: "Drill-Server-Pa55" };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The program, parameterised by stack config so each step can change one thing. */
function program(kubeconfig: string): automation.PulumiFn {
    return async () => {
        const config = new pulumi.Config();
        const provider = new k8s.Provider("engine-cluster", { kubeconfig });
        const restoreId = config.get("restoreId");
        const backup = new SqlServerBackup("orders", {
            databases: [
                { name: "orders", host: "sql-orders.db.svc.cluster.local", database: "Orders", username: "backup_operator", password: config.requireSecret("ordersPassword"), trustServerCertificate: true },
            ],
            schedule: { cron: config.require("cron"), timeZone: "Europe/Berlin" },
            storage: {
                endpoint: "http://minio.storage.svc.cluster.local:9000",
                credentials: { accessKeyId: "orders-backup", secretAccessKey: config.requireSecret("secretKey") },
                bucket: { name: "sql-backups", create: false },
                prefix: "production/sqlserver",
            },
            image: { ref: IMAGE },
            target: {
                kubernetes: {
                    namespace: NAMESPACE,
                    createNamespace: true,
                    provider,
                    networkPolicy: { sqlServer: { namespaceLabels: { "kubernetes.io/metadata.name": "db" }, podLabels: { app: "mssql" } }, minio: { cidrs: ["10.30.0.0/24"] } },
                    // No kubelet here: the monitor's Deployment would never be ready (tests/engine/node.test.ts runs it).
                    monitor: { enabled: false },
                },
            },
            // Weekly restore drills: their CronJob must pass the API server's checks and the restricted standard.
            drill: { schedule: "0 6 * * 0", server: { host: "sql-scratch.db.svc.cluster.local", username: "drill", password: config.requireSecret("drillPassword"), trustServerCertificate: true } },
            restore: restoreId
                ? { id: restoreId, backup: "latest", target: { host: "sql-restore.db.svc.cluster.local", database: "Orders_Restored", password: config.requireSecret("targetPassword") } }
                : undefined,
        });
        return { commands: backup.commands, deployedName: backup.deployedName, restoreStatus: backup.restoreStatus, config: backup.config };
    };
}

describe("kubernetes target on the real Pulumi engine, provider and API server", function () {
    let cluster: Cluster;
    let stack: automation.Stack;
    let stateFile: () => string;
    let kubectlBin: string;

    before(async function () {
        const tools = requireEngineTools(this, ["pulumi", "pulumi-resource-kubernetes", "kube-apiserver", "kube-controller-manager", "kubectl", "etcd"]);
        kubectlBin = tools.kubectl;
        cluster = new Cluster({ etcd: tools.etcd, "kube-apiserver": tools["kube-apiserver"], "kube-controller-manager": tools["kube-controller-manager"], kubectl: tools.kubectl });
        await cluster.start();
        ({ stack, stateFile } = await inlineStack("orders-backup", program(cluster.kubeconfig), {
            config: {
                cron: { value: "0 1 * * *" },
                ordersPassword: { value: SECRETS.ordersPassword, secret: true },
                secretKey: { value: SECRETS.secretKey, secret: true },
                targetPassword: { value: SECRETS.targetPassword, secret: true },
                drillPassword: { value: SECRETS.drillPassword, secret: true },
            },
        }));
    });

    after(async () => {
        await cluster?.stop();
    });

    const get = async (kind: string, name: string): Promise<Json> => JSON.parse(await cluster.kubectlOk(["get", kind, name, "--namespace", NAMESPACE, "-o", "json"]));

    it("creates every object in a namespace that enforces the restricted Pod Security Standard, with no warning", async () => {
        let output = "";
        const result = await stack.up({ onOutput: (text) => (output += text) });
        assert.strictEqual(result.summary.result, "succeeded");
        assert.doesNotMatch(output, /PodSecurity|would violate/i, output);
        const namespace = JSON.parse(await cluster.kubectlOk(["get", "namespace", NAMESPACE, "-o", "json"]));
        assert.strictEqual(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        for (const [kind, name] of [["cronjob", "orders-backup"], ["secret", "orders-credentials"], ["serviceaccount", "orders-backup"], ["networkpolicy", "orders-backup"]]) {
            assert.ok(await get(kind, name), `${kind}/${name}`);
        }
        const secret = await get("secret", "orders-credentials");
        assert.strictEqual(Buffer.from(secret.data.MSSQL_PASSWORD_ORDERS, "base64").toString(), SECRETS.ordersPassword);
        const drill = await get("cronjob", "orders-drill");
        assert.strictEqual(drill.spec.schedule, "0 6 * * 0");
        assert.deepStrictEqual(drill.spec.jobTemplate.spec.template.spec.containers[0].args, ["drill"]);
        const drillSecret = await get("secret", "orders-drill-credentials");
        assert.strictEqual(Buffer.from(drillSecret.data.DRILL_SERVER_PASSWORD, "base64").toString(), SECRETS.drillPassword);
    });

    it("shows no change at all in a second preview", async () => {
        const preview = await stack.preview({ diff: true });
        const changes = Object.entries(preview.changeSummary).filter(([op, count]) => op !== "same" && count > 0);
        assert.deepStrictEqual(changes, [], preview.stdout);
    });

    it("shows a changed schedule as an in-place update of the CronJob, old and new readable, and applies it", async () => {
        await stack.setConfig("cron", { value: "30 2 * * 1-5" });
        const preview = await stack.preview({ diff: true });
        assert.deepStrictEqual(preview.changeSummary, { same: preview.changeSummary.same, update: 1 }, preview.stdout);
        assert.match(preview.stdout, /kubernetes:batch\/v1:CronJob/);
        assert.match(preview.stdout, /schedule\s*:\s*"0 1 \* \* \*" => "30 2 \* \* 1-5"/);
        assert.doesNotMatch(preview.stdout, /replace/);
        const before = await get("cronjob", "orders-backup");
        await stack.up();
        const after = await get("cronjob", "orders-backup");
        assert.strictEqual(after.spec.schedule, "30 2 * * 1-5");
        assert.strictEqual(after.metadata.uid, before.metadata.uid, "updated in place, not replaced");
    });

    it("applies a changed password to the same Secret in place; the Secret and the CronJob are never replaced", async () => {
        const secretBefore = await get("secret", "orders-credentials");
        const cronJobBefore = await get("cronjob", "orders-backup");
        await stack.setConfig("ordersPassword", { value: "Rotated-Pa55word!", secret: true });
        const preview = await stack.preview({ diff: true });
        assert.deepStrictEqual(preview.changeSummary, { same: preview.changeSummary.same, update: 1 }, preview.stdout);
        assert.match(preview.stdout, /kubernetes:core\/v1:SecretPatch/);
        await stack.up();
        const secretAfter = await get("secret", "orders-credentials");
        assert.strictEqual(secretAfter.metadata.uid, secretBefore.metadata.uid, "the Secret Jobs reference is the same object");
        assert.strictEqual(Buffer.from(secretAfter.data.MSSQL_PASSWORD_ORDERS, "base64").toString(), "Rotated-Pa55word!");
        assert.strictEqual((await get("cronjob", "orders-backup")).metadata.uid, cronJobBefore.metadata.uid);
    });

    it("has the CronJob controller create a Job from a per-minute schedule, with the pod template we rendered", async function () {
        this.timeout(180000);
        await stack.setConfig("cron", { value: "* * * * *" });
        const { outputs } = await stack.up();
        const deadline = Date.now() + 150000;
        let jobs: Json[] = [];
        while (Date.now() < deadline && jobs.length === 0) {
            jobs = JSON.parse(await cluster.kubectlOk(["get", "jobs", "--namespace", NAMESPACE, "-l", "app.kubernetes.io/instance=orders", "-o", "json"])).items;
            if (jobs.length === 0) await new Promise((resolve) => setTimeout(resolve, 2000));
        }
        assert.ok(jobs.length > 0, "no Job within 150 s");
        const job = jobs[0];
        assert.strictEqual(job.metadata.ownerReferences[0].kind, "CronJob");
        const container = job.spec.template.spec.containers[0];
        const env = Object.fromEntries((container.env as Json[]).map((e) => [e.name, e.value]));
        assert.strictEqual(env.GOBACKUP_CONFIG_YAML.trim(), String(outputs.config.value).trim(), "each Job carries its own copy of the config");
        assert.strictEqual(YAML.parse(env.GOBACKUP_CONFIG_YAML).models.orders.schedule.cron, "* * * * *");
        assert.strictEqual(env.MSSQL_PASSWORD_ORDERS_FILE, "/run/secrets/sqlserver-backup/MSSQL_PASSWORD_ORDERS");
        assert.strictEqual(job.spec.template.spec.securityContext.runAsUser, 10001);
        await stack.setConfig("cron", { value: "30 2 * * 1-5" });
        await stack.up();
    });

    it("runs the README's 'backup now' command as written, and the Job it creates is admitted", async () => {
        const { outputs } = await stack.up();
        const command = String(outputs.commands.value.backupNow);
        const result = await runCommand("bash", ["-c", command], { env: { ...process.env, PATH: `${kubectlBin.replace(/\/kubectl$/, "")}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig } });
        assert.strictEqual(result.code, 0, `${command}\n${result.stdout}${result.stderr}`);
        const name = /job\.batch\/(orders-backup-\d{10}) created/.exec(result.stdout)?.[1];
        assert.ok(name, result.stdout);
        const job = await get("job", name);
        assert.strictEqual(job.metadata.ownerReferences, undefined, "no owner: the CronJob controller would warn UnexpectedJob on every later up");
        assert.deepStrictEqual(job.spec.template.spec.containers[0].args, ["once"], "waits for a run in progress, then backs up");
        assert.strictEqual(job.metadata.labels["app.kubernetes.io/instance"], "orders");
    });

    it("runs a restore Job once, waits for either end, reports its outcome, and a failed one fails only the up that ran it", async function () {
        this.timeout(240000);
        await stack.setConfig("restoreId", { value: "incident-42" });
        // up waits for the Job to end: play the Job controller and kubelet when it appears.
        const up = stack.up();
        const jobName = "orders-restore-incident-42";
        let job: Json | undefined;
        const deadline = Date.now() + 120000;
        while (!job && Date.now() < deadline) {
            const found = await cluster.kubectl(["get", "job", jobName, "--namespace", NAMESPACE, "-o", "json"]);
            if (found.code === 0) job = JSON.parse(found.stdout);
            else await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        assert.ok(job, "the restore Job was not created");
        assert.strictEqual(job.spec.backoffLimit, 0);
        assert.strictEqual(job.spec.ttlSecondsAfterFinished, undefined, "kept as the record of the restore");
        await completeJob(cluster, jobName);
        const result = await up;
        assert.strictEqual(result.outputs.restoreStatus.value, "succeeded");

        // Nothing changed: nothing runs.
        const again = await stack.preview();
        assert.strictEqual(again.changeSummary.create ?? 0, 0, again.stdout);

        // The finished Job, deleted by hand and refreshed away, is declared again: no Pulumi
        // mechanism keeps a missing, declared resource from being created. Its pod would then
        // find the id's record in the bucket and refuse to restore a second time (proven with
        // the real MinIO in tests/integration/restore.test.ts); nothing else is created.
        await cluster.kubectlOk(["delete", "job", jobName, "--namespace", NAMESPACE]);
        await stack.refresh();
        const afterDeletion = await stack.preview({ diff: true });
        assert.strictEqual(afterDeletion.changeSummary.create, 1, afterDeletion.stdout);
        assert.match(afterDeletion.stdout, /\+ kubernetes:batch\/v1:Job: \(create\)/);

        // A new id runs a new restore.
        await stack.setConfig("restoreId", { value: "incident-43" });
        const next = stack.up();
        const deadline2 = Date.now() + 120000;
        while (Date.now() < deadline2) {
            if ((await cluster.kubectl(["get", "job", "orders-restore-incident-43", "--namespace", NAMESPACE])).code === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        await failJob(cluster, "orders-restore-incident-43");
        await assert.rejects(next, /The restore "incident-43" \(Job orders-restore-incident-43\) failed: DeadlineExceeded/);
        // The failed restore does not wedge the stack: the next up succeeds and reports it.
        const after = await stack.up();
        assert.match(String(after.outputs.restoreStatus.value), /^failed: DeadlineExceeded/);
        await stack.removeConfig("restoreId");
        await stack.up();
    });

    it("keeps every secret out of the state file (it holds them encrypted)", () => {
        const state = stateFile();
        for (const secret of [...Object.values(SECRETS), "Rotated-Pa55word!", Buffer.from("Rotated-Pa55word!").toString("base64")]) {
            assert.ok(!state.includes(secret), `the state file holds ${secret.slice(0, 4)}... in plain text`);
        }
        assert.match(state, /"ciphertext"/);
    });

    it("removes everything it created on destroy", async () => {
        await stack.destroy();
        const namespace = await cluster.kubectl(["get", "namespace", NAMESPACE, "-o", "jsonpath={.status.phase}"]);
        // The namespace controller finishes the deletion in the background.
        assert.ok(namespace.code !== 0 || namespace.stdout === "Terminating", `namespace ${namespace.stdout}`);
        const left = await cluster.kubectl(["get", "cronjobs,secrets,serviceaccounts,networkpolicies", "--all-namespaces", "-l", "app.kubernetes.io/instance=orders", "-o", "name"]);
        assert.strictEqual(left.stdout.trim(), "");
    });
});

/** Marks a Job complete through its status subresource, as the Job controller does when its pod succeeds. */
async function completeJob(cluster: Cluster, name: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const status = {
        status: {
            startTime: now,
            completionTime: now,
            succeeded: 1,
            conditions: [
                { type: "SuccessCriteriaMet", status: "True", lastProbeTime: now, lastTransitionTime: now, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
                { type: "Complete", status: "True", lastProbeTime: now, lastTransitionTime: now, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
            ],
        },
    };
    await cluster.kubectlOk(["patch", "job", name, "--namespace", NAMESPACE, "--subresource=status", "--type=merge", "--patch-file", "-"], JSON.stringify(status));
}

/** Marks a Job failed at its deadline, as the Job controller does. */
async function failJob(cluster: Cluster, name: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const reason = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", lastProbeTime: now, lastTransitionTime: now };
    const status = {
        status: {
            startTime: now,
            failed: 1,
            conditions: [
                { type: "FailureTarget", status: "True", ...reason },
                { type: "Failed", status: "True", ...reason },
            ],
        },
    };
    await cluster.kubectlOk(["patch", "job", name, "--namespace", NAMESPACE, "--subresource=status", "--type=merge", "--patch-file", "-"], JSON.stringify(status));
}
