/**
 * `npm run schema`: writes schema.json, the package schema other languages get
 * (`pulumi package add`, `pulumi package gen-sdk schema.json`) and the component
 * provider serves (components/provider/host.ts). Pulumi's analyzer reads the
 * TypeScript arguments; refine.ts adds what it cannot see. The unit tier fails when
 * the committed file differs from what this writes.
 */
import * as fs from "fs";
import * as path from "path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { PackageSchema, readMemberTags, refineSchema } from "./refine";

const REPO = path.resolve(__dirname, "../..");
/** Where the schema is written: shipped in the npm package next to PulumiPlugin.yaml. */
export const SCHEMA_FILE = path.join(REPO, "schema.json");
/** The Go SDK's package path (the generated SDK's own go.mod names it). */
export const GO_IMPORT_BASE_PATH = "github.com/sqlserver-backup/sqlserver-backup/sdk/go/sqlserverbackup";

/** The schema as the analyzer derives it from the sources, without refinement. */
export function analyzedSchema(): PackageSchema {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const packageJson = require(path.join(REPO, "package.json")) as { name: string; version: string; description: string };
    const result = new Analyzer(REPO, packageJson.name, packageJson, new Set(["SqlServerBackup"])).analyze();
    return generateSchema(packageJson.name, packageJson.version, packageJson.description, result.components, result.typeDefinitions, result.dependencies) as unknown as PackageSchema;
}

/** The schema as shipped: analyzed, then refined from the sources' tags. */
export function packageSchema(): PackageSchema {
    const tags = readMemberTags([path.join(REPO, "components/args/types.ts"), path.join(REPO, "components/sqlServerBackup.ts")]);
    return refineSchema(analyzedSchema(), tags, { goImportBasePath: GO_IMPORT_BASE_PATH, componentClass: "SqlServerBackup", componentArgs: "SqlServerBackupArgs" });
}

/** The file's text: stable key order as generated, two-space indent, a final newline. */
export function schemaText(schema: PackageSchema): string {
    return JSON.stringify(schema, null, 2) + "\n";
}

if (require.main === module) {
    fs.writeFileSync(SCHEMA_FILE, schemaText(packageSchema()));
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
