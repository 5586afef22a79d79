// UUIDs as libvirt writes them (lowercase 8-4-4-4-12) and as the wire
// carries them (16 raw bytes).

const HEX = /^[0-9a-f]{32}$/;

/** 16 bytes → `6695eb01-f6a4-8304-79aa-97f2502e193f`. */
export function uuidToString(bytes: Uint8Array): string {
  const h = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${
    h.slice(20, 32)
  }`;
}

/**
 * Parses a UUID as libvirt's virUUIDParse accepts it: 32 hex digits,
 * dashes anywhere between byte pairs, surrounding spaces. Null if invalid.
 */
export function uuidFromString(s: string): Uint8Array | null {
  const hex = s.trim().replaceAll("-", "").toLowerCase();
  if (!HEX.test(hex)) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A random UUID, as libvirt generates one for an object defined without. */
export function randomUuid(): string {
  return crypto.randomUUID();
}
