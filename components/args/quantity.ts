/**
 * Kubernetes quantities (`250m`, `1Gi`, `1.5e3`) read as k8s.io/apimachinery's
 * resource.ParseQuantity reads them (pkg/api/resource/quantity.go parseQuantityString,
 * suffix.go interpret): a signed decimal number, then a binary (Ki..Ei), decimal (n, u,
 * m, k, M, G, T, P, E) or exponent (e3, E-3) suffix, nothing else. The repository's
 * engine tier (tests/engine, not in the npm package) compares this port with the real
 * function on a differential corpus.
 */

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { "": 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SUFFIX_LETTERS = "eEinumkKMGTP";

/** A parsed quantity; `value` in base units (approximate: for comparisons, not arithmetic). */
export interface Quantity {
    text: string;
    value: number;
}

/** parseQuantityString: sign, numerator, denominator, suffix; undefined where it returns ErrFormatWrong. */
function split(str: string): { positive: boolean; num: string; denom: string; suffix: string } | undefined {
    let positive = true;
    let pos = 0;
    const end = str.length;
    if (pos < end && (str[0] === "-" || str[0] === "+")) {
        positive = str[0] !== "-";
        pos++;
    }
    while (pos < end && str[pos] === "0") pos++;
    if (pos >= end) return { positive, num: "0", denom: "", suffix: "" };
    let start = pos;
    while (pos < end && str[pos] >= "0" && str[pos] <= "9") pos++;
    let num = str.slice(start, pos);
    if (pos >= end) return { positive, num, denom: "", suffix: "" };
    if (num === "") num = "0";
    let denom = "";
    if (str[pos] === ".") {
        pos++;
        start = pos;
        while (pos < end && str[pos] >= "0" && str[pos] <= "9") pos++;
        denom = str.slice(start, pos);
        if (pos >= end) return { positive, num, denom, suffix: "" };
    }
    const suffixStart = pos;
    while (pos < end && SUFFIX_LETTERS.includes(str[pos])) pos++;
    if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
    if (str[pos] === "-" || str[pos] === "+") pos++;
    while (pos < end && str[pos] >= "0" && str[pos] <= "9") pos++;
    if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
    return undefined;
}

/** suffixHandler.interpret: base and exponent of a suffix, undefined for an unknown one. */
function interpret(suffix: string): { base: number; exponent: number } | undefined {
    if (suffix in DECIMAL) return { base: 10, exponent: DECIMAL[suffix] };
    if (suffix in BINARY) return { base: 2, exponent: BINARY[suffix] };
    if (suffix.length > 1 && (suffix[0] === "E" || suffix[0] === "e") && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
        return { base: 10, exponent: Number(suffix.slice(1)) };
    }
    return undefined;
}

/** The quantity, or undefined where resource.ParseQuantity refuses the text. */
export function parseQuantity(text: string): Quantity | undefined {
    if (text.length === 0) return undefined;
    if (text === "0") return { text, value: 0 };
    const parts = split(text);
    if (!parts) return undefined;
    const scale = interpret(parts.suffix);
    if (!scale) return undefined;
    const magnitude = Number(`${parts.num}.${parts.denom || "0"}`) * Math.pow(scale.base, scale.exponent);
    return { text, value: parts.positive ? magnitude : -magnitude };
}

/** Why a container's cpu or memory quantity cannot be used, or undefined. */
export function quantityProblem(text: string, kind: "cpu" | "memory" | "storage"): string | undefined {
    const example = kind === "cpu" ? '"250m" or "1"' : '"512Mi" or "10Gi"';
    const quantity = parseQuantity(text);
    if (!quantity) {
        return `"${text}" is not a Kubernetes quantity: a number and a suffix (Ki, Mi, Gi, Ti binary; m, k, M, G, T decimal), no space, e.g. ${example}.`;
    }
    if (quantity.value < 0) return `"${text}" must not be negative.`;
    return undefined;
}
