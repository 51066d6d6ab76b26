/**
 * The multi-language schema as other languages need it. Pulumi's analyzer
 * (@pulumi/pulumi/provider/experimental) derives the schema from the TypeScript
 * types, but it reads no TSDoc tags and knows no secrets or integers, so the schema
 * it gives would put passwords in plain state of a Python program, hide every
 * deprecation, type counts and ports as floats, carry TypeScript-only provider
 * objects, and name Python's input classes `DatabaseArgsArgs`. This module corrects
 * that from the TypeScript sources' own tags, as pure functions over the schema.
 */
import * as ts from "typescript";

/** The parts of a Pulumi package schema this module reads and writes. */
export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    description?: string;
    secret?: boolean;
    deprecationMessage?: string;
    plain?: boolean;
    optional?: boolean;
}

export interface SchemaObject {
    description?: string;
    type?: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name?: string; value: unknown; description?: string }[];
}

export interface SchemaResource {
    description?: string;
    isComponent?: boolean;
    inputProperties?: Record<string, SchemaProperty>;
    requiredInputs?: string[];
    properties?: Record<string, SchemaProperty>;
    required?: string[];
}

export interface PackageSchema {
    name: string;
    version?: string;
    description?: string;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaObject>;
    language?: Record<string, Record<string, unknown>>;
    dependencies?: unknown[];
    [key: string]: unknown;
}

/** TSDoc tags of one member: `Owner.member` -> the tags that matter to the schema. */
export interface MemberTags {
    /** `@secret`: the value is sensitive; SDKs keep it secret in state. */
    secret: boolean;
    /** `@deprecated <message>`: the message, or the member's own description without one. */
    deprecated?: string;
    /** `@typeScriptOnly`: a value other languages cannot give (a provider object). */
    typeScriptOnly: boolean;
}

/**
 * Reads the tags of every member of every interface and class in `files`, inherited
 * members included (`DatabaseArgs` has the `password` of the interface it extends),
 * keyed `Owner.member`.
 */
export function readMemberTags(files: string[]): Map<string, MemberTags> {
    const program = ts.createProgram(files, { noEmit: true, strict: true });
    const checker = program.getTypeChecker();
    const tags = new Map<string, MemberTags>();
    const tagsOf = (declaration: ts.Declaration): MemberTags | undefined => {
        const all = ts.getJSDocTags(declaration);
        const deprecatedTag = all.find((tag) => tag.tagName.text === "deprecated");
        const entry: MemberTags = {
            secret: all.some((tag) => tag.tagName.text === "secret"),
            typeScriptOnly: all.some((tag) => tag.tagName.text === "typeScriptOnly"),
        };
        if (deprecatedTag) {
            const own = ts.getTextOfJSDocComment(deprecatedTag.comment)?.trim();
            const docs = ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc).map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "");
            entry.deprecated = own || docs.join(" ").replace(/\s+/g, " ").trim() || "Deprecated.";
        }
        return entry.secret || entry.typeScriptOnly || entry.deprecated ? entry : undefined;
    };
    for (const file of files) {
        const source = program.getSourceFile(file);
        if (!source) throw new Error(`cannot read ${file}`);
        source.forEachChild((node) => {
            if (!(ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) || !node.name) return;
            const type = checker.getTypeAtLocation(node.name);
            for (const property of checker.getPropertiesOfType(type)) {
                const declaration = property.valueDeclaration ?? property.declarations?.[0];
                const entry = declaration ? tagsOf(declaration) : undefined;
                if (entry) tags.set(`${node.name.text}.${property.name}`, entry);
            }
        });
    }
    return tags;
}

/** How an analyzer type token is renamed: `DatabaseArgs` becomes `Database` (Python adds `Args` itself). */
export function renamedToken(token: string): string {
    return token.replace(/^([^:]+:[^:]+:)(\w+?)Args$/, "$1$2");
}

