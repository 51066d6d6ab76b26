/**
 * Pipeline after export, as the image runs it: the backup agent's `once` with the
 * environment the component renders, GoBackup's real engine (GOBACKUP_BIN) archiving
 * and uploading a bacpac (written by the sqlpackage TEST DOUBLE, incompressible like
 * a real bacpac zip) to a real MinIO on 127.0.0.1, the tar shim hashing the archive
 * while it is written, the cp shim making the local copy a hard link, the agent
 * verifying the upload by ETag, writing the manifest and applying the retention
 * policy (its lease and owner checks included). In the same run, the physical limit:
 * `mc cp` of the same file to the same MinIO.
 *
 * And restore: the agent's `restore` from the bucket up to the moment sqlpackage
 * starts, against `mc cp` of the same object to local disk in the same run.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AgentHarness, backupEngine } from "../tests/integration/helpers/agent";
import { MinioServer } from "../tests/integration/helpers/minio";
import { provisionLikeComponent } from "../tests/integration/helpers/provision";
import { runCommand } from "../tests/integration/helpers/exec";
import { S3ProxyDouble } from "../tests/integration/helpers/s3proxy";

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
    variant: Variant;
    pipeline: PipelineSample[];
    limitSeconds: number[];
}

/** One timed restore: the agent's time until sqlpackage starts, and the raw download beside it. */
export interface RestoreSample {
    seconds: number;
    downloadSeconds: number;
}

export interface RestoreResult {
    sizeBytes: number;
    archiveBytes: number;
    /** What the untimed warm-up restore added to the workdir at its peak. */
    peakWorkdirBytes: number;
    samples: RestoreSample[];
}

/** The S3 requests one backup run makes, by operation, seen by the s3-proxy-double. */
export type RequestCounts = Record<string, number>;

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

/**
 * Resident memory of a process and all its descendants, from /proc. A Go program forks
 * from whichever thread runs the call, so every thread's children count, not only the
 * main thread's (/proc/<pid>/task/<pid>/children alone misses GoBackup's).
 */
