import * as automation from "@pulumi/pulumi/automation";
import { TOOLS_BIN } from "../../integration/helpers/tools";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The real engines of this tier, built by scripts/install-tools.sh into a
 * cache outside the clone, and the Pulumi CLI driven through the Automation API.
 */

/** Where scripts/install-tools.sh links what it built. */
export const ENGINE_BIN = TOOLS_BIN;

export const ENGINE_TOOLS = [
    "pulumi",
    "pulumi-resource-kubernetes",
    "kube-apiserver",
    "kube-controller-manager",
    "kubectl",
    "etcd",
    "engine-verdict",
    "pulumi-sdkgen",
    // A real node (tests/engine/helpers/node.ts).
    "kubelet",
    "kube-scheduler",
    "containerd",
    "containerd-shim-runc-v2",
    "ctr",
    "runc",
    "pause",
] as const;
export type EngineTool = (typeof ENGINE_TOOLS)[number];

/**
 * The tools a suite needs. Missing ones skip the suite with the reason, unless
 * REQUIRE_INTEGRATION=1 (CI), where a missing tool is a failure.
 */
export function requireEngineTools<T extends EngineTool>(context: Mocha.Context, names: readonly T[]): Record<T, string> {
    const found = {} as Record<T, string>;
    const missing: string[] = [];
    for (const name of names) {
        const file = path.join(ENGINE_BIN, name);
        if (fs.existsSync(file)) found[name] = file;
        else missing.push(name);
    }
    if (missing.length > 0) {
        const reason = `missing ${missing.join(", ")} in ${ENGINE_BIN}: run scripts/install-tools.sh engine`;
        if (process.env.REQUIRE_INTEGRATION === "1") throw new Error(`REQUIRE_INTEGRATION=1 but ${reason}`);
        console.log(`    skipped: ${reason}`);
        context.skip();
    }
    return found;
}

/** Everything the CLI needs to run offline against a file backend in `dir`. */
export function engineEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
        PULUMI_HOME: path.join(dir, ".pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
        // The Kubernetes provider is found on PATH (there is no plugin registry to reach).
        PATH: `${ENGINE_BIN}:${process.env.PATH}`,
        ...extra,
    };
}

/** The Pulumi CLI from the cache (PulumiCommand looks for <root>/bin/pulumi). */
export function pulumiCommand(): Promise<automation.PulumiCommand> {
    return automation.PulumiCommand.get({ root: path.dirname(ENGINE_BIN) });
}

/** An inline program's stack on a file backend in a temp dir. */
export async function inlineStack(
    projectName: string,
    program: automation.PulumiFn,
    options: { dir?: string; config?: Record<string, automation.ConfigValue>; env?: Record<string, string>; stackName?: string } = {},
): Promise<{ stack: automation.Stack; dir: string; stateFile: () => string }> {
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `engine-${projectName}-`));
    const stackName = options.stackName ?? "test";
    const stack = await automation.LocalWorkspace.createOrSelectStack(
        { stackName, projectName, program },
        {
            workDir: dir,
            pulumiCommand: await pulumiCommand(),
            projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${dir}` } },
            envVars: engineEnv(dir, options.env),
        },
    );
    if (options.config) await stack.setAllConfig(options.config);
    // The checkpoint itself, as it sits on disk (exportStack() would decrypt secrets).
    const stateFile = () => fs.readFileSync(path.join(dir, ".pulumi", "stacks", projectName, `${stackName}.json`), "utf8");
    return { stack, dir, stateFile };
}
