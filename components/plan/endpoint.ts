/** `http://minio:9000` -> `minio:9000` (the scheme's port when none is given); IPv6 hosts in brackets. */
export function serverFromEndpoint(endpoint: string): string {
    const url = new URL(endpoint);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    return `${url.hostname.includes(":") ? `[${url.hostname.replace(/^\[|\]$/g, "")}]` : url.hostname}:${port}`;
}

/** The TCP port of an endpoint URL. */
export function endpointPort(endpoint: string): number {
    return Number(serverFromEndpoint(endpoint).split(":").pop());
}
