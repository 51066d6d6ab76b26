import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderBackupPolicy } from "../../../components/plan/policy";
import { MinioServer } from "./minio";

/** The backup side as the component would provision it, done with `mc admin` instead of Pulumi. */
export interface ProvisionedBackupUser {
    bucket: string;
    prefix: string;
    accessKey: string;
    secretKey: string;
    /** mc alias that acts with the backup user's own credentials. */
    alias: string;
}

/** Bucket, user, the component's exact policy JSON, attachment; and an mc alias for the user. */
export async function provisionLikeComponent(
    minio: MinioServer,
    options: { bucket: string; prefix: string; accessKey?: string; secretKey?: string },
): Promise<ProvisionedBackupUser> {
    const accessKey = options.accessKey ?? "orders-backup";
    const secretKey = options.secretKey ?? "generatedSecretKey0123456789abcdefABCDEF";
    const policyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-")), "policy.json");
    fs.writeFileSync(policyFile, renderBackupPolicy(options.bucket, options.prefix));

    await minio.mcOk(["mb", "--ignore-existing", `admin/${options.bucket}`]);
    await minio.mcOk(["version", "enable", `admin/${options.bucket}`]);
    await minio.mcOk(["admin", "user", "add", "admin", accessKey, secretKey]);
    await minio.mcOk(["admin", "policy", "create", "admin", `${accessKey}-policy`, policyFile]);
    await minio.mcOk(["admin", "policy", "attach", "admin", `${accessKey}-policy`, "--user", accessKey]);
    const alias = `backup-${accessKey}`;
    await minio.mcOk(["alias", "set", alias, minio.endpoint, accessKey, secretKey]);
    return { bucket: options.bucket, prefix: options.prefix, accessKey, secretKey, alias };
}
