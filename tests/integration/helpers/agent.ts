import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goProgram } from "../../goProgram";
import { BackupSettings } from "../../../components/args/settings";
import { DrillArgs } from "../../../components/args/types";
import { DrillServer, drillEnvironment, drillFiles, drillSettings } from "../../../components/plan/drill";
import { DEFAULTS, ENV, IMAGE } from "../../../components/plan/defaults";
import { renderGoBackupConfig } from "../../../components/plan/gobackupConfig";
import { backupFiles, jobEnvironment } from "../../../components/plan/job";
import { passwordVariable } from "../../../components/plan/naming";
import { restoreEnvironment, restoreFiles, restoreTargetDefaults } from "../../../components/plan/restore";
import { agentBinary } from "../../agent/helpers";
import { CommandResult } from "./exec";

const REPO = path.resolve(__dirname, "../../..");
/** The sqlpackage TEST DOUBLE (tests/doubles/sqlpackage-double), built once per test process. */
export function sqlpackageDouble(): string {
    return goProgram("tests/doubles/sqlpackage-double", "sqlpackage");
}

/**
 * Which `gobackup` the agent runs: GoBackup's real engine when GOBACKUP_BIN names one,
 * else the TEST DOUBLE (tests/doubles/gobackup-double) uploading with mc, the admin
 * tool built from source (GoBackup's Go module is not served here).
 */
export interface Engine {
    bin: string;
    real: boolean;
    /** Environment the engine needs besides the agent's (the double's mc). */
    env: Record<string, string>;
}

export function backupEngine(mc: string): Engine {
    const real = process.env.GOBACKUP_BIN;
    if (real) return { bin: real, real: true, env: {} };
    return { bin: path.join(REPO, "tests/doubles/gobackup-double"), real: false, env: { GOBACKUP_DOUBLE_MC: mc } };
}

/** Where the backups go, with the keys the component would hand the job. */
export interface AgentStorage {
    endpoint: string;
    bucket: string;
    prefix: string;
    accessKey: string;
    secretKey: string;
    restore?: { accessKey: string; secretKey: string };
    /** PEM of a private CA the endpoint's certificate chains to. */
    caPem?: string;
    pathStyle?: boolean;
    region?: string;
}

export interface AgentSetup {
    storage: AgentStorage;
    engine: Engine;
    databases?: string[];
    keep?: number;
    cron?: string;
    timeZone?: string;
    /** The password each database's export logs in with (the double checks it when EXPECT_PASSWORD is set). */
    password?: string;
    /** Local copies kept (default 1; 0: none). */
    localCopies?: number;
    /** Failed runs' uploads kept once a newer verified archive exists (default the component's). */
    keepFailed?: number;
    /** The deployment that owns the folders (default integration/test/agent). */
    deploymentId?: string;
    /**
     * "local" (default): the agent runs here, in a private workdir. "image": the env and
     * files are laid out as the Docker target lays them out for the image (workdir and
     * secrets directory at the image's paths, files 0444), for `docker run` (dockerArgs).
     */
    layout?: "local" | "image";
}

/** A running agent (daemon, or a `once` to be killed). */
export interface RunningAgent {
    child: ChildProcess;
    output(): string;
    exited: Promise<number>;
}

/**
 * The backup agent as a deployment runs it, outside a container: the environment the
 * component renders for the job (jobEnvironment, the rendered GoBackup config), each
 * credential as a `_FILE` in a directory of its own, the sqlpackage TEST DOUBLE on
 * PATH, and a private workdir.
 */
