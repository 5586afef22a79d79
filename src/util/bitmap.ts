/**
 * Bitmaps as libvirt writes them in XML and typed parameters ("0-3,^2,5")
 * and as CPU maps carry them (a bit a CPU, low bit first): libvirt's
 * src/util/virbitmap.c. A bitmap is held as its set bits, ascending.
 *
 * @example
 * ```ts
 * import { formatBitmap, parseBitmap } from "./bitmap.ts";
 * parseBitmap("0-3,^2,5", 16384); // [0, 1, 3, 5]
 * formatBitmap([0, 1, 3, 5]); // "0-1,3,5"
 * ```
 *
 * @module
 */

/**
 * virBitmapParse into a bitmap of `size` bits: comma-separated items, each
 * `N`, `N-M` (N ≤ M) or `^N` (clears N, as far as read), white space around
 * numbers and after commas, a trailing comma allowed. Returns the set bits,
 * ascending, or null when malformed or a bit is `size` or beyond.
 */
export function parseBitmap(s: string, size: number): number[] | null {
  const bits = new Set<number>();
  let i = 0;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  // virStrToLong_i: an optional sign, decimal digits, within int.
  const num = (): number | null => {
    const m = /^[+-]?\d+/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    const n = Number(m[0]);
    return Number.isSafeInteger(n) && n <= 0x7fffffff && n >= -0x80000000 ? n : null;
  };
  skip();
  if (i >= s.length) return null;
  while (i < s.length) {
    let neg = false;
    if (s[i] === "^") {
      i++;
      neg = true;
    }
    if (!/\d/.test(s[i] ?? "")) return null;
    const start = num();
    if (start === null || start < 0) return null;
    skip();
    if (i >= s.length || s[i] === ",") {
      // virBitmapClearBit and virBitmapSetBit both refuse a bit past the end.
      if (start >= size) return null;
      if (neg) bits.delete(start);
      else bits.add(start);
    } else if (s[i] === "-") {
      if (neg) return null;
      i++;
      skip();
      const last = num();
      if (last === null || last < start) return null;
      if (last >= size) return null;
      for (let b = start; b <= last; b++) bits.add(b);
      skip();
    }
    if (s[i] === ",") {
      i++;
      skip();
    } else if (i < s.length) return null;
  }
  return [...bits].sort((a, b) => a - b);
}

/** virBitmapFormat: runs of consecutive bits as ranges, "" for none. */
export function formatBitmap(bits: readonly number[]): string {
  const sorted = [...new Set(bits)].sort((a, b) => a - b);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** virBitmapNewData: the set bits of a CPU map. */
export function bitmapFromBytes(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3]! & (1 << (i & 7))) out.push(i);
  return out;
}

/** virBitmapToDataBuf: sets `bits` in the `len` bytes of `out` from `offset`; others stay. */
export function bitmapToBytes(
  out: Uint8Array,
  offset: number,
  len: number,
  bits: readonly number[],
): void {
  for (const bit of bits) if (bit < len * 8) out[offset + (bit >> 3)]! |= 1 << (bit & 7);
}
