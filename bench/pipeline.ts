/**
 * Pipeline after export, as the image runs it: the backup agent's `once` with the
 * environment the component renders, GoBackup's real engine (GOBACKUP_BIN) archiving
 * and uploading a bacpac (written by the sqlpackage TEST DOUBLE, incompressible like
 * a real bacpac zip) to a real MinIO on 127.0.0.1, the tar shim hashing the archive
 * while it is written, the cp shim making the local copy a hard link, and the agent
 * verifying the upload by ETag and writing the manifest. In the same run, the
 * physical limit: `mc cp` of the same file to the same MinIO.
 */
import * as fs from "fs";
import * as path from "path";
import { AgentHarness, backupEngine } from "../tests/integration/helpers/agent";
import { MinioServer } from "../tests/integration/helpers/minio";
import { provisionLikeComponent } from "../tests/integration/helpers/provision";
import { runCommand } from "../tests/integration/helpers/exec";

export type Compression = "tar" | "tgz" | "tar.zst";

export interface PipelineSample {
    seconds: number;
    /** What the agent added after GoBackup exited (its record's verifySeconds). */
    verifySeconds: number;
    peakWorkdirBytes: number;
    peakRssBytes: number;
    archiveBytes: number;
}

/** What runs around GoBackup; the default is what the image does. */
export interface Variant {
    /** A local copy of the archive (default localCopies). */
    localCopy: boolean;
}

export const AS_DEPLOYED: Variant = { localCopy: true };

/** A variant's name in the results, against the default. */
export function variantName(variant: Variant): string {
    return variant.localCopy ? "" : "no local copy";
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
    const result = await runCommand("du", ["-sb", dir]);
    return result.code === 0 ? Number(result.stdout.split("\t")[0]) : 0;
}

/** Resident memory of a process and all its descendants, from /proc. */
export function treeRss(pid: number): number {
    let total = 0;
    const children = (parent: number): number[] => {
        try {
            return fs.readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
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

export interface PipelineBench {
    run(sizeBytes: number, compression: Compression, runs: number, variant?: Variant): Promise<PipelineResult>;
    close(): Promise<void>;
}

/** Sets up MinIO and the component's users; returns a runner of the agent on GoBackup's engine. */
export async function pipelineBench(tools: { minio: string; mc: string; gobackup: string }, root: string): Promise<PipelineBench> {
    fs.mkdirSync(root, { recursive: true });
    process.env.GOBACKUP_BIN = tools.gobackup;
    const minio = new MinioServer(tools.minio, tools.mc);
    await minio.start();
    const user = await provisionLikeComponent(minio, { bucket: "bench", prefix: "backups/sqlserver", databases: ["bench"] });
    const harnesses: AgentHarness[] = [];

    async function bacpacOf(h: AgentHarness, sizeBytes: number): Promise<string> {
        const file = path.join(root, `payload-${sizeBytes}.bacpac`);
        if (!fs.existsSync(file)) {
            const made = await runCommand("sqlpackage", ["/Action:Export", "/SourceServerName:s,1", "/SourceDatabaseName:Bench", `/TargetFile:${file}`], {
                env: { ...h.env(), SQLPACKAGE_DOUBLE_SIZE: String(sizeBytes) },
            });
            if (made.code !== 0) throw new Error(`the sqlpackage double failed: ${made.stdout}${made.stderr}`);
        }
        return file;
    }

    function harness(compression: Compression, variant: Variant): AgentHarness {
        const h = new AgentHarness({
            engine: backupEngine(tools.mc),
            databases: ["bench"],
            keep: 1,
            storage: { endpoint: minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey },
            compression,
            localCopies: variant.localCopy ? 1 : 0,
        });
        harnesses.push(h);
        return h;
    }

    return {
        async run(sizeBytes, compression, runs, variant = AS_DEPLOYED) {
            const h = harness(compression, variant);
            const bacpac = await bacpacOf(h, sizeBytes);
            const pipeline: PipelineSample[] = [];
            const limitSeconds: number[] = [];
            for (let i = 0; i < runs; i++) {
                fs.rmSync(h.settings.workdir, { recursive: true, force: true });
                fs.mkdirSync(h.settings.workdir, { recursive: true });
                let peakRss = 0;
                let peakDisk = 0;
                const started = process.hrtime.bigint();
                const running = h.start(["once"], { SQLPACKAGE_DOUBLE_FROM: bacpac });
                const timer = setInterval(async () => {
                    if (running.child.pid) peakRss = Math.max(peakRss, treeRss(running.child.pid));
                    peakDisk = Math.max(peakDisk, await duBytes(h.settings.workdir));
                }, 100);
                const code = await running.exited;
                clearInterval(timer);
                const seconds = Number(process.hrtime.bigint() - started) / 1e9;
                if (code !== 0) throw new Error(`the agent's once failed:\n${running.output()}`);
                const record = JSON.parse(fs.readFileSync(path.join(h.settings.workdir, ".sqlserver-backup", "models", "bench.json"), "utf8"));
                const archive = record.lastRun?.archive;
                if (!archive?.verifiedBy) throw new Error(`the run recorded no verified archive:\n${running.output()}`);
                pipeline.push({
                    seconds,
                    verifySeconds: archive.verifySeconds ?? 0,
                    // The hard-linked bacpac stands for the one sqlpackage writes there: it counts.
                    peakWorkdirBytes: peakDisk,
                    peakRssBytes: peakRss,
                    archiveBytes: archive.bytes,
                });
                const limitStart = process.hrtime.bigint();
                await minio.mcOk(["cp", "--quiet", bacpac, `${user.alias}/${user.bucket}/${user.prefix}/bench/limit-payload.bacpac`]);
                limitSeconds.push(Number(process.hrtime.bigint() - limitStart) / 1e9);
                // Keep MinIO's disk from filling up between runs.
                await minio.mc(["rm", "--recursive", "--force", "--versions", `admin/${user.bucket}/${user.prefix}/`]);
                // Archive names have one-second resolution.
                await new Promise((resolve) => setTimeout(resolve, 1100));
            }
            return { sizeBytes, compression, variant, pipeline, limitSeconds };
        },
        async close() {
            harnesses.forEach((h) => h.remove());
            await minio.remove();
        },
    };
}
