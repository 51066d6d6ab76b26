/**
 * Pipeline after export: GoBackup's engine archives and uploads a bacpac (written by
 * the sqlpackage TEST DOUBLE, incompressible like a real bacpac zip) to a real MinIO
 * on 127.0.0.1, with the config our renderer produces, run as the image runs it: the
 * cp shim in front of GoBackup's PATH (the local copy becomes a hard link) and the
 * hook after each run (it reads the archive back from the bucket for the manifest).
 * In the same run, the physical limit: `mc cp` of the same file to the same MinIO.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { renderGoBackupConfig } from "../components/plan/gobackupConfig";
import { BackupSettings } from "../components/plan/settings";
import { MinioServer } from "../tests/integration/helpers/minio";
import { provisionLikeComponent } from "../tests/integration/helpers/provision";

const exec = promisify(execFile);

export type Compression = "tar" | "tgz" | "tar.zst";

export interface PipelineSample {
    seconds: number;
    peakWorkdirBytes: number;
    peakRssBytes: number;
    archiveBytes: number;
}

/** What runs around GoBackup; the default is what the image does. */
export interface Variant {
    /** A local copy of the archive (default localCopies). */
    localCopy: boolean;
    /** The cp shim links the local copy; false: GoBackup's own `cp -a`. */
    shim: boolean;
    /** The hook verifies the archive in the bucket and writes the manifest. */
    verify: boolean;
}

export const AS_DEPLOYED: Variant = { localCopy: true, shim: true, verify: true };

/** A variant's name in the results, against the default. */
export function variantName(variant: Variant): string {
    const parts: string[] = [];
    if (!variant.localCopy) parts.push("no local copy");
    else if (!variant.shim) parts.push("local copy by cp -a");
    if (!variant.verify) parts.push("no manifest");
    return parts.join(", ");
}

