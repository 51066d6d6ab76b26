import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCommand } from "../../integration/helpers/exec";
import { freePort } from "../../integration/helpers/minio";
import { Cluster, NodeNetwork } from "./cluster";
import { ProcessGroup } from "./processes";

/** The node's network: a bridge of its own, pods on 10.244.0.0/24, the node at .1. */
export const NODE_NETWORK: NodeNetwork & { bridge: string; podCIDR: string; serviceCIDR: string } = {
    bridge: "sbknode0",
    nodeIP: "10.244.0.1",
    podCIDR: "10.244.0.0/24",
    serviceIP: "10.96.0.1",
    serviceCIDR: "10.96.0.0/16",
};

export const NODE_TOOLS = ["kubelet", "kube-scheduler", "containerd", "containerd-shim-runc-v2", "ctr", "runc", "pause"] as const;
export type NodeTool = (typeof NODE_TOOLS)[number];

/** The sandbox image: Kubernetes' pause, built from source (scripts/install-tools.sh), packed here. */
const PAUSE_IMAGE = "sqlserver-backup.local/pause:test";

const sh = async (file: string, args: string[], what = `${file} ${args.join(" ")}`): Promise<string> => {
    const result = await runCommand(file, args);
    if (result.code !== 0) throw new Error(`${what} failed: ${result.stdout}${result.stderr}`);
    return result.stdout;
};

/**
 * A real single node beside the Cluster's control plane: containerd 2.4 with runc,
 * Debian's CNI plugins on a bridge of its own, kubelet and kube-scheduler
 * (scripts/install-tools.sh node). These machines boot cgroup v1 and lack
 * CAP_SYS_RESOURCE, so the kubelet allows cgroup v1 and containerd restricts
 * oom_score_adj (FACTS, turn 4). Nothing leaves the bridge: pods get no default route
 * (only the Service range, DNATed to the API server on the node's address), forwarding
 * off the bridge is dropped, and their resolver is 127.0.0.1. Pods reach what a test
 * serves on the node's address (NODE_NETWORK.nodeIP). Images come from a registry on
 * 127.0.0.1 over plain HTTP (containerd's hosts.toml).
 */
export class Node {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-node-"));
    readonly name = "engine-node";
    private readonly processes = new ProcessGroup();
    private readonly socket = path.join(this.dir, "containerd.sock");
    private readonly rules: string[][] = [];

    constructor(
        private readonly cluster: Cluster,
        private readonly bin: Record<NodeTool, string>,
    ) {}

