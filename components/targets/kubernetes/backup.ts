import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesTargetArgs, NetworkPeerArgs } from "../../args/types";
import { maxBackupAgeSeconds } from "../../args/scheduleMath";
import { BackupSettings } from "../../args/settings";
import { endpointPort } from "../../plan/endpoint";
import { databaseOffsetMinutes, shiftedCron } from "../../plan/fleet";
import { renderGoBackupConfig } from "../../plan/gobackupConfig";
import { backupFiles, jobEnvironment, standardLabels } from "../../plan/job";
import { childName, KubernetesNames, kubernetesNames } from "../../plan/naming";
import { kubernetesCommands } from "../../plan/operatorCommands";
import { DeployedTarget, TargetInputs } from "../types";
import { deployMonitor } from "./monitor";
import { deployDrills } from "./drill";
import { cronJobScheduling, envEntries, jobSpec, kubernetesOptions, podEnvironment, secretWithData } from "./pod";

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
export function egressRules(settings: BackupSettings, policy: NonNullable<KubernetesTargetArgs["networkPolicy"]>, drillPorts: number[] = []): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    const tcp = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port }));
    const dns = policy.dns;
    return [
        {
            ...(dns ? { to: networkPeers(dns) } : {}),
            ports: (dns?.ports ?? [53]).flatMap((port) => [{ protocol: "UDP", port }, { protocol: "TCP", port }]),
        },
        // The drill server (when drills run) is reached through the same peers.
        { to: networkPeers(policy.sqlServer), ports: tcp(policy.sqlServer.ports ?? [...settings.databases.map((db) => db.port), ...drillPorts]) },
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

/** One CronJob's share of the deployment: its databases, schedule and CronJob name. */
export interface CronJobPlan {
    /** Pulumi name suffix of the CronJob resource. */
    part: string;
    cronJob: string;
    settings: BackupSettings;
    /**
     * The health limit (BACKUP_MAX_AGE_SECONDS), from the unshifted schedule: a fixed
     * offset moves every run alike, so the longest gap stays within the limit's two
     * spare hours (a daylight-saving change moves it by one at most), and one
     * computation serves every database (each takes tens of milliseconds).
     */
    maxAgeSeconds: number;
}

/**
 * The CronJobs of a target: one for every database together, or with `fleet.perDatabase`
 * one per database, each with its own settings (its database only) and its offset in
 * the fleet's window.
 */
export function cronJobPlans(target: KubernetesTargetArgs, settings: BackupSettings, names: KubernetesNames): CronJobPlan[] {
    const maxAgeSeconds = maxBackupAgeSeconds(settings.schedule.cron, settings.schedule.timeZone);
    if (!target.fleet?.perDatabase) return [{ part: "cronjob", cronJob: names.cronJob, settings, maxAgeSeconds }];
    const window = target.fleet.windowMinutes ?? 0;
    return settings.databases.map((db) => {
        const offset = databaseOffsetMinutes(db.name, window);
        const cron = offset > 0 ? shiftedCron(settings.schedule.cron, offset) : settings.schedule.cron;
        return {
            part: `cronjob-${db.name}`,
            cronJob: names.cronJobOf(db.name),
            settings: { ...settings, databases: [db], schedule: { ...settings.schedule, cron } },
            maxAgeSeconds,
        };
    });
}

/** The environment of a CronJob's pods: the agent's `tick` with its share's config and files. */
export function cronJobEnvironment(target: KubernetesTargetArgs, plan: BackupSettings, maxAgeSeconds?: number): Record<string, string> {
    const rendered = renderGoBackupConfig(plan);
    return {
        ...jobEnvironment(plan, rendered.yaml, backupFiles(plan, rendered.variables), "once", maxAgeSeconds),
        ...podEnvironment(target),
        ...(plan.hostSlots ? { HOST_CONCURRENCY: String(plan.hostSlots) } : {}),
    };
}

/**
 * The schedule on a cluster: CronJobs running the agent's `tick` (a database whose run
 * is in progress elsewhere is skipped: the bucket lease, not the CronJob, keeps runs
 * apart, so a Job that cannot start never holds the schedule), their config in the pod
 * template (no secret in it: reviewers read every change in the preview, and every Job
 * keeps its own copy), credentials as files from a Secret updated in place (with
 * `fleet.perDatabase` each pod gets its own database's password only), the restore
 * user's keys in a Secret of their own, a ServiceAccount without a token, a restricted
 * security context, the monitor, and an optional egress policy. Every name is
 * deterministic.
 */
export function deployKubernetesTarget(target: KubernetesTargetArgs, inputs: TargetInputs, parent: pulumi.Resource, prepared: pulumi.Resource[]): DeployedTarget {
    const name = inputs.name;
    const names = kubernetesNames(name);
    const opts = kubernetesOptions(target, parent, prepared);
    const labels = standardLabels(names.instance, "backup", inputs.version);
    const metadata = { namespace: target.namespace, labels };

    const credentials = secretWithData(childName(name, "credentials"), { name: names.credentials, namespace: target.namespace, labels }, inputs.files, opts);
    // The read-only restore identity, for restores run by `pulumi up` and by hand, and the monitor.
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
    // Restore pods' identity: a token, and a Role per restore lets it empty that restore's password Secret.
    const restoreServiceAccount = new k8s.core.v1.ServiceAccount(
        childName(name, "restore-service-account"),
        { metadata: { namespace: target.namespace, labels: standardLabels(names.instance, "restore", inputs.version), name: names.restoreServiceAccount }, automountServiceAccountToken: false },
        { ...opts, deleteBeforeReplace: true },
    );
    // The plan's shape (how many CronJobs, their names) is known at preview: database
    // names and the window are plain arguments.
    const plans = inputs.settings.apply((settings) => cronJobPlans(target, settings, names));
    const shape = target.fleet?.perDatabase
        ? inputs.databases.map((database) => ({ part: `cronjob-${database}`, cronJob: names.cronJobOf(database) }))
        : [{ part: "cronjob", cronJob: names.cronJob }];
    const cronJobs = shape.map((planned, index) => {
        const plan = plans.apply((all) => all[index]);
        const env = plan.apply((p) => envEntries(cronJobEnvironment(target, p.settings, p.maxAgeSeconds)));
        const keys = target.fleet?.perDatabase
            ? plan.apply((p) => backupFiles(p.settings, renderGoBackupConfig(p.settings).variables).sort())
            : undefined;
        return new k8s.batch.v1.CronJob(
            childName(name, planned.part),
            {
                metadata: { ...metadata, name: planned.cronJob },
                spec: {
                    schedule: plan.apply((p) => p.settings.schedule.cron),
                    timeZone: plan.apply((p) => p.settings.schedule.timeZone),
                    // A tick that finds a run in progress skips (the bucket lease).
                    ...cronJobScheduling(target),
                    jobTemplate: {
                        metadata: { labels },
                        spec: jobSpec(target, {
                            labels,
                            image: inputs.image,
                            args: ["tick"],
                            env,
                            serviceAccountName: serviceAccount.metadata.name,
                            secrets: [{ name: credentials.metadata.name, ...(keys ? { keys } : {}) }],
                        }),
                    },
                },
            },
            { ...opts, deleteBeforeReplace: true },
        );
    });
    const resources: pulumi.Resource[] = [...prepared, credentials, restoreCredentials, serviceAccount, restoreServiceAccount, ...cronJobs];

    if (target.networkPolicy) {
        const policy = target.networkPolicy;
        resources.push(
            new k8s.networking.v1.NetworkPolicy(
                childName(name, "network-policy"),
                {
                    metadata: { ...metadata, name: names.networkPolicy },
                    spec: {
                        // Backup and restore pods alike; the monitor serves metrics and calls the API server.
                        podSelector: {
                            matchLabels: { "app.kubernetes.io/name": "sqlserver-backup", "app.kubernetes.io/instance": names.instance },
                            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["backup", "restore"] }],
                        },
                        policyTypes: ["Ingress", "Egress"],
                        ingress: [],
                        egress: pulumi.all([inputs.settings, inputs.drill?.settings ?? pulumi.output(undefined)]).apply(([s, d]) => egressRules(s, policy, d ? [d.server.port] : [])),
                    },
                },
                { ...opts, deleteBeforeReplace: true },
            ),
        );
    }

    if (inputs.drill) resources.push(...deployDrills(target, inputs, inputs.drill, names, restoreCredentials, opts));
    if (target.monitor?.enabled ?? true) resources.push(...deployMonitor(target, inputs, names, restoreCredentials, opts));

    const commands = pulumi.all([pulumi.output(target.namespace), inputs.image, inputs.settings]).apply(([namespaceName, image, settings]) =>
        kubernetesCommands({
            namespace: namespaceName,
            cronJob: names.cronJob,
            instance: names.instance,
            componentName: name,
            image,
            restoreCredentialsSecret: names.restoreCredentials,
            settings,
            ...(inputs.drill ? { drillCronJob: names.drillCronJob } : {}),
        }),
    );
    return { name: cronJobs[0].metadata.name, commands, resources, cronJob: cronJobs[0] };
}
