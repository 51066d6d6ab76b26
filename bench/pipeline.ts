/**
 * Pipeline after export: GoBackup's engine archives and uploads a bacpac (written by
 * the sqlpackage TEST DOUBLE, incompressible like a real bacpac zip) to a real MinIO
 * on 127.0.0.1, with the config our renderer produces. In the same run, the physical
 * limit: `mc cp` of the same file to the same MinIO.
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

export interface PipelineResult {
    sizeBytes: number;
    compression: Compression;
    /** Whether the default local copy of the archive was kept. */
    localCopy: boolean;
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
    run(sizeBytes: number, compression: Compression, runs: number, localCopy?: boolean): Promise<PipelineResult>;
    close(): Promise<void>;
}

/** Sets up MinIO, the backup user (our policy) and the tools; returns a runner. */
export async function pipelineBench(tools: { minio: string; mc: string; gobackup: string; go: string }, root: string): Promise<PipelineBench> {
    fs.mkdirSync(root, { recursive: true });
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin, { recursive: true });
    await exec(tools.go, ["build", "-o", path.join(bin, "sqlpackage"), "."], { cwd: path.resolve(__dirname, "../tests/doubles/sqlpackage-double") });
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

    function config(compression: Compression, workdir: string, localCopy: boolean): string {
        const settings: BackupSettings = {
            databases: [{ name: "bench", host: "sql", port: 1433, database: "Bench", username: "sa", trustServerCertificate: true, extraArgs: [] }],
            schedule: { cron: "0 2 * * *", timeZone: "Etc/UTC" },
            storage: { endpoint: minio.endpoint, region: "us-east-1", bucket: user.bucket, prefix: user.prefix, keep: 1, timeoutSeconds: 300, maxRetries: 3, retentionDays: 30, noncurrentVersionRetentionDays: 7 },
            webUi: { enabled: false, port: 2703 },
            workdir,
            ...(localCopy ? { localCopy: { path: path.join(workdir, "archives"), keep: 1 } } : {}),
        };
        const yaml = renderGoBackupConfig(settings).yaml.replace("type: tar\n", `type: ${compression}\n`);
        const file = path.join(root, `gobackup-${compression}.yml`);
        fs.writeFileSync(file, yaml, { mode: 0o600 });
        return file;
    }

    return {
        async run(sizeBytes, compression, runs, localCopy = true) {
            const bacpac = await bacpacOf(sizeBytes);
            const pipeline: PipelineSample[] = [];
            const limitSeconds: number[] = [];
            for (let i = 0; i < runs; i++) {
                const workdir = path.join(root, "workdir");
                fs.rmSync(workdir, { recursive: true, force: true });
                fs.mkdirSync(workdir, { recursive: true });
                const started = process.hrtime.bigint();
                const child = spawn(tools.gobackup, ["perform", "--config", config(compression, workdir, localCopy)], {
                    env: {
                        PATH: `${bin}:${process.env.PATH}`,
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
            return { sizeBytes, compression, localCopy, pipeline, limitSeconds };
        },
        async close() {
            await minio.remove();
        },
    };
}
