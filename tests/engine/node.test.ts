import * as assert from "assert";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as automation from "@pulumi/pulumi/automation";
import { SqlServerBackup } from "../../components";
import { runCommand } from "../integration/helpers/exec";
import { MinioServer } from "../integration/helpers/minio";
import { ProvisionedBackupUser } from "../integration/helpers/provision";
import { Registry } from "../integration/helpers/registry";
import { Cluster } from "./helpers/cluster";
import { ENGINE_TOOLS, EngineTool, inlineStack, requireEngineTools } from "./helpers/engine";
import { Node, NODE_NETWORK } from "./helpers/node";
import { NODE_DRILL_SERVER, NODE_SQL_PASSWORD, NodeTestBed } from "./helpers/testbed";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PASSWORD = NODE_SQL_PASSWORD;
/** The restore's login: the sqlpackage double in the test images accepts one password. */
const TARGET_PASSWORD = PASSWORD;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, diagnostics: () => Promise<string> | string = () => ""): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        await sleep(1000);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${await diagnostics()}`);
}

/**
 * The Kubernetes target on a real node: kubelet, kube-scheduler, containerd and runc
 * beside the engine tier's API server and controller manager (helpers/node.ts), the
 * component deployed by the real Pulumi engine and Kubernetes provider, backup pods
 * running the image built from image/ with the sqlpackage and gobackup TEST DOUBLES
 * (SQL Server cannot run here; the doubles fail as sqlpackage fails on a wrong login),
 * pulled from a real registry, writing to a real MinIO on the node's address.
 */
describe("the Kubernetes target on a real node (kubelet, containerd; sqlpackage and gobackup TEST DOUBLES)", function () {
    this.timeout(600000);
    let bed: NodeTestBed;
    let cluster: Cluster;
    let node: Node;
    let registry: Registry;
    let minio: MinioServer;
    let user: ProvisionedBackupUser;
    let images: NodeTestBed["images"];
    let kubectlDir: string;
    const stacks: automation.Stack[] = [];

    before(async function () {
        this.timeout(1800000);
        const tools = requireEngineTools(this, ENGINE_TOOLS.filter((t) => t !== "engine-verdict" && t !== "pulumi-sdkgen"));
        kubectlDir = path.dirname(tools.kubectl);
        bed = new NodeTestBed(tools as Record<EngineTool, string>);
        await bed.start(["orders", "sales"], { hostSlots: true });
        ({ cluster, node, registry, minio, user, images } = bed);
        for (const [part, seconds] of Object.entries(bed.startSeconds)) console.log(`    started: ${part} in ${seconds.toFixed(1)} s`);
    });

    after(async function () {
        this.timeout(300000);
        for (const stack of stacks) await stack.destroy().catch(() => undefined);
        await bed?.stop();
    });

    /** A stack of the component as a user deploys it: bring-your-own keys, the namespace created restricted. */
    async function deploy(
        name: string,
        options: { image?: string; password?: string; cron?: string; restoreId?: string; monitor?: Json; graceSeconds?: number; fleetWithSalesPassword?: string; drill?: boolean } = {},
    ): Promise<{ stack: automation.Stack; outputs: automation.OutputMap }> {
        const kubeconfig = cluster.kubeconfig;
        const program: automation.PulumiFn = async () => {
            const config = new pulumi.Config();
            const provider = new k8s.Provider("node", { kubeconfig });
            const restoreId = config.get("restoreId");
            const backup = new SqlServerBackup(name, {
                databases: [
                    { name: "orders", host: NODE_NETWORK.nodeIP, database: "Orders", username: "backup_operator", password: config.requireSecret("password"), trustServerCertificate: true },
                    ...(options.fleetWithSalesPassword
                        ? [{ name: "sales", host: NODE_NETWORK.nodeIP, database: "Sales", username: "backup_operator", password: config.requireSecret("salesPassword"), trustServerCertificate: true }]
                        : []),
                ],
                schedule: { cron: config.require("cron") },
                storage: {
                    endpoint: minio.endpoint,
                    credentials: { accessKeyId: user.accessKey, secretAccessKey: config.requireSecret("secretKey") },
                    restoreCredentials: { accessKeyId: user.restore.accessKey, secretAccessKey: config.requireSecret("restoreSecretKey") },
                    bucket: { name: user.bucket, create: false },
                    prefix: user.prefix,
                },
                // One deployment owns the folder whatever the stack's name.
                deploymentId: "node-tests/orders",
                image: { ref: config.require("image") },
                target: {
                    kubernetes: {
                        // A namespace per stack: each test's stack creates and destroys its own.
                        namespace: name,
                        createNamespace: true,
                        provider,
                        shutdownGraceSeconds: options.graceSeconds ?? 60,
                        resources: { requests: { cpu: "100m", memory: "128Mi" } },
                        monitor: options.monitor ?? { startDeadlineSeconds: 60 },
                        ...(options.fleetWithSalesPassword ? { fleet: { perDatabase: true, maxConcurrentPerHost: 1 } } : {}),
                    },
                },
                restore: restoreId ? { id: restoreId, target: { host: NODE_NETWORK.nodeIP, database: "Orders_Restored", password: config.requireSecret("targetPassword") } } : undefined,
                drill: options.drill
                    ? { schedule: "0 4 * * 0", server: { host: NODE_NETWORK.nodeIP, port: NODE_DRILL_SERVER.port, password: config.requireSecret("targetPassword"), trustServerCertificate: true } }
                    : undefined,
            });
            return { commands: backup.commands, restoreStatus: backup.restoreStatus };
        };
        const { stack } = await inlineStack(name, program, {
            stackName: name,
            config: {
                image: { value: options.image ?? images.ok },
                password: { value: options.password ?? PASSWORD, secret: true },
                cron: { value: options.cron ?? "0 3 * * *" },
                secretKey: { value: user.secretKey, secret: true },
                restoreSecretKey: { value: user.restore.secretKey, secret: true },
                targetPassword: { value: TARGET_PASSWORD, secret: true },
                ...(options.restoreId ? { restoreId: { value: options.restoreId } } : {}),
                ...(options.fleetWithSalesPassword ? { salesPassword: { value: options.fleetWithSalesPassword, secret: true } } : {}),
            },
        });
        stacks.push(stack);
        namespace = name;
        const result = await stack.up();
        return { stack, outputs: result.outputs };
    }

    let namespace = "";
    const kubectl = (args: string[]) => cluster.kubectl(["--namespace", namespace, ...args]);
    const json = async (args: string[]): Promise<Json> => JSON.parse(await cluster.kubectlOk(["--namespace", namespace, ...args, "-o", "json"]));
    const jobsOf = async (instance: string): Promise<Json[]> => (await json(["get", "jobs", "-l", `app.kubernetes.io/instance=${instance}`])).items;
    const condition = (job: Json, type: string) => (job.status?.conditions ?? []).find((c: Json) => c.type === type && c.status === "True");
    const finished = (job: Json) => condition(job, "Complete") ?? condition(job, "Failed");
    const diagnostics = async () => `${(await kubectl(["get", "jobs,pods", "-o", "wide"])).stdout}\n${node.logs()}`;
    const record = async (): Promise<Json | undefined> => {
        const read = await minio.mc(["cat", `admin/${user.bucket}/${user.prefix}/orders/.agent/record.json`]);
        return read.code === 0 ? JSON.parse(read.stdout) : undefined;
    };
    /** Runs the backupNow command as written; the names of the Jobs it created (one per CronJob). */
    const runBackupNowJobs = async (command: string): Promise<string[]> => {
        const result = await runCommand("bash", ["-c", command], { env: { ...process.env, PATH: `${kubectlDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig } });
        assert.strictEqual(result.code, 0, `${command}\n${result.stdout}${result.stderr}`);
        const names = [...result.stdout.matchAll(/job\.batch\/(\S+) created/g)].map((m) => m[1]);
        assert.ok(names.length > 0, result.stdout);
        return names;
    };
    const runBackupNow = async (command: string) => (await runBackupNowJobs(command))[0];
    const waitFinished = (name: string, timeoutMs = 180000) =>
        until(`Job ${name} to finish`, async () => {
            const job = await json(["get", "job", name]);
            return finished(job) ? job : undefined;
        }, timeoutMs, diagnostics);

    /** The monitor's metrics, once its ready pod serves what `pattern` matches. */
    async function monitorMetrics(what: string, pattern: RegExp): Promise<string> {
        const pod = await until("the monitor's pod", async () => {
            const pods = (await json(["get", "pods", "-l", "app.kubernetes.io/component=monitor"])).items as Json[];
            return pods.find((p) => p.status?.podIP && (p.status.containerStatuses ?? []).every((c: Json) => c.ready));
        }, 120000, diagnostics);
        return until(`${what} in the monitor's metrics`, async () => {
            const text = await fetch(`http://${pod.status.podIP}:9090/metrics`).then((r) => r.text()).catch(() => "");
            return pattern.test(text) ? text : undefined;
        }, 150000, diagnostics);
    }

    /** A verified backup to restore from: a stack that backs up now, then is destroyed (the archive stays). */
    async function backUpAndRemove(name: string): Promise<void> {
        const { outputs } = await deploy(name);
        await waitFinished(await runBackupNow(outputs.commands.value.backupNow));
        await stacks.pop()!.destroy();
    }

    it("backs up now: a Job from the CronJob's template lands a verified backup, mirrored for the monitor, which serves it as metrics; a second preview changes nothing", async () => {
        const { stack, outputs } = await deploy("now");
        // With the monitor's Deployment running, a second preview changes nothing.
        const preview = await stack.preview({ diff: true });
        const changes = Object.entries(preview.changeSummary).filter(([op, count]) => op !== "same" && count > 0);
        assert.deepStrictEqual(changes, [], preview.stdout);
        const name = await runBackupNow(outputs.commands.value.backupNow);
        const job = await waitFinished(name);
        assert.ok(condition(job, "Complete"), JSON.stringify(job.status));
        const listing = await minio.mcOk(["ls", "--recursive", `admin/${user.bucket}/${user.prefix}/orders/`]);
        assert.match(listing, /\.tar\.manifest\.json/, "a manifest vouches for the archive");
        assert.strictEqual((await record())?.lastRun?.outcome, "succeeded");
        // The monitor's pod serves the same metric names as the Docker daemon.
        const metrics = await monitorMetrics("the backup", /sqlserver_backup_last_success_timestamp_seconds\{model="orders"\} \d/);
        assert.match(metrics, /sqlserver_backup_runs_total\{model="orders",outcome="succeeded"\} [1-9]/);
        assert.match(metrics, /sqlserver_backup_healthy\{model="orders"\} 1/);
        await stacks.pop()!.destroy();
    });

    it("runs a restore drill Job on the node: the newest backup restored into a new database, checked, dropped, and the drill in the monitor's metrics", async function () {
        this.timeout(500000);
        const { outputs } = await deploy("drill", { drill: true });
        const backup = await waitFinished(await runBackupNow(outputs.commands.value.backupNow));
        assert.ok(condition(backup, "Complete"), JSON.stringify(backup.status));
        const drillJob = await waitFinished(await runBackupNow(outputs.commands.value.drillNow), 240000);
        assert.ok(condition(drillJob, "Complete"), `${JSON.stringify(drillJob.status)}\n${(await kubectl(["logs", `job/${drillJob.metadata.name}`])).stdout}`);
        const pods = (await json(["get", "pods", "-l", `job-name=${drillJob.metadata.name}`])).items as Json[];
        const message = pods.map((p) => p.status.containerStatuses?.[0]?.state?.terminated?.message ?? "").join("\n");
        assert.match(message, /^OUTCOME: succeeded \(.*restored into Orders_drill_\d{8}T\d{6}Z and checked/m, message);
        const drillServer = bed.drillServer;
        assert.ok(drillServer.batches().some((b) => /^DBCC CHECKDB \(N'Orders_drill_/.test(b)), drillServer.batches().join("\n"));
        assert.deepStrictEqual(drillServer.databases().filter((d) => d.startsWith("Orders_drill_")), [], "the drill database was dropped");
        await monitorMetrics("the drill", /sqlserver_backup_last_drill_outcome\{model="orders",outcome="succeeded"\} 1/);
        await stacks.pop()!.destroy();
    });

    it("runs on its own schedule, and a failing export fails the Job with the run's OUTCOME as the pod's termination message", async function () {
        this.timeout(400000);
        await deploy("failing", { cron: "* * * * *", password: "Wrong-Pa55word!" });
        const job = await until("a scheduled Job to fail", async () => (await jobsOf("failing")).find((j) => condition(j, "Failed")), 240000, diagnostics);
        assert.strictEqual(job.metadata.ownerReferences?.[0]?.kind, "CronJob", "started by the schedule");
        const pods = (await json(["get", "pods", "-l", `job-name=${job.metadata.name}`])).items as Json[];
        const message = pods.map((p) => p.status.containerStatuses?.[0]?.state?.terminated?.message ?? "").join("\n");
        assert.match(message, /^OUTCOME: failed: .*Login failed/m, message);
        await stacks.pop()!.destroy();
    });

    it("never runs two backups of one database at once: a backup-now during a run waits for it (the bucket lease), then backs up", async function () {
        this.timeout(500000);
        const { outputs } = await deploy("overlap", { image: images.slow });
        const first = await runBackupNow(outputs.commands.value.backupNow);
        await until("the first run to start", async () => (await record())?.lastRun?.outcome === "running" || undefined, 120000, diagnostics);
        await sleep(1500);
        const second = await runBackupNow(outputs.commands.value.backupNow);
        const [a, b] = [await waitFinished(first, 400000), await waitFinished(second, 400000)];
        assert.ok(condition(a, "Complete") && condition(b, "Complete"), `${JSON.stringify(a.status)} ${JSON.stringify(b.status)}`);
        const logs = (await kubectl(["logs", `job/${second}`])).stdout;
        assert.match(logs, /waiting: .*lease/i, "the second waited for the first");
        const counts = (await record())?.counts ?? {};
        assert.ok((counts.succeeded ?? 0) >= 2, JSON.stringify(counts));
        await stacks.pop()!.destroy();
    });

    it("a fleet runs each database as its own CronJob: backup now starts one Job per database, and a failing database fails only its own Job", async function () {
        this.timeout(400000);
        const { outputs } = await deploy("fleet", { fleetWithSalesPassword: "Wrong-Pa55word!" });
        const cronJobs = (await json(["get", "cronjobs"])).items.map((c: Json) => c.metadata.name).sort();
        assert.deepStrictEqual(cronJobs, ["fleet-orders-backup", "fleet-sales-backup"]);
        const names = await runBackupNowJobs(outputs.commands.value.backupNow);
        assert.strictEqual(names.length, 2, names.join(", "));
        const jobs = await Promise.all(names.map((name) => waitFinished(name)));
        const byDatabase = Object.fromEntries(jobs.map((job) => [job.metadata.name.startsWith("fleet-orders-") ? "orders" : "sales", job]));
        assert.ok(condition(byDatabase.orders, "Complete"), `orders: ${JSON.stringify(byDatabase.orders.status)}`);
        assert.ok(condition(byDatabase.sales, "Failed"), `sales: ${JSON.stringify(byDatabase.sales.status)}`);
        const pods = (await json(["get", "pods", "-l", `job-name=${byDatabase.sales.metadata.name}`])).items as Json[];
        const message = pods.map((p) => p.status.containerStatuses?.[0]?.state?.terminated?.message ?? "").join("\n");
        assert.match(message, /^OUTCOME: failed: .*Login failed/m, message);
        await stacks.pop()!.destroy();
    });

    it("deleting a running Job records the run interrupted within the grace period", async function () {
        this.timeout(400000);
        // A grace shorter than the export: within the grace the agent lets the run finish.
        const { outputs } = await deploy("interrupted", { image: images.slow, graceSeconds: 10 });
        const name = await runBackupNow(outputs.commands.value.backupNow);
        await until("the run to start", async () => (await record())?.lastRun?.outcome === "running" || undefined, 120000, diagnostics);
        const deleted = Date.now();
        await cluster.kubectlOk(["--namespace", namespace, "delete", "job", name, "--wait=false"]);
        const interrupted = await until("the run to be recorded interrupted", async () => ((await record())?.lastRun?.outcome === "interrupted" ? await record() : undefined), 120000, diagnostics);
        assert.ok(Date.now() - deleted < (10 + 30) * 1000, "within the pod's grace (shutdownGraceSeconds 10 + 30)");
        assert.ok(interrupted!.lastRun.cause, JSON.stringify(interrupted!.lastRun));
        await stacks.pop()!.destroy();
    });

    it("an image that cannot be pulled fails its Job within minutes (the monitor's watchdog), and the next scheduled run still starts", async function () {
        this.timeout(600000);
        await deploy("outage", { cron: "* * * * *" });
        await until("a first scheduled backup", async () => (await jobsOf("outage")).find((j) => condition(j, "Complete")), 240000, diagnostics);
        // A registry outage: the node no longer has the image and cannot pull it.
        await cluster.kubectlOk(["--namespace", namespace, "patch", "cronjob", "outage-backup", "-p", '{"spec":{"suspend":true}}']);
        await registry.stop();
        await node.ctr(["images", "rm", images.ok]);
        await cluster.kubectlOk(["--namespace", namespace, "patch", "cronjob", "outage-backup", "-p", '{"spec":{"suspend":false}}']);
        const stuckSince = Date.now();
        const failed = await until("the watchdog to fail a Job whose pod cannot pull", async () =>
            (await jobsOf("outage")).find((j) => condition(j, "Failed") && j.metadata.annotations?.["sqlserver-backup.io/failed"]), 300000, diagnostics);
        assert.match(failed.metadata.annotations["sqlserver-backup.io/failed"], /could not start .*(ErrImagePull|ImagePullBackOff)/);
        assert.ok(Date.now() - stuckSince < 300000, "failed within minutes, not at the 6 h deadline");
        // The registry is back: the next tick runs although a Job failed.
        await registry.restart();
        const afterOutage = Date.now();
        await until("a scheduled backup after the outage", async () =>
            (await jobsOf("outage")).find((j) => condition(j, "Complete") && Date.parse(j.status.completionTime) > afterOutage), 240000, diagnostics);
        await stacks.pop()!.destroy();
    });

    it("restores through pulumi up once; the same restore id again is already-ran", async function () {
        this.timeout(400000);
        await backUpAndRemove("restore-source");
        const first = await deploy("restore-one", { restoreId: "node-1" });
        assert.strictEqual(first.outputs.restoreStatus.value, "succeeded");
        await stacks.pop()!.destroy();
        const again = await deploy("restore-again", { restoreId: "node-1" });
        assert.match(String(again.outputs.restoreStatus.value), /^already-ran: /);
        const job = await json(["get", "job", "restore-again-restore-node-1"]);
        assert.match(JSON.stringify(job.status.conditions), /exit code 3/);
        await stacks.pop()!.destroy();
    });

    it("removes the restore's password from the cluster when the restore starts, even when the up that started it was killed", async function () {
        this.timeout(500000);
        await backUpAndRemove("cut-source");
        // An up that dies after creating the restore Job (its CLI killed).
        const before = new Set((await runCommand("pgrep", ["-x", "pulumi"])).stdout.split("\n").filter(Boolean));
        const running = deploy("cut", { image: images.slow, restoreId: "node-cut" }).catch(() => undefined);
        await until("the restore Job", async () => ((await kubectl(["get", "job", "cut-restore-node-cut"])).code === 0) || undefined, 180000, diagnostics);
        for (const pid of (await runCommand("pgrep", ["-x", "pulumi"])).stdout.split("\n").filter((p) => p && !before.has(p))) process.kill(Number(pid), "SIGKILL");
        await running;
        const emptied = await until("the password to leave the Secret", async () => {
            const secret = await json(["get", "secret", "cut-restore-node-cut"]);
            return secret.data?.RESTORE_TARGET_PASSWORD === undefined ? secret : undefined;
        }, 240000, diagnostics);
        assert.ok(!JSON.stringify(emptied).includes(Buffer.from(TARGET_PASSWORD).toString("base64")));
    });
});
