import * as assert from "assert";
import { execFileSync } from "child_process";
import { cronProblem } from "../../components/args/cron";
import { quantityProblem } from "../../components/args/quantity";
import { dstEffects } from "../../components/args/scheduleMath";
import { cronJobNameProblem, dnsLabelProblem, dnsSubdomainProblem, labelValueProblem } from "../../components/args/kubernetesNames";
import { timeZoneProblem } from "../../components/args/timeZone";
import { GO_TIME_ZONES } from "../../components/args/timeZoneNames";
import { kubernetesNames } from "../../components/plan/naming";
import { componentNameCorpus, cronCorpus, dnsLabelCorpus, dstCorpus, HOST_ONLY_TIME_ZONES, labelValueCorpus, quantityCorpus, RESTORE_IDS, timeZoneCorpus } from "./corpus";
import { requireEngineTools } from "./helpers/engine";

interface Verdict {
    value: string;
    ok: boolean;
    error?: string;
    effects?: { date: string; kind: string; times: string[] }[];
}

/**
 * Differential test: for each value, the engines' own code (tests/engine/verdict: robfig/cron
 * v3.0.1, Go's time package, k8s.io/apimachinery's validation) and the component's validator
 * must agree. A failure lists every value where they differ.
 */
describe("the validator agrees with the engines' own parsers (engine-verdict)", function () {
    let verdictBin: string;
    const verdicts = (mode: string, values: string[]): Verdict[] =>
        execFileSync(verdictBin, [mode], { input: values.join("\n") + "\n", maxBuffer: 16 * 1024 * 1024 })
            .toString()
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Verdict);

    /** Values where our verdict differs from the engine's. */
    function disagreements(mode: string, values: string[], ours: (value: string) => string | undefined): string[] {
        return verdicts(mode, values)
            .filter((verdict) => verdict.ok !== (ours(verdict.value) === undefined))
            .map((verdict) => `${JSON.stringify(verdict.value)}: engine ${verdict.ok ? "accepts" : `refuses (${verdict.error})`}, ours ${ours(verdict.value) ?? "accepts"}`);
    }

    before(function () {
        verdictBin = requireEngineTools(this, ["engine-verdict"])["engine-verdict"];
    });

    it("judges a corpus of at least 300 values", () => {
        const total = cronCorpus().length + timeZoneCorpus().length + componentNameCorpus().length + dnsLabelCorpus().length + labelValueCorpus().length;
        assert.ok(total >= 300, `only ${total} values`);
    });

    it("reads cron exactly as robfig/cron v3 (Kubernetes, GoBackup) does, refusing only schedules that never run on top", () => {
        const corpus = cronCorpus();
        const differences = disagreements("cron", corpus, cronProblem);
        // Deliberately stricter: robfig accepts these, and the CronJob would silently never run.
        const neverRuns = ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4 *", ", * * * *", "0 0 , * *"];
        const unexpected = differences.filter((line) => !neverRuns.some((value) => line.startsWith(`${JSON.stringify(value)}:`)));
        assert.deepStrictEqual(unexpected, [], `validator and robfig/cron disagree on ${unexpected.length} of ${corpus.length}:\n${unexpected.join("\n")}`);
        for (const value of neverRuns) assert.match(cronProblem(value) ?? "", /never runs/, value);
    });

    it("reads time zones exactly as Kubernetes and Go do, except names only some hosts have", () => {
        const corpus = timeZoneCorpus();
        const differences = disagreements("timezone", corpus, timeZoneProblem);
        const unexpected = differences.filter((line) => !HOST_ONLY_TIME_ZONES.some((value) => line.startsWith(`${JSON.stringify(value)}:`)));
        assert.deepStrictEqual(unexpected, [], `validator and Go disagree on ${unexpected.length} of ${corpus.length}:\n${unexpected.join("\n")}`);
    });

    it("knows the same time zones as Go's own database (args/timeZoneNames.ts is current)", () => {
        const goroot = execFileSync("go", ["env", "GOROOT"]).toString().trim();
        const zones = execFileSync(verdictBin, ["zones"], { env: { ...process.env, GOROOT: goroot } }).toString().trim().split("\n");
        assert.deepStrictEqual([...GO_TIME_ZONES], zones);
    });

    it("derives, from any component name, object names and labels Kubernetes accepts", () => {
        const names = componentNameCorpus().map((component) => ({ component, names: kubernetesNames(component) }));
        const check = (mode: string, pick: (n: ReturnType<typeof kubernetesNames>) => string[]) => {
            const values = names.flatMap(({ names: n }) => pick(n));
            const refused = verdicts(mode, values).filter((v) => !v.ok);
            assert.deepStrictEqual(refused, [], `${mode}: ${refused.map((v) => `${v.value}: ${v.error}`).join("\n")}`);
        };
        check("cronjob-name", (n) => [n.cronJob]);
        check("dns-subdomain", (n) => [n.credentials, n.serviceAccount, n.networkPolicy, ...RESTORE_IDS.map((id) => n.restore(id))]);
        // A Job's name becomes the value of its pods' job-name label.
        check("label-value", (n) => [n.instance, ...RESTORE_IDS.map((id) => n.restore(id))]);
    });

    it("reads quantities exactly as Kubernetes does (resource.ParseQuantity, not negative)", () => {
        const corpus = quantityCorpus();
        assert.ok(corpus.length >= 100, `only ${corpus.length} quantities`);
        const differences = disagreements("quantity", corpus, (value) => quantityProblem(value, "memory"));
        assert.deepStrictEqual(differences, [], `validator and ParseQuantity disagree on ${differences.length} of ${corpus.length}:\n${differences.join("\n")}`);
    });

    it("warns of the same daylight-saving effects as robfig/cron's own schedule produces, date by date", () => {
        const cases = dstCorpus();
        const engine = verdicts("dst", cases.map((c) => JSON.stringify(c)));
        const differences = engine.flatMap((verdict, i) => {
            const c = cases[i];
            assert.ok(verdict.ok, `${verdict.value}: ${verdict.error}`);
            const all = dstEffects(c.cron, c.zone, new Date(c.from), c.days);
            const ours = all.filter((e) => e.kind !== "unreliable").map((e) => ({ date: e.date, kind: e.kind, times: [...e.times].sort() }));
            // Where we call a day unreliable (clocks change by part of an hour), robfig may do anything on it and the next day.
            const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
            const covered = new Set(all.filter((e) => e.kind === "unreliable").flatMap((e) => [e.date, nextDay(e.date)]));
            const theirs = (verdict.effects ?? []).filter((e) => !covered.has(e.date));
            const sort = (list: { date: string; kind: string }[]) => [...list].sort((a, b) => (a.date + a.kind).localeCompare(b.date + b.kind));
            return JSON.stringify(sort(ours)) === JSON.stringify(sort(theirs)) ? [] : [`${c.cron} in ${c.zone}: robfig ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`];
        });
        assert.ok(engine.some((verdict) => (verdict.effects ?? []).length > 0), "the corpus has no daylight-saving effect at all");
        assert.deepStrictEqual(differences, [], differences.join("\n"));
    });

    it("checks namespaces, label values and names with Kubernetes' own rules", () => {
        assert.deepStrictEqual(disagreements("dns-label", dnsLabelCorpus(), dnsLabelProblem), []);
        assert.deepStrictEqual(disagreements("label-value", labelValueCorpus(), labelValueProblem), []);
        const cronJobNames = ["orders-backup", "x".repeat(52), "x".repeat(53), "Orders-backup", "a.b", "-a"];
        assert.deepStrictEqual(disagreements("cronjob-name", cronJobNames, cronJobNameProblem), []);
        assert.deepStrictEqual(disagreements("dns-subdomain", ["a.b", "x".repeat(253), "x".repeat(254), "A", "a_b"], dnsSubdomainProblem), []);
    });
});
