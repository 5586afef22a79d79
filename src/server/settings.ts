// Daemon-wide settings the admin program reads from any Worker: the log
// filters and outputs, as UTF-8 strings in fixed slots of one
// SharedArrayBuffer. Written only by the event loop; a slot's length word is
// stored last, so a reader never sees a torn string of the right length.

const SLOT_BYTES = 8192;
const SLOTS = ["log_filters", "log_outputs"] as const;
export type SettingName = typeof SLOTS[number];

/** The last word counts the writes, so Workers can tell when to reconfigure. */
const VERSION_WORD = (SLOTS.length * SLOT_BYTES) / 4;

export function allocateSettings(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS.length * SLOT_BYTES + 4);
}

/** How many times the settings were written. */
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
  Atomics.store(words, at / 4, -1);
  new Uint8Array(buf, at + 4, bytes.length).set(bytes);
  Atomics.store(words, at / 4, bytes.length);
  Atomics.add(words, VERSION_WORD, 1);
}

export function readSetting(buf: SharedArrayBuffer, name: SettingName): string {
  const at = slot(name);
  const words = new Int32Array(buf);
  for (;;) {
    const len = Atomics.load(words, at / 4);
    if (len < 0) continue; // being written this instant
    const s = new TextDecoder().decode(new Uint8Array(buf, at + 4, len).slice());
    if (Atomics.load(words, at / 4) === len) return s;
  }
}
