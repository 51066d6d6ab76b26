import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs, NetworkPeerArgs } from "../../args/types";
import { BackupSettings } from "../../args/settings";
import { endpointPort } from "../../plan/endpoint";
import { backupFiles, jobEnvironment, standardLabels } from "../../plan/job";
import { childName, kubernetesNames } from "../../plan/naming";
import { kubernetesCommands } from "../../plan/operatorCommands";
import { DeployedTarget, TargetInputs } from "../types";
import { envEntries, jobSpec, KUBERNETES_DEFAULTS, kubernetesOptions, secretWithData } from "./pod";

/** Labels a namespace gets when the component creates it: the `restricted` Pod Security Standard, enforced. */
export const RESTRICTED_NAMESPACE_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
} as const;

/** The network peers of one side of the egress policy, as Kubernetes peers. */
export function networkPeers(peer: NetworkPeerArgs): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    const peers: k8s.types.input.networking.v1.NetworkPolicyPeer[] = (peer.cidrs ?? []).map((cidr) => ({ ipBlock: { cidr } }));
    if (peer.namespaceLabels || peer.podLabels) {
        peers.push({
            ...(peer.namespaceLabels ? { namespaceSelector: { matchLabels: peer.namespaceLabels } } : {}),
            ...(peer.podLabels ? { podSelector: { matchLabels: peer.podLabels } } : {}),
        });
    }
    return peers;
}

/** Egress rules: DNS, each SQL Server port to its peers, the MinIO port to its peers. */
export function egressRules(settings: BackupSettings, policy: NonNullable<KubernetesTargetArgs["networkPolicy"]>): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    const tcp = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port }));
    const dns = policy.dns;
    return [
        {
            ...(dns ? { to: networkPeers(dns) } : {}),
            ports: (dns?.ports ?? [53]).flatMap((port) => [{ protocol: "UDP", port }, { protocol: "TCP", port }]),
        },
        { to: networkPeers(policy.sqlServer), ports: tcp(policy.sqlServer.ports ?? settings.databases.map((db) => db.port)) },
        { to: networkPeers(policy.minio), ports: tcp(policy.minio.ports ?? [endpointPort(settings.storage.endpoint)]) },
    ];
}

/**
 * The namespace: created (labelled `restricted`) when asked, else read, so that a
 * missing namespace fails `pulumi preview` before anything is created.
 */
export function kubernetesNamespace(name: string, target: KubernetesTargetArgs, parent: pulumi.Resource): k8s.core.v1.Namespace {
    const opts = kubernetesOptions(target, parent);
    if (target.createNamespace) {
        return new k8s.core.v1.Namespace(childName(name, "namespace"), { metadata: { name: target.namespace, labels: RESTRICTED_NAMESPACE_LABELS } }, opts);
    }
    return k8s.core.v1.Namespace.get(childName(name, "namespace"), target.namespace, opts);
}

/**
 * The schedule on a cluster: a CronJob running the image once per schedule, its
 * config in the pod template (no secret in it: reviewers read every change in the
 * preview, and every Job keeps its own copy), its credentials as files from a
 * Secret updated in place, the restore user's keys in a Secret of their own, its own
 * ServiceAccount without a token, a restricted security context, and an optional
 * egress policy. Every name is deterministic.
 */
export function deployKubernetesTarget(target: KubernetesTargetArgs, inputs: TargetInputs, parent: pulumi.Resource, prepared: pulumi.Resource[]): DeployedTarget {
    const name = inputs.name;
    const names = kubernetesNames(name);
    const opts = kubernetesOptions(target, parent, prepared);
    const labels = standardLabels(names.instance, "backup", inputs.version);
    const metadata = { namespace: target.namespace, labels };

    const credentials = secretWithData(childName(name, "credentials"), { name: names.credentials, namespace: target.namespace, labels }, inputs.files, opts);
    // The read-only restore identity, for restores run by `pulumi up` and by hand.
    const restoreCredentials = secretWithData(
        childName(name, "restore-credentials"),
        { name: names.restoreCredentials, namespace: target.namespace, labels: standardLabels(names.instance, "restore", inputs.version) },
        inputs.restoreFiles,
        opts,
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        childName(name, "service-account"),
        { metadata: { ...metadata, name: names.serviceAccount }, automountServiceAccountToken: false },
        { ...opts, deleteBeforeReplace: true },
    );
    const env = pulumi
        .all([inputs.settings, inputs.config, inputs.credentials])
        .apply(([settings, config, vars]) => envEntries(jobEnvironment(settings, config, backupFiles(settings, vars), "once")));

    const cronJob = new k8s.batch.v1.CronJob(
        childName(name, "cronjob"),
        {
            metadata: { ...metadata, name: names.cronJob },
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
                    spec: jobSpec(target, { labels, image: inputs.image, args: ["once"], env, serviceAccountName: serviceAccount.metadata.name, secretNames: [credentials.metadata.name] }),
                },
            },
        },
        { ...opts, deleteBeforeReplace: true },
    );
    const resources: pulumi.Resource[] = [...prepared, credentials, restoreCredentials, serviceAccount, cronJob];

    if (target.networkPolicy) {
        const policy = target.networkPolicy;
        resources.push(
            new k8s.networking.v1.NetworkPolicy(
                childName(name, "network-policy"),
                {
                    metadata: { ...metadata, name: names.networkPolicy },
                    spec: {
                        // Backup and restore pods alike.
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "sqlserver-backup", "app.kubernetes.io/instance": names.instance } },
                        policyTypes: ["Ingress", "Egress"],
                        ingress: [],
                        egress: inputs.settings.apply((s) => egressRules(s, policy)),
                    },
                },
                { ...opts, deleteBeforeReplace: true },
            ),
        );
    }

    const commands = pulumi.all([pulumi.output(target.namespace), inputs.image, inputs.settings]).apply(([namespaceName, image, settings]) =>
        kubernetesCommands({ namespace: namespaceName, cronJob: names.cronJob, instance: names.instance, componentName: name, image, restoreCredentialsSecret: names.restoreCredentials, settings }),
    );
    return { name: cronJob.metadata.name, commands, resources, cronJob };
}