/** The options the SDKs are generated with. */
export interface RefineOptions {
    /** The Go module path of the generated Go SDK's package. */
    goImportBasePath: string;
    /** The TypeScript class of the component (its members' tags apply to the outputs). */
    componentClass: string;
    /** The TypeScript interface of the component's arguments (its members' tags apply to the inputs). */
    componentArgs: string;
}

/**
 * The schema with secrets and deprecations from the tags, integers for numbers
 * (every number in this package's API is a whole count, port, or number of
 * seconds or days, and validation refuses fractions), no TypeScript-only members, no
 * provider dependencies they alone needed, and input types named without `Args`.
 */
export function refineSchema(raw: PackageSchema, tags: Map<string, MemberTags>, options: RefineOptions): PackageSchema {
    const schema = JSON.parse(JSON.stringify(raw)) as PackageSchema;
    const rename = (property: SchemaProperty): void => {
        if (property.$ref?.startsWith("#/types/")) property.$ref = `#/types/${renamedToken(property.$ref.slice("#/types/".length))}`;
        if (property.type === "number") property.type = "integer";
        for (const element of [property.items, property.additionalProperties]) {
            if (!element) continue;
            // Go's code generator supports plain containers of objects, not plain objects
            // inside them: it references `DatabaseArgs` and never emits it (pulumi/pulumi#15059,
            // "only shallow plain types"). The container stays plain.
            if (element.$ref?.startsWith("#/types/")) delete element.plain;
            rename(element);
        }
    };
    const refine = (owner: string, properties: Record<string, SchemaProperty> | undefined, required: string[] | undefined): void => {
        for (const [name, property] of Object.entries(properties ?? {})) {
            const tag = tags.get(`${owner}.${name}`);
            if (tag?.typeScriptOnly) {
                delete properties![name];
                if (required?.includes(name)) throw new Error(`${owner}.${name} is TypeScript-only but required`);
                continue;
            }
            if (property.$ref && !property.$ref.startsWith("#/")) {
                throw new Error(`${owner}.${name} refers to another package (${property.$ref}): tag it @typeScriptOnly or give it a plain type`);
            }
            rename(property);
            if (tag?.secret) property.secret = true;
            if (tag?.deprecated) property.deprecationMessage = tag.deprecated;
        }
    };
    for (const [token, resource] of Object.entries(schema.resources)) {
        if (!token.endsWith(`:${options.componentClass}`)) throw new Error(`unexpected resource ${token}`);
        refine(options.componentArgs, resource.inputProperties, resource.requiredInputs);
        refine(options.componentClass, resource.properties, resource.required);
    }
    const types: Record<string, SchemaObject> = {};
    for (const [token, type] of Object.entries(schema.types)) {
        refine(token.split(":").pop()!, type.properties, type.required);
        if (type.type === "number") type.type = "integer";
        const renamed = renamedToken(token);
        if (types[renamed]) throw new Error(`${token} and another type both become ${renamed}`);
        types[renamed] = type;
    }
    schema.types = types;
    delete schema.dependencies;
    schema.language = {
        ...schema.language,
        go: { ...(schema.language?.go ?? {}), importBasePath: options.goImportBasePath },
    };
    return schema;
}

/** Every property of the schema with its owner, for checks over the whole schema. */
export function allProperties(schema: PackageSchema): { owner: string; name: string; property: SchemaProperty }[] {
    const result: { owner: string; name: string; property: SchemaProperty }[] = [];
    for (const [token, resource] of Object.entries(schema.resources)) {
        for (const [name, property] of Object.entries(resource.inputProperties ?? {})) result.push({ owner: `${token}(inputs)`, name, property });
        for (const [name, property] of Object.entries(resource.properties ?? {})) result.push({ owner: `${token}(outputs)`, name, property });
    }
    for (const [token, type] of Object.entries(schema.types)) {
        for (const [name, property] of Object.entries(type.properties ?? {})) result.push({ owner: token, name, property });
    }
    return result;
}
