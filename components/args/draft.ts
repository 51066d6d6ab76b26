/**
 * What validation sees at construction time: plain values as they are, and a
 * sentinel for every value that is still a Pulumi Output (checked again once it
 * resolves).
 */

/** Sentinel for a value not known at construction time (an Output), checked again once it resolves. */
export const UNKNOWN: unique symbol = Symbol("unknown until the Output resolves");
export type Unknown = typeof UNKNOWN;

/** `T` with every leaf possibly {@link UNKNOWN}: what validation sees at construction time. */
export type Draft<T> = [T] extends [string | number | boolean]
    ? T | Unknown
    : T extends (infer E)[]
      ? Draft<E>[] | Unknown
      : { [K in keyof T]: Draft<T[K]> };

/** True when a draft value is known. */
export function isKnown<T>(value: T | Unknown): value is T {
    return value !== UNKNOWN;
}
