/**
 * Daemon-wide settings the admin program reads from any Worker: the log
 * filters and outputs, as UTF-8 strings in fixed slots of one
 * SharedArrayBuffer. Written only by the event loop. The version word is a
 * sequence lock: odd while a write is under way, bumped again after it, so
 * a reader retries until it has read a whole string between two equal,
 * even versions — never a torn one, even of the same length.
 *
 * @module
 */

const SLOT_BYTES = 8192;
const SLOTS = ["log_filters", "log_outputs"] as const;
export type SettingName = typeof SLOTS[number];

/** The last word counts the writes (twice each), so Workers can tell when to reconfigure. */
const VERSION_WORD = (SLOTS.length * SLOT_BYTES) / 4;

export function allocateSettings(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS.length * SLOT_BYTES + 4);
}

/** Changes whenever the settings were written (even: no write under way). */
export function settingsVersion(buf: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buf), VERSION_WORD);
}

function slot(name: SettingName): number {
  return SLOTS.indexOf(name) * SLOT_BYTES;
}

/** Event loop only. Strings longer than a slot are cut at the slot's size. */
export function writeSetting(buf: SharedArrayBuffer, name: SettingName, value: string): void {
  const at = slot(name);
  const bytes = new TextEncoder().encode(value).subarray(0, SLOT_BYTES - 4);
  const words = new Int32Array(buf);
  // Odd: a write is under way (the add is a full barrier before the bytes).
  Atomics.add(words, VERSION_WORD, 1);
  new Uint8Array(buf, at + 4, bytes.length).set(bytes);
  Atomics.store(words, at / 4, bytes.length);
  // Even again: the write is whole.
  Atomics.add(words, VERSION_WORD, 1);
}

export function readSetting(buf: SharedArrayBuffer, name: SettingName): string {
  const at = slot(name);
  const words = new Int32Array(buf);
  for (;;) {
    const before = Atomics.load(words, VERSION_WORD);
    if (before & 1) continue; // being written this instant
    const len = Atomics.load(words, at / 4);
    const copy = new Uint8Array(buf, at + 4, len).slice();
    // Unchanged and even: no write touched the slot while we copied it.
    if (Atomics.load(words, VERSION_WORD) === before) return new TextDecoder().decode(copy);
  }
}
