/**
 * `npm run bench:fleet`: what a fleet costs. Construction under Pulumi's mocks and
 * `pulumi preview` on the real engine with 10, 50 and 200 databases as per-database
 * CronJobs, and on the real node (root; the engine tier's tools) one database's backup
 * against eight at once. Writes bench/fleet.json; `npm run bench` puts it in RESULTS.md.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup, SqlServerBackupArgs } from "../components";
import { Cluster } from "../tests/engine/helpers/cluster";
import { ENGINE_BIN, EngineTool, ENGINE_TOOLS, inlineStack } from "../tests/engine/helpers/engine";
import { NODE_NETWORK } from "../tests/engine/helpers/node";
import { NODE_SQL_PASSWORD, NodeTestBed } from "../tests/engine/helpers/testbed";
import { runCommand } from "../tests/integration/helpers/exec";
import { FleetReport, fleetSection } from "./fleetReport";

const COUNTS = [10, 50, 200];

function fleetArgs(databases: number, kubeconfig: string | undefined, overrides: Partial<SqlServerBackupArgs> = {}): SqlServerBackupArgs {
    return {
        databases: Array.from({ length: databases }, (_, i) => ({ name: `db${i}`, host: `sql${i % 20}.example.internal`, database: `Db${i}`, password: pulumi.secret(NODE_SQL_PASSWORD) })),
        schedule: { cron: "0 2 * * *" },
        storage: { endpoint: "http://minio:9000", credentials: { accessKeyId: "k", secretAccessKey: "s" }, bucket: { name: "fleet", create: false } },
        image: { ref: `registry.example.com/sqlserver-backup@sha256:${"a".repeat(64)}` },
        target: {
            kubernetes: {
                namespace: "fleet",
                createNamespace: true,
                ...(kubeconfig ? { provider: new k8s.Provider("fleet", { kubeconfig }) } : {}),
                fleet: { perDatabase: true, windowMinutes: 120, maxConcurrentPerHost: 2 },
            },
        },
        ...overrides,
    };
}

async function underMocks(databases: number): Promise<{ milliseconds: number; resources: number }> {
    let resources = 0;
    await pulumi.runtime.setMocks({ newResource: (args) => (resources++, { id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs }, "fleet", "fleet", false);
    const started = process.hrtime.bigint();
    const backup = new SqlServerBackup("fleet", fleetArgs(databases, undefined));
    await new Promise<void>((resolve) => backup.commands.apply(() => resolve()));
    let seen = -1;
    while (seen !== resources) {
        seen = resources;
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { milliseconds: Number(process.hrtime.bigint() - started) / 1e6 - 20, resources };
}

const tools = () => Object.fromEntries(ENGINE_TOOLS.map((t) => [t, path.join(ENGINE_BIN, t)])) as Record<EngineTool, string>;

async function previews(): Promise<FleetReport["preview"]> {
    const t = tools();
    const cluster = new Cluster({ etcd: t.etcd, "kube-apiserver": t["kube-apiserver"], "kube-controller-manager": t["kube-controller-manager"], kubectl: t.kubectl });
    await cluster.start();
    try {
        const out: FleetReport["preview"] = [];
        for (const databases of COUNTS) {
            const { stack } = await inlineStack(`fleet-${databases}`, async () => {
                new SqlServerBackup("fleet", fleetArgs(databases, cluster.kubeconfig));
            });
            const started = Date.now();
            const preview = await stack.preview();
            out.push({ databases, seconds: (Date.now() - started) / 1000, creates: preview.changeSummary.create ?? 0 });
            console.log(`preview ${databases}: ${out[out.length - 1].seconds} s`);
        }
        return out;
    } finally {
        await cluster.stop();
    }
}

async function onTheNode(): Promise<FleetReport["node"]> {
    const parallel = 8;
    const bed = new NodeTestBed(tools());
    await bed.start(Array.from({ length: parallel }, (_, i) => `db${i}`));
    try {
        const deploy = async (databases: number) => {
            const { stack } = await inlineStack(`node-fleet-${databases}`, async () => {
                const backup = new SqlServerBackup(`fleet${databases}`, {
                    ...fleetArgs(databases, bed.cluster.kubeconfig),
                    databases: Array.from({ length: databases }, (_, i) => ({ name: `db${i}`, host: NODE_NETWORK.nodeIP, database: `Db${i}`, password: pulumi.secret(NODE_SQL_PASSWORD) })),
                    storage: {
                        endpoint: bed.minio.endpoint,
                        credentials: { accessKeyId: bed.user.accessKey, secretAccessKey: pulumi.secret(bed.user.secretKey) },
                        restoreCredentials: { accessKeyId: bed.user.restore.accessKey, secretAccessKey: pulumi.secret(bed.user.restore.secretKey) },
                        bucket: { name: bed.user.bucket, create: false },
                        prefix: bed.user.prefix,
                    },
                    // One owner for db0's folder, which both runs use.
                    deploymentId: "fleet-bench",
                    image: { ref: bed.images.ok },
                    target: {
                        kubernetes: {
                            namespace: `fleet${databases}`,
                            createNamespace: true,
                            provider: new k8s.Provider("node", { kubeconfig: bed.cluster.kubeconfig }),
                            resources: { requests: { cpu: "100m", memory: "128Mi" } },
                            fleet: { perDatabase: true },
                            monitor: { enabled: false },
                        },
                    },
                });
                return { commands: backup.commands };
            });
            const result = await stack.up();
            return { stack, backupNow: String(result.outputs.commands.value.backupNow), namespace: `fleet${databases}` };
        };
        const timeJobs = async (databases: number): Promise<number> => {
            const { stack, backupNow, namespace } = await deploy(databases);
            const started = Date.now();
            const env = { ...process.env, PATH: `${ENGINE_BIN}:${process.env.PATH}`, KUBECONFIG: bed.cluster.kubeconfig };
            const made = await runCommand("bash", ["-c", backupNow], { env });
            if (made.code !== 0) throw new Error(made.stdout + made.stderr);
            for (;;) {
                const jobs = JSON.parse(await bed.cluster.kubectlOk(["--namespace", namespace, "get", "jobs", "-o", "json"])).items as { status?: { succeeded?: number; failed?: number } }[];
                if (jobs.some((j) => j.status?.failed)) {
                    const why = await bed.cluster.kubectl(["--namespace", namespace, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}: {..terminated.message}{'\\n'}{end}"]);
                    throw new Error(`a Job failed: ${JSON.stringify(jobs.map((j) => j.status))}\n${why.stdout}${why.stderr}`);
                }
                if (jobs.length === databases && jobs.every((j) => j.status?.succeeded)) break;
                await new Promise((resolve) => setTimeout(resolve, 500));
            }
            const seconds = (Date.now() - started) / 1000;
            await stack.destroy();
            return seconds;
        };
        const single = await timeJobs(1);
        const seconds = await timeJobs(parallel);
        return { single, parallel: { databases: parallel, seconds } };
    } finally {
        await bed.stop();
    }
}

async function main(): Promise<void> {
    const mocks: FleetReport["mocks"] = [];
    for (const databases of COUNTS) mocks.push({ databases, ...(await underMocks(databases)) });
    console.log("mocks:", mocks);
    const report: FleetReport = { date: new Date().toISOString(), mocks, preview: await previews() };
    if (process.getuid?.() === 0 && process.env.BENCH_FLEET_NODE !== "0") report.node = await onTheNode();
    fs.writeFileSync(path.join(__dirname, "fleet.json"), JSON.stringify(report, null, 2) + "\n");
    // The Fleet section of RESULTS.md, the rest as `npm run bench` wrote it.
    const results = path.join(__dirname, "RESULTS.md");
    const text = fs.existsSync(results) ? fs.readFileSync(results, "utf8") : "# Benchmark results\n";
    const section = `## Fleet\n\n${fleetSection(report)}\n`;
    const at = text.indexOf("## Fleet\n");
    fs.writeFileSync(results, at < 0 ? `${text.trimEnd()}\n\n${section}` : text.slice(0, at) + section);
    console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
