/**
 * The times a restore's `before:<time>` accepts, exactly the agent's forms
 * (image/agent/internal/restore/request.go beforeLayouts): RFC 3339, or a time or a
 * date read in the schedule's time zone. Checked at preview, so a request the agent
 * would refuse never uses up its restore id.
 */
const FORMS: { pattern: RegExp; example: string }[] = [
    { pattern: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, example: "2026-11-23T02:30:00Z" },
    { pattern: /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/, example: "2026-11-23T03:30" },
    { pattern: /^(\d{4})-(\d{2})-(\d{2})$/, example: "2026-11-23" },
];

/** Why `text` is not a time `before:` accepts, or undefined. */
export function beforeTimeProblem(text: string): string | undefined {
    const help = "use RFC 3339 (2026-11-23T02:30:00Z), a time in the schedule's time zone (2026-11-23T03:30) or a date (2026-11-23)";
    for (const { pattern } of FORMS) {
        const m = pattern.exec(text);
        if (!m) continue;
        const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
        const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
        const date = new Date(Date.UTC(year, month - 1, day));
        const dayExists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
        if (!dayExists || hour > 23 || minute > 59 || second > 59) return `"${text}" is not a valid date or time; ${help}.`;
        return undefined;
    }
    return `"${text}" is not a time; ${help}.`;
}
