/**
 * The component provider other languages reach through `pulumi package add`: it
 * serves the package schema (schema.json, generated from the TypeScript types with
 * secrets, deprecations and integers marked: scripts/schema) and constructs
 * SqlServerBackup from the inputs the engine sends. The schema is read from the
 * package, never derived at run time, so an installed package (JavaScript only, no
 * TypeScript sources or compiler settings) serves the same schema CI compiled SDKs from.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { SqlServerBackupArgs } from "../args/types";
import { packageRoot } from "../packageInfo";
import { SqlServerBackup } from "../sqlServerBackup";

/** The file the schema ships in, at the package root. */
export const SCHEMA_FILE_NAME = "schema.json";

interface ShippedSchema {
    name: string;
    version: string;
    resources: Record<string, { properties?: Record<string, unknown> }>;
}

/** The provider: `getSchema` and `construct`; nothing else is called for a component package. */
export class SqlServerBackupProvider implements provider.Provider {
    public readonly version: string;
    private readonly schemaText: string;
    private readonly shipped: ShippedSchema;

    constructor(schemaFile = path.join(packageRoot(), SCHEMA_FILE_NAME)) {
        this.schemaText = fs.readFileSync(schemaFile, "utf8");
        this.shipped = JSON.parse(this.schemaText) as ShippedSchema;
        this.version = this.shipped.version;
    }

    async getSchema(): Promise<string> {
        return this.schemaText;
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
        const resource = this.shipped.resources[type];
        if (!resource) throw new Error(`${this.shipped.name} has no component ${type}; it has ${Object.keys(this.shipped.resources).join(", ")}`);
        const component = new SqlServerBackup(name, inputs as unknown as SqlServerBackupArgs, options);
        // The schema's outputs, by name, as the component exposes them.
        const outputs = component as unknown as Record<string, pulumi.Input<unknown>>;
        const state = Object.fromEntries(Object.keys(resource.properties ?? {}).map((key) => [key, outputs[key]]));
        return { urn: component.urn, state };
    }
}
