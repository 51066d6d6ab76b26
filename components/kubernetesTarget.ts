import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { KubernetesTargetArgs } from "./args";
import { CONFIG_PATH, IMAGE_UID, kubernetesCommands, plainEnvironment, standardLabels, WORKDIR_PATH } from "./deployment";
import { DeployedTarget, TargetInputs } from "./targetTypes";
import { childName } from "./naming";
import { BackupSettings } from "./settings";
import { serverFromEndpoint } from "./storage";

/** Annotation whose change rolls a new config into the next Job. */
export const CONFIG_CHECKSUM_ANNOTATION = "sqlserver-backup.io/config-checksum";

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

export function configChecksum(config: string): string {
    return crypto.createHash("sha256").update(config).digest("hex");
}

/** Egress rules: DNS, each SQL Server port to its CIDRs, the MinIO port to its CIDRs. */
export function egressRules(settings: BackupSettings, policy: NonNullable<KubernetesTargetArgs["networkPolicy"]>): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    const to = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    const sqlPorts = [...new Set(settings.databases.map((db) => db.port))].sort((a, b) => a - b);
    const minioPort = Number(serverFromEndpoint(settings.storage.endpoint).split(":").pop());
    return [
        { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
        { to: to(policy.sqlServerCidrs), ports: sqlPorts.map((port) => ({ protocol: "TCP", port })) },
        { to: to(policy.minioCidrs), ports: [{ protocol: "TCP", port: minioPort }] },
    ];
}

/**
 * The schedule on a cluster: a CronJob running the image once per schedule, with
 * the config in a ConfigMap, the credentials in a Secret, its own ServiceAccount
 * without a token, a restricted security context and optional egress policy.
 * Secret and ConfigMap are auto-named: a changed value creates a new object and the
 * CronJob is updated in place to point at it, never recreated.
 */
export function deployKubernetesTarget(name: string, target: KubernetesTargetArgs, inputs: TargetInputs, parent: pulumi.Resource): DeployedTarget {
    const opts: pulumi.CustomResourceOptions = { parent, ...(target.provider ? { provider: target.provider } : {}) };
    const labels = standardLabels(name, inputs.version);
    const namespace = target.namespace;
    const metadata = { namespace, labels };

    const credentials = new k8s.core.v1.Secret(
        childName(name, "credentials"),
        { metadata, type: "Opaque", stringData: pulumi.secret(inputs.environment) },
        opts,
    );
    const config = new k8s.core.v1.ConfigMap(childName(name, "config"), { metadata, data: { "gobackup.yml": inputs.config } }, opts);
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        childName(name, "backup"),
        { metadata, automountServiceAccountToken: false },
        opts,
    );

    // Only the variable names come from the secret environment, never values: unsecret
    // so `pulumi preview` shows the CronJob's changes to reviewers.
    const env = pulumi.unsecret(
        pulumi.all([inputs.environment, inputs.settings]).apply(([secretEnv, settings]) => [
            ...secretEnvFrom(credentials.metadata.name, Object.keys(secretEnv)),
            ...plainEnv(plainEnvironment(settings, "once")),
        ]),
    );

    const cronJob = new k8s.batch.v1.CronJob(
        childName(name, "backup"),
        {
            metadata,
            spec: {
                schedule: inputs.settings.apply((s) => s.schedule.cron),
                timeZone: inputs.settings.apply((s) => s.schedule.timeZone),
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: target.startingDeadlineSeconds ?? KUBERNETES_DEFAULTS.startingDeadlineSeconds,
                successfulJobsHistoryLimit: target.historyLimits?.successful ?? KUBERNETES_DEFAULTS.successfulJobsHistoryLimit,
                failedJobsHistoryLimit: target.historyLimits?.failed ?? KUBERNETES_DEFAULTS.failedJobsHistoryLimit,
                suspend: target.suspend ?? false,
                jobTemplate: {
                    metadata: { labels },
                    spec: jobSpec(target, {
                        labels,
                        // A hash of a config that holds no secret values: plain, so reviewers see it change.
                        annotations: { [CONFIG_CHECKSUM_ANNOTATION]: pulumi.unsecret(inputs.config.apply(configChecksum)) },
                        image: inputs.image,
                        args: ["once"],
                        env,
                        serviceAccountName: serviceAccount.metadata.name,
                        configMapName: config.metadata.name,
                    }),
                },
            },
        },
        opts,
    );

    if (target.networkPolicy) {
        const policy = target.networkPolicy;
        new k8s.networking.v1.NetworkPolicy(
            childName(name, "egress"),
            {
                metadata,
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "backup" } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [],
                    egress: inputs.settings.apply((s) => egressRules(s, policy)),
                },
            },
            opts,
        );
    }

    const commands = pulumi
        .all([pulumi.output(namespace), cronJob.metadata.name, inputs.image, credentials.metadata.name, inputs.settings])
        .apply(([ns, job, image, secretName, settings]) => kubernetesCommands(ns, job, name, { image, secretName, settings }));
    return { name: cronJob.metadata.name, commands, kubernetes: { serviceAccountName: serviceAccount.metadata.name, credentialsSecretName: credentials.metadata.name } };
}

