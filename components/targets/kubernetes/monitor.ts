import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { maxBackupAgeSeconds } from "../../args/scheduleMath";
import { BackupSettings } from "../../args/settings";
import { KubernetesTargetArgs } from "../../args/types";
import { ENV } from "../../plan/defaults";
import { secretFileVariables, standardLabels, storageLocation } from "../../plan/job";
import { childName, KubernetesNames } from "../../plan/naming";
import { TargetInputs } from "../types";
import { envEntries, KUBERNETES_DEFAULTS, podSpec } from "./pod";
import { DrillSettings, drillHealthEnvironment } from "../../plan/drill";
import { prometheusRule } from "./prometheusRule";

/** What the monitor's Role allows: read the instance's pods, fail its Jobs. Nothing else. */
export const MONITOR_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "patch"] },
];

/** The monitor's environment: where the records are, which models, the watchdog's selector and deadline. */
export function monitorEnvironment(target: KubernetesTargetArgs, settings: BackupSettings, instance: string, drill?: DrillSettings): Record<string, string> {
    const port = target.monitor?.port ?? KUBERNETES_DEFAULTS.monitorPort;
    return {
        ...storageLocation(settings),
        ...secretFileVariables([ENV.restoreAccessKey, ENV.restoreSecretKey, ...(settings.storage.customCA ? [ENV.caCertificate] : [])]),
        EXPORTER_MODELS: settings.databases.map((db) => db.name).join(","),
        METRICS_ADDRESS: `0.0.0.0:${port}`,
        BACKUP_MAX_AGE_SECONDS: String(maxBackupAgeSeconds(settings.schedule.cron, settings.schedule.timeZone)),
        // Backup and restore pods of this instance (never the monitor's own).
        WATCHDOG_SELECTOR: `app.kubernetes.io/instance=${instance},app.kubernetes.io/component in (backup,restore)`,
        START_DEADLINE_SECONDS: String(target.monitor?.startDeadlineSeconds ?? KUBERNETES_DEFAULTS.startDeadlineSeconds),
        // The drills' records (beside the restores') count toward health and the metrics.
        ...drillHealthEnvironment(drill),
    };
}

/**
 * The monitor: one small pod that lives longer than a Job. It serves the metrics of
 * every run (the agent's `exporter`: the run records each run mirrors into the bucket,
 * read with the read-only restore identity, under the Docker daemon's metric names)
 * behind a Service labelled for scraping, and it is the instance's watchdog: a Job
 * whose pod cannot start (an image that cannot be pulled) is failed after
 * `startDeadlineSeconds`, with the reason in an annotation, where Kubernetes would keep
 * it pending until its deadline. Its Role reads pods and patches Jobs in the namespace.
 */
export function deployMonitor(
    target: KubernetesTargetArgs,
    inputs: TargetInputs,
    names: KubernetesNames,
    restoreCredentials: k8s.core.v1.Secret,
    opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
    const name = inputs.name;
    const labels = { ...standardLabels(names.instance, "backup", inputs.version), "app.kubernetes.io/component": "monitor" };
    const selector = { "app.kubernetes.io/name": "sqlserver-backup", "app.kubernetes.io/instance": names.instance, "app.kubernetes.io/component": "monitor" };
    const metadata = { name: names.monitor, namespace: target.namespace, labels };
    const port = target.monitor?.port ?? KUBERNETES_DEFAULTS.monitorPort;
    const replace = { ...opts, deleteBeforeReplace: true };
    const serviceAccount = new k8s.core.v1.ServiceAccount(childName(name, "monitor-service-account"), { metadata, automountServiceAccountToken: false }, replace);
    const role = new k8s.rbac.v1.Role(childName(name, "monitor-role"), { metadata, rules: MONITOR_RULES }, replace);
    const binding = new k8s.rbac.v1.RoleBinding(
        childName(name, "monitor-role-binding"),
        {
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: target.namespace }],
        },
        replace,
    );
    const env = pulumi
        .all([inputs.settings, inputs.drill?.settings ?? pulumi.output(undefined)])
        .apply(([settings, drill]) => envEntries(monitorEnvironment(target, settings, names.instance, drill)));
    const deployment = new k8s.apps.v1.Deployment(
        childName(name, "monitor"),
        {
            metadata,
            spec: {
                replicas: 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: podSpec(
                        // The monitor is small whatever the backups need.
                        { ...target, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } } },
                        {
                            labels,
                            image: inputs.image,
                            args: ["exporter"],
                            env,
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: true,
                            secrets: [{ name: restoreCredentials.metadata.name }],
                            ports: [{ name: "metrics", containerPort: port, protocol: "TCP" }],
                            readinessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 30 },
                        },
                        "Always",
                    ),
                },
            },
        },
        { ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), binding] },
    );
    const service = new k8s.core.v1.Service(
        childName(name, "monitor-service"),
        {
            metadata: { ...metadata, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" } },
            spec: { selector, ports: [{ name: "metrics", port, targetPort: "metrics", protocol: "TCP" }] },
        },
        replace,
    );
    const rules = target.monitor?.prometheusRule
        ? [prometheusRule(childName(name, "prometheus-rule"), { ...metadata, labels: { ...labels, ...(target.monitor.prometheusRuleLabels ?? {}) } }, opts)]
        : [];
    return [serviceAccount, role, binding, deployment, service, ...rules];
}
