import { X509Certificate } from "crypto";
/**
 * Single-value rules. Each returns why a value cannot be used (a sentence that says
 * what is allowed), or undefined. Messages never repeat a secret value.
 *
 * Two facts of GoBackup v3 (config/config.go and database/mssql.go) drive most of them:
 * - the whole config file goes through Go's os.ExpandEnv, so a `$` in any literal
 *   value is replaced (there is no escape);
 * - the sqlpackage command is one string split on whitespace, without quoting.
 */

const CONTROL = /\p{Cc}/u;
const WHITESPACE = /\s/u;

/** Rules shared by every value that ends up in GoBackup's sqlpackage command line. */
function commandWordProblem(value: string): string | undefined {
    if (value.length === 0) return "must not be empty.";
    if (WHITESPACE.test(value)) {
        return "must not contain whitespace: GoBackup splits its sqlpackage command on whitespace without quoting.";
    }
    if (CONTROL.test(value)) return "must not contain control characters.";
    if (value.includes("$")) {
        return "must not contain `$`: GoBackup expands `$NAME` everywhere in its config file and has no escape.";
    }
    return undefined;
}

export function logicalNameProblem(name: string): string | undefined {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(name)) {
        return `"${name}" must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter ` +
            "(it names the GoBackup model, which GoBackup lower-cases, and an environment variable).";
    }
    return undefined;
}

export function hostProblem(host: string): string | undefined {
    const word = commandWordProblem(host);
    if (word) return word;
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$/.test(host)) {
        return `"${host}" must be a host name or IP address (letters, digits, ".", "-", "_", or [IPv6]); ` +
            "give the port in `port`, not after a comma or colon.";
    }
    return undefined;
}

export function portProblem(port: number): string | undefined {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `${port} must be a whole number from 1 to 65535.`;
    return undefined;
}

export function databaseNameProblem(database: string): string | undefined {
    const word = commandWordProblem(database);
    if (word) return word;
    if (/^\[.*\]$/.test(database) || database.includes("[") || database.includes("]")) {
        return `"${database}" must be the name without brackets (${database.replace(/[[\]]/g, "")}): sqlpackage quotes it itself.`;
    }
    if (database.length > 128) return "must be at most 128 characters (SQL Server's identifier limit).";
    if (/[/\\]/.test(database)) return "must not contain / or \\: sqlpackage writes it as a file name <database>.bacpac.";
    return undefined;
}

export function usernameProblem(username: string): string | undefined {
    const word = commandWordProblem(username);
    if (word) return word;
    if (username.includes("\\")) {
        return `"${username}" is a Windows login: sqlpackage's /SourceUser and /TargetUser are SQL Server authentication only; create a SQL login (CREATE LOGIN ... WITH PASSWORD) for the backups.`;
    }
    return undefined;
}

/** What GoBackup splits its sqlpackage command on: Go's regexp `[\s]+`, which is ASCII `[\t\n\f\r ]`. */
const GO_COMMAND_SPACE = /[\t\n\f\r ]/;
/**
 * What GoBackup's YAML loader (libyaml's rules) refuses or folds inside a quoted
 * string: C0 and C1 control characters other than tab, DEL, the non-characters
 * U+FFFE and U+FFFF, unpaired surrogates, and the line breaks NEL, LS and PS.
 */
const YAML_UNSAFE = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\u2028\u2029\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A secret reaches GoBackup as `"${NAME}"` in a double-quoted YAML string: Go inserts
 * the value verbatim (it is not expanded again), then YAML parses it. So `$` and `'`
 * are safe; a double quote ends the string, a backslash starts a YAML escape, a
 * character YAML refuses fails the whole config, and whitespace splits the
 * sqlpackage command. Kept in step with image/entrypoint.sh (secret_problem).
 */
export function secretProblem(secret: string): string | undefined {
    if (secret.length === 0) return "must not be empty.";
    if (GO_COMMAND_SPACE.test(secret)) {
        return "must not contain spaces, tabs or line breaks: GoBackup splits its sqlpackage command on them, so the password would be cut.";
    }
    if (YAML_UNSAFE.test(secret)) {
        return "must not contain control characters, U+2028/U+2029 or U+FFFE/U+FFFF: GoBackup's YAML config cannot hold them.";
    }
    if (secret.includes('"')) {
        return "must not contain a double quote (\"): GoBackup pastes the value into a double-quoted YAML string, which it would end.";
    }
    if (secret.includes("\\")) {
        return "must not contain a backslash (\\): GoBackup pastes the value into a double-quoted YAML string, where it starts an escape sequence.";
    }
    return undefined;
}

