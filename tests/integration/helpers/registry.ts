import * as fs from "fs";
import * as path from "path";
import { ServerProcess, freePort } from "./s3server";

/** CNCF Distribution's registry (built from source) on 127.0.0.1, filesystem storage. */
export class Registry extends ServerProcess {
    get endpoint(): string {
        return `127.0.0.1:${this.port}`;
    }

    private bin = "";

    async start(bin: string): Promise<void> {
        this.bin = bin;
        if (this.port === 0) this.port = await freePort();
        const config = path.join(this.dataDir, "config.yml");
        fs.writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(this.dataDir, "blobs")}\nhttp:\n  addr: 127.0.0.1:${this.port}\n`);
        await this.spawnServer(bin, ["serve", config], {}, async () => (await fetch(`http://${this.endpoint}/v2/`)).ok);
    }

    /** Starts it again after stop(): the same port and images. */
    async restart(): Promise<void> {
        await this.start(this.bin);
    }
}
