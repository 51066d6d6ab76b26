import { ChildProcess, spawn } from "child_process";
import { goProgram } from "../../goProgram";
import { freePort } from "./s3server";

/** The s3-proxy-double binary (tests/doubles/s3-proxy-double), built once per test process. */
function proxyBinary(): string {
    return goProgram("tests/doubles/s3-proxy-double", "s3-proxy-double");
}

/**
 * A TEST DOUBLE of an S3 server with faults (tests/doubles/s3-proxy-double): a proxy in
 * front of a real one that can ignore If-None-Match (as SeaweedFS before 3.97 and
 * versitygw before 1.2 do), answer 503 to the requests a pattern matches for a while,
 * slow uploads down, and lose a response after passing its request on.
 */
export class S3ProxyDouble {
    private child?: ChildProcess;
    private output = "";
    port = 0;

    constructor(
        private readonly upstream: string,
        private readonly keys: Record<string, string>,
        private readonly options: { ignoreIfNoneMatch?: boolean } = {},
    ) {}

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        this.port = await freePort();
        const keys = Object.entries(this.keys).map(([access, secret]) => `${access}=${secret}`).join(",");
        const args = ["-listen", `127.0.0.1:${this.port}`, "-upstream", this.upstream, "-keys", keys];
        if (this.options.ignoreIfNoneMatch) args.push("-ignore-if-none-match");
        this.child = spawn(proxyBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
        this.child.stdout?.on("data", (chunk) => (this.output += chunk));
        this.child.stderr?.on("data", (chunk) => (this.output += chunk));
        const deadline = Date.now() + 15000;
        while (Date.now() < deadline) {
            try {
                if ((await fetch(`${this.endpoint}/__double/log`)).ok) return;
            } catch {
                /* not listening yet */
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`s3-proxy-double did not start:\n${this.output}`);
    }

    private async control(what: string, params: Record<string, string>): Promise<void> {
        const response = await fetch(`${this.endpoint}/__double/${what}?${new URLSearchParams(params)}`, { method: "POST" });
        if (!response.ok) throw new Error(`s3-proxy-double ${what}: ${await response.text()}`);
    }

    /** Answers 503 SlowDown to requests whose "METHOD /path?query" matches, for seconds. */
    fail(match: string, seconds: number): Promise<void> {
        return this.control("fail", { match, seconds: String(seconds) });
    }

    /** Passes request bodies on at this rate (0: at full speed). */
    throttle(bytesPerSecond: number): Promise<void> {
        return this.control("throttle", { bytesPerSecond: String(bytesPerSecond) });
    }

    /** Passes the next `times` matching requests on and answers each with 500, as if the reply were lost. */
    lose(match: string, times = 1): Promise<void> {
        return this.control("lose", { match, times: String(times) });
    }

    /** The requests seen so far, one "METHOD /path?query" per entry. */
    async requests(): Promise<string[]> {
        return (await (await fetch(`${this.endpoint}/__double/log`)).text()).split("\n").filter(Boolean);
    }

    async stop(): Promise<void> {
        const child = this.child;
        if (!child || child.exitCode !== null) return;
        await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
        });
    }
}
