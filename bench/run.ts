/**
 * `npm run bench`: what a backup costs, against the physical limit in the same run.
 * Writes bench/RESULTS.md and bench/results.json.
 *
 *   BENCH_SIZES  comma-separated bacpac sizes (default 256M,1G,4G)
 *   BENCH_RESTORE_SIZES  sizes of the restore bench (default 1G,4G)
 *   BENCH_RUNS   runs per measurement, median reported (default 3)
 *   GOBACKUP_BIN the GoBackup engine (else `gobackup` on PATH); without one, the
 *                pipeline part is reported as not measured
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findTool } from "../tests/integration/helpers/tools";
import { DROPS_PAGE_CACHE, median, PipelineResult, pipelineBench, RequestCounts, RestoreResult, Variant, variantName } from "./pipeline";
import { programCost, ProgramSample } from "./program";
import { FleetReport, fleetSection } from "./fleetReport";
import { SoakReport, soakSection } from "./soakReport";

const HERE = __dirname;
const MiB = 1024 * 1024;

function parseSize(text: string): number {
    const match = /^(\d+)([MG])$/.exec(text.trim());
    if (!match) throw new Error(`BENCH_SIZES: "${text}" must look like 256M or 4G`);
    return Number(match[1]) * (match[2] === "G" ? 1024 : 1) * MiB;
}

function sh(command: string, args: string[]): string {
    try {
        return execFileSync(command, args, { encoding: "utf8" }).trim();
    } catch {
        return "unknown";
    }
}

function machineFacts(gobackup?: string): Record<string, string> {
    return {
        date: new Date().toISOString(),
        cpu: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "unknown"}`,
        memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
        kernel: `${os.type()} ${os.release()}`,
        disk: sh("df", ["-h", "--output=source,fstype,size,avail", os.tmpdir()]).split("\n").pop() ?? "unknown",
        node: process.version,
        minio: sh(findTool("minio") ?? "minio", ["--version"]).split("\n")[0],
        gobackup: gobackup ? sh(gobackup, ["-v"]) : "not available",
        "page cache before each timed step": DROPS_PAGE_CACHE
            ? "written back, clean pages dropped, the step's input read back in (the same state for the agent and `mc cp`)"
            : "written back only (not root: the clean pages could not be dropped, and figures vary more)",
    };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const mib = (bytes: number) => `${fmt(bytes / MiB, 0)} MiB`;

function pipelineTable(results: PipelineResult[]): string {
    const rows = results.map((r) => {
        const seconds = median(r.pipeline.map((s) => s.seconds));
        const limit = median(r.limitSeconds);
        const variant = variantName(r.variant);
        const verify = median(r.pipeline.map((s) => s.verifySeconds));
        return `| ${mib(r.sizeBytes)} | ${variant || "as deployed"} | ${fmt(seconds)} s | ${fmt(r.sizeBytes / MiB / seconds, 0)} MiB/s | ${fmt(limit)} s | ${fmt(seconds / limit)} | ${fmt(verify)} s (${fmt((100 * verify) / seconds, 1)} %) | ${mib(Math.max(...r.pipeline.map((s) => s.peakWorkdirBytes)))} | ${mib(Math.max(...r.pipeline.map((s) => s.peakRssBytes)))} | ${mib(r.pipeline[0].archiveBytes)} |`;
    });
    return [
        "| bacpac | variant | pipeline (median) | throughput | `mc cp` limit (median) | ratio | verification after GoBackup exits (share) | peak workdir disk | peak memory (agent + engine + children) | archive |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ...rows,
    ].join("\n");
}

function restoreTable(results: RestoreResult[]): string {
    const rows = results.map((r) => {
        const seconds = median(r.samples.map((s) => s.seconds));
        const download = median(r.samples.map((s) => s.downloadSeconds));
        const peak = r.peakWorkdirBytes;
        return `| ${mib(r.sizeBytes)} | ${fmt(seconds)} s | ${fmt(download)} s | ${fmt(seconds / download)} | ${mib(peak)} (${fmt(peak / r.archiveBytes)} x the archive) | ${r.samples.map((s) => `${fmt(s.seconds)}/${fmt(s.downloadSeconds)}`).join(", ")} |`;
    });
    return [
        "| bacpac | agent restore until sqlpackage starts (median) | `mc cp` download (median) | ratio | peak restore disk | each run (restore/download, s) |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows,
    ].join("\n");
}

function requestsTable(counts: RequestCounts): string {
    const rows = Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `| ${op} | ${n} |`);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return ["| request | count |", "| --- | --- |", ...rows, `| **total** | **${total}** |`].join("\n");
}

function programTable(samples: ProgramSample[]): string {
    const rows = samples.map((s) => `| ${s.databases} | ${fmt(median(s.milliseconds), 0)} ms | ${s.resources} | ${s.images} |`);
    const first = samples[0];
    const last = samples[samples.length - 1];
    const marginal = (median(last.milliseconds) - median(first.milliseconds)) / (last.databases - first.databases);
    return [
        "| databases | construct + register (median) | resources | images built |",
        "| --- | --- | --- | --- |",
        ...rows,
        "",
        `Marginal cost: ${fmt(marginal)} ms and ${fmt((last.resources - first.resources) / (last.databases - first.databases))} resources per extra database. ` +
            `The image is built ${samples.every((s) => s.images === 1) ? "once however many databases there are" : "MORE THAN ONCE: a regression"}.`,
    ].join("\n");
}

function imageSection(): string {
    const file = path.join(HERE, "image-layers.json");
    if (!fs.existsSync(file)) return "Not measured: run `npm run test:integration` first (its Docker build test writes bench/image-layers.json).";
    const report = JSON.parse(fs.readFileSync(file, "utf8")) as { baseImage: string; baseBytes: number; addedBytes: number; layers: string[] };
    return [
        `Base image \`${report.baseImage}\`: ${mib(report.baseBytes)}. Layers added by image/Dockerfile: **${mib(report.addedBytes)}**`,
        "(measured in the Docker build test with the sqlpackage and GoBackup TEST DOUBLES in place of their downloads; the real",
        "sqlpackage adds about its unpacked size on top). Layers, newest first:",
        "",
        "```",
        ...report.layers.map((line) => line.slice(0, 160)),
        "```",
    ].join("\n");
}

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_SIZES ?? "256M,1G,4G").split(",").map(parseSize);
    const runs = Number(process.env.BENCH_RUNS ?? "3");
    const gobackup = process.env.GOBACKUP_BIN ?? findTool("gobackup");
    const facts = machineFacts(gobackup);
    console.log("machine:", facts);

    console.log("program cost under mocks...");
    const program = await programCost([1, 10, 100], 5);

    const pipeline: PipelineResult[] = [];
    const restores: RestoreResult[] = [];
    let requests: RequestCounts = {};
    const restoreSizes = (process.env.BENCH_RESTORE_SIZES ?? "1G,4G").split(",").map(parseSize);
    const minio = findTool("minio");
    const mc = findTool("mc");
    const go = findTool("go");
    let pipelineNote = "";
    if (!gobackup || !minio || !mc || !go) {
        pipelineNote = `Not measured: needs minio, mc (scripts/install-tools.sh integration), go and a GoBackup engine (GOBACKUP_BIN); missing: ${[
            ["gobackup", gobackup],
            ["minio", minio],
            ["mc", mc],
            ["go", go],
        ]
            .filter(([, found]) => !found)
            .map(([name]) => name)
            .join(", ")}.`;
    } else {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
        const bench = await pipelineBench({ minio, mc, gobackup }, root);
        try {
            for (const size of sizes) {
                console.log(`pipeline ${mib(size)} x${runs}...`);
                pipeline.push(await bench.run(size, runs));
            }
            // The cost of the local copy, at the largest size.
            const largest = Math.max(...sizes);
            const variant: Variant = { localCopy: false };
            console.log(`pipeline ${mib(largest)}, ${variantName(variant)} x${runs}...`);
            pipeline.push(await bench.run(largest, runs, variant));
            for (const size of restoreSizes) {
                console.log(`restore ${mib(size)} x${runs}...`);
                restores.push(await bench.restore(size, runs));
            }
            console.log("requests of one run...");
            requests = await bench.requests(Math.min(...sizes));
        } finally {
            await bench.close();
            fs.rmSync(root, { recursive: true, force: true });
        }
    }

    fs.writeFileSync(path.join(HERE, "results.json"), JSON.stringify({ facts, runs, pipeline, restores, requests, program }, null, 2) + "\n");
    const markdown = [
        "# Benchmark results",
        "",
        "Written by `npm run bench` (bench/run.ts); raw figures in bench/results.json. Reproduce: install the integration",
        "tools (`scripts/install-tools.sh integration`), put a GoBackup v3.1.1 binary in `GOBACKUP_BIN`, run `npm run bench`.",
        "",
        "## Machine",
        "",
        ...Object.entries(facts).map(([k, v]) => `- ${k}: ${v}`),
        "",
        `## Pipeline after export (median of ${runs} runs)`,
        "",
        "The backup agent's `once` as the image runs it, with the environment the component renders: GoBackup's engine",
        "archives a bacpac (written by the sqlpackage TEST DOUBLE: incompressible, like a real bacpac zip) while the tar shim",
        "hashes it, keeps a local copy (default `localCopies`; the cp shim makes it a hard link) and uploads it to a real",
        "MinIO on 127.0.0.1; the agent then proves the bucket holds the same bytes by the object's ETag (no second",
        "transfer), writes the manifest and applies the retention policy (keep 1), all under its bucket lease. The limit is",
        "`mc cp` of the same file to the same MinIO, timed in the same run (each from the same page-cache state, see Machine). Verification is what the agent adds after",
        "GoBackup exits. Peak workdir disk includes the bacpac itself (sqlpackage writes it there) and the archive; the",
        "local copy is a hard link. Peak memory is the agent, GoBackup and every child (all threads' children counted).",
        "Only `compress_with: tar` is measured: the agent refuses others (restore reads plain tar, and a bacpac is already",
        "a zip).",
        "",
        pipelineNote || pipelineTable(pipeline),
        "",
        `## Restore until sqlpackage starts (median of ${runs} runs)`,
        "",
        "The agent's `restore` with the read-only restore identity and an id (its claim included), from its start to the",
        "moment sqlpackage starts (the sqlpackage TEST DOUBLE records it): list and inspect the folder, read the archive in",
        "one stream into a ring of reused 1 MiB buffers, hash them in order on a second goroutine and unpack on a third (only",
        "the bacpac is written, into space reserved for it first), SHA-256 checked against the manifest. The limit is `mc cp`",
        "of the same object to local disk, timed in the same run, alternating with it. Every timed step, the agent's and",
        "`mc cp`'s, starts from the same state (Machine, page cache): what earlier steps wrote is written back, the clean",
        "page cache dropped, and the archive's files in MinIO's folder read back in, so MinIO serves both from memory.",
        "Without that, a step's buffered writes paid for what the step before left: writing 4 GiB into the page cache took",
        "0.6 s of CPU right after another 4 GiB had been freed and 6.9 s ten seconds later (this VM hands free memory back",
        "to its host), and four full benches on 2026-12-05 (two agent builds) gave 1.28, 1.46, 1.53 and 1.61 at 4 GiB. The",
        "sqlpackage double keeps no copy of what it imports. One untimed restore and download come first; that restore",
        "alone measures the peak restore disk, what it adds to the workdir (sampled ten times a second, only there: the",
        "sampler's CPU would slow the timed restores). On these two cores MinIO spends about 3 s of CPU serving 4 GiB and",
        "SHA-256 (SHA-NI) about 3 s, so the hash, not the transfer, sets the floor; a restore away from the server, or",
        "with more cores, comes closer to the download.",
        "",
        "Written through the page cache, not with O_DIRECT: measured on this machine (2026-12-05, 4 GiB, against 4.4 s",
        "buffered), direct writes of 4 MiB from aligned buffers, 1 to 3 in flight, saved about 2.5 s of kernel CPU but took",
        "5.6 to 7.3 s: the disk (1.4 to 1.7 GB/s here) is then on the restore's path, while buffered writes reach it after",
        "the restore, as `mc cp`'s do.",
        "",
        "One stream, not parallel ranges: measured once on this machine (2026-12-05, 4 GiB, to /dev/null), four ranged",
        "GETs of 8 MiB moved the object in 2.2 s against 3.0 s for one stream, but downloading, hashing and unpacking with",
        "ranges (1, 2 or 4 connections, 2 to 8 MiB) took 1.36 to 1.67 times `mc cp`, against 1.22 to 1.27 with one stream:",
        "the extra requests and larger buffers cost MinIO and the agent more CPU than they saved. A stream that breaks off",
        "is resumed from the byte it reached with a ranged GET instead.",
        "",
        pipelineNote || restoreTable(restores),
        "",
        "## S3 requests of one backup run",
        "",
        `One \`once\` at ${mib(Math.min(...sizes))} in a folder that holds earlier runs (keep 1), through the`,
        "s3-proxy-double (a TEST DOUBLE that passes requests to the same MinIO and logs them): GoBackup's upload, the",
        "agent's lease (take, release), owner check, capability probe (first run of a process), leftovers check, verification,",
        "manifest, retention and clean-up.",
        "",
        pipelineNote || requestsTable(requests),
        "",
        "## Program cost (Pulumi mocks, median of 5 runs)",
        "",
        programTable(program),
        "",
        "## Image",
        "",
        imageSection(),
        "",
        "## Soak",
        "",
        soakSection(fs.existsSync(path.join(HERE, "soak.json")) ? (JSON.parse(fs.readFileSync(path.join(HERE, "soak.json"), "utf8")) as SoakReport) : undefined),
        "",
        "## Fleet",
        "",
        fleetSection(fs.existsSync(path.join(HERE, "fleet.json")) ? (JSON.parse(fs.readFileSync(path.join(HERE, "fleet.json"), "utf8")) as FleetReport) : undefined),
        "",
    ].join("\n");
    fs.writeFileSync(path.join(HERE, "RESULTS.md"), markdown);
    console.log(markdown);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
