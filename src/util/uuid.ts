/**
 * UUIDs as libvirt writes them (lowercase 8-4-4-4-12), parses them
 * (virUUIDParse), generates them (virUUIDGenerate) and as the wire carries
 * them (16 raw bytes): libvirt's src/util/viruuid.c.
 *
 * @example
 * ```ts
 * import { parseUUID, uuidFromString } from "./uuid.ts";
 * parseUUID("6695EB01F6A4830479AA97F2502E193F"); // "6695eb01-f6a4-8304-79aa-97f2502e193f"
 * uuidFromString("6695eb01-f6a4-8304-79aa-97f2502e193f")?.length; // 16
 * ```
 *
 * @module
 */

const HEX = /^[0-9a-f]{32}$/;

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/** Hex digit values by character code (lowercase only), -1 elsewhere. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 16; d++) HEX_VALUE["0123456789abcdef".charCodeAt(d)] = d;

/** 16 bytes → `6695eb01-f6a4-8304-79aa-97f2502e193f`. */
export function uuidToString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += BYTE_HEX[bytes[i]!]!;
  }
  return s;
}

/** The bytes of a UUID in canonical form (lowercase 8-4-4-4-12), or null if it is not one. */
function canonicalBytes(s: string): Uint8Array | null {
  if (s.length !== 36) return null;
  const out = new Uint8Array(16);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (at === 8 || at === 13 || at === 18 || at === 23) {
      if (s.charCodeAt(at) !== 0x2d) return null;
      at++;
    }
    const hi = HEX_VALUE[s.charCodeAt(at)] ?? -1;
    const lo = HEX_VALUE[s.charCodeAt(at + 1)] ?? -1;
    if (hi < 0 || lo < 0) return null;
    out[i] = hi * 16 + lo;
    at += 2;
  }
  return out;
}

/**
 * Parses a UUID as libvirt's virUUIDParse accepts it — 16 hex byte pairs,
 * '-' or ' ' allowed between pairs, surrounding spaces — and returns it in
 * canonical lowercase form, or null if invalid.
 */
export function parseUUID(s: string): string | null {
  let i = 0;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  let hex = "";
  while (hex.length < 32) {
    const c = s[i];
    if (c === undefined) return null;
    if (c === "-" || c === " ") {
      i++;
      continue;
    }
    const d = s[i + 1];
    if (!/[0-9a-fA-F]/.test(c) || d === undefined || !/[0-9a-fA-F]/.test(d)) return null;
    hex += c + d;
    i += 2;
  }
  for (; i < s.length; i++) if (!/\s/.test(s[i]!)) return null;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** Bytes of a UUID string; null if invalid (see parseUUID). */
export function uuidFromString(s: string): Uint8Array | null {
  const fast = canonicalBytes(s);
  if (fast) return fast;
  const canonical = parseUUID(s);
  if (canonical === null) return null;
  const hex = canonical.replaceAll("-", "");
  if (!HEX.test(hex)) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A random UUID as libvirt generates one for an object defined without
 * (virUUIDGenerate: version 4, RFC 4122 variant).
 */
export function generateUUID(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return uuidToString(b);
}
