import { goProgram } from "../goProgram";

/** The backup agent built from image/agent (Go is this suite's one requirement; .ci/run has it). */
export function agentBinary(): string {
    return goProgram("image/agent", "sqlserver-backup-agent");
}