export class AgentHarness {
    readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "agent-run-"));
    readonly settings: BackupSettings;
    readonly secretsDir = path.join(this.work, "secrets");
    readonly argvFile = path.join(this.work, "sqlpackage-argv.jsonl");
    private readonly binDir = path.join(this.work, "bin");
    private readonly baseEnv: Record<string, string>;
    /** Where the agent finds the credential file NAME. */
    private readonly secretPath: (name: string) => string;

    constructor(setup: AgentSetup) {
        const inImage = setup.layout === "image";
        const workdir = inImage ? IMAGE.workdir : path.join(this.work, "workdir");
        const storage = setup.storage;
        this.settings = {
            databases: (setup.databases ?? ["orders"]).map((name) => ({
                name,
                host: "sql.internal",
                port: DEFAULTS.port,
                database: name[0].toUpperCase() + name.slice(1),
                username: "backup_user",
                trustServerCertificate: true,
                extraArgs: [],
            })),
            schedule: { cron: setup.cron ?? "0 2 * * *", timeZone: setup.timeZone ?? "Etc/UTC" },
            storage: {
                endpoint: storage.endpoint,
                region: storage.region ?? DEFAULTS.region,
                pathStyle: storage.pathStyle ?? true,
                bucket: storage.bucket,
                prefix: storage.prefix,
                keep: setup.keep ?? 3,
                timeoutSeconds: 60,
                maxRetries: 0,
                retentionDays: DEFAULTS.retentionDays,
                keepDaily: 0,
                keepWeekly: 0,
                keepMonthly: 0,
                keepFailed: setup.keepFailed ?? DEFAULTS.keepFailed,
                takeOverFrom: "",
                customCA: storage.caPem !== undefined,
            },
            deploymentId: setup.deploymentId ?? "integration/test/agent",
            workdir,
            ...(setup.localCopies === 0 ? {} : { localCopy: { path: path.join(workdir, "archives"), keep: setup.localCopies ?? 1 } }),
        };
        const rendered = renderGoBackupConfig(this.settings);
        const secrets: Record<string, string> = {
            [ENV.minioAccessKey]: storage.accessKey,
            [ENV.minioSecretKey]: storage.secretKey,
            ...Object.fromEntries(this.settings.databases.map((db) => [passwordVariable(db.name), setup.password ?? "Backup-Pa55/word+="])),
            ...(storage.restore ? { [ENV.restoreAccessKey]: storage.restore.accessKey, [ENV.restoreSecretKey]: storage.restore.secretKey } : {}),
            ...(storage.caPem ? { [ENV.caCertificate]: storage.caPem } : {}),
        };
        // The Docker target uploads each file root-owned with mode 0444 (readable by the image's user on any provider).
        fs.mkdirSync(this.secretsDir, { mode: inImage ? 0o755 : 0o700 });
        fs.chmodSync(this.secretsDir, inImage ? 0o755 : 0o700);
        for (const [name, value] of Object.entries(secrets)) fs.writeFileSync(path.join(this.secretsDir, name), value, { mode: inImage ? 0o444 : 0o400 });
        const files = [...backupFiles(this.settings, rendered.variables), ...(storage.restore ? [ENV.restoreAccessKey, ENV.restoreSecretKey] : [])];
        const job = jobEnvironment(this.settings, rendered.yaml, files, "once");
        this.secretPath = (name) => (inImage ? path.join(IMAGE.secretsDir, name) : path.join(this.secretsDir, name));
        // The job's `_FILE` paths point into the container's secrets directory; here, into ours.
        for (const [name, value] of Object.entries(job)) {
            if (name.endsWith("_FILE")) job[name] = this.secretPath(value.slice(IMAGE.secretsDir.length + 1));
        }
        const endpoint = new URL(storage.endpoint);
        // The S3 server is real and must answer; the SQL Server is a double with no port.
        const preflight = `${endpoint.hostname}:${endpoint.port || (endpoint.protocol === "https:" ? "443" : "80")}`;
        if (inImage) {
            this.baseEnv = { ...job, PREFLIGHT_TARGETS: preflight, SQLPACKAGE_DOUBLE_SIZE: "300000", ...setup.engine.env };
            return;
        }
        fs.mkdirSync(this.binDir);
        fs.symlinkSync(sqlpackageDouble(), path.join(this.binDir, "sqlpackage"));
        this.baseEnv = {
            ...job,
            PATH: `${this.binDir}:${process.env.PATH}`,
            HOME: this.work,
            GOBACKUP_WORKDIR: workdir,
            GOBACKUP_BIN: setup.engine.bin,
            PREFLIGHT_TARGETS: preflight,
            SQLPACKAGE_DOUBLE_ARGV_FILE: this.argvFile,
            SQLPACKAGE_DOUBLE_SIZE: "300000",
            ...setup.engine.env,
        };
    }

    /** The agent's environment for one invocation; an `undefined` in `extra` removes that variable. */
    env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...this.baseEnv, ...extra };
        for (const [name, value] of Object.entries(extra)) if (value === undefined) delete env[name];
        return env;
    }

    /** Runs `sqlserver-backup-agent <args>` to completion. */
    run(args: string[], extra: Record<string, string | undefined> = {}): Promise<CommandResult> {
        const running = this.start(args, extra);
        return running.exited.then((code) => ({ code, stdout: running.output(), stderr: "" }));
    }

    /** Starts the agent in a process group of its own, so a test can kill it like a container's end. */
    start(args: string[], extra: Record<string, string | undefined> = {}): RunningAgent {
        const child = spawn(agentBinary(), args, { env: this.env(extra), detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout?.on("data", (chunk) => (output += chunk));
        child.stderr?.on("data", (chunk) => (output += chunk));
        const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1))));
        return { child, output: () => output, exited };
    }

    /**
     * The environment of a restore as the component renders it (restoreEnvironment):
     * the restore identity's keys and the target's password as `_FILE`s.
     */
    restoreEnv(restore: { id: string; backup?: string; force?: boolean; targetDatabase?: string }, targetPassword = "Target-Pa55/word="): Record<string, string> {
        const target = restoreTargetDefaults({ host: "sql-restore.internal", database: restore.targetDatabase ?? "Orders_Restored" });
        const env = restoreEnvironment(this.settings, { id: restore.id, backup: restore.backup, force: restore.force, target: { host: target.host, database: target.database, password: targetPassword } }, target);
        fs.writeFileSync(path.join(this.secretsDir, ENV.restoreTargetPassword), targetPassword, { mode: 0o400 });
        fs.chmodSync(path.join(this.secretsDir, ENV.restoreTargetPassword), fs.statSync(path.join(this.secretsDir, ENV.minioSecretKey)).mode);
        for (const name of restoreFiles(this.settings)) env[`${name}_FILE`] = this.secretPath(name);
        return { ...env, EXPECT_PASSWORD: targetPassword, SQLPACKAGE_DOUBLE_IMPORT_COPY: path.join(this.work, `imported-${restore.id}.bacpac`) };
    }

    /**
     * The environment of a drill as the component renders it (drillEnvironment): the
     * restore identity's keys and the drill server's password as `_FILE`s.
     */
    drillEnv(drill: Omit<DrillArgs, "server"> & { server: DrillServer }, serverPassword: string): Record<string, string> {
        const env = drillEnvironment(this.settings, drillSettings(this.settings, drill));
        fs.writeFileSync(path.join(this.secretsDir, ENV.drillServerPassword), serverPassword, { mode: 0o400 });
        fs.chmodSync(path.join(this.secretsDir, ENV.drillServerPassword), fs.statSync(path.join(this.secretsDir, ENV.minioSecretKey)).mode);
        for (const name of drillFiles(this.settings)) env[`${name}_FILE`] = this.secretPath(name);
        return env;
    }

    /** `docker run` arguments that give the image this environment and the credential files (layout "image"). */
    dockerArgs(extra: Record<string, string | undefined> = {}): string[] {
        const env = { ...this.baseEnv, ...extra };
        const flags = Object.entries(env).filter(([, value]) => value !== undefined).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
        return [...flags, "-v", `${this.secretsDir}:${IMAGE.secretsDir}:ro`];
    }

    /** Every secret this harness handed the agent, to prove none is printed. */
    secretValues(): string[] {
        return fs.readdirSync(this.secretsDir)
            .filter((name) => name !== ENV.caCertificate && name !== ENV.minioAccessKey && name !== ENV.restoreAccessKey)
            .map((name) => fs.readFileSync(path.join(this.secretsDir, name), "utf8"));
    }

    /** The archives' exports as sqlpackage (the double) received them. */
    sqlpackageCalls(): string[][] {
        if (!fs.existsSync(this.argvFile)) return [];
        return fs.readFileSync(this.argvFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as string[]);
    }

    remove(): void {
        fs.rmSync(this.work, { recursive: true, force: true });
    }
}

/** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await predicate()) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
