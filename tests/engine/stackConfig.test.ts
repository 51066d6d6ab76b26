import * as assert from "assert";
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { engineEnv, pulumiCommand, requireEngineTools } from "./helpers/engine";

const REPO = path.resolve(__dirname, "../..");

/**
 * The stacks' configuration through the real Pulumi CLI's own check, which runs
 * before any program (a declared key without a default is required in every stack).
 * The project and stack files are the repository's own, copied to a temp dir (the dev
 * stack's from its template, program/dev-stack.yaml, as scripts/dev-stack.sh writes it);
 * the program is a no-op, so no provider is needed.
 */
describe("stack configuration passes the real Pulumi CLI's validation", function () {
    before(function () {
        requireEngineTools(this, ["pulumi"]);
    });

    async function previewWith(
        projectDir: string,
        stackName: string,
        edit: (stackFile: Record<string, unknown>) => void = () => undefined,
        stackFilePath = path.join(projectDir, `Pulumi.${stackName}.yaml`),
    ): Promise<automation.PreviewResult> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
        fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const project = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
        // The CLI checks that the project's entry point exists before it reads the config.
        if (typeof project.main === "string") fs.writeFileSync(path.join(dir, project.main), "");
        const stackFile = YAML.parse(fs.readFileSync(stackFilePath, "utf8"));
        edit(stackFile);
        fs.writeFileSync(path.join(dir, `Pulumi.${stackName}.yaml`), YAML.stringify(stackFile));
        const projectName = String(project.name);
        const stack = await automation.LocalWorkspace.createOrSelectStack(
            { stackName, projectName, program: async () => ({}) },
            { workDir: dir, pulumiCommand: await pulumiCommand(), envVars: engineEnv(dir, { PULUMI_BACKEND_URL: `file://${dir}` }) },
        );
        return stack.preview();
    }

    it("the dev stack (Pulumi.yaml + the template of Pulumi.dev.yaml), with nothing set by hand", async () => {
        const preview = await previewWith(REPO, "dev", undefined, path.join(REPO, "program/dev-stack.yaml"));
        assert.deepStrictEqual(preview.changeSummary, { create: 1 });
    });

    it("the Kubernetes example (stacks/kubernetes-production, Pulumi.production.yaml)", async () => {
        const preview = await previewWith(path.join(REPO, "stacks/kubernetes-production"), "production");
        assert.deepStrictEqual(preview.changeSummary, { create: 1 });
    });

    it("and the check would fail a stack file that lacks a declared key without a default", async () => {
        await assert.rejects(
            previewWith(path.join(REPO, "stacks/kubernetes-production"), "production", (file) => delete (file.config as Record<string, unknown>)["orders-backup:minioCidr"]),
            /Stack 'production' is missing configuration value[s]? 'minioCidr'/,
        );
    });
});
