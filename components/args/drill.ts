/**
 * The drill argument's vocabulary, shared by its validation and its plan: the checks,
 * the default database name template and how it renders, as the agent's `drill` reads
 * them (image/agent/internal/restore/drillrequest.go).
 */

/** The checks a drill can run after the import (the agent's CheckDBCC and CheckTotals). */
export const DRILL_CHECKS = ["checkdb", "totals"] as const;

/** The default name of a drill's database (`{timestamp}`: the drill's start, UTC). */
export const DEFAULT_DRILL_TEMPLATE = "{database}_drill_{timestamp}";

/** A drill database's name as SQL Server takes it unquoted, and as the agent checks it. */
export const DRILL_DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_@#$-]{0,127}$/;

/** A drill database's name from its template, `{timestamp}` as the agent writes it (`20261206T060000Z`). */
export function drillDatabaseName(template: string, database: string, timestamp: string): string {
    return template.replaceAll("{database}", database).replaceAll("{timestamp}", timestamp);
}