/** sqlpackage arguments the component sets itself from typed fields. */
const OWNED_ARGUMENTS: Record<string, string> = {
    "/action": "the component runs /Action:Export",
    "/a": "the component runs /Action:Export",
    "/sourceservername": "use host and port",
    "/ssn": "use host and port",
    "/sourcedatabasename": "use database",
    "/sdn": "use database",
    "/sourceuser": "use username",
    "/su": "use username",
    "/sourcepassword": "use password",
    "/sp": "use password",
    "/sourcetrustservercertificate": "use trustServerCertificate",
    "/stsc": "use trustServerCertificate",
    "/targetfile": "GoBackup chooses the file",
    "/tf": "GoBackup chooses the file",
    "/sourceconnectionstring": "use host, port, database, username and password",
    "/scs": "use host, port, database, username and password",
};

export function extraArgProblem(arg: string): string | undefined {
    const word = commandWordProblem(arg);
    if (word) return word;
    if (!/^\/[A-Za-z][A-Za-z0-9]*(:.*)?$/.test(arg)) {
        return `"${arg}" must be one sqlpackage argument of the form /Name:value or /p:Property=Value.`;
    }
    const name = arg.split(":")[0].toLowerCase();
    const owned = OWNED_ARGUMENTS[name];
    if (owned) return `"${arg.split(":")[0]}" is set by the component: ${owned}.`;
    const property = /^\/p:([A-Za-z]+)=(.*)$/i.exec(arg);
    if (property) {
        const allowed = PROPERTY_VALUES[property[1].toLowerCase()];
        if (allowed && !allowed.some((v) => v.toLowerCase() === property[2].toLowerCase())) {
            return `"${arg}": sqlpackage's ${property[1]} takes ${allowed.join(", ")}.`;
        }
    }
    return undefined;
}

/** Export properties with a fixed set of values (sqlpackage's documentation). */
const PROPERTY_VALUES: Record<string, string[]> = {
    compressionoption: ["Normal", "Maximum", "Fast", "SuperFast", "NotCompressed"],
    verifyextraction: ["True", "False"],
    verifyfullbuild: ["True", "False"],
    ignorepermissions: ["True", "False"],
    ignoreuserloginmappings: ["True", "False"],
    storage: ["File", "Memory"],
};

export function endpointProblem(endpoint: string): string | undefined {
    const allowed = 'must be the URL of the S3 API with scheme and no path, e.g. "http://minio:9000"';
    if (endpoint.includes("$")) return `${allowed}; it must not contain \`$\` (GoBackup expands it).`;
    if (endpoint.trim() !== endpoint) return `"${endpoint}" ${allowed}, without leading or trailing spaces.`;
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        return `"${endpoint}" ${allowed}.`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `"${endpoint}" ${allowed} (http or https).`;
    if (url.username || url.password) return `${allowed}; credentials do not belong in it (the component makes a backup user).`;
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) return `"${endpoint}" ${allowed}.`;
    if (endpoint.endsWith("/")) return `"${endpoint}" ${allowed}: drop the trailing "/".`;
    return undefined;
}

export function serverProblem(server: string): string | undefined {
    if (!/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(server) && !/^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$/.test(server)) {
        return `"${server}" must be host:port without scheme, e.g. "localhost:9000".`;
    }
    return undefined;
}

/** A registry host with an optional port and namespace, as `docker push` names it. */
export function serverOrHostProblem(server: string): string | undefined {
    if (!/^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(server)) {
        return `"${server}" must be a registry host with an optional port and namespace, no scheme, e.g. "registry.example.com:5000" or "registry.example.com/team".`;
    }
    return undefined;
}

/** An IPv4 or IPv6 address (where Docker publishes a port). */
export function ipAddressProblem(address: string): string | undefined {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return undefined;
    if (/^[0-9a-fA-F:]+$/.test(address) && address.includes(":")) return undefined;
    return `"${address}" must be an IP address, e.g. "127.0.0.1" or "0.0.0.0".`;
}

export function regionProblem(region: string): string | undefined {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) return `"${region}" must be a region name such as "us-east-1".`;
    return undefined;
}

