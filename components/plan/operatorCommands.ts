/**
 * Commands an operator copies from `pulumi stack output commands` during the day
 * (or an incident). Built from deterministic names, so a preview shows the commands
 * that will work after `up`.
 */
import { ENV, IMAGE } from "./defaults";
import { secretFileVariables, storageLocation } from "./job";
import { boundedName } from "./naming";
import { BackupSettings } from "../args/settings";

/** Commands for one deployment. */
export interface OperatorCommands {
    /** Run a backup now. */
    backupNow: string;
    /** Follow the logs. */
    logs: string;
    /** See whether backups are healthy, and why not. */
    status: string;
    /** List the backups, with whether a manifest vouches for each. */
    list: string;
    /** Restore one (fill in the <...> values; see README "Restore"). */
    restore: string;
    /** Run the restore drills now (with the `drill` arg); their outcome is in `status`. */
    drillNow?: string;
}

/**
 * The restore's settings in the command, `<...>` for what the operator decides. An id
 * makes the line safe to type twice: the agent claims it once and a repeat does nothing
 * (README "Restore"). The certificate trust follows the backed-up servers' (a restore
 * next to the source needs the same); the backup is filled in when there is one.
 */
export function restorePlaceholders(settings: BackupSettings): Record<string, string> {
    const trust = new Set(settings.databases.map((database) => database.trustServerCertificate));
    return {
        RESTORE_ID: "<new-restore-id>",
        RESTORE_DATABASE: settings.databases.length === 1 ? settings.databases[0].name : "<backup-name>",
        RESTORE_TARGET_HOST: "<sql-host>",
        RESTORE_TARGET_DATABASE: "<new-database>",
        RESTORE_TRUST_CERT: trust.size === 1 ? String([...trust][0]) : "<true-or-false>",
        RESTORE_BACKUP: "latest",
    };
}

export function dockerCommands(containerName: string, settings: BackupSettings, drills = false): OperatorCommands {
    const restoreEnv = Object.entries(restorePlaceholders(settings))
        .map(([name, value]) => `-e ${name}=${value}`)
        .join(" ");
    const exec = `docker exec ${containerName} ${IMAGE.entrypoint}`;
    return {
        // The agent's `once`: waits for a run in progress, then backs up with the container's config and records.
        backupNow: `${exec} once`,
        logs: `docker logs --follow --tail 200 ${containerName}`,
        status: `${exec} status`,
        list: `${exec} list`,
        // The password comes from the caller's environment (-e NAME without a value), not the command line.
        restore: `${ENV.restoreTargetPassword}='<password>' docker exec -e ${ENV.restoreTargetPassword} ${restoreEnv} ${containerName} ${IMAGE.entrypoint} restore`,
        // The container holds the drills' settings and files; a drill running already is not doubled (its lease).
        ...(drills ? { drillNow: `${exec} drill` } : {}),
    };
}

/** What the kubectl commands need to know about the deployment. */
export interface KubernetesDeployment {
    namespace: string;
    cronJob: string;
    /** `app.kubernetes.io/instance` of every pod. */
    instance: string;
    componentName: string;
    image: string;
    /** Secret with the read-only restore user's keys. */
    restoreCredentialsSecret: string;
    /** The drills' CronJob, when drills are configured. */
    drillCronJob?: string;
    settings: BackupSettings;
}

/**
 * `kubectl run` of a one-off pod with the CronJob's image, credentials (as files)
 * and settings, restricted like the CronJob's pods so namespaces enforcing the
 * "restricted" Pod Security Standard admit it.
 */
