/**
 * Program cost: constructing SqlServerBackup under Pulumi's mocked engine for 1, 10
 * and 100 databases, until every registration has settled.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlServerBackup } from "../components";

export interface ProgramSample {
    databases: number;
    milliseconds: number[];
    resources: number;
    images: number;
}

async function once(databases: number): Promise<{ ms: number; resources: number; images: number }> {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push(args.type);
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(args.type.includes("RandomPassword") ? { result: "x".repeat(40) } : {}) } };
            },
            call: (args) => args.inputs,
        },
        "bench",
        "bench",
        false,
    );
    const started = process.hrtime.bigint();
    const backup = new SqlServerBackup("bench", {
        databases: Array.from({ length: databases }, (_, i) => ({ name: `db${i}`, host: "sql", database: `Db${i}`, password: pulumi.secret("pw") })),
        storage: { endpoint: "http://minio:9000", admin: { user: "admin", password: "adminpass" } },
        image: { build: {} },
        target: { docker: {} },
    });
    await new Promise<void>((resolve) => backup.commands.apply(() => resolve()));
    let seen = -1;
    while (seen !== registered.length) {
        seen = registered.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6 - 20; // minus the last idle wait
    return { ms, resources: registered.length, images: registered.filter((t) => t === "docker:index/image:Image").length };
}

export async function programCost(counts: number[], runs: number): Promise<ProgramSample[]> {
    const results: ProgramSample[] = [];
    for (const databases of counts) {
        const milliseconds: number[] = [];
        let resources = 0;
        let images = 0;
        for (let i = 0; i < runs; i++) {
            const sample = await once(databases);
            milliseconds.push(sample.ms);
            resources = sample.resources;
            images = sample.images;
        }
        results.push({ databases, milliseconds, resources, images });
    }
    return results;
}
