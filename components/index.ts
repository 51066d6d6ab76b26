/**
 * sqlserver-backup: the library other stacks import. Importing it creates no
 * resource; only `new SqlServerBackup(...)` does.
 */
export * from "./args";
export { SqlServerBackup, SQLSERVER_BACKUP_TYPE } from "./sqlServerBackup";
export { SqlServerBackupArgsError, Problem, findProblems } from "./validation";
export { renderGoBackupConfig, RenderedConfig, ConfigVariable } from "./gobackupConfig";
export { renderBackupPolicy, backupPolicyDocument, PolicyDocument, PolicyStatement } from "./policy";
export { describeSchedule } from "./schedule";
export { BackupSettings, DatabaseSettings, StorageSettings, LocalCopySettings } from "./settings";
export { DEFAULTS, ENV } from "./defaults";
export { passwordVariable, databasePath } from "./naming";
export { IMAGE_PLATFORM, pinnedVersions, contentTag } from "./image";