export function treeRss(pid: number): number {
    let total = 0;
    const children = (parent: number): number[] => {
        let tasks: string[];
        try {
            tasks = fs.readdirSync(`/proc/${parent}/task`);
        } catch {
            return [];
        }
        return tasks.flatMap((task) => {
            try {
                return fs.readFileSync(`/proc/${parent}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
            } catch {
                return [];
            }
        });
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
    run(sizeBytes: number, runs: number, variant?: Variant): Promise<PipelineResult>;
    restore(sizeBytes: number, runs: number): Promise<RestoreResult>;
    requests(sizeBytes: number): Promise<RequestCounts>;
    close(): Promise<void>;
}

/** "PUT /bucket/key?uploadId=..." -> "PUT (part)": what a request does, without its key. */
export function operation(line: string): string {
    const [method, target] = line.split(" ");
    const [pathPart, query = ""] = target.split("?");
    const params = new URLSearchParams(query);
    const key = pathPart.split("/").slice(2).join("/");
    if (params.has("uploads")) return `${method} ${method === "GET" ? "list uploads" : "start multipart"}`;
    if (params.has("uploadId")) return `${method} ${params.has("partNumber") ? "part" : method === "POST" ? "complete multipart" : "multipart"}`;
    if (params.has("versions")) return `${method} list versions`;
    if (params.has("list-type")) return `${method} list`;
    if (params.has("location") || params.has("object-lock") || params.has("versioning")) return `${method} bucket ${[...params.keys()][0]}`;
    const kind = /\.agent\/lease\//.test(key)
        ? "lease"
        : /\.agent\/owner\.json$/.test(key)
          ? "owner"
          : /\.agent\/(probe|capabilities)/.test(key)
            ? "capabilities"
            : /\.manifest\.json$/.test(key)
              ? "manifest"
              : /\.gobackup-state\//.test(key)
                ? "GoBackup state"
                : /\.tar$/.test(key)
                  ? "archive"
                  : key === ""
                    ? "bucket"
                    : "other";
    return `${method} ${kind}${line.includes("If-None-Match") ? " (if absent)" : ""}`;
}

/** Whether the bench may drop the page cache (root only): see settle. */
export const DROPS_PAGE_CACHE = ((): boolean => {
    try {
        fs.accessSync("/proc/sys/vm/drop_caches", fs.constants.W_OK);
        return true;
    } catch {
        return false;
    }
})();

/**
 * Puts the machine in the same state before every timed step, the agent's and `mc cp`'s
 * alike: what earlier steps wrote is written back (sync), the clean page cache is
 * dropped where the bench may, and the files the step reads are read back in, so it
 * reads them from memory as before. Without the drop, a step's buffered writes paid for
 * the state the step before left: measured on 2026-12-05, writing 4 GiB into the page
 * cache took 0.6 s of CPU right after another 4 GiB had been freed and 6.9 s ten seconds
 * later (this VM hands free memory back to its host, and takes it back page by page),
 * and four full benches' 4 GiB restores took 1.28 to 1.61 times the download they
 * alternated with (medians).
 */
function settle(warm: string[] = []): void {
    execFileSync("sync");
    if (DROPS_PAGE_CACHE) fs.writeFileSync("/proc/sys/vm/drop_caches", "1");
    for (const file of warm) execFileSync("find", [file, "-type", "f", "-exec", "cat", "{}", "+"], { stdio: "ignore" });
}

/** Sets up MinIO and the component's users; returns a runner of the agent on GoBackup's engine. */
export async function pipelineBench(tools: { minio: string; mc: string; gobackup: string }, root: string): Promise<PipelineBench> {
    fs.mkdirSync(root, { recursive: true });
    process.env.GOBACKUP_BIN = tools.gobackup;
    const minio = new MinioServer(tools.minio, tools.mc);
    await minio.start();
    const user = await provisionLikeComponent(minio, { bucket: "bench", prefix: "backups/sqlserver", databases: ["bench"] });
    const harnesses: AgentHarness[] = [];
    /**
     * Empties the folder and MinIO's trash: deleted objects go to
     * `.minio.sys/tmp/.trash` and are removed only in the background, minutes later,
     * and gigabytes of runs otherwise fill the disk before the restores.
     */
    const clear = async () => {
        await minio.mc(["rm", "--recursive", "--force", "--versions", `admin/${user.bucket}/${user.prefix}/`]);
        const trash = path.join(minio.dataDir, ".minio.sys", "tmp", ".trash");
        for (const entry of fs.existsSync(trash) ? fs.readdirSync(trash) : []) fs.rmSync(path.join(trash, entry), { recursive: true, force: true });
    };

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

    function harness(variant: Variant, endpoint = minio.endpoint): AgentHarness {
        const h = new AgentHarness({
            engine: backupEngine(tools.mc),
            databases: ["bench"],
            keep: 1,
            storage: { endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey, restore: user.restore },
            localCopies: variant.localCopy ? 1 : 0,
        });
        harnesses.push(h);
        return h;
    }

    /** Samples a process tree's memory and a directory's size until stopped. */
    function sample(pid: () => number | undefined, dir: string): { stop(): { peakRss: number; peakDisk: number } } {
        let peakRss = 0;
        let peakDisk = 0;
        const timer = setInterval(async () => {
            const p = pid();
            if (p) peakRss = Math.max(peakRss, treeRss(p));
            peakDisk = Math.max(peakDisk, await duBytes(dir));
        }, 100);
        return {
            stop() {
                clearInterval(timer);
                return { peakRss, peakDisk };
            },
        };
    }

    return {
        async run(sizeBytes, runs, variant = AS_DEPLOYED) {
            const h = harness(variant);
            const bacpac = await bacpacOf(h, sizeBytes);
            const pipeline: PipelineSample[] = [];
            const limitSeconds: number[] = [];
            for (let i = 0; i < runs; i++) {
                fs.rmSync(h.settings.workdir, { recursive: true, force: true });
                fs.mkdirSync(h.settings.workdir, { recursive: true });
                settle([bacpac]);
                const started = process.hrtime.bigint();
                const running = h.start(["once"], { SQLPACKAGE_DOUBLE_FROM: bacpac });
                const sampling = sample(() => running.child.pid, h.settings.workdir);
                const code = await running.exited;
                const { peakRss, peakDisk } = sampling.stop();
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
                settle([bacpac]);
                const limitStart = process.hrtime.bigint();
                await minio.mcOk(["cp", "--quiet", bacpac, `${user.alias}/${user.bucket}/${user.prefix}/bench/limit-payload.bacpac`]);
                limitSeconds.push(Number(process.hrtime.bigint() - limitStart) / 1e9);
                // Keep MinIO's disk from filling up between runs.
                await clear();
                // Archive names have one-second resolution.
                await new Promise((resolve) => setTimeout(resolve, 1100));
            }
            // The workdir keeps the last run's local copy: gigabytes the next sizes need.
            fs.rmSync(h.settings.workdir, { recursive: true, force: true });
            return { sizeBytes, variant, pipeline, limitSeconds };
        },
        async restore(sizeBytes, runs) {
            const h = harness(AS_DEPLOYED);
            const bacpac = await bacpacOf(h, sizeBytes);
            const backup = await h.run(["once"], { SQLPACKAGE_DOUBLE_FROM: bacpac });
            if (backup.code !== 0) throw new Error(`the backup to restore failed:\n${backup.stdout}`);
            const record = JSON.parse(fs.readFileSync(path.join(h.settings.workdir, ".sqlserver-backup", "models", "bench.json"), "utf8"));
            const archive = record.lastRun.archive as { name: string; bytes: number };
            const key = `${user.prefix}/bench/${archive.name}`;
            const samples: RestoreSample[] = [];
            const downloaded = path.join(root, "downloaded.tar");
            // Run 0 is a warm-up of both, not timed. It alone measures the peak disk: the
            // sampler spawns du ten times a second, CPU that the timed restores would share
            // with the agent and the downloads they are compared with do not.
            let peakWorkdirBytes = 0;
            for (let i = 0; i <= runs; i++) {
                const startedFile = path.join(root, "sqlpackage-started");
                fs.rmSync(startedFile, { force: true });
                // No copy of what sqlpackage imports: gigabytes of writes between the measurements.
                const env = { ...h.restoreEnv({ id: `bench-${sizeBytes}-${i}` }), SQLPACKAGE_DOUBLE_STARTED_FILE: startedFile, SQLPACKAGE_DOUBLE_IMPORT_COPY: "", RESTORE_DATABASE: "bench" };
                // What the restore adds: the backup's local copy is already in the workdir.
                const baseline = await duBytes(h.settings.workdir);
                // The archive read back into memory: MinIO serves it from there to both.
                settle([minio.dataDir]);
                const started = Date.now();
                const running = h.start(["restore"], env);
                const sampling = i === 0 ? sample(() => running.child.pid, h.settings.workdir) : undefined;
                const code = await running.exited;
                if (sampling) peakWorkdirBytes = sampling.stop().peakDisk - baseline;
                if (code !== 0) throw new Error(`the restore failed:\n${running.output()}`);
                const seconds = (Number(fs.readFileSync(startedFile, "utf8")) / 1e6 - started) / 1000;
                settle([minio.dataDir]);
                const downloadStart = process.hrtime.bigint();
                await minio.mcOk(["cp", "--quiet", `admin/${user.bucket}/${key}`, downloaded]);
                const downloadSeconds = Number(process.hrtime.bigint() - downloadStart) / 1e9;
                if (i > 0) samples.push({ seconds, downloadSeconds });
                fs.rmSync(downloaded, { force: true });
            }
            await clear();
            fs.rmSync(h.settings.workdir, { recursive: true, force: true });
            return { sizeBytes, archiveBytes: archive.bytes, peakWorkdirBytes, samples };
        },
        async requests(sizeBytes) {
            const proxy = new S3ProxyDouble(minio.endpoint, { [user.accessKey]: user.secretKey, [user.restore.accessKey]: user.restore.secretKey });
            await proxy.start();
            try {
                const h = harness(AS_DEPLOYED, proxy.endpoint);
                const bacpac = await bacpacOf(h, sizeBytes);
                // A steady state: earlier runs in the folder, so retention has something to do.
                for (let i = 0; i < 3; i++) {
                    const once = await h.run(["once"], { SQLPACKAGE_DOUBLE_FROM: bacpac });
                    if (once.code !== 0) throw new Error(`the run failed:\n${once.stdout}`);
                    await new Promise((resolve) => setTimeout(resolve, 1100));
                }
                const before = (await proxy.requests()).length;
                const once = await h.run(["once"], { SQLPACKAGE_DOUBLE_FROM: bacpac });
                if (once.code !== 0) throw new Error(`the run failed:\n${once.stdout}`);
                const counts: RequestCounts = {};
                for (const line of (await proxy.requests()).slice(before)) counts[operation(line)] = (counts[operation(line)] ?? 0) + 1;
                await clear();
                return counts;
            } finally {
                await proxy.stop();
            }
        },
        async close() {
            harnesses.forEach((h) => h.remove());
            await minio.remove();
        },
    };
}