export interface PipelineResult {
    sizeBytes: number;
    compression: Compression;
    variant: Variant;
    pipeline: PipelineSample[];
    limitSeconds: number[];
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Bytes under a directory (apparent sizes; a hard-linked bacpac counts once per name, as du -b does). */
async function duBytes(dir: string): Promise<number> {
    try {
        const { stdout } = await exec("du", ["-sb", dir]);
        return Number(stdout.split("\t")[0]);
    } catch {
        return 0;
    }
}

/** Resident memory of a process and all its descendants, from /proc. */
function treeRss(pid: number): number {
    let total = 0;
    const children = (parent: number): number[] => {
        try {
            return fs
                .readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8")
                .trim()
                .split(/\s+/)
                .filter(Boolean)
                .map(Number);
        } catch {
            return [];
        }
    };
    const stack = [pid];
    while (stack.length) {
        const current = stack.pop()!;
        try {
            const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${current}/status`, "utf8"));
            if (match) total += Number(match[1]) * 1024;
        } catch {
            /* exited */
        }
        stack.push(...children(current));
    }
    return total;
}

/** Runs a command, sampling its memory and the workdir's size every 100 ms. */
async function measured(child: ChildProcess, workdir: string): Promise<{ code: number; peakRss: number; peakDisk: number; output: string }> {
    let peakRss = 0;
    let peakDisk = 0;
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    const timer = setInterval(async () => {
        if (child.pid) peakRss = Math.max(peakRss, treeRss(child.pid));
        peakDisk = Math.max(peakDisk, await duBytes(workdir));
    }, 100);
    const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
    clearInterval(timer);
    return { code, peakRss, peakDisk, output };
}

export interface PipelineBench {
    run(sizeBytes: number, compression: Compression, runs: number, variant?: Variant): Promise<PipelineResult>;
    close(): Promise<void>;
}

/** Sets up MinIO, the backup user (our policy) and the tools; returns a runner. */
export async function pipelineBench(tools: { minio: string; mc: string; gobackup: string; go: string }, root: string): Promise<PipelineBench> {
    fs.mkdirSync(root, { recursive: true });
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin, { recursive: true });
    await exec(tools.go, ["build", "-o", path.join(bin, "sqlpackage"), "."], { cwd: path.resolve(__dirname, "../tests/doubles/sqlpackage-double") });
    for (const [name, target] of [["mc", tools.mc], ["gobackup", tools.gobackup], ["sqlserver-backup-hook", path.resolve(__dirname, "../image/hook.sh")]]) {
        fs.symlinkSync(target, path.join(bin, name));
    }
    const shims = path.resolve(__dirname, "../image/shims");
    const minio = new MinioServer(tools.minio, tools.mc);
    await minio.start();
    const user = await provisionLikeComponent(minio, { bucket: "bench", prefix: "backups/sqlserver" });

    async function bacpacOf(sizeBytes: number): Promise<string> {
        const file = path.join(root, `payload-${sizeBytes}.bacpac`);
        if (!fs.existsSync(file)) {
            await exec(path.join(bin, "sqlpackage"), ["/Action:Export", "/SourceServerName:s,1", "/SourceDatabaseName:Bench", `/TargetFile:${file}`], {
                env: { ...process.env, SQLPACKAGE_DOUBLE_SIZE: String(sizeBytes) },
            });
        }
        return file;
    }

    function config(compression: Compression, workdir: string, variant: Variant): string {
        const localCopy = variant.localCopy;
        const settings: BackupSettings = {
            databases: [{ name: "bench", host: "sql", port: 1433, database: "Bench", username: "sa", trustServerCertificate: true, extraArgs: [] }],
            schedule: { cron: "0 2 * * *", timeZone: "Etc/UTC" },
            storage: { endpoint: minio.endpoint, region: "us-east-1", bucket: user.bucket, prefix: user.prefix, keep: 1, timeoutSeconds: 300, maxRetries: 3, retentionDays: 30, noncurrentVersionRetentionDays: 7 },
            webUi: { enabled: false, port: 2703 },
            workdir,
            ...(localCopy ? { localCopy: { path: path.join(workdir, "archives"), keep: 1 } } : {}),
        };
        let yaml = renderGoBackupConfig(settings).yaml.replace("type: tar\n", `type: ${compression}\n`);
        if (!variant.verify) yaml = yaml.replace(/^ {4}(before|after)_script: .*\n/gm, "");
        const file = path.join(root, `gobackup-${compression}.yml`);
        fs.writeFileSync(file, yaml, { mode: 0o600 });
        return file;
    }

    return {
        async run(sizeBytes, compression, runs, variant = AS_DEPLOYED) {
            const bacpac = await bacpacOf(sizeBytes);
            const pipeline: PipelineSample[] = [];
            const limitSeconds: number[] = [];
            for (let i = 0; i < runs; i++) {
                const workdir = path.join(root, "workdir");
                fs.rmSync(workdir, { recursive: true, force: true });
                fs.mkdirSync(workdir, { recursive: true });
                const started = process.hrtime.bigint();
                const child = spawn(tools.gobackup, ["perform", "--config", config(compression, workdir, variant)], {
                    env: {
                        PATH: `${variant.shim ? `${shims}:` : ""}${bin}:${process.env.PATH}`,
                        SQLSERVER_BACKUP_LINK_FROM: workdir,
                        SQLSERVER_BACKUP_LINK_TO: path.join(workdir, "archives"),
                        MINIO_ENDPOINT: minio.endpoint,
                        HOME: root,
                        GOBACKUP_DIR: path.join(workdir, ".gobackup"),
                        MSSQL_PASSWORD_BENCH: "bench",
                        MINIO_ACCESS_KEY: user.accessKey,
                        MINIO_SECRET_KEY: user.secretKey,
                        SQLPACKAGE_DOUBLE_FROM: bacpac,
                    },
                });
                const result = await measured(child, workdir);
                const seconds = Number(process.hrtime.bigint() - started) / 1e9;
                if (result.code !== 0) throw new Error(`gobackup failed:\n${result.output}`);
                if (variant.verify && !/wrote \S+\.manifest\.json/.test(result.output)) throw new Error(`no manifest was written:\n${result.output}`);
                const listing = await minio.mcOk(["ls", "--json", `${user.alias}/${user.bucket}/${user.prefix}/bench/`]);
                const uploaded = listing
                    .trim()
                    .split("\n")
                    .map((line) => JSON.parse(line) as { key: string; size: number })
                    .find((entry) => entry.key.includes(".tar"));
                if (!uploaded) throw new Error("the archive did not reach MinIO");
                pipeline.push({
                    seconds,
                    // The hard-linked bacpac stands for the one sqlpackage writes there: it counts.
                    peakWorkdirBytes: result.peakDisk,
                    peakRssBytes: result.peakRss,
                    archiveBytes: uploaded.size,
                });
                const limitStart = process.hrtime.bigint();
                await minio.mcOk(["cp", "--quiet", bacpac, `${user.alias}/${user.bucket}/${user.prefix}/limit/payload.bacpac`]);
                limitSeconds.push(Number(process.hrtime.bigint() - limitStart) / 1e9);
                // Keep MinIO's disk from filling up between runs.
                await minio.mc(["rm", "--recursive", "--force", "--versions", `admin/${user.bucket}/${user.prefix}/`]);
                // Two seconds apart: archive names have one-second resolution.
                await new Promise((resolve) => setTimeout(resolve, 1100));
            }
            return { sizeBytes, compression, variant, pipeline, limitSeconds };
        },
        async close() {
            await minio.remove();
        },
    };
}
