/**
 * The plugin's entry point: Pulumi's Node.js language host runs the package directory
 * (PulumiPlugin.yaml) through @pulumi/pulumi's run-plugin, which loads package.json's
 * `main`, this file. It starts the gRPC provider server; importing the library
 * (package.json `exports`) never loads it.
 */
import { main } from "@pulumi/pulumi/provider";
import { SqlServerBackupProvider } from "./provider";

void main(new SqlServerBackupProvider(), process.argv.slice(2));
