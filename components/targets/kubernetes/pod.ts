import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs } from "../../args/types";
import { effectiveRequest } from "../../args/validation";
import { AGENT, IMAGE } from "../../plan/defaults";

/** Defaults of the kubernetes target. */
export const KUBERNETES_DEFAULTS = {
    requests: { cpu: "250m", memory: "1Gi" },
    limits: { memory: "4Gi" },
    workdirSizeLimit: "20Gi",
    startingDeadlineSeconds: 600,
    activeDeadlineSeconds: 6 * 3600,
    backoffLimit: 1,
    ttlSecondsAfterFinished: 7 * 86400,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 5,
    /** The monitor fails a Job whose pod could not start for this long. */
    startDeadlineSeconds: 300,
    monitorPort: 9090,
} as const;

/** What the pod's termination grace adds to the agent's: time to record an interrupted run in the bucket. */
export const GRACE_MARGIN_SECONDS = 30;

/** Where Kubernetes reads a container's termination message (the container's default terminationMessagePath). */
export const TERMINATION_MESSAGE_PATH = "/dev/termination-log";

/** The agent's shutdown grace in the target's pods. */
export function shutdownGrace(target: KubernetesTargetArgs): number {
    return target.shutdownGraceSeconds ?? AGENT.shutdownGraceSeconds;
}

/** Environment every pod of the target gets: the agent's grace, and where its outcome goes. */
export function podEnvironment(target: KubernetesTargetArgs): Record<string, string> {
    return { SHUTDOWN_GRACE_SECONDS: String(shutdownGrace(target)), TERMINATION_MESSAGE_PATH };
}

/** Resource options every object of the kubernetes target shares. */
export function kubernetesOptions(target: KubernetesTargetArgs, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
    return { parent, dependsOn, ...(target.provider ? { provider: target.provider } : {}) };
}

/** Env entries from a map, in a stable order. */
export function envEntries(values: Record<string, string>): k8s.types.input.core.v1.EnvVar[] {
    return Object.keys(values)
        .sort()
        .map((name) => ({ name, value: values[name] }));
}

/** The container's resources: the defaults, the user's values over them, a default request never above a given limit. */
export function containerResources(target: KubernetesTargetArgs): { requests: Record<string, string>; limits: Record<string, string> } {
    const limits: Record<string, string> = { ...KUBERNETES_DEFAULTS.limits, ...definedOnly(target.resources?.limits) };
    const requests: Record<string, string> = {
        cpu: effectiveRequest(target.resources?.requests?.cpu, KUBERNETES_DEFAULTS.requests.cpu, limits.cpu),
        memory: effectiveRequest(target.resources?.requests?.memory, KUBERNETES_DEFAULTS.requests.memory, limits.memory),
    };
    return { requests, limits };
}

function definedOnly(values: { cpu?: string; memory?: string } | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(values ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A Secret mounted into IMAGE.secretsDir: all its keys, or the named ones. */
export interface MountedSecret {
    name: pulumi.Input<string>;
    keys?: pulumi.Input<string[]>;
}

/** What differs between the pods of the target (backup, restore, monitor). */
export interface BackupPod {
    labels: Record<string, string>;
    image: pulumi.Input<string>;
    args: string[];
    /** Plain environment: values and `NAME_FILE` paths. */
    env: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    serviceAccountName: pulumi.Input<string>;
    /** The Secrets mounted, together, as files in IMAGE.secretsDir. */
    secrets: MountedSecret[];
    /** Mount the service account's token (the restore and the monitor call the API; backups never). */
    automountServiceAccountToken?: boolean;
    /** Container ports (the monitor's metrics). */
    ports?: k8s.types.input.core.v1.ContainerPort[];
    readinessProbe?: k8s.types.input.core.v1.Probe;
}

/**
 * A pod spec running the image, restricted: non-root with the image's uid, read-only
 * root file system, no escalation, no capabilities, RuntimeDefault seccomp,
 * credentials as read-only files, and writable volumes only where the image writes.
 * The workdir (sized for the data) also holds sqlpackage's temp data. The agent's
 * outcome is the container's termination message (its log's tail when it wrote none),
 * and the pod's grace is the agent's plus the time to record an interrupted run.
 */
export function podSpec(target: KubernetesTargetArgs, pod: BackupPod, restartPolicy: "Never" | "Always"): k8s.types.input.core.v1.PodSpec {
    const workdir: k8s.types.input.core.v1.Volume = target.persistentVolumeClaim && restartPolicy === "Never"
        ? { name: "workdir", persistentVolumeClaim: { claimName: target.persistentVolumeClaim } }
        : { name: "workdir", emptyDir: { sizeLimit: restartPolicy === "Never" ? (target.workdirSizeLimit ?? KUBERNETES_DEFAULTS.workdirSizeLimit) : "1Gi" } };
    return {
        restartPolicy,
        serviceAccountName: pod.serviceAccountName,
        automountServiceAccountToken: pod.automountServiceAccountToken ?? false,
        terminationGracePeriodSeconds: shutdownGrace(target) + GRACE_MARGIN_SECONDS,
        imagePullSecrets: (target.imagePullSecrets ?? []).map((secret) => ({ name: secret })),
        securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE.uid,
            runAsGroup: IMAGE.uid,
            fsGroup: IMAGE.uid,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
            {
                name: CONTAINER_NAME,
                image: pod.image,
                args: pod.args,
                env: pod.env,
                ...(pod.ports ? { ports: pod.ports } : {}),
                ...(pod.readinessProbe ? { readinessProbe: pod.readinessProbe } : {}),
                resources: containerResources(target),
                terminationMessagePolicy: "FallbackToLogsOnError",
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [
                    { name: "credentials", mountPath: IMAGE.secretsDir, readOnly: true },
                    { name: "workdir", mountPath: IMAGE.workdir },
                    // Read-only root: sqlpackage (.NET) needs a writable HOME and /tmp.
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "home", mountPath: IMAGE.home },
                ],
            },
        ],
        volumes: [
            // Group-readable by fsGroup (the image's gid), nobody else.
            {
                name: "credentials",
                projected: {
                    defaultMode: 0o440,
                    sources: pod.secrets.map((secret) => ({
                        secret: { name: secret.name, ...(secret.keys ? { items: pulumi.output(secret.keys).apply((keys) => keys.map((key) => ({ key, path: key }))) } : {}) },
                    })),
                },
            },
            workdir,
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            { name: "home", emptyDir: { sizeLimit: "1Gi" } },
        ],
    };
}

