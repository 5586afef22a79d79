// Hex helpers for golden packets written one XDR word per group.

/** Parses hex, ignoring spaces and anything that is not a hex digit. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, "");
  if (clean.length % 2 !== 0) throw new SyntaxError(`Cannot parse hex: odd length ${clean.length}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
