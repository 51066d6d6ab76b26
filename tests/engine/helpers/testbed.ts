import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { runCommand } from "../../integration/helpers/exec";
import { MinioServer } from "../../integration/helpers/minio";
import { provisionLikeComponent, ProvisionedBackupUser } from "../../integration/helpers/provision";
import { Registry } from "../../integration/helpers/registry";
import { TestImageSources } from "../../integration/helpers/testImage";
import { SqlServerDouble } from "../../integration/helpers/sqlserverDouble";
import { findTool } from "../../integration/helpers/tools";
import { Cluster } from "./cluster";
import { EngineTool } from "./engine";
import { Node, NODE_NETWORK, NodeTool } from "./node";

/** The password the sqlpackage TEST DOUBLE in the test images accepts (any other fails the login). */
export const NODE_SQL_PASSWORD = "Orders-Pa55word!";

/** The SQL Server TEST DOUBLE drills restore into, on the node's address: TDS, and the sqlpackage double's endpoint. */
export const NODE_DRILL_SERVER = { port: 14331, httpPort: 14332 } as const;

/**
 * Everything the node tests and the fleet bench stand on: the control plane with every
 * controller, a real node, a registry on 127.0.0.1, MinIO and a SQL Server stand-in (a
 * TCP listener for the agent's preflight) on the node's address, and the image built
 * from image/ with the sqlpackage and gobackup TEST DOUBLES, pushed as `ok` (mc for the
 * gobackup double's uploads, one accepted login) and `slow` (a 45-second export and import).
 */
export class NodeTestBed {
    cluster!: Cluster;
    node!: Node;
    registry!: Registry;
    minio!: MinioServer;
    user!: ProvisionedBackupUser;
    readonly images: Record<"ok" | "slow", string> = { ok: "", slow: "" };
    private sources?: TestImageSources;
    private sqlStandIn?: net.Server;
    /** The server drills restore into (the sqlpackage double in the images creates databases in it). */
    drillServer!: SqlServerDouble;
    /** Seconds each part of `start` took, in order (CI's log shows them: the README's CI table). */
    readonly startSeconds: Record<string, number> = {};

    constructor(private readonly tools: Record<EngineTool, string>) {}

    /** `hostSlots`: the backup user may lease slots per SQL Server (fleet.maxConcurrentPerHost). */
    async start(databases: string[] = ["orders"], options: { hostSlots?: boolean } = {}): Promise<void> {
        const registryBin = findTool("registry");
        const mc = findTool("mc");
        const minioBin = findTool("minio");
        if (!registryBin || !mc || !minioBin) throw new Error("the node needs registry, minio and mc: scripts/install-tools.sh integration");
        if (os.userInfo().uid !== 0) throw new Error("the node needs root (a bridge, iptables, containerd)");
        const t = this.tools;
        this.cluster = new Cluster({ etcd: t.etcd, "kube-apiserver": t["kube-apiserver"], "kube-controller-manager": t["kube-controller-manager"], kubectl: t.kubectl }, NODE_NETWORK);
        await this.timed("control plane (etcd, apiserver, controller manager)", () => this.cluster.start());
        this.registry = new Registry();
        await this.registry.start(registryBin);
        const nodeTools = Object.fromEntries((["kubelet", "kube-scheduler", "containerd", "containerd-shim-runc-v2", "ctr", "runc", "pause"] as NodeTool[]).map((n) => [n, t[n]])) as Record<NodeTool, string>;
        this.node = new Node(this.cluster, nodeTools);
        await this.timed("node (containerd, kubelet, scheduler) until Ready", () => this.node.start([this.registry.endpoint]));
        this.minio = new MinioServer(minioBin, mc, NODE_NETWORK.nodeIP);
        await this.minio.start();
        this.user = await provisionLikeComponent(this.minio, { bucket: "sql-backups", prefix: "production/sqlserver", databases, hostSlots: options.hostSlots });
        this.sqlStandIn = net.createServer((socket) => socket.end());
        await new Promise<void>((resolve) => this.sqlStandIn!.listen(1433, NODE_NETWORK.nodeIP, resolve));
        this.drillServer = new SqlServerDouble(NODE_SQL_PASSWORD, { host: NODE_NETWORK.nodeIP, ...NODE_DRILL_SERVER });
        await this.drillServer.start();
        await this.timed("test images built and pushed", () => this.buildImages(mc));
    }

    private async timed(part: string, run: () => Promise<void>): Promise<void> {
        const started = process.hrtime.bigint();
        await run();
        this.startSeconds[part] = Number(process.hrtime.bigint() - started) / 1e9;
    }

    private async buildImages(mc: string): Promise<void> {
        this.sources = new TestImageSources();
        await this.sources.start();
        await this.sources.build("sqlserver-backup:node-test");
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "node-images-"));
        fs.copyFileSync(mc, path.join(context, "mc"));
        fs.chmodSync(path.join(context, "mc"), 0o755);
        for (const [kind, extra] of [
            ["ok", ""],
            ["slow", "ENV SQLPACKAGE_DOUBLE_DELAY_SECONDS=45\n"],
        ] as const) {
            fs.writeFileSync(
                path.join(context, "Dockerfile"),
                `FROM sqlserver-backup:node-test\nCOPY mc /usr/local/bin/mc\n` +
                    `ENV GOBACKUP_DOUBLE_MC=/usr/local/bin/mc EXPECT_PASSWORD=${NODE_SQL_PASSWORD} SQLSERVER_DOUBLE_URL=http://${NODE_NETWORK.nodeIP}:${NODE_DRILL_SERVER.httpPort}\n${extra}`,
            );
            const tag = `${this.registry.endpoint}/sqlserver-backup:${kind}`;
            const built = await runCommand("docker", ["build", "--tag", tag, context]);
            assert.strictEqual(built.code, 0, built.stdout + built.stderr);
            const pushed = await runCommand("docker", ["push", tag]);
            assert.strictEqual(pushed.code, 0, pushed.stdout + pushed.stderr);
            this.images[kind] = `${this.registry.endpoint}/sqlserver-backup@${/digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)![1]}`;
        }
        fs.rmSync(context, { recursive: true, force: true });
    }

    async stop(): Promise<void> {
        this.sqlStandIn?.close();
        this.drillServer?.stop();
        await this.node?.stop();
        await this.cluster?.stop();
        await this.registry?.remove();
        await this.minio?.remove();
        this.sources?.stop();
    }
}
