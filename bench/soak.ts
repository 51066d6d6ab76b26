/**
 * `npm run soak`: the agent's daemon for SOAK_RUNS (default 1000) consecutive scheduled
 * runs on GoBackup's real engine (GOBACKUP_BIN) at a short, test-only interval
 * (SOAK_INTERVAL_SECONDS, default 3), against a real MinIO with the component's users.
 * Reports runs verified, RSS, workdir disk and log size after the first run and at the
 * end, with the warm-up (a tenth of the runs) as the baseline for growth and a sample every
 * tenth, into bench/soak.json and the "Soak" section of bench/RESULTS.md. Fails when a
 * run is not verified, RSS more than doubles after the warm-up or the workdir grows.
 */
import * as fs from "fs";
import * as path from "path";
import { AgentHarness, backupEngine } from "../tests/integration/helpers/agent";
import { runCommand } from "../tests/integration/helpers/exec";
import { MinioServer } from "../tests/integration/helpers/minio";
import { provisionLikeComponent } from "../tests/integration/helpers/provision";
import { findTool } from "../tests/integration/helpers/tools";
import { SoakReport, SoakSample, soakSection, warmUp } from "./soakReport";

/** Resident memory of the agent process alone (GoBackup runs as its child only during a run). */
function agentRss(pid: number): number {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<void> {
    const runs = Number(process.env.SOAK_RUNS ?? "1000");
    const interval = Number(process.env.SOAK_INTERVAL_SECONDS ?? "3");
    const gobackup = process.env.GOBACKUP_BIN;
    const minioBin = findTool("minio");
    const mc = findTool("mc");
    if (!gobackup || !minioBin || !mc) throw new Error("npm run soak needs GOBACKUP_BIN (GoBackup v3.1.1) and minio and mc (scripts/install-tools.sh integration)");
    const minio = new MinioServer(minioBin, mc);
    await minio.start();
    const user = await provisionLikeComponent(minio, { bucket: "soak", prefix: "backups/sqlserver" });
    const h = new AgentHarness({
        engine: backupEngine(mc),
        keep: 5,
        cron: `@every ${interval}s`,
        storage: { endpoint: minio.endpoint, bucket: user.bucket, prefix: user.prefix, accessKey: user.accessKey, secretKey: user.secretKey },
    });
    const recordFile = path.join(h.settings.workdir, ".sqlserver-backup", "models", "orders.json");
    const daemon = h.start(["daemon"], { SQLPACKAGE_DOUBLE_SIZE: "1000000" });
    const started = Date.now();

    const sample = async (): Promise<SoakSample> => {
        const record = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, "utf8")) : { counts: {} };
        const counts = record.counts as Record<string, number>;
        const du = await runCommand("du", ["-sb", h.settings.workdir]);
        return {
            runs: (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.interrupted ?? 0),
            verified: counts.succeeded ?? 0,
            failed: counts.failed ?? 0,
            skipped: counts.skipped ?? 0,
            rssBytes: agentRss(daemon.child.pid!),
            workdirBytes: Number(du.stdout.split("\t")[0]),
            logBytes: Buffer.byteLength(daemon.output()),
        };
    };
    const series: SoakSample[] = [];
    const tenth = Math.max(1, Math.round(runs / 10));
    const waitRuns = async (n: number) => {
        let last = -1;
        for (;;) {
            const s = await sample();
            if (s.failed > 0) throw new Error(`a scheduled run failed:\n${daemon.output().slice(-4000)}`);
            if (s.runs >= (series.length + 1) * tenth) series.push(s);
            if (s.runs >= n) return s;
            if (daemon.child.exitCode !== null) throw new Error(`the daemon exited:\n${daemon.output().slice(-4000)}`);
            if (s.runs !== last && s.runs % 50 === 0) console.log(`${new Date().toISOString()} ${s.runs}/${n} runs, RSS ${(s.rssBytes / 1048576).toFixed(1)} MiB`);
            last = s.runs;
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    };
    try {
        const start = await waitRuns(1);
        const end = await waitRuns(runs);
        const report: SoakReport = {
            date: new Date().toISOString(),
            gobackup: (await runCommand(gobackup, ["-v"])).stdout.trim(),
            intervalSeconds: interval,
            wallSeconds: (Date.now() - started) / 1000,
            start,
            end,
            series,
        };
        fs.writeFileSync(path.join(__dirname, "soak.json"), JSON.stringify(report, null, 2) + "\n");
        const results = path.join(__dirname, "RESULTS.md");
        const text = fs.existsSync(results) ? fs.readFileSync(results, "utf8") : "# Benchmark results\n";
        const section = `## Soak\n\n${soakSection(report)}\n`;
        fs.writeFileSync(results, /^## Soak$/m.test(text) ? text.replace(/^## Soak\n[\s\S]*?(?=^## |(?![\s\S]))/m, `${section}\n`) : `${text.trimEnd()}\n\n${section}`);
        console.log(section);
        const problems = [
            report.end.verified !== report.end.runs ? `${report.end.runs - report.end.verified} runs not verified` : "",
            report.end.rssBytes > 2 * warmUp(report).rssBytes ? "RSS more than doubled after the warm-up" : "",
            report.end.workdirBytes > 2 * report.start.workdirBytes + 16 * 1048576 ? "workdir disk grew" : "",
        ].filter(Boolean);
        if (problems.length > 0) throw new Error(`soak failed: ${problems.join(", ")}`);
    } finally {
        daemon.child.kill("SIGTERM");
        await daemon.exited;
        h.remove();
        await minio.remove();
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
