import * as pulumi from "@pulumi/pulumi";

/** A resource the mocked engine was asked to create. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Name of the parent resource, read off the engine request. */
    parent?: string;
    /** The provider reference (`<urn>::<id>`) the resource was registered with, "" for the default one. */
    provider?: string;
    /** A read of an existing resource (`Resource.get`), not a resource to create. */
    read?: boolean;
    /** Resource options the engine received: ignoreChanges, replaceOnChanges, the names of explicit dependencies, hooks. */
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    dependsOn?: string[];
    hooks?: boolean;
}

/** Outputs providers compute that tests read back; everything else echoes the inputs. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: `generated-${name}-${"x".repeat(Number(inputs.length ?? 16))}` };
        case "minio:index/s3Bucket:S3Bucket":
            return { bucket: inputs.bucket };
        case "docker:index/container:Container":
            // An attached (run-to-completion) container reports how it exited; the mock's runs succeed.
            return inputs.attach ? { exitCode: 0 } : {};
        case "docker:index/image:Image":
            return { repoDigest: `${String(inputs.imageName).split(":")[0]}@sha256:${"d".repeat(64)}` };
        default:
            if (type.startsWith("kubernetes:")) {
                // The provider auto-names objects without metadata.name: <name>-<random suffix>.
                const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
                return { metadata: { ...metadata, name: metadata.name ?? `${name}-0a1b2c3d` } };
            }
            return {};
    }
}

/** Parent URN and provider reference of each registration, read off the engine requests (setMocks does not pass them on). */
const parentUrns = new Map<string, string>();
const providerRefs = new Map<string, string>();
/** Options of each registration, read off the engine requests. */
const options = new Map<string, Pick<RecordedResource, "ignoreChanges" | "replaceOnChanges" | "dependsOn" | "hooks">>();
/** `retainOnDelete` of each registration, by resource name. */
export const retainOnDelete = new Map<string, boolean>();
let patched = false;
function recordParents(): void {
    if (patched) return;
    patched = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const register = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (
        req: {
            getType(): string;
            getName(): string;
            getParent(): string;
            getProvider(): string;
            getRetainondelete(): boolean;
            getIgnorechangesList(): string[];
            getReplaceonchangesList(): string[];
            getDependenciesList(): string[];
            hasHooks(): boolean;
        },
        callback: unknown,
    ) {
        const key = `${req.getType()}::${req.getName()}`;
        parentUrns.set(key, req.getParent());
        retainOnDelete.set(req.getName(), req.getRetainondelete());
        providerRefs.set(key, req.getProvider());
        options.set(key, {
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            dependsOn: req.getDependenciesList().map((urn) => urn.slice(urn.lastIndexOf("::") + 2)),
            hooks: req.hasHooks(),
        });
        return register.call(this, req, callback);
    };
    // The SDK's mock monitor cannot register resource hooks (registerResourceHook is
    // missing): accept them, so resources with hooks register. Tests call the hooks'
    // decisions as plain functions.
    MockMonitor.prototype.registerResourceHook = (_req: unknown, callback: (err: Error | null, res: unknown) => void) => callback(null, {});
}

/** The name of a resource's parent ("" for none), from its parent URN. */
export function parentOf(resource: { type: string; name: string }): string {
    const urn = parentUrns.get(`${resource.type}::${resource.name}`) ?? "";
    return urn === "" ? "" : urn.slice(urn.lastIndexOf("::") + 2);
}

/** Runs fn with the SDK's mock monitor as it ships (no registerResourceHook), as a consumer's own mock tests have it. */
export async function withUnpatchedMocks<T>(fn: () => Promise<T>): Promise<T> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const patch = MockMonitor.prototype.registerResourceHook;
    delete MockMonitor.prototype.registerResourceHook;
    try {
        return await fn();
    } finally {
        MockMonitor.prototype.registerResourceHook = patch;
    }
}

/**
 * Mocked Pulumi engine for unit tests: records every resource with its inputs.
 * `preview: false` so every Output resolves (under preview, unreturned outputs stay unknown).
 */
export function useMocks(project = "sqlserver-backup"): RecordedResource[] {
    const resources: RecordedResource[] = [];
    recordParents();
    beforeEach(() => {
        resources.length = 0;
        parentUrns.clear();
        providerRefs.clear();
        options.clear();
        retainOnDelete.clear();
        pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    resources.push({
                        type: args.type,
                        name: args.name,
                        inputs: args.inputs,
                        parent: parentOf(args),
                        provider: providerRefs.get(`${args.type}::${args.name}`) ?? "",
                        read: Boolean(args.id),
                        ...options.get(`${args.type}::${args.name}`),
                    });
                    return {
                        id: `${args.name}-id`,
                        state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) },
                    };
                },
                call: (args) => args.inputs,
            },
            project,
            "test",
            false,
        );
    });
    return resources;
}

/**
 * An Output's value, or its error (mocks run with preview off, so it always settles).
 * Uses Output's internal promise(): `apply` would swallow a thrown validation error.
 */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Waits until the mocked engine has seen every pending registration. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Pulumi's wire marker for a secret value (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig). */
const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

/** True for an input the engine received as a secret. */
export function isSecretInput(input: unknown): boolean {
    return (input as Record<string, unknown> | null | undefined)?.[SECRET_SIG.key] === SECRET_SIG.value;
}

/** The value inside a secret input as the engine received it; fails when the input was not secret. */
export function secretInput(input: unknown): unknown {
    if (!isSecretInput(input)) throw new Error(`expected a secret input, got ${JSON.stringify(input)}`);
    return (input as Record<string, unknown>).value;
}

/** A Docker container's `envs` (`NAME=value` strings) as a map. */
export function envMap(envs: unknown): Record<string, string> {
    return Object.fromEntries((envs as string[]).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** Fails when any recorded resource holds one of `secrets` outside a secret input (where the state would keep it in plain text). */
export function assertNoPlainSecrets(resources: RecordedResource[], secrets: string[]): void {
    for (const resource of resources) {
        const plain = JSON.stringify(resource.inputs, (_, value) => (isSecretInput(value) ? "[secret]" : value));
        for (const secret of secrets) {
            if (plain.includes(secret)) throw new Error(`${resource.type} ${resource.name} holds a secret in plain text`);
        }
    }
}
