import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goProgram } from "../../goProgram";

/** The sqlserver-double binary (tests/doubles/sqlserver-double), built once per test process. */
function doubleBinary(): string {
    return goProgram("tests/doubles/sqlserver-double", "sqlserver-double");
}

/** How the double fails, read at each statement (see tests/doubles/sqlserver-double). */
export interface SqlServerDoubleFaults {
    checkdbErrors?: string[];
    rowsLost?: number;
    killOn?: string;
    dropFails?: boolean;
}

/**
 * A TEST DOUBLE of SQL Server's network side (tests/doubles/sqlserver-double): TDS with
 * TLS on 127.0.0.1 for Microsoft's Go driver, answering a drill's statements from a
 * state directory that the sqlpackage double's Import writes databases into.
 */
export class SqlServerDouble {
    private child?: ChildProcess;
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlserver-double-state-"));
    readonly state = path.join(this.dir, "state");
    readonly host: string;
    port = 0;

    /**
     * `host`: where it listens (127.0.0.1, or a node's address for pods); `httpPort`: also
     * take PUT /databases/<name> there, for a sqlpackage double in a pod (SQLSERVER_DOUBLE_URL).
     */
    constructor(
        readonly password: string,
        private readonly options: { host?: string; port?: number; httpPort?: number } = {},
    ) {
        this.host = options.host ?? "127.0.0.1";
    }

    async start(): Promise<void> {
        const passwordFile = path.join(this.dir, "password");
        fs.writeFileSync(passwordFile, this.password, { mode: 0o600 });
        const args = ["-listen", `${this.host}:${this.options.port ?? 0}`, "-state", this.state, "-password-file", passwordFile];
        if (this.options.httpPort !== undefined) args.push("-http", `${this.host}:${this.options.httpPort}`);
        const child = spawn(doubleBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
        this.child = child;
        this.port = await new Promise<number>((resolve, reject) => {
            let output = "";
            child.stdout!.on("data", (chunk) => {
                output += chunk;
                const match = /listening on [\d.]+:(\d+)/.exec(output);
                if (match) resolve(Number(match[1]));
            });
            child.on("exit", (code) => reject(new Error(`sqlserver-double exited (${code}): ${output}`)));
        });
    }

    /** Puts a database on the "server" (as if it existed before). */
    createDatabase(name: string, tables: number, rows: number): void {
        fs.writeFileSync(path.join(this.state, "databases", `${name}.json`), JSON.stringify({ tables, rows }));
    }

    /** The databases on the "server", sorted. */
    databases(): string[] {
        return fs.readdirSync(path.join(this.state, "databases")).map((f) => f.replace(/\.json$/, "")).sort();
    }

    /** Sets (or clears) the faults. */
    faults(faults: SqlServerDoubleFaults = {}): void {
        fs.writeFileSync(path.join(this.state, "control.json"), JSON.stringify(faults));
    }

    /** Every batch the double received. */
    batches(): string[] {
        const file = path.join(this.state, "batches.log");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    }

    stop(): void {
        this.child?.kill();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
