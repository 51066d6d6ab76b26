import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyScope, renderBackupPolicy, renderRestorePolicy } from "../../../components/plan/policy";
import { MinioServer } from "./minio";

/** A user with its keys and an mc alias that acts with them. */
export interface Identity {
    accessKey: string;
    secretKey: string;
    alias: string;
}

/** The storage side as the component provisions it, done with `mc admin` instead of Pulumi. */
export interface ProvisionedBackupUser extends Identity {
    bucket: string;
    prefix: string;
    /** The read-only restore user. */
    restore: Identity;
}

/** An AWS-style secret key: `/`, `+` and `=` as nearly every bring-your-own key has them. */
export const AWS_STYLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=";

async function addUser(minio: MinioServer, accessKey: string, secretKey: string, policy: string): Promise<Identity> {
    const policyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-")), "policy.json");
    fs.writeFileSync(policyFile, policy);
    await minio.mcOk(["admin", "user", "add", "admin", accessKey, secretKey]);
    await minio.mcOk(["admin", "policy", "create", "admin", `${accessKey}-policy`, policyFile]);
    await minio.mcOk(["admin", "policy", "attach", "admin", `${accessKey}-policy`, "--user", accessKey]);
    const alias = `as-${accessKey}`;
    await minio.mcOk(["alias", "set", alias, minio.endpoint, accessKey, secretKey]);
    return { accessKey, secretKey, alias };
}

/** Bucket (versioned), the backup user and the restore user with the component's exact policies. */
export async function provisionLikeComponent(
    minio: MinioServer,
    options: { bucket: string; prefix: string; databases?: string[]; accessKey?: string; secretKey?: string; hostSlots?: boolean },
): Promise<ProvisionedBackupUser> {
    const scope: PolicyScope = { bucket: options.bucket, prefix: options.prefix, databases: options.databases ?? ["orders", "main", "sched"], hostSlots: options.hostSlots };
    await minio.mcOk(["mb", "--ignore-existing", `admin/${options.bucket}`]);
    await minio.mcOk(["version", "enable", `admin/${options.bucket}`]);
    const accessKey = options.accessKey ?? `${options.bucket}-backup`;
    const backup = await addUser(minio, accessKey, options.secretKey ?? AWS_STYLE_SECRET, renderBackupPolicy(scope));
    const restore = await addUser(minio, `${options.bucket}-restore`, "Restore/Secret+Key=0123456789", renderRestorePolicy(scope));
    return { bucket: options.bucket, prefix: options.prefix, ...backup, restore };
}