    async start(registries: string[]): Promise<void> {
        await this.network();
        await this.containerd(registries);
        await this.importPause();
        await this.kubelet();
        this.processes.start("kube-scheduler", this.bin["kube-scheduler"], [
            `--kubeconfig=${this.cluster.kubeconfig}`,
            `--authentication-kubeconfig=${this.cluster.kubeconfig}`,
            `--authorization-kubeconfig=${this.cluster.kubeconfig}`,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            `--secure-port=${await freePort()}`,
            "--v=0",
        ]);
        const deadline = Date.now() + 180000;
        while (Date.now() < deadline) {
            const ready = await this.cluster.kubectl(["get", "node", this.name, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"]);
            if (ready.stdout.trim() === "True") return;
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        throw new Error(`the node did not become Ready:\n${this.logs()}`);
    }

    /** The bridge with the node's address, and the rules that keep pod traffic on it. */
    private async network(): Promise<void> {
        const { bridge, nodeIP, serviceIP } = NODE_NETWORK;
        await runCommand("ip", ["link", "delete", bridge]);
        await sh("ip", ["link", "add", bridge, "type", "bridge"]);
        await sh("ip", ["addr", "add", `${nodeIP}/24`, "dev", bridge]);
        await sh("ip", ["link", "set", bridge, "up"]);
        const apiPort = new URL(this.cluster.server).port;
        this.rules.push(
            // What kube-proxy would do for the `kubernetes` Service, and nothing more.
            ["-t", "nat", "PREROUTING", "-i", bridge, "-d", serviceIP, "-p", "tcp", "--dport", "443", "-j", "DNAT", "--to-destination", `${nodeIP}:${apiPort}`],
            ["-t", "filter", "FORWARD", "-i", bridge, "-j", "DROP"],
            ["-t", "filter", "FORWARD", "-o", bridge, "-j", "DROP"],
        );
        for (const [, table, chain, ...rule] of this.rules) await sh("iptables", ["-t", table, "-I", chain, ...rule]);
        fs.writeFileSync(path.join(this.dir, "resolv.conf"), "nameserver 127.0.0.1\n");
    }

    private async containerd(registries: string[]): Promise<void> {
        const hosts = path.join(this.dir, "certs.d");
        for (const registry of registries) {
            fs.mkdirSync(path.join(hosts, registry), { recursive: true });
            fs.writeFileSync(path.join(hosts, registry, "hosts.toml"), `server = "http://${registry}"\n\n[host."http://${registry}"]\n  capabilities = ["pull", "resolve"]\n`);
        }
        const cni = path.join(this.dir, "cni");
        fs.mkdirSync(cni, { recursive: true });
        fs.writeFileSync(
            path.join(cni, "10-bridge.conflist"),
            JSON.stringify({
                cniVersion: "1.0.0",
                name: "engine-node",
                plugins: [
                    {
                        type: "bridge",
                        bridge: NODE_NETWORK.bridge,
                        isGateway: true,
                        ipMasq: false,
                        ipam: { type: "host-local", ranges: [[{ subnet: NODE_NETWORK.podCIDR, gateway: NODE_NETWORK.nodeIP }]], routes: [{ dst: NODE_NETWORK.serviceCIDR }] },
                    },
                    { type: "loopback" },
                ],
            }),
        );
        const config = path.join(this.dir, "containerd.toml");
        fs.writeFileSync(
            config,
            [
                "version = 3",
                `root = "${path.join(this.dir, "containerd-root")}"`,
                `state = "${path.join(this.dir, "containerd-state")}"`,
                "[grpc]",
                `  address = "${this.socket}"`,
                "[plugins.'io.containerd.cri.v1.images']",
                "  snapshotter = 'overlayfs'",
                "  [plugins.'io.containerd.cri.v1.images'.pinned_images]",
                `    sandbox = '${PAUSE_IMAGE}'`,
                "  [plugins.'io.containerd.cri.v1.images'.registry]",
                `    config_path = '${hosts}'`,
                "[plugins.'io.containerd.cri.v1.runtime']",
                // No CAP_SYS_RESOURCE here: a sandbox may not lower its oom_score_adj.
                "  restrict_oom_score_adj = true",
                "  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
                "    runtime_type = 'io.containerd.runc.v2'",
                "    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
                `      BinaryName = '${this.bin.runc}'`,
                "  [plugins.'io.containerd.cri.v1.runtime'.cni]",
                "    bin_dirs = ['/usr/lib/cni']",
                `    conf_dir = '${cni}'`,
                "",
            ].join("\n"),
        );
        // The shim is found on PATH.
        const env = { ...process.env, PATH: `${path.dirname(this.bin["containerd-shim-runc-v2"])}:${process.env.PATH}` };
        this.processes.start("containerd", this.bin.containerd, ["--config", config, "--log-level", "warn"], env);
        const deadline = Date.now() + 60000;
        while (Date.now() < deadline) {
            if (fs.existsSync(this.socket) && (await this.ctr(["version"])).code === 0) return;
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        throw new Error(`containerd did not start:\n${this.logs()}`);
    }

    /** ctr against this node's containerd, in the CRI's namespace. */
    ctr(args: string[]): ReturnType<typeof runCommand> {
        return runCommand(this.bin.ctr, ["--address", this.socket, "--namespace", "k8s.io", ...args]);
    }

    /** The pause binary as a one-layer OCI image, imported under the pinned sandbox name. */
    private async importPause(): Promise<void> {
        const layout = path.join(this.dir, "pause-oci");
        const blobs = path.join(layout, "blobs", "sha256");
        fs.mkdirSync(blobs, { recursive: true });
        const rootfs = path.join(this.dir, "pause-rootfs");
        fs.mkdirSync(rootfs, { recursive: true });
        fs.copyFileSync(this.bin.pause, path.join(rootfs, "pause"));
        fs.chmodSync(path.join(rootfs, "pause"), 0o755);
        const layerFile = path.join(this.dir, "pause-layer.tar");
        await sh("tar", ["--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf", layerFile, "pause"]);
        const blob = (data: Buffer) => {
            const digest = crypto.createHash("sha256").update(data).digest("hex");
            fs.writeFileSync(path.join(blobs, digest), data);
            return { digest: `sha256:${digest}`, size: data.length };
        };
        const layer = blob(fs.readFileSync(layerFile));
        const config = blob(
            Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Entrypoint: ["/pause"] }, rootfs: { type: "layers", diff_ids: [layer.digest] } })),
        );
        const manifest = blob(
            Buffer.from(
                JSON.stringify({
                    schemaVersion: 2,
                    mediaType: "application/vnd.oci.image.manifest.v1+json",
                    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
                    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
                }),
            ),
        );
        fs.writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
        fs.writeFileSync(
            path.join(layout, "index.json"),
            JSON.stringify({
                schemaVersion: 2,
                manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "io.containerd.image.name": PAUSE_IMAGE, "org.opencontainers.image.ref.name": "test" } }],
            }),
        );
        const archive = path.join(this.dir, "pause.tar");
        await sh("tar", ["-C", layout, "-cf", archive, "."]);
        const imported = await this.ctr(["images", "import", archive]);
        if (imported.code !== 0) throw new Error(`ctr images import of the pause image failed: ${imported.stdout}${imported.stderr}`);
    }

    private async kubelet(): Promise<void> {
        const config = path.join(this.dir, "kubelet.yaml");
        fs.writeFileSync(
            config,
            [
                "apiVersion: kubelet.config.k8s.io/v1beta1",
                "kind: KubeletConfiguration",
                // These machines boot cgroup v1 (and cannot switch); the kubelet refuses it unless told.
                "failCgroupV1: false",
                "cgroupDriver: cgroupfs",
                `containerRuntimeEndpoint: unix://${this.socket}`,
                "address: 0.0.0.0",
                `port: ${await freePort()}`,
                "readOnlyPort: 0",
                "healthzBindAddress: 127.0.0.1",
                `healthzPort: ${await freePort()}`,
                "authentication:",
                "  anonymous:\n    enabled: true",
                "  webhook:\n    enabled: false",
                "authorization:\n  mode: AlwaysAllow",
                `resolvConf: ${path.join(this.dir, "resolv.conf")}`,
                "failSwapOn: false",
                "serializeImagePulls: false",
                "evictionHard:",
                '  memory.available: "100Mi"',
                '  nodefs.available: "1%"',
                '  imagefs.available: "1%"',
                '  nodefs.inodesFree: "1%"',
                "imageGCHighThresholdPercent: 100",
                "imageGCLowThresholdPercent: 99",
                "",
            ].join("\n"),
        );
        this.processes.start("kubelet", this.bin.kubelet, [
            `--config=${config}`,
            `--kubeconfig=${this.cluster.kubeconfig}`,
            `--root-dir=${path.join(this.dir, "kubelet")}`,
            `--node-ip=${NODE_NETWORK.nodeIP}`,
            `--hostname-override=${this.name}`,
            "--v=1",
        ]);
    }

    logs(): string {
        return this.processes.logs(40);
    }

    async stop(): Promise<void> {
        // Pods first, while the kubelet can still stop them cleanly.
        await this.cluster.kubectl(["delete", "pods", "--all", "--all-namespaces", "--grace-period=0", "--force", "--wait=false"]);
        const deadline = Date.now() + 30000;
        while (Date.now() < deadline) {
            const tasks = await this.ctr(["tasks", "list", "-q"]);
            if (tasks.code !== 0 || tasks.stdout.trim() === "") break;
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        await this.processes.stop();
        // Shims outlive containerd: end those of this node.
        await runCommand("pkill", ["-f", `containerd-shim-runc-v2 .*-address ${this.socket}`]);
        for (const [, table, chain, ...rule] of this.rules) await runCommand("iptables", ["-t", table, "-D", chain, ...rule]);
        await runCommand("ip", ["link", "delete", NODE_NETWORK.bridge]);
        // Mounts the kubelet and containerd left (volumes, snapshots, netns), deepest first.
        const mounts = (await runCommand("findmnt", ["-rn", "-o", "TARGET"])).stdout.split("\n").filter((m) => m.startsWith(this.dir)).sort((a, b) => b.length - a.length);
        for (const mount of mounts) await runCommand("umount", ["-l", mount]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
