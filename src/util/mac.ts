/**
 * MAC addresses as libvirt reads, writes, compares and makes them:
 * libvirt's src/util/virmacaddr.c.
 *
 * @example
 * ```ts
 * import { formatMac, parseMac } from "./mac.ts";
 * formatMac(parseMac("52:54:0:A:b:c")!); // "52:54:00:0a:0b:0c"
 * parseMac("52-54-00-0a-0b-0c"); // null: libvirt takes ':' only
 * ```
 *
 * @module
 */

/**
 * virMacAddrParse: six groups of one or two hex digits separated by ':';
 * anything up to and including a space may follow. Returns the six bytes,
 * or null.
 */
export function parseMac(s: string): number[] | null {
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < 6; k++) {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i));
    if (!m || /[0-9a-fA-F]/.test(s[i + m[0].length] ?? "")) return null;
    out.push(parseInt(m[0], 16));
    i += m[0].length;
    if (k === 5) return i >= s.length || s.charCodeAt(i) <= 32 ? out : null;
    if (s[i] !== ":") return null;
    i++;
  }
  return null;
}

/** virMacAddrFormat: lowercase, two digits a byte, ':' between. */
export function formatMac(b: readonly number[]): string {
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** virMacAddrIsMulticast: the low bit of the first byte. */
export function macIsMulticast(b: readonly number[]): boolean {
  return ((b[0] ?? 0) & 1) === 1;
}

/** virMacAddrCompare: case-insensitive, ignoring leading zeros of each group. */
export function macCompare(p: string, q: string): number {
  let i = 0;
  let j = 0;
  const hex = /[0-9a-fA-F]/;
  for (;;) {
    while (p[i] === "0" && hex.test(p[i + 1] ?? "")) i++;
    while (q[j] === "0" && hex.test(q[j + 1] ?? "")) j++;
    const c = (p[i] ?? "").toLowerCase();
    const d = (q[j] ?? "").toLowerCase();
    if (c === "" || d === "" || c !== d) return (c.charCodeAt(0) || 0) - (d.charCodeAt(0) || 0);
    i++;
    j++;
  }
}

/** VIR_MAC_PREFIX_QEMU: the 52:54:00 range libvirt assigns from. */
const QEMU_PREFIX = [0x52, 0x54, 0x00];

/** virDomainNetGenerateMAC: a random address in QEMU's 52:54:00 range. */
export function generateMAC(): string {
  const b = new Uint8Array(3);
  crypto.getRandomValues(b);
  return formatMac([...QEMU_PREFIX, ...b]);
}
