/**
 * The call arena: one growable SharedArrayBuffer that holds call packets
 * on their way from the event loop to a Worker. Only the event loop
 * allocates and frees (so the allocator needs no lock); a Worker reads a
 * block only while it runs the job that owns it.
 *
 * @module
 */

import { VIR_NET_MESSAGE_MAX_PACKET } from "../rpc/constants.ts";

/** Smallest block: 256 bytes, so small calls share few size classes. */
const MIN_SHIFT = 8;
/** Largest block holds the largest legal packet. */
const MAX_SHIFT = Math.ceil(Math.log2(VIR_NET_MESSAGE_MAX_PACKET));

export class CallArena {
  readonly buffer: SharedArrayBuffer;
  readonly #bytes: Uint8Array;

  /** The whole arena as bytes (a length-tracking view). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
  /** Free blocks by size class (log2 of the block size). */
  readonly #free: number[][] = [];
  #top = 0;
  #inUse = 0;

  constructor(initialBytes = 1 << 20, maxBytes = 1 << 30) {
    this.buffer = new SharedArrayBuffer(initialBytes, { maxByteLength: maxBytes });
    // A length-tracking view: it follows the buffer as it grows.
    this.#bytes = new Uint8Array(this.buffer);
    for (let i = 0; i <= MAX_SHIFT; i++) this.#free.push([]);
  }

  /** Bytes in blocks handed out and not yet freed. */
  get inUse(): number {
    return this.#inUse;
  }

  static #shift(n: number): number {
    return Math.max(MIN_SHIFT, Math.ceil(Math.log2(Math.max(1, n))));
  }

  /** Copies `data` into a new block and returns the block's offset. */
  store(data: Uint8Array): number {
    const shift = CallArena.#shift(data.length);
    if (shift > MAX_SHIFT) {
      throw new RangeError(`Cannot store ${data.length} bytes: larger than any packet`);
    }
    let off = this.#free[shift]!.pop();
    if (off === undefined) {
      off = this.#top;
      const end = off + (1 << shift);
      if (end > this.buffer.byteLength) {
        let size = this.buffer.byteLength;
        while (size < end) size *= 2;
        this.buffer.grow(Math.min(size, this.buffer.maxByteLength));
        if (end > this.buffer.byteLength) {
          throw new RangeError(`Cannot store ${data.length} bytes: the call arena is full`);
        }
      }
      this.#top = end;
    }
    this.#bytes.set(data, off);
    this.#inUse += 1 << shift;
    return off;
  }

  /** Returns the block at `off` that held `length` bytes. */
  free(off: number, length: number): void {
    const shift = CallArena.#shift(length);
    this.#free[shift]!.push(off);
    this.#inUse -= 1 << shift;
  }
}
