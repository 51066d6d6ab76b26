import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageReferenceProblem } from "../../components/args/rules";
import { runCommand } from "./helpers/exec";
import { Registry } from "./helpers/registry";
import { requireTools } from "./helpers/tools";

const BASE_IMAGE = process.env.BASE_IMAGE_TAG ?? "sqlserver-backup-test-base:bookworm";

/**
 * A Kubernetes target runs a pushed image pinned by digest. Against a real registry:
 * an image pushed under the repository the component names (`<server>/<repository>:<tag>`)
 * gets the digest the registry serves it by, and a cluster node (here the Docker engine,
 * its local copy removed) pulls exactly that reference. The push is the Docker engine's
 * own (the Docker provider's push is not served here); the reference form is the one
 * @pulumi/docker's repoDigest output carries.
 */
describe("image push and pin by digest, against a real registry (CNCF Distribution)", function () {
    this.timeout(300000);
    let registry: Registry;

    before(async function () {
        const tools = requireTools(this, ["docker", "registry"]);
        const info = await runCommand("docker", ["info"]);
        if (info.code !== 0) throw new Error(`no Docker engine answers: ${info.stderr}`);
        registry = new Registry();
        await registry.start(tools.registry);
    });

    after(async () => registry?.remove());

    it("pushes, pins the pushed digest, and pulls by that digest alone", async () => {
        const tag = `${registry.endpoint}/sqlserver-backup:it-${Date.now()}`;
        assert.strictEqual((await runCommand("docker", ["tag", BASE_IMAGE, tag])).code, 0);
        const pushed = await runCommand("docker", ["push", tag]);
        assert.strictEqual(pushed.code, 0, pushed.stdout + pushed.stderr);
        const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
        assert.ok(pushedDigest, pushed.stdout);
        const repoDigests = JSON.parse((await runCommand("docker", ["image", "inspect", tag, "--format", "{{json .RepoDigests}}"])).stdout) as string[];
        const pinned = repoDigests.find((ref) => ref.startsWith(`${registry.endpoint}/sqlserver-backup@`));
        assert.strictEqual(pinned, `${registry.endpoint}/sqlserver-backup@${pushedDigest}`);
        assert.strictEqual(imageReferenceProblem(pinned!), undefined, "the component refuses the pinned reference");

        // The registry serves the tag by the same digest.
        const manifest = await fetch(`http://${registry.endpoint}/v2/sqlserver-backup/manifests/${tag.split(":").pop()}`, {
            method: "HEAD",
            headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
        });
        assert.strictEqual(manifest.headers.get("docker-content-digest"), pushedDigest);

        // A node without the image pulls the pinned reference.
        await runCommand("docker", ["image", "rm", "--force", tag]);
        const pulled = await runCommand("docker", ["pull", pinned!]);
        assert.strictEqual(pulled.code, 0, pulled.stdout + pulled.stderr);
        assert.match(pulled.stdout, new RegExp(pushedDigest!.replace(":", ":")));
        await runCommand("docker", ["image", "rm", "--force", pinned!]);
    });

    it("a tag that moves does not move the pinned digest: the pin still pulls the first image", async () => {
        const tag = `${registry.endpoint}/sqlserver-backup:moving`;
        await runCommand("docker", ["tag", BASE_IMAGE, tag]);
        const first = /digest: (sha256:[0-9a-f]{64})/.exec((await runCommand("docker", ["push", tag])).stdout)?.[1];
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "moving-"));
        fs.writeFileSync(path.join(context, "Dockerfile"), `FROM ${BASE_IMAGE}\nLABEL moved=yes\n`);
        assert.strictEqual((await runCommand("docker", ["build", "--quiet", "--tag", tag, context])).code, 0);
        const second = /digest: (sha256:[0-9a-f]{64})/.exec((await runCommand("docker", ["push", tag])).stdout)?.[1];
        assert.ok(first && second && first !== second);
        await runCommand("docker", ["image", "rm", "--force", tag]);
        const pulled = await runCommand("docker", ["pull", `${registry.endpoint}/sqlserver-backup@${first}`]);
        assert.strictEqual(pulled.code, 0, pulled.stdout + pulled.stderr);
        const labels = (await runCommand("docker", ["image", "inspect", `${registry.endpoint}/sqlserver-backup@${first}`, "--format", "{{json .Config.Labels}}"])).stdout;
        assert.doesNotMatch(labels, /moved/);
        fs.rmSync(context, { recursive: true, force: true });
    });
});
