import * as assert from "assert";
import { kubernetesNames } from "../../components/plan/naming";
import { componentNameCorpus, RESTORE_IDS } from "./corpus";
import { Cluster } from "./helpers/cluster";
import { requireEngineTools } from "./helpers/engine";

/**
 * The names the component derives, sent to a real API server (server-side dry run):
 * accepted for every component name of the corpus, while the limits they keep to are
 * the API server's own (a 53-character CronJob name and a 64-character Job name fail).
 */
describe("derived names on a real API server (server-side dry run)", function () {
    let cluster: Cluster;

    before(async function () {
        const tools = requireEngineTools(this, ["kube-apiserver", "kube-controller-manager", "kubectl", "etcd"]);
        cluster = new Cluster({ etcd: tools.etcd, "kube-apiserver": tools["kube-apiserver"], "kube-controller-manager": tools["kube-controller-manager"], kubectl: tools.kubectl });
        await cluster.start();
    });

    after(async () => cluster?.stop());

    const pod = { restartPolicy: "Never", containers: [{ name: "c", image: "registry.example.com/x:1" }] };
    const cronJob = (name: string, instance: string) => ({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name, namespace: "default", labels: { "app.kubernetes.io/instance": instance } },
        spec: { schedule: "0 2 * * *", timeZone: "Europe/Berlin", jobTemplate: { spec: { template: { metadata: { labels: { "app.kubernetes.io/instance": instance } }, spec: pod } } } },
    });
    const job = (name: string) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "default" }, spec: { template: { spec: pod } } });
    const dryRun = (object: object) => cluster.kubectl(["create", "--dry-run=server", "-o", "name", "-f", "-"], JSON.stringify(object));

    it("accepts the CronJob, restore Job and labels derived from every component name", async () => {
        const refused: string[] = [];
        for (const component of componentNameCorpus()) {
            const names = kubernetesNames(component);
            for (const object of [cronJob(names.cronJob, names.instance), ...RESTORE_IDS.map((id) => job(names.restore(id)))]) {
                const result = await dryRun(object);
                if (result.code !== 0) refused.push(`${JSON.stringify(component)}: ${result.stderr.trim()}`);
            }
        }
        assert.deepStrictEqual(refused, []);
    });

    it("refuses a 53-character CronJob name and a 64-character Job name: the limits are the API server's", async () => {
        const cron = await dryRun(cronJob("x".repeat(53), "x"));
        assert.notStrictEqual(cron.code, 0);
        assert.match(cron.stderr, /must be no more than 52 characters/);
        assert.strictEqual((await dryRun(cronJob("x".repeat(52), "x"))).code, 0);
        const long = await dryRun(job("x".repeat(64)));
        assert.notStrictEqual(long.code, 0);
        assert.match(long.stderr, /63/);
    });

    it("refuses what the validator refuses: weekday 7 and a time zone in the wrong case", async () => {
        const weekday = await dryRun({ ...cronJob("weekday", "x"), spec: { ...cronJob("weekday", "x").spec, schedule: "0 2 * * 7" } });
        assert.match(weekday.stderr, /end of range \(7\) above maximum \(6\)/);
        const zone = await dryRun({ ...cronJob("zone", "x"), spec: { ...cronJob("zone", "x").spec, timeZone: "europe/berlin" } });
        assert.match(zone.stderr, /unknown time zone/);
    });
});