/** S3 bucket naming rules (MinIO enforces the same). */
export function bucketNameProblem(bucket: string): string | undefined {
    const rules = "3-63 lower-case letters, digits, \".\" and \"-\", starting and ending with a letter or digit";
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return `"${bucket}" must be ${rules}.`;
    if (bucket.includes("..") || bucket.includes(".-") || bucket.includes("-.")) {
        return `"${bucket}" must not contain "..", ".-" or "-.".`;
    }
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return `"${bucket}" must not look like an IP address.`;
    if (bucket.startsWith("xn--") || bucket.endsWith("-s3alias")) return `"${bucket}" must not start with "xn--" or end with "-s3alias".`;
    return undefined;
}

/** The key prefix is both a path in GoBackup's config and a resource in the IAM policy. */
export function prefixProblem(prefix: string): string | undefined {
    const rule = 'must be segments of letters, digits, ".", "_" or "-" joined by "/", without leading or trailing "/", e.g. "backups/sqlserver"';
    if (prefix.length === 0 || prefix.length > 512) return `${rule} (1-512 characters).`;
    const segments = prefix.split("/");
    if (segments.some((segment) => !/^[A-Za-z0-9._-]+$/.test(segment))) return `"${prefix}" ${rule}.`;
    if (segments.some((segment) => segment === "." || segment === "..")) return `"${prefix}" must not contain "." or ".." segments.`;
    return undefined;
}

/** Whole number within [min, max]. */
export function wholeNumberProblem(value: number, min: number, max: number): string | undefined {
    if (!Number.isInteger(value) || value < min || value > max) return `${value} must be a whole number from ${min} to ${max}.`;
    return undefined;
}

/**
 * A deployment id (the owner recorded in each bucket folder): 1-256 printable
 * characters, no leading or trailing space.
 */
export function deploymentIdProblem(id: string): string | undefined {
    if (typeof id !== "string" || id.length < 1 || id.length > 256 || /[\u0000-\u001f\u007f]/.test(id) || id.trim() !== id) {
        return "must be 1-256 printable characters without leading or trailing spaces, e.g. `shop/prod/orders`.";
    }
    return undefined;
}

/** MinIO user names double as access key ids. */
export function userNameProblem(name: string): string | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/.test(name)) {
        return `"${name}" must be 3-64 letters, digits, ".", "_" or "-", starting with a letter or digit.`;
    }
    return undefined;
}

/**
 * The part of a database name its password variable is made of: `orders-eu` gives
 * MSSQL_PASSWORD_ORDERS_EU. Two names with the same suffix would share a variable.
 */
export function variableSuffix(databaseName: string): string {
    return databaseName.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Why a user-given pinned download cannot be used, or undefined. */
export function pinProblem(download: { version: string; url: string; sha256: string }): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(download.sha256)) return "sha256 must be 64 lower-case hex digits; the image never installs an unverified download.";
    if (!/^https?:\/\/\S+$/.test(download.url)) return "url must be an http(s) link.";
    if (!/^[0-9A-Za-z][0-9A-Za-z.+_:-]*$/.test(download.version)) return "version must be set (it is recorded in the image's labels).";
    return undefined;
}

/** An image reference Docker and Kubernetes pull: a name with a tag or, better, a digest. */
/**
 * Virtual-hosted addressing puts the bucket in front of the endpoint's host
 * (`<bucket>.<host>`): an IP address or a single-label name (`minio`) cannot take it.
 */
export function virtualHostProblem(endpoint: string): string | undefined {
    let host: string;
    try {
        host = new URL(endpoint).hostname;
    } catch {
        return undefined;
    }
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[")) {
        return `cannot be false with an endpoint at an IP address (${host}): virtual-hosted addressing sends <bucket>.${host}, which no DNS resolves. Use pathStyle: true (MinIO and most self-hosted servers).`;
    }
    if (!host.includes(".")) {
        return `cannot be false with the single-label host "${host}": <bucket>.${host} resolves nowhere. Use pathStyle: true, or an endpoint whose domain has a wildcard DNS record for buckets.`;
    }
    return undefined;
}

