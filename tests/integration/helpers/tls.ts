import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCommand } from "./exec";

/** A private certificate authority and a server certificate it signed for 127.0.0.1. */
export interface PrivateCa {
    dir: string;
    caPem: string;
    caFile: string;
    certFile: string;
    keyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
    const result = await runCommand("openssl", args, { cwd });
    if (result.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

/** Makes a CA (as an organisation's internal one) and a 127.0.0.1/localhost server certificate from it, with openssl. */
export async function makePrivateCa(): Promise<PrivateCa> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "private-ca-"));
    await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=sqlserver-backup integration CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
    fs.writeFileSync(path.join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    await openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"], dir);
    const caFile = path.join(dir, "ca.crt");
    return { dir, caPem: fs.readFileSync(caFile, "utf8"), caFile, certFile: path.join(dir, "server.crt"), keyFile: path.join(dir, "server.key") };
}
