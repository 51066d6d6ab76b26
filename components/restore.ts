import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DockerTargetArgs, KubernetesTargetArgs, RestoreArgs } from "./args";
import { DEFAULTS, ENV } from "./defaults";
import { standardLabels } from "./deployment";
import { dockerEnvs } from "./dockerTarget";
import { DeployedTarget, TargetInputs } from "./targetTypes";
import { jobSpec, plainEnv, secretEnvFrom } from "./kubernetesTarget";
import { childName } from "./naming";
import { BackupSettings } from "./settings";

/** The restore's resolved target (Inputs resolved, defaults applied). */
export interface RestoreTarget {
    host: string;
    port: number;
    database: string;
    username: string;
    trustServerCertificate: boolean;
}

/** Non-secret environment of a restore run (see image/restore.sh). */
export function restoreEnvironment(settings: BackupSettings, restore: RestoreArgs, target: RestoreTarget): Record<string, string> {
    return {
        MINIO_ENDPOINT: settings.storage.endpoint,
        MINIO_BUCKET: settings.storage.bucket,
        MINIO_REGION: settings.storage.region,
        MINIO_PATH: settings.storage.prefix,
        RESTORE_DATABASE: restore.database ?? settings.databases[0].name,
        RESTORE_BACKUP: restore.backup ?? "latest",
        RESTORE_TARGET_HOST: target.host,
        RESTORE_TARGET_PORT: String(target.port),
        RESTORE_TARGET_DATABASE: target.database,
        RESTORE_TARGET_USERNAME: target.username,
        RESTORE_TRUST_CERT: String(target.trustServerCertificate),
        RESTORE_FORCE: restore.force ? "1" : "0",
        TZ: settings.schedule.timeZone,
    };
}

/** What a restore run reports. */
export interface RestoreRun {
    /** Name of the container or Job that ran it. */
    name: pulumi.Output<string>;
    /** "succeeded" or "failed: ..." */
    status: pulumi.Output<string>;
}

function resolvedTarget(restore: RestoreArgs): pulumi.Output<RestoreTarget> {
    return pulumi.output({
        host: restore.target.host,
        port: restore.target.port ?? DEFAULTS.port,
        database: restore.target.database,
        username: restore.target.username ?? DEFAULTS.username,
        trustServerCertificate: restore.target.trustServerCertificate ?? false,
    }) as pulumi.Output<RestoreTarget>;
}

/** Secrets of a restore: the backup user's keys (read access to the prefix) and the target's password. */
function restoreSecrets(inputs: TargetInputs, restore: RestoreArgs): pulumi.Output<Record<string, string>> {
    return pulumi.secret(
        pulumi.all([inputs.environment, restore.target.password]).apply(
            ([env, password]): Record<string, string> => ({
                [ENV.minioAccessKey]: env[ENV.minioAccessKey],
                [ENV.minioSecretKey]: env[ENV.minioSecretKey],
                RESTORE_TARGET_PASSWORD: password,
            }),
        ),
    );
}

/** The restore container's exit code as a status sentence. */
export function dockerRestoreStatus(exitCode: number | undefined, containerName: string): string {
    return exitCode === 0 ? "succeeded" : `failed: exit code ${exitCode ?? "unknown"}; see docker logs ${containerName}`;
}

/** A one-shot container that restores, attached so `pulumi up` waits for its exit code. */
export function dockerRestore(name: string, target: DockerTargetArgs, restore: RestoreArgs, inputs: TargetInputs, parent: pulumi.Resource): RestoreRun {
    const opts: pulumi.CustomResourceOptions = { parent, ...(target.provider ? { provider: target.provider } : {}) };
    const envs = pulumi.secret(
        pulumi.all([restoreSecrets(inputs, restore), inputs.settings, resolvedTarget(restore)]).apply(([secrets, settings, t]) =>
            dockerEnvs(secrets, restoreEnvironment(settings, restore, t)),
        ),
    );
    const container = new docker.Container(
        childName(name, `restore-${restore.id}`),
        {
            name: childName(name, `restore-${restore.id}`),
            image: inputs.image,
            command: ["restore"],
            envs,
            restart: "no",
            mustRun: false,
            attach: true,
            logs: true,
            networksAdvanced: (target.networks ?? []).map((network) => ({ name: network })),
            labels: Object.entries({ ...standardLabels(name, inputs.version), "app.kubernetes.io/component": "restore" }).map(([label, value]) => ({ label, value })),
            securityOpts: ["no-new-privileges:true"],
            capabilities: { drops: ["ALL"] },
        },
        // A restore is an event, not a state: never re-run it because an input changed.
        { ...opts, ignoreChanges: ["image", "envs"] },
    );
    return { name: container.name, status: container.exitCode.apply((code) => dockerRestoreStatus(code, childName(name, `restore-${restore.id}`))) };
}

/** A Job named after the restore id; Pulumi waits for it to complete and fails `up` when it fails. */
export function kubernetesRestore(
    name: string,
    target: KubernetesTargetArgs,
    restore: RestoreArgs,
    inputs: TargetInputs,
    deployed: DeployedTarget,
    parent: pulumi.Resource,
): RestoreRun {
    const opts: pulumi.CustomResourceOptions = { parent, ...(target.provider ? { provider: target.provider } : {}) };
    const labels = { ...standardLabels(name, inputs.version), "app.kubernetes.io/component": "restore" };
    const metadata = { namespace: target.namespace, labels };
    const secret = new k8s.core.v1.Secret(childName(name, `restore-${restore.id}`), { metadata, type: "Opaque", stringData: restoreSecrets(inputs, restore) }, opts);
    const env = pulumi.unsecret(
        pulumi.all([inputs.settings, resolvedTarget(restore)]).apply(([settings, t]) => [
            ...secretEnvFrom(secret.metadata.name, [ENV.minioAccessKey, ENV.minioSecretKey, "RESTORE_TARGET_PASSWORD"]),
            ...plainEnv(restoreEnvironment(settings, restore, t)),
        ]),
    );
    const job = new k8s.batch.v1.Job(
        childName(name, `restore-${restore.id}`),
        {
            metadata: { ...metadata, name: childName(name, `restore-${restore.id}`) },
            spec: jobSpec(
                // A restore is retried by a new id, not by the Job controller.
                { ...target, backoffLimit: 0 },
                { labels, image: inputs.image, args: ["restore"], env, serviceAccountName: deployed.kubernetes!.serviceAccountName },
            ),
        },
        { ...opts, ignoreChanges: ["spec"] },
    );
    return {
        name: job.metadata.name,
        status: job.status.apply((s) => (s?.succeeded ? "succeeded" : s?.failed ? `failed (kubectl logs job/${childName(name, `restore-${restore.id}`)})` : "running")),
    };
}
