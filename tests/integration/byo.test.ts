import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { bucketPolicyFor, renderBackupPolicy, renderRestorePolicy } from "../../components/plan/policy";
import { RESTORE_ALREADY_RAN_EXIT_CODE } from "../../components/plan/restore";
import { AgentHarness, AgentStorage, backupEngine, Engine } from "./helpers/agent";
import { AWS_STYLE_SECRET } from "./helpers/provision";
import { makePrivateCa, PrivateCa } from "./helpers/tls";
import { requireTools } from "./helpers/tools";
import { VersityGateway } from "./helpers/versitygw";

const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");

/**
 * Bring-your-own storage on a second, real S3 server: Versity's gateway over TLS with a
 * certificate from a private CA, a bucket the test's administrator made, and two users
 * whose permissions are the component's documented policies (`backupPolicy`,
 * `restorePolicy`) as a bucket policy (the gateway has no per-user policies). The
 * agent gets the CA as MINIO_CA_CERT_FILE, as the component delivers `caCertificate`.
 * sqlpackage is a TEST DOUBLE; gobackup is real with GOBACKUP_BIN, else a TEST DOUBLE.
 */
describe("bring-your-own S3: Versity's gateway with TLS from a private CA (sqlpackage TEST DOUBLE; gobackup real with GOBACKUP_BIN, else TEST DOUBLE)", function () {
    this.timeout(180000);
    const bucket = "byo-backups";
    const prefix = "backups/sqlserver";
    const backupUser = { accessKey: "byo-backup", secretKey: AWS_STYLE_SECRET };
    const restoreUser = { accessKey: "byo-restore", secretKey: "Restore/Secret+Key=0123456789" };
    let gateway: VersityGateway;
    let ca: PrivateCa;
    let engine: Engine;
    const harnesses: AgentHarness[] = [];

    before(async function () {
        const tools = requireTools(this, ["versitygw", "mc", "go", "openssl"]);
        ca = await makePrivateCa();
        gateway = new VersityGateway(tools.versitygw, tools.mc, ca);
        await gateway.start();
        await gateway.createUser(backupUser.accessKey, backupUser.secretKey);
        await gateway.createUser(restoreUser.accessKey, restoreUser.secretKey);
        await gateway.mcOk(["mb", `root/${bucket}`]);
        const scope = { bucket, prefix, databases: ["orders"] };
        const policyFile = path.join(ca.dir, "bucket-policy.json");
        fs.writeFileSync(policyFile, bucketPolicyFor([
            { principal: backupUser.accessKey, policy: renderBackupPolicy(scope) },
            { principal: restoreUser.accessKey, policy: renderRestorePolicy(scope) },
        ]));
        await gateway.mcOk(["anonymous", "set-json", policyFile, `root/${bucket}`]);
        engine = backupEngine(tools.mc);
    });

    after(async () => {
        harnesses.forEach((h) => h.remove());
        await gateway?.remove();
        if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
    });

    function harness(storage: Partial<AgentStorage> = {}): AgentHarness {
        const h = new AgentHarness({
            engine,
            storage: { endpoint: gateway.endpoint, bucket, prefix, ...backupUser, restore: restoreUser, caPem: ca.caPem, ...storage },
        });
        harnesses.push(h);
        return h;
    }

    it("refuses the server without the CA: TLS verification is on by default, and the run says why", async () => {
        const h = harness({ caPem: undefined });
        const once = await h.run(["once"]);
        assert.notStrictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: failed: .*certificate/i);
    });

    it("backs up over TLS trusting the private CA: GoBackup's upload and the agent's verification, manifest included", async () => {
        const h = harness();
        const once = await h.run(["once"]);
        assert.strictEqual(once.code, 0, once.stdout);
        assert.match(once.stdout, /OUTCOME: succeeded\s*$/);
        const listing = await gateway.mcOk(["ls", "--json", `root/${bucket}/${prefix}/orders/`]);
        const keys = listing.trim().split("\n").map((line) => JSON.parse(line).key as string);
        const archive = keys.find((key) => key.endsWith(".tar"));
        assert.ok(archive && keys.includes(`${archive}.manifest.json`), keys.join(", "));
        const manifest = JSON.parse(await gateway.mcOk(["cat", `root/${bucket}/${prefix}/orders/${archive}.manifest.json`]));
        const downloaded = path.join(h.work, "downloaded.tar");
        await gateway.mcOk(["cp", `root/${bucket}/${prefix}/orders/${archive}`, downloaded]);
        assert.strictEqual(manifest.archive.sha256, sha256(fs.readFileSync(downloaded)));
        assert.strictEqual((await h.run(["status"])).code, 0);
    });

    it("lists and restores with the restore identity; a second restore of the id is already-ran (the gateway honours If-None-Match)", async () => {
        const h = harness();
        const list = await h.run(["list"], { RESTORE_DATABASE: "orders" });
        assert.strictEqual(list.code, 0, list.stdout);
        assert.match(list.stdout, /backups\/sqlserver\/orders\/\S+\.tar/);
        const env = h.restoreEnv({ id: "byo-restore-1" });
        const [a, b] = await Promise.all([h.run(["restore"], env), h.run(["restore"], env)]);
        assert.deepStrictEqual([a.code, b.code].sort(), [0, RESTORE_ALREADY_RAN_EXIT_CODE].sort(), `${a.stdout}\n---\n${b.stdout}`);
        assert.ok(fs.existsSync(env.SQLPACKAGE_DOUBLE_IMPORT_COPY), "nothing was imported");
    });

    it("grants what the documented policies say: the restore identity cannot delete an archive, the backup user cannot touch .restores/ or other prefixes", async () => {
        const archive = (await gateway.mcOk(["ls", "--json", `root/${bucket}/${prefix}/orders/`])).trim().split("\n").map((line) => JSON.parse(line).key as string).find((key) => key.endsWith(".tar"));
        const file = path.join(ca.dir, "probe.json");
        fs.writeFileSync(file, "{}");
        const denied = [
            ["rm", `as-${restoreUser.accessKey}/${bucket}/${prefix}/orders/${archive}`],
            ["cp", file, `as-${restoreUser.accessKey}/${bucket}/${prefix}/orders/${archive}`],
            ["cp", file, `as-${backupUser.accessKey}/${bucket}/${prefix}/.restores/forged.json`],
            ["cp", file, `as-${backupUser.accessKey}/${bucket}/other-team/x.tar`],
            ["ls", `as-${backupUser.accessKey}/${bucket}/`],
        ];
        for (const args of denied) {
            const result = await gateway.mc(args);
            assert.ok(result.code !== 0, `mc ${args.join(" ")} was allowed`);
        }
        assert.strictEqual((await gateway.mc(["stat", `root/${bucket}/${prefix}/orders/${archive}`])).code, 0, "the archive is still there");
    });
});
