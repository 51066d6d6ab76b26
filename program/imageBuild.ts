/**
 * The image build's sources from stack config, for air-gapped and mirrored machines:
 * the base and Go builder images, the Go module proxy and the two pinned downloads.
 * A download is given whole (version, link and SHA-256) or not at all.
 */
import { ImageArgs, ImageBuildArgs, PinnedDownload } from "../components";

/** How the program reads a string key of its stack config. */
export type ConfigGetter = (key: string) => string | undefined;

/** Keys of one pinned download: `<tool>Version`, `<tool>Url`, `<tool>Sha256`. */
function download(get: ConfigGetter, tool: "sqlpackage" | "gobackup"): PinnedDownload | undefined {
    const fields = { version: get(`${tool}Version`), url: get(`${tool}Url`), sha256: get(`${tool}Sha256`) };
    const given = Object.values(fields).filter((value) => value !== undefined).length;
    if (given === 0) return undefined;
    if (given < 3) {
        throw new Error(`config ${tool}Version, ${tool}Url and ${tool}Sha256 go together (your mirror's copy, pinned): set all three, or none for the register's pin.`);
    }
    return fields as PinnedDownload;
}

/** The image a deployment runs: `imageRef`, else a build from image/ with any mirrors the stack names. */
export function imageFromConfig(get: ConfigGetter): ImageArgs {
    const ref = get("imageRef");
    if (ref) return { ref };
    const build: ImageBuildArgs = {};
    const network = get("imageBuildNetwork");
    if (network) build.network = network;
    for (const key of ["baseImage", "goBuilderImage", "goProxy"] as const) {
        const value = get(key);
        if (value) build[key] = value;
    }
    const sqlpackage = download(get, "sqlpackage");
    if (sqlpackage) build.sqlpackage = sqlpackage;
    const gobackup = download(get, "gobackup");
    if (gobackup) build.gobackup = gobackup;
    return { build };
}