/** Env entries that read each key from a Secret. */
export function secretEnvFrom(secretName: pulumi.Input<string>, keys: string[]): k8s.types.input.core.v1.EnvVar[] {
    return [...keys].sort().map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}

/** Plain env entries, in the given order. */
export function plainEnv(values: Record<string, string>): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(values).map(([key, value]) => ({ name: key, value }));
}

/** What differs between the backup CronJob's pods and a restore Job's pod. */
export interface BackupPod {
    labels: Record<string, string>;
    annotations?: Record<string, pulumi.Input<string>>;
    image: pulumi.Input<string>;
    args: string[];
    env: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    serviceAccountName: pulumi.Input<string>;
    /** ConfigMap with gobackup.yml; restores need none. */
    configMapName?: pulumi.Input<string>;
}

/**
 * A Job spec running the image once, restricted: non-root with the image's uid,
 * read-only root file system, no escalation, no capabilities, RuntimeDefault seccomp,
 * and writable emptyDirs (or a PVC) only where the image writes.
 */
export function jobSpec(target: KubernetesTargetArgs, pod: BackupPod): k8s.types.input.batch.v1.JobSpec {
    const workdir: k8s.types.input.core.v1.Volume = target.persistentVolumeClaim
        ? { name: "workdir", persistentVolumeClaim: { claimName: target.persistentVolumeClaim } }
        : { name: "workdir", emptyDir: { sizeLimit: target.workdirSizeLimit ?? KUBERNETES_DEFAULTS.workdirSizeLimit } };
    const resources = {
        requests: { ...KUBERNETES_DEFAULTS.requests, ...target.resources?.requests },
        limits: { ...KUBERNETES_DEFAULTS.limits, ...target.resources?.limits },
    };
    const configMount = pod.configMapName ? [{ name: "config", mountPath: CONFIG_PATH, subPath: "gobackup.yml", readOnly: true }] : [];
    const configVolume = pod.configMapName ? [{ name: "config", configMap: { name: pod.configMapName } }] : [];
    return {
        backoffLimit: target.backoffLimit ?? KUBERNETES_DEFAULTS.backoffLimit,
        activeDeadlineSeconds: target.activeDeadlineSeconds ?? KUBERNETES_DEFAULTS.activeDeadlineSeconds,
        ttlSecondsAfterFinished: target.ttlSecondsAfterFinished ?? KUBERNETES_DEFAULTS.ttlSecondsAfterFinished,
        template: {
            metadata: { labels: pod.labels, ...(pod.annotations ? { annotations: pod.annotations } : {}) },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: pod.serviceAccountName,
                automountServiceAccountToken: false,
                imagePullSecrets: (target.imagePullSecrets ?? []).map((secret) => ({ name: secret })),
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: IMAGE_UID,
                    runAsGroup: IMAGE_UID,
                    fsGroup: IMAGE_UID,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                    {
                        name: "backup",
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
                            ...configMount,
                            { name: "workdir", mountPath: WORKDIR_PATH },
                            // Read-only root: sqlpackage needs a writable HOME and TMPDIR.
                            { name: "tmp", mountPath: "/tmp" },
                            { name: "home", mountPath: "/home/sqlbackup" },
                        ],
                    },
                ],
                volumes: [
                    ...configVolume,
                    workdir,
                    { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                    { name: "home", emptyDir: { sizeLimit: "1Gi" } },
                ],
            },
        },
    };
}
