/** One thing wrong with the arguments: which field, and what to do about it. */
export interface Problem {
    /** Path of the argument, as the user wrote it: `databases[0].password`. */
    field: string;
    message: string;
}

/** Thrown when arguments cannot work; lists every problem found, each with its field. */
export class SqlServerBackupArgsError extends Error {
    constructor(
        readonly resourceName: string,
        readonly problems: Problem[],
    ) {
        super(
            `SqlServerBackup "${resourceName}" has invalid arguments:\n` +
                problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n"),
        );
        this.name = "SqlServerBackupArgsError";
    }
}