function kubectlRun(d: KubernetesDeployment, podBase: string, mode: string, secrets: { name: string; keys: string[] }[], env: Record<string, string>): string {
    const overrides = {
        spec: {
            securityContext: { runAsNonRoot: true, runAsUser: IMAGE.uid, runAsGroup: IMAGE.uid, fsGroup: IMAGE.uid, seccompProfile: { type: "RuntimeDefault" } },
            automountServiceAccountToken: false,
            volumes: [
                {
                    name: "credentials",
                    projected: { defaultMode: 0o440, sources: secrets.map((secret) => ({ secret: { name: secret.name, items: secret.keys.map((key) => ({ key, path: key })) } })) },
                },
                { name: "workdir", emptyDir: {} },
            ],
            containers: [
                {
                    name: "sqlserver-backup",
                    image: d.image,
                    args: [mode],
                    env: Object.entries({ ...env, ...secretFileVariables(secrets.flatMap((secret) => secret.keys)) }).map(([name, value]) => ({ name, value })),
                    volumeMounts: [
                        { name: "credentials", mountPath: IMAGE.secretsDir, readOnly: true },
                        { name: "workdir", mountPath: IMAGE.workdir },
                    ],
                    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                },
            ],
        },
    };
    // `<name>-<10-digit time>` stays within 63 characters.
    return `kubectl --namespace ${d.namespace} run ${podBase}-$(date +%s) --rm -i --restart=Never --image=${d.image} --overrides='${JSON.stringify(overrides)}'`;
}

/**
 * A Job from each of the instance's CronJobs, running `once` (it waits for a run in
 * progress, then backs up). Made with the CronJob's template but without its owner
 * reference: the CronJob controller reports a Job it did not schedule as an
 * `UnexpectedJob` warning on every later `pulumi up`. The Job ends on its own TTL. Its
 * name is `<cronjob>-<10-digit time>` (the controller's use 8 digits), within 63.
 */
export function backupNowCommand(kubectl: string, instance: string): string {
    return jobsFromCronJobs(kubectl, `app.kubernetes.io/instance=${instance},app.kubernetes.io/component=backup`, " -e 's/^\\( *\\)- tick$/\\1- once/'");
}

/** A Job from each CronJob the selector names, without the CronJob as its owner (see backupNowCommand). */
function jobsFromCronJobs(kubectl: string, selector: string, sedExtra = ""): string {
    const withoutOwner = `sed -e '/^  ownerReferences:/,/^    uid:/d'${sedExtra}`;
    return (
        `for c in $(${kubectl} get cronjobs --selector ${selector} -o name); do ` +
        `${kubectl} create job --from="$c" "\${c#*/}-$(date +%s)" --dry-run=client -o yaml | ${withoutOwner} | ${kubectl} create -f -; done`
    );
}

export function kubernetesCommands(d: KubernetesDeployment): OperatorCommands {
    const location = storageLocation(d.settings);
    const credentials = { name: d.restoreCredentialsSecret, keys: [ENV.restoreAccessKey, ENV.restoreSecretKey, ...(d.settings.storage.customCA ? [ENV.caCertificate] : [])] };
    // The target password goes into a Secret from a file, never onto a command line.
    const targetSecret = boundedName(d.componentName, "restore-target", 63);
    const kubectl = `kubectl --namespace ${d.namespace}`;
    return {
        backupNow: backupNowCommand(kubectl, d.instance),
        logs: `${kubectl} logs --selector app.kubernetes.io/instance=${d.instance} --tail 200 --prefix`,
        status: `${kubectl} get jobs --selector app.kubernetes.io/instance=${d.instance} --sort-by=.metadata.creationTimestamp`,
        list: kubectlRun(d, boundedName(d.componentName, "list", 52), "list", [credentials], location),
        restore:
            `${kubectl} create secret generic ${targetSecret} --from-file=${ENV.restoreTargetPassword}=<password-file> && ` +
            kubectlRun(d, boundedName(d.componentName, "restore", 52), "restore", [credentials, { name: targetSecret, keys: [ENV.restoreTargetPassword] }], {
                ...location,
                ...restorePlaceholders(d.settings),
            }),
        ...(d.drillCronJob ? { drillNow: `${kubectl} get cronjob ${d.drillCronJob} >/dev/null && ${jobsFromCronJobs(kubectl, `app.kubernetes.io/instance=${d.instance},app.kubernetes.io/component=restore`)}` } : {}),
    };
}
