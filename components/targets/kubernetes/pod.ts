import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs } from "../../args/types";
import { IMAGE } from "../../plan/defaults";

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
} as const;

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

/** What differs between the backup CronJob's pods and a restore Job's pod. */
export interface BackupPod {
    labels: Record<string, string>;
    image: pulumi.Input<string>;
    args: string[];
    /** Plain environment: values and `NAME_FILE` paths. */
    env: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    serviceAccountName: pulumi.Input<string>;
    /** The Secret whose keys are mounted as files in IMAGE.secretsDir. */
    secretName: pulumi.Input<string>;
}

/**
 * A Job spec running the image once, restricted: non-root with the image's uid,
 * read-only root file system, no escalation, no capabilities, RuntimeDefault seccomp,
 * credentials as read-only files, and writable volumes only where the image writes.
 * The workdir (sized for the data) also holds sqlpackage's temp data: the entrypoint
 * points TMPDIR below it.
 */
export function jobSpec(target: KubernetesTargetArgs, pod: BackupPod, overrides: Partial<k8s.types.input.batch.v1.JobSpec> = {}): k8s.types.input.batch.v1.JobSpec {
    const workdir: k8s.types.input.core.v1.Volume = target.persistentVolumeClaim
        ? { name: "workdir", persistentVolumeClaim: { claimName: target.persistentVolumeClaim } }
        : { name: "workdir", emptyDir: { sizeLimit: target.workdirSizeLimit ?? KUBERNETES_DEFAULTS.workdirSizeLimit } };
    const resources = {
        requests: { ...KUBERNETES_DEFAULTS.requests, ...target.resources?.requests },
        limits: { ...KUBERNETES_DEFAULTS.limits, ...target.resources?.limits },
    };
    return {
        backoffLimit: target.backoffLimit ?? KUBERNETES_DEFAULTS.backoffLimit,
        activeDeadlineSeconds: target.activeDeadlineSeconds ?? KUBERNETES_DEFAULTS.activeDeadlineSeconds,
        ttlSecondsAfterFinished: target.ttlSecondsAfterFinished ?? KUBERNETES_DEFAULTS.ttlSecondsAfterFinished,
        ...overrides,
        template: {
            metadata: { labels: pod.labels },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: pod.serviceAccountName,
                automountServiceAccountToken: false,
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
                        name: "sqlserver-backup",
                        image: pod.image,
                        args: pod.args,
                        env: pod.env,
                        resources,
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
                    { name: "credentials", secret: { secretName: pod.secretName, defaultMode: 0o440 } },
                    workdir,
                    { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                    { name: "home", emptyDir: { sizeLimit: "1Gi" } },
                ],
            },
        },
    };
}