/** A PEM bundle whose every CERTIFICATE block parses as an X.509 certificate. */
export function pemCertificatesProblem(pem: string): string | undefined {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) {
        return "must be PEM certificate(s) (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----) of the certificate authority the endpoint's certificate chains to.";
    }
    for (const [i, block] of blocks.entries()) {
        try {
            new X509Certificate(block);
        } catch (err) {
            return `holds a block ${i + 1} between certificate markers that is not an X.509 certificate (${(err as Error).message}): paste the CA's certificate, as openssl x509 -in ca.pem prints it.`;
        }
    }
    return undefined;
}

/** A Docker repository name (distribution/reference): lower-case components joined by "/". */
export function repositoryNameProblem(name: string): string | undefined {
    if (!/^[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/.test(name)) {
        return `"${name}" must be a Docker repository name: lower-case letters, digits and single separators (".", "_", "-"), components joined by "/", e.g. "sqlserver-backup" or "team/sqlserver-backup".`;
    }
    return undefined;
}

/** GOPROXY as the go command reads it: URLs with a scheme, or direct/off, joined by "," or "|". */
export function goProxyProblem(proxy: string): string | undefined {
    for (const entry of proxy.split(/[,|]/)) {
        if (entry === "direct" || entry === "off") continue;
        if (!/^(https?|file):\/\/\S+$/.test(entry)) {
            return `"${proxy}": "${entry}" is not a proxy the go command accepts: give each as a URL with its scheme (https://goproxy.example.com), or direct or off, joined by "," or "|".`;
        }
    }
    return undefined;
}

/** The Dockerfile's final stage installs with apt-get: its base must be Debian or Ubuntu. */
export function aptBaseImageProblem(ref: string): string | undefined {
    const repository = ref.replace(/@.*$/, "").replace(/:[^/]*$/, "");
    const name = repository.split("/").pop() ?? "";
    if (!/^(ubuntu|debian)$/.test(name)) {
        return `"${ref}" must be an Ubuntu or Debian image (a repository named ubuntu or debian, e.g. a mirror's library/ubuntu): image/Dockerfile installs sqlpackage's libraries with apt-get.`;
    }
    return undefined;
}

/** `docker build --add-host` entries: `host:ip`. */
export function addHostProblem(entry: string): string | undefined {
    const at = entry.indexOf(":");
    const host = entry.slice(0, at);
    const address = entry.slice(at + 1);
    if (at < 1 || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host) || ipAddressProblem(address) !== undefined) {
        return `"${entry}" must be host:ip, as docker build --add-host takes it, e.g. "mirror.internal:10.0.0.5".`;
    }
    return undefined;
}

/**
 * A reference a cluster can pull: it names a registry host (a first component with a
 * "." or ":", or localhost), or a Docker Hub namespace; a bare name:tag is a local build.
 */
export function clusterImageProblem(ref: string): string | undefined {
    const first = ref.split("/")[0];
    const registry = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    if (!registry && !ref.includes("/")) {
        return `"${ref}" names no registry: the cluster would pull it from Docker Hub's library (docker.io/library/${ref.split(/[:@]/)[0]}). Give the registry it was pushed to, e.g. registry.example.com/sqlserver-backup@sha256:...`;
    }
    return undefined;
}

export function imageReferenceProblem(ref: string): string | undefined {
    if (!/^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$/.test(ref) || !/(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/.test(ref)) {
        return `"${ref}" must be an image reference with a tag or, better, a digest (registry/name@sha256:...).`;
    }
    return undefined;
}

/**
 * A size as Docker's json-file log driver reads max-size (docker/go-units RAMInBytes:
 * `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`), and positive.
 */
export function logSizeProblem(size: string): string | undefined {
    const m = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(size);
    if (!m || Number(m[1].split(".").slice(0, 2).join(".")) <= 0) return `"${size}" must be a positive size as Docker reads it, e.g. "10m" or "1g".`;
    return undefined;
}

/** Docker network names as `docker network create` accepts them (or an id). */
export function dockerNetworkProblem(name: string): string | undefined {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return `"${name}" must be a Docker network name or id: letters, digits, "_", "." or "-", starting with a letter or digit.`;
    return undefined;
}

/** Docker container and volume names (the engine's own rule). */
export function dockerNameProblem(name: string): string | undefined {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return `"${name}" must be letters, digits, "_", "." or "-", starting with a letter or digit.`;
    return undefined;
}

export function cidrProblem(cidr: string): string | undefined {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (v4 && v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32) return undefined;
    if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr) && cidr.includes(":")) return undefined;
    return `"${cidr}" must be a CIDR block such as "10.0.5.0/24".`;
}