/** A Job spec running the image once (see podSpec). */
export function jobSpec(target: KubernetesTargetArgs, pod: BackupPod, overrides: Partial<k8s.types.input.batch.v1.JobSpec> = {}): k8s.types.input.batch.v1.JobSpec {
    return {
        backoffLimit: target.backoffLimit ?? KUBERNETES_DEFAULTS.backoffLimit,
        activeDeadlineSeconds: target.activeDeadlineSeconds ?? KUBERNETES_DEFAULTS.activeDeadlineSeconds,
        ttlSecondsAfterFinished: target.ttlSecondsAfterFinished ?? KUBERNETES_DEFAULTS.ttlSecondsAfterFinished,
        ...overrides,
        template: { metadata: { labels: pod.labels }, spec: podSpec(target, pod, "Never") },
    };
}

/**
 * How the target's CronJobs schedule: the starting deadline, the Jobs kept, suspension.
 * Runs are kept apart by leases in the bucket, never by Forbid: one pod that cannot
 * start would hold every later run.
 */
export function cronJobScheduling(target: KubernetesTargetArgs): Pick<
    k8s.types.input.batch.v1.CronJobSpec,
    "concurrencyPolicy" | "startingDeadlineSeconds" | "successfulJobsHistoryLimit" | "failedJobsHistoryLimit" | "suspend"
> {
    return {
        concurrencyPolicy: "Allow",
        startingDeadlineSeconds: target.startingDeadlineSeconds ?? KUBERNETES_DEFAULTS.startingDeadlineSeconds,
        successfulJobsHistoryLimit: target.historyLimits?.successful ?? KUBERNETES_DEFAULTS.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: target.historyLimits?.failed ?? KUBERNETES_DEFAULTS.failedJobsHistoryLimit,
        suspend: target.suspend ?? false,
    };
}

/** The container's name in every pod of the target. */
export const CONTAINER_NAME = "sqlserver-backup";

/** A Secret whose data is applied in place by a SecretPatch (see the backup target). */
export function secretWithData(
    resourceName: string,
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    values: pulumi.Output<Record<string, string>>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    // The Secret itself holds no data, so it never changes with a password...
    const secret = new k8s.core.v1.Secret(resourceName, { metadata, type: "Opaque" }, { ...opts, deleteBeforeReplace: true });
    // ...and its data is applied in place: a changed password updates the same object, so
    // Jobs already created (a pending pod, the retry pod of backoffLimit) still find it.
    // Replacing it, as the provider does with a Secret's data, would delete it under them.
    new k8s.core.v1.SecretPatch(
        `${resourceName}-data`,
        {
            metadata: { name: secret.metadata.name, namespace: secret.metadata.namespace },
            data: pulumi.secret(
                values.apply((v) =>
                    Object.fromEntries(
                        Object.keys(v ?? {})
                            .sort()
                            // Under mocks, values a mock does not return are undefined.
                            .filter((key) => typeof v[key] === "string")
                            .map((key) => [key, Buffer.from(v[key]).toString("base64")]),
                    ),
                ),
            ),
        },
        { ...opts, dependsOn: [secret] },
    );
    return secret;
}
