/**
 * sqlserver-backup: the library other stacks import. Importing it creates no
 * resource; only `new SqlServerBackup(...)` does.
 */
export * from "./args/types";
export { SqlServerBackup, SQLSERVER_BACKUP_TYPE } from "./sqlServerBackup";
export { Problem, SqlServerBackupArgsError } from "./args/problem";
export { findProblems } from "./args/validation";
export { cronProblem } from "./args/cron";
export { timeZoneProblem } from "./args/timeZone";
export { renderGoBackupConfig, RenderedConfig, ConfigVariable } from "./plan/gobackupConfig";
export { renderBackupPolicy, backupPolicyDocument, PolicyDocument, PolicyStatement } from "./plan/policy";
export { describeSchedule } from "./plan/schedule";
export { BackupSettings, DatabaseSettings, StorageSettings, LocalCopySettings } from "./plan/settings";
export { DEFAULTS, ENV, IMAGE } from "./plan/defaults";
export { passwordVariable, databasePath, kubernetesNames, KubernetesNames } from "./plan/naming";
export { OperatorCommands } from "./plan/operatorCommands";
export { IMAGE_PLATFORM, pinnedVersions, contentTag } from "./image/pins";
