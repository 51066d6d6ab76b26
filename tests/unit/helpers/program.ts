import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as YAML from "yaml";
import { isSecretInput, RecordedResource } from "./mocks";

const REPO = path.resolve(__dirname, "../../..");

/**
 * Stack config as the Pulumi CLI gives it: Pulumi.yaml defaults, then the stack
 * file. Like the CLI (which validates before the program runs), it refuses a stack
 * that lacks a declared key without a default; the real CLI's own check runs in
 * tests/engine. `extra` plays `pulumi config set` (secrets included).
 */
export function stackConfig(
    projectDir: string,
    stack: string,
    extra: Record<string, string> = {},
    file = path.join(projectDir, `Pulumi.${stack}.yaml`),
): { config: Record<string, string>; secretKeys: string[] } {
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const stackFile = YAML.parse(fs.readFileSync(file, "utf8"));
    const given: Record<string, string> = {};
    for (const [key, value] of Object.entries(stackFile.config ?? {})) given[key.includes(":") ? key : `${project.name}:${key}`] = String(value);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const missing: string[] = [];
    for (const [key, declaration] of Object.entries<{ default?: unknown; secret?: boolean }>(project.config ?? {})) {
        const full = `${project.name}:${key}`;
        if (declaration.default !== undefined) config[full] = String(declaration.default);
        else if (given[full] === undefined) missing.push(key);
        if (declaration.secret) secretKeys.push(full);
    }
    if (missing.length > 0) throw new Error(`Stack '${stack}' is missing configuration values ${missing.join(", ")} (declared without a default in Pulumi.yaml)`);
    return { config: { ...config, ...given, ...extra }, secretKeys: [...secretKeys, ...Object.keys(extra).filter((key) => /password|secret/i.test(key))] };
}

let aliased = false;
/** Lets example stacks `import ... from "sqlserver-backup"` resolve to this repository's library, as npm would. */
function aliasPackage(): void {
    if (aliased) return;
    aliased = true;
    const resolve = (Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string })._resolveFilename;
    (Module as unknown as { _resolveFilename: unknown })._resolveFilename = function (request: string, ...rest: unknown[]) {
        return resolve.call(this, request === "sqlserver-backup" ? path.join(REPO, "components/index.ts") : request, ...rest);
    };
}

/** Runs a Pulumi program under the mocks with the given config; returns its exports once registrations settle. */
export async function runProgram(entry: string, config: Record<string, string>, secretKeys: string[], resources: RecordedResource[]): Promise<Record<string, unknown>> {
    aliasPackage();
    pulumi.runtime.setAllConfig(config, secretKeys);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(path.join(REPO, "program")) || key === entry) delete require.cache[key];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(entry);
    let seen = -1;
    while (seen !== resources.length) {
        seen = resources.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return exports;
}

/** Inputs with every secret replaced by "[secret]" and keys sorted, for a readable, reviewable snapshot. */
function publicInputs(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(publicInputs);
    if (value && typeof value === "object") {
        if (isSecretInput(value)) return "[secret]";
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((key) => [key, publicInputs((value as Record<string, unknown>)[key])]),
        );
    }
    return value;
}

/** The resource graph as YAML: type, name, parent and non-secret inputs, sorted. */
export function graphSnapshot(resources: RecordedResource[]): string {
    const entries = [...resources]
        .sort((a, b) => (a.type + a.name).localeCompare(b.type + b.name))
        .map((r) => ({ type: r.type, name: r.name, parent: r.parent || "(stack)", inputs: publicInputs(r.inputs) }));
    // The image's tag and the agent's version are hashes of image/ (tested in image.test.ts):
    // masked here, so a change to the agent's code is not a change of the graph.
    return YAML.stringify(entries, { lineWidth: 0 })
        .replace(/(sqlserver-backup:)[0-9a-f]{16}\b/g, "$1<content tag>")
        .replace(/\bsrc-[0-9a-f]{12}\b/g, "<agent sources hash>");
}

/**
 * Compares with the golden file; UPDATE_GOLDEN=1 rewrites it (review the diff like
 * code). A missing golden file fails: it is never written silently.
 */
export function matchGolden(file: string, actual: string): { expected: string; actual: string } {
    const golden = path.join(REPO, "tests/golden", file);
    if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(golden, actual);
    if (!fs.existsSync(golden)) throw new Error(`tests/golden/${file} is missing: run UPDATE_GOLDEN=1 npm test and review it`);
    return { expected: fs.readFileSync(golden, "utf8"), actual };
}
