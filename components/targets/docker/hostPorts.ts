import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/**
 * Host ports the Docker targets of one Pulumi program publish, per Docker host: two
 * components publishing one metrics port on one host would fail at `up` (the second
 * container cannot bind it), so the second is refused at construction, naming the
 * first. Kept per program run (per resource monitor) and per provider (one host each).
 */
const published = new WeakMap<object, Map<docker.Provider | "ambient", Map<string, string>>>();
const noMonitor = {};

/** Records `component`'s port on its host; a problem message when another component has it. */
export function claimHostPort(component: string, provider: docker.Provider | undefined, address: string, port: number): string | undefined {
    const monitor = (pulumi.runtime.getMonitor() as object | undefined) ?? noMonitor;
    let hosts = published.get(monitor);
    if (!hosts) published.set(monitor, (hosts = new Map()));
    const host = provider ?? "ambient";
    let ports = hosts.get(host);
    if (!ports) hosts.set(host, (ports = new Map()));
    const key = `${address}:${port}`;
    const holder = ports.get(key) ?? ports.get(`0.0.0.0:${port}`) ?? (address === "0.0.0.0" ? [...ports].find(([k]) => k.endsWith(`:${port}`))?.[1] : undefined);
    if (holder !== undefined && holder !== component) {
        return `${port} on ${address} is already published on this Docker host by SqlServerBackup "${holder}": give each component its own metrics port.`;
    }
    ports.set(key, component);
    return undefined;
}
