/**
 * Kubernetes' own name rules (k8s.io/apimachinery/pkg/util/validation), for the
 * names users give and the names the component derives.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A CronJob's Jobs get an 11-character suffix, and Job names end up in a 63-character label. */
export const CRONJOB_NAME_MAX = 52;
export const LABEL_MAX = 63;

/** Namespaces, and names that end up in labels: lower-case letters, digits and "-", at most 63. */
export function dnsLabelProblem(name: string): string | undefined {
    if (name.length > LABEL_MAX || !DNS1123_LABEL.test(name)) {
        return `"${name}" must be at most 63 lower-case letters, digits or "-", starting and ending with a letter or digit.`;
    }
    return undefined;
}

/** Most object names: like a label, but dots allowed and up to 253 characters. */
export function dnsSubdomainProblem(name: string): string | undefined {
    if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
        return `"${name}" must be at most 253 lower-case letters, digits, "-" or ".", starting and ending with a letter or digit.`;
    }
    return undefined;
}

/** Label values: at most 63 letters, digits, "-", "_" or ".", alphanumeric at both ends (or empty). */
export function labelValueProblem(value: string): string | undefined {
    if (value.length > LABEL_MAX || !LABEL_VALUE.test(value)) {
        return `"${value}" must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit.`;
    }
    return undefined;
}

/** CronJob names: a DNS subdomain of at most 52 characters. */
export function cronJobNameProblem(name: string): string | undefined {
    return dnsSubdomainProblem(name) ?? (name.length > CRONJOB_NAME_MAX ? `"${name}" must be at most ${CRONJOB_NAME_MAX} characters (its Jobs add 11).` : undefined);
}
