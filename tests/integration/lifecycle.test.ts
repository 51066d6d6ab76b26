import * as assert from "assert";
import { StorageSettings } from "../../components/args/settings";
import { DEFAULTS } from "../../components/plan/defaults";
import { lifecycleRules } from "../../components/plan/lifecycle";
import { MinioServer } from "./helpers/minio";
import { requireTools } from "./helpers/tools";

type ProviderRule = ReturnType<typeof lifecycleRules>[number];

/**
 * A rule as terraform-provider-minio (behind @pulumi/minio) sends it to the server:
 * `expiration` "DeleteMarker" or "<n>d", `noncurrentVersionExpirationDays`, the filter
 * as a prefix, status Enabled; written here in mc's lifecycle JSON.
 */
function asS3Rule(rule: ProviderRule): Record<string, unknown> {
    const expiration = String(rule.expiration ?? "");
    return {
        ID: rule.id,
        Status: "Enabled",
        Filter: { Prefix: rule.filter },
        ...(expiration === "DeleteMarker" ? { Expiration: { ExpiredObjectDeleteMarker: true } } : expiration ? { Expiration: { Days: Number(expiration.replace(/d$/, "")) } } : {}),
        ...(rule.noncurrentVersionExpirationDays !== undefined ? { NoncurrentVersionExpiration: { NoncurrentDays: Number(rule.noncurrentVersionExpirationDays) } } : {}),
    };
}

/**
 * The component's bucket metadata on a real MinIO, in the component's order: the bucket,
 * then versioning, then (after versioning) the lifecycle. MinIO's bucket metadata is a
 * read-modify-write document; a lifecycle written while versioning is written can be
 * lost, which is why the component orders them.
 */
describe("bucket lifecycle on a real MinIO: versioning first, then the rules, every time", function () {
    this.timeout(300000);
    let minio: MinioServer;
    const storage: StorageSettings = {
        endpoint: "http://unused", region: DEFAULTS.region, pathStyle: true, bucket: "unused", prefix: "backups/sqlserver", keep: 14,
        keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepFailed: 2, takeOverFrom: "",
        timeoutSeconds: 300, maxRetries: 3, retentionDays: 30, customCA: false,
    };

    before(async function () {
        const tools = requireTools(this, ["minio", "mc"]);
        minio = new MinioServer(tools.minio, tools.mc);
        await minio.start();
    });

    after(async () => minio?.remove());

    async function applyInOrder(bucket: string, settings: StorageSettings): Promise<void> {
        await minio.mcOk(["mb", `admin/${bucket}`]);
        await minio.mcOk(["version", "enable", `admin/${bucket}`]);
        await minio.mcOk(["ilm", "import", `admin/${bucket}`], JSON.stringify({ Rules: lifecycleRules(settings).map(asS3Rule) }));
    }

    it("finds the noncurrent-version rule and versioning on all of 20 freshly created buckets", async () => {
        for (let i = 0; i < 20; i++) {
            const bucket = `lifecycle-${i}`;
            await applyInOrder(bucket, storage);
            const rules = JSON.parse(await minio.mcOk(["ilm", "export", `admin/${bucket}`])).Rules as Record<string, any>[];
            assert.strictEqual(rules.length, 1, `${bucket}: ${JSON.stringify(rules)}`);
            assert.strictEqual(rules[0].NoncurrentVersionExpiration?.NoncurrentDays, 30, bucket);
            assert.strictEqual(rules[0].Expiration?.ExpiredObjectDeleteMarker, true, bucket);
            assert.strictEqual(rules[0].Expiration?.Days ?? 0, 0, `${bucket}: a default rule expires current versions by age`);
            assert.match(await minio.mcOk(["version", "info", `admin/${bucket}`]), /versioning is enabled/i, bucket);
        }
    });
});

