import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { packageRoot } from "../../packageInfo";

/** The shipped alert rules' groups (alerts/sqlserver-backup.rules.yml), as a PrometheusRule's spec takes them. */
export function shippedRuleGroups(): unknown[] {
    const file = path.join(packageRoot(), "alerts", "sqlserver-backup.rules.yml");
    return (YAML.parse(fs.readFileSync(file, "utf8")) as { groups: unknown[] }).groups;
}

/**
 * The shipped alert rules as a Prometheus Operator PrometheusRule beside the monitor
 * (opt-in: the CRD must exist, or `up` fails naming it). Prometheus' ruleSelector must
 * match its labels; the release label is the user's to add through the namespace's.
 */
export function prometheusRule(
    resourceName: string,
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        resourceName,
        { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata, spec: { groups: shippedRuleGroups() } },
        { ...opts, deleteBeforeReplace: true },
    );
}
