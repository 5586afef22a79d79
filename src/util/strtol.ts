/**
 * Numbers read as libvirt reads them: virStrToLong_* (src/util/virstring.c)
 * over C's strtol family. Leading C white space and a sign are taken; base
 * 16 and 0 take a `0x` prefix, base 0 reads a leading `0` as octal; the whole
 * string must be digits after that; out of range is an error, except that
 * the unsigned readers without `P` take a minus sign as C does (`-1` is the
 * type's largest value).
 *
 * @example
 * ```ts
 * import { strToInt, strToUInt, strToUIntP } from "./strtol.ts";
 * strToInt(" -12"); // -12
 * strToUInt("-1"); // 4294967295
 * strToUIntP("-1"); // null
 * strToUIntP("0x1f", 16); // 31
 * ```
 *
 * @module
 */

/** A base libvirt passes: 10, 16, or 0 for C's choice (0x hex, leading 0 octal). */
export type Base = 0 | 8 | 10 | 16;

const C_SPACE = /^[ \t\n\v\f\r]*/;
const U64_MAX = (1n << 64n) - 1n;

/** strtoul/strtol over the whole string: the sign and the magnitude, or null. */
function cParse(s: string, base: Base): { neg: boolean; mag: bigint } | null {
  let i = C_SPACE.exec(s)![0].length;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  let b: number = base;
  if (
    (b === 16 || b === 0) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") &&
    /[0-9a-fA-F]/.test(s[i + 2] ?? "")
  ) {
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = s[i] === "0" ? 8 : 10;
  }
  const digits = b === 16 ? /[0-9a-fA-F]/ : b === 8 ? /[0-7]/ : /[0-9]/;
  const start = i;
  while (i < s.length && digits.test(s[i]!)) i++;
  if (i === start || i !== s.length) return null;
  let mag = 0n;
  for (const ch of s.slice(start, i)) mag = mag * BigInt(b) + BigInt(parseInt(ch, 16));
  return { neg, mag };
}

/** A signed value of `bits` bits (strtol/strtoll), or null. */
function signed(s: string, base: Base, bits: 32 | 64): bigint | null {
  const r = cParse(s, base);
  if (!r) return null;
  const lim = 1n << BigInt(bits - 1);
  if (r.neg ? r.mag > lim : r.mag >= lim) return null;
  return r.neg ? -r.mag : r.mag;
}

/**
 * An unsigned value of `bits` bits (strtoul/strtoull); a minus sign negates
 * modulo 2^bits unless `positive`, as virStrToLong_*p refuse it.
 */
function unsigned(s: string, base: Base, bits: 32 | 64, positive: boolean): bigint | null {
  const r = cParse(s, base);
  if (!r || r.mag > U64_MAX) return null;
  if (!r.neg) return r.mag <= (1n << BigInt(bits)) - 1n ? r.mag : null;
  if (positive) return null;
  // virStrToLong_ui: "-N" is taken while N fits the type, as the type's -N.
  if (r.mag > (1n << BigInt(bits)) - 1n) return null;
  return ((1n << BigInt(bits)) - r.mag) & ((1n << BigInt(bits)) - 1n);
}

/** virStrToLong_i: an int. */
export function strToInt(s: string, base: Base = 10): number | null {
  const v = signed(s, base, 32);
  return v === null ? null : Number(v);
}

/** virStrToLong_ui: an unsigned int; "-1" is 4294967295. */
export function strToUInt(s: string, base: Base = 10): number | null {
  const v = unsigned(s, base, 32, false);
  return v === null ? null : Number(v);
}

/** virStrToLong_uip: an unsigned int, no minus sign. */
export function strToUIntP(s: string, base: Base = 10): number | null {
  const v = unsigned(s, base, 32, true);
  return v === null ? null : Number(v);
}

/** virStrToLong_ll: a long long. */
export function strToLongLong(s: string, base: Base = 10): bigint | null {
  return signed(s, base, 64);
}

/** virStrToLong_ull: an unsigned long long; "-1" is 2^64 - 1. */
export function strToULongLong(s: string, base: Base = 10): bigint | null {
  return unsigned(s, base, 64, false);
}

/** virStrToLong_ullp (and _ulp): an unsigned long long, no minus sign. */
export function strToULongLongP(s: string, base: Base = 10): bigint | null {
  return unsigned(s, base, 64, true);
}
