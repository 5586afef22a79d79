/**
 * XDR (RFC 4506) primitive writes into a buffer that doubles when full, so
 * encoding a message costs O(log n) reallocations, never one per field.
 *
 * @module
 */

import { XdrError } from "./error.ts";
import { padding } from "./reader.ts";

const utf8 = new TextEncoder();
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;
const UINT_MAX = 0xffff_ffff;
const HYPER_MIN = -(1n << 63n);
const HYPER_MAX = (1n << 63n) - 1n;
const UHYPER_MAX = (1n << 64n) - 1n;

export class XdrWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Current capacity; exposed so tests can see growth is geometric. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Raises the XdrError for this position. */
  fail(reason: string): never {
    throw new XdrError(this.#pos, reason);
  }

  #reserve(n: number): number {
    const at = this.#pos;
    const need = at + n;
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.#pos = need;
    return at;
  }

  /** The bytes written, as a view of the internal buffer (valid until the next write). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** The bytes written, copied into an exactly sized array. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  /** Forgets what was written, keeping the buffer for reuse. */
  reset(): void {
    this.#pos = 0;
  }

  /** Overwrites an unsigned int already written at `offset` (e.g. a length word). */
  patchUint(offset: number, value: number): void {
    if (offset < 0 || offset + 4 > this.#pos) {
      throw new RangeError(`Cannot patch offset ${offset}: ${this.#pos} bytes written`);
    }
    this.#view.setUint32(offset, value);
  }

  writeInt(v: number): void {
    if (!Number.isInteger(v) || v < INT_MIN || v > INT_MAX) {
      this.fail(`int value ${v} is out of range`);
    }
    const at = this.#reserve(4);
    this.#view.setInt32(at, v);
  }

  writeUint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > UINT_MAX) {
      this.fail(`unsigned int value ${v} is out of range`);
    }
    const at = this.#reserve(4);
    this.#view.setUint32(at, v);
  }

  writeHyper(v: bigint): void {
    if (typeof v !== "bigint" || v < HYPER_MIN || v > HYPER_MAX) {
      this.fail(`hyper value ${v} is out of range`);
    }
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, v);
  }

  writeUhyper(v: bigint): void {
    if (typeof v !== "bigint" || v < 0n || v > UHYPER_MAX) {
      this.fail(`unsigned hyper value ${v} is out of range`);
    }
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, v);
  }

  writeFloat(v: number): void {
    if (typeof v !== "number") this.fail(`float value ${v} is not a number`);
    const at = this.#reserve(4);
    this.#view.setFloat32(at, v);
  }

  writeDouble(v: number): void {
    if (typeof v !== "number") this.fail(`double value ${v} is not a number`);
    const at = this.#reserve(8);
    this.#view.setFloat64(at, v);
  }

  writeBool(v: boolean): void {
    if (typeof v !== "boolean") this.fail(`bool value ${v} is not a boolean`);
    const at = this.#reserve(4);
    this.#view.setInt32(at, v ? 1 : 0);
  }

  /** Exactly `n` bytes (checked) plus zero padding. */
  writeFixedOpaque(bytes: Uint8Array, n = bytes.length): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
      this.fail(`opaque[${n}] given ${bytes?.length} bytes`);
    }
    const pad = padding(n);
    const at = this.#reserve(n + pad);
    this.#buf.set(bytes, at);
    this.#buf.fill(0, at + n, at + n + pad);
  }

  /** Raw bytes with no length word and no padding (stream data). */
  writeRaw(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
  }

  writeOpaque(bytes: Uint8Array, max: number): void {
    if (!(bytes instanceof Uint8Array)) this.fail("opaque value is not a Uint8Array");
    if (bytes.length > max) this.fail(`opaque length ${bytes.length} exceeds maximum ${max}`);
    this.writeUint(bytes.length);
    this.writeFixedOpaque(bytes);
  }

  writeString(s: string, max: number): void {
    if (typeof s !== "string") this.fail(`string value ${s} is not a string`);
    // Reserve the worst case (3 bytes per UTF-16 unit) then encode in place.
    const worst = s.length * 3;
    const lenAt = this.#reserve(4 + worst + 3);
    const { written } = utf8.encodeInto(s, this.#buf.subarray(lenAt + 4, lenAt + 4 + worst));
    if (written > max) {
      this.#pos = lenAt;
      this.fail(`string length ${written} exceeds maximum ${max}`);
    }
    this.#view.setUint32(lenAt, written);
    const end = lenAt + 4 + written;
    const pad = padding(written);
    this.#buf.fill(0, end, end + pad);
    this.#pos = end + pad;
  }
}
