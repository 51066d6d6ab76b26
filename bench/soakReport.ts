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
    /** After the first run. */
    start: SoakSample;
    end: SoakSample;
    /**
     * A sample every tenth of the runs, to tell a plateau from a leak. The first is the
     * warm-up, the baseline for growth: the Go runtime's heap settles first.
     */
    series: SoakSample[];
}

/** The baseline for growth: the first sample of the series (a tenth of the runs). */
export function warmUp(report: SoakReport): SoakSample {
    return report.series[0] ?? report.start;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export function soakSection(report: SoakReport | undefined): string {
    if (!report) return "Not measured yet: `GOBACKUP_BIN=<gobackup v3.1.1> npm run soak` (bench/soak.ts).";
    const { start, end, series } = report;
    const row = (label: string, s: SoakSample) =>
        `| ${label} | ${s.runs} | ${s.verified} | ${s.failed} | ${s.skipped} | ${mib(s.rssBytes)} | ${mib(s.workdirBytes)} | ${mib(s.logBytes)} |`;
    const perRun = (end.logBytes - start.logBytes) / Math.max(1, end.runs - start.runs);
    return [
        `The agent's daemon on GoBackup's real engine (${report.gobackup}), a schedule of \`@every ${report.intervalSeconds}s\` (test only),`,
        `sqlpackage TEST DOUBLE, real MinIO; ${end.runs} consecutive scheduled runs in ${(report.wallSeconds / 60).toFixed(1)} min (${report.date}).`,
        `Reproduce: \`GOBACKUP_BIN=<gobackup v3.1.1> npm run soak\` (SOAK_RUNS, SOAK_INTERVAL_SECONDS).`,
        "",
        "| | runs | verified | failed | skipped ticks | agent RSS | workdir disk | agent log |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        row("after the first run", start),
        row("after the warm-up", warmUp(report)),
        row("at the end", end),
        "",
        `Agent RSS every tenth of the runs: ${series.map((x) => `${x.runs}: ${mib(x.rssBytes)}`).join(", ")}.`,
        `Growth is judged from the warm-up on (the soak fails when RSS more than doubles after it, or any run is not verified).`,
        "",
        `The log grows by ${(perRun / 1024).toFixed(1)} KiB per run (the container's log driver rotates it: \`target.docker.logRotation\`).`,
    ].join("\n");
}
