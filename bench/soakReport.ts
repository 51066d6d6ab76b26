/** The soak's figures (bench/soak.json) as the "Soak" section of bench/RESULTS.md. */
export interface SoakSample {
    /** Runs finished when the sample was taken. */
    runs: number;
    verified: number;
    failed: number;
    skipped: number;
    rssBytes: number;
    workdirBytes: number;
    logBytes: number;
}

export interface SoakReport {
    date: string;
    gobackup: string;
    intervalSeconds: number;
    wallSeconds: number;
    start: SoakSample;
    end: SoakSample;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export function soakSection(report: SoakReport | undefined): string {
    if (!report) return "Not measured yet: `GOBACKUP_BIN=<gobackup v3.1.1> npm run soak` (bench/soak.ts).";
    const { start, end } = report;
    const perRun = (end.logBytes - start.logBytes) / Math.max(1, end.runs - start.runs);
    return [
        `The agent's daemon on GoBackup's real engine (${report.gobackup}), a schedule of \`@every ${report.intervalSeconds}s\` (test only),`,
        `sqlpackage TEST DOUBLE, real MinIO; ${end.runs} consecutive scheduled runs in ${(report.wallSeconds / 60).toFixed(1)} min (${report.date}).`,
        `Reproduce: \`GOBACKUP_BIN=<gobackup v3.1.1> npm run soak\` (SOAK_RUNS, SOAK_INTERVAL_SECONDS).`,
        "",
        "| | runs | verified | failed | skipped ticks | agent RSS | workdir disk | agent log |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        `| after the first run | ${start.runs} | ${start.verified} | ${start.failed} | ${start.skipped} | ${mib(start.rssBytes)} | ${mib(start.workdirBytes)} | ${mib(start.logBytes)} |`,
        `| at the end | ${end.runs} | ${end.verified} | ${end.failed} | ${end.skipped} | ${mib(end.rssBytes)} | ${mib(end.workdirBytes)} | ${mib(end.logBytes)} |`,
        "",
        `The log grows by ${(perRun / 1024).toFixed(1)} KiB per run (the container's log driver rotates it: \`target.docker.logRotation\`).`,
    ].join("\n");
}
