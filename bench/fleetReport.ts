/** The fleet section of bench/RESULTS.md, from bench/fleet.json (written by `npm run bench:fleet`). */

export interface FleetReport {
    date: string;
    /** Construction under Pulumi's mocks, per-database CronJobs. */
    mocks: { databases: number; milliseconds: number; resources: number }[];
    /** `pulumi preview` on the real engine, Kubernetes provider and API server. */
    preview: { databases: number; seconds: number; creates: number }[];
    /** Backups on the real node: one database, then N at once (per-database CronJobs). */
    node?: { single: number; parallel: { databases: number; seconds: number } };
}

export function fleetSection(report: FleetReport | undefined): string {
    if (!report) return "Not measured: run `npm run bench:fleet` (it needs the engine tier's tools and root for the node).";
    const lines = [
        `Measured ${report.date}. Construction of a component whose databases each get a CronJob (\`fleet.perDatabase\`), under Pulumi's mocks:`,
        "",
        "| databases | construct + register | resources |",
        "| --- | --- | --- |",
        ...report.mocks.map((m) => `| ${m.databases} | ${m.milliseconds.toFixed(0)} ms | ${m.resources} |`),
        "",
        "`pulumi preview` of a new stack with the real Pulumi CLI, Kubernetes provider and API server (goal: 200 databases in at most 15 s):",
        "",
        "| databases | preview | resources to create |",
        "| --- | --- | --- |",
        ...report.preview.map((p) => `| ${p.databases} | ${p.seconds.toFixed(1)} s | ${p.creates} |`),
    ];
    if (report.node) {
        const { single, parallel } = report.node;
        lines.push(
            "",
            `On the real node (kubelet, containerd; the sqlpackage and gobackup TEST DOUBLES export and upload about 1 MiB, so this is the`,
            `orchestration's cost: pod start, lease, upload, verification): one database's backup-now Job took ${single.toFixed(1)} s from`,
            `creation to Complete; ${parallel.databases} databases' Jobs at once took ${parallel.seconds.toFixed(1)} s until the last was Complete`,
            `(${(parallel.seconds / single).toFixed(2)} x one database's time, on 2 cores).`,
        );
    }
    return lines.join("\n");
}
