/**
 * sqlserver-backup: the library other stacks import. Importing it creates no
 * resource; only `new SqlServerBackup(...)` does.
 */
export * from "./args/types";
export { SqlServerBackup, SqlServerBackupResources, SQLSERVER_BACKUP_TYPE } from "./sqlServerBackup";
export { Problem, SqlServerBackupArgsError } from "./args/problem";
export { argumentProblems, findProblems } from "./args/validation";
export { cronProblem } from "./args/cron";
export { timeZoneProblem } from "./args/timeZone";
export { quantityProblem, parseQuantity } from "./args/quantity";
export { dstEffects, DstEffect } from "./args/scheduleMath";
export { BackupSettings, DatabaseSettings, StorageSettings, LocalCopySettings } from "./args/settings";
export { renderGoBackupConfig, RenderedConfig, ConfigVariable } from "./plan/gobackupConfig";
export { renderBackupPolicy, renderRestorePolicy, backupPolicyDocument, restorePolicyDocument, bucketPolicyFor, PolicyGrant, PolicyDocument, PolicyStatement, PolicyScope } from "./plan/policy";
export { describeSchedule } from "./plan/schedule";
export { DEFAULTS, ENV, IMAGE } from "./plan/defaults";
export { passwordVariable, databasePath, kubernetesNames, KubernetesNames } from "./plan/naming";
export { OperatorCommands } from "./plan/operatorCommands";
export { IMAGE_PLATFORM, pinnedVersions, contentTag } from "./image/pins";
export { readRegister } from "./image/register";
