import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { freePort } from "../../integration/helpers/minio";
import { runCommand } from "../../integration/helpers/exec";
import { ProcessGroup } from "./processes";

/** A node's view of the control plane: the API server on its bridge, the `kubernetes` Service's IP in the certificate. */
export interface NodeNetwork {
    /** The node's address (the CNI bridge's): the API server listens there too. */
    nodeIP: string;
    /** The `kubernetes` Service's cluster IP, which pods reach the API server by. */
    serviceIP: string;
}

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (token auth,
 * RBAC, its built-in admission, Pod Security included) and kube-controller-manager
 * (the CronJob, namespace, service account, garbage collection and TTL controllers).
 * Without a node (`network` absent) the Job controller is off, so tests set a Job's
 * status as the Job controller and a kubelet would, and pods stay Pending. With one
 * (helpers/node.ts) every controller runs and the API server also listens on the
 * node's bridge. Certificates and data live in a temp dir that stop() removes.
 */
export class Cluster {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-cluster-"));
    readonly token = "engine-test-admin-token";
    readonly kubeconfig = path.join(this.dir, "kubeconfig");
    apiPort = 0;
    private readonly processes = new ProcessGroup();

    constructor(
        private readonly bin: Record<"etcd" | "kube-apiserver" | "kube-controller-manager" | "kubectl", string>,
        readonly network?: NodeNetwork,
    ) {}

    /** The CA that signed the API server's certificate. */
    get caFile(): string {
        return path.join(this.dir, "ca.crt");
    }

    get server(): string {
        return `https://127.0.0.1:${this.apiPort}`;
    }

    async start(): Promise<void> {
        this.certificates();
        const [etcdClient, etcdPeer, controllerPort] = [await freePort(), await freePort(), await freePort()];
        this.apiPort = await freePort();
        this.spawn("etcd", this.bin.etcd, [
            `--data-dir=${path.join(this.dir, "etcd")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
            "--log-level=error",
        ]);
        fs.writeFileSync(path.join(this.dir, "tokens.csv"), `${this.token},admin,admin,"system:masters"\n`);
        const file = (name: string) => path.join(this.dir, name);
        this.spawn("kube-apiserver", this.bin["kube-apiserver"], [
            `--etcd-servers=http://127.0.0.1:${etcdClient}`,
            // With a node, pods reach it on the node's bridge (the Service IP is DNATed there).
            `--bind-address=${this.network ? "0.0.0.0" : "127.0.0.1"}`,
            `--advertise-address=${this.network?.nodeIP ?? "127.0.0.1"}`,
            `--secure-port=${this.apiPort}`,
            `--cert-dir=${file("apiserver-certs")}`,
            `--tls-cert-file=${file("apiserver.crt")}`,
            `--tls-private-key-file=${file("apiserver.key")}`,
            `--client-ca-file=${file("ca.crt")}`,
            `--token-auth-file=${file("tokens.csv")}`,
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${file("sa.pub")}`,
            `--service-account-signing-key-file=${file("sa.key")}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            // 127.0.0.1 is not a public IP the endpoint reconciler accepts.
            "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false",
            // `kubectl logs` goes through the API server to the kubelet: by the node's IP,
            // as nothing here resolves the node's name.
            "--kubelet-preferred-address-types=InternalIP",
            "--v=0",
        ]);
        fs.writeFileSync(
            this.kubeconfig,
            [
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                `- name: engine\n  cluster:\n    server: ${this.server}\n    certificate-authority: ${file("ca.crt")}`,
                "users:",
                `- name: admin\n  user:\n    token: ${this.token}`,
                "contexts:",
                "- name: engine\n  context:\n    cluster: engine\n    user: admin\n    namespace: default",
                "current-context: engine",
                "",
            ].join("\n"),
        );
        await this.waitReady();
        this.spawn("kube-controller-manager", this.bin["kube-controller-manager"], [
            `--kubeconfig=${this.kubeconfig}`,
            `--authentication-kubeconfig=${this.kubeconfig}`,
            `--authorization-kubeconfig=${this.kubeconfig}`,
            `--service-account-private-key-file=${file("sa.key")}`,
            `--root-ca-file=${file("ca.crt")}`,
            this.network ? "--controllers=*" : "--controllers=*,-job-controller",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            `--secure-port=${controllerPort}`,
            `--cert-dir=${file("controller-certs")}`,
            "--v=0",
        ]);
        // The namespace controller and service accounts: `default` gets its ServiceAccount.
        const deadline = Date.now() + 60000;
        while (Date.now() < deadline) {
            if ((await this.kubectl(["get", "serviceaccount", "default", "--namespace", "default"])).code === 0) return;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        throw new Error(`kube-controller-manager did not create the default ServiceAccount:\n${this.logs()}`);
    }

    /** The CA and serving certificate, and the service-account key pair, made with openssl. */
    private certificates(): void {
        const run = (args: string[]) => execFileSync("openssl", args, { cwd: this.dir, stdio: "pipe" });
        run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=engine-test-ca"]);
        const ips = ["127.0.0.1", ...(this.network ? [this.network.nodeIP, this.network.serviceIP] : [])].map((ip) => `IP:${ip}`).join(",");
        fs.writeFileSync(path.join(this.dir, "san.cnf"), `subjectAltName=${ips},DNS:localhost,DNS:kubernetes.default.svc\n`);
        run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver"]);
        run(["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "apiserver.crt", "-days", "2", "-extfile", "san.cnf"]);
        run(["genrsa", "-out", "sa.key", "2048"]);
        run(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
    }

    private spawn(name: string, file: string, args: string[]): void {
        this.processes.start(name, file, args);
    }

    private async waitReady(): Promise<void> {
        const ca = fs.readFileSync(path.join(this.dir, "ca.crt"));
        const deadline = Date.now() + 90000;
        while (Date.now() < deadline) {
            const ok = await new Promise<boolean>((resolve) => {
                const request = https.get(`${this.server}/readyz`, { ca, headers: { Authorization: `Bearer ${this.token}` } }, (response) => {
                    response.resume();
                    resolve(response.statusCode === 200);
                });
                request.on("error", () => resolve(false));
            });
            if (ok) return;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        throw new Error(`kube-apiserver did not become ready:\n${this.logs()}`);
    }

    /** The last lines each process wrote, for failure messages. */
    logs(): string {
        return this.processes.logs();
    }

    /** kubectl against this cluster. */
    kubectl(args: string[], input?: string): ReturnType<typeof runCommand> {
        if (input === undefined) return runCommand(this.bin.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args]);
        const file = path.join(this.dir, `input-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(file, input);
        return runCommand(this.bin.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args.map((arg) => (arg === "-" ? file : arg))]);
    }

    /** kubectl that must succeed; returns its stdout. */
    async kubectlOk(args: string[], input?: string): Promise<string> {
        const result = await this.kubectl(args, input);
        if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stdout}${result.stderr}`);
        return result.stdout;
    }

    async stop(): Promise<void> {
        await this.processes.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
