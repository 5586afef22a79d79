/**
 * Splits a byte stream into libvirt packets: an explicit LENGTH → BODY state
 * machine that accepts input cut at any byte and several packets per read,
 * and checks each length word before allocating the packet.
 *
 * @module
 */

import { VIR_NET_MESSAGE_MAX_PACKET, VIR_NET_MESSAGE_MIN_PACKET } from "./constants.ts";

/** A length word outside [28, 4 + VIR_NET_MESSAGE_MAX]: the connection must close. */
export class FramingError extends Error {
  override readonly name = "FramingError";
  readonly code = "ERR_VIR_NET_FRAMING";
  /** The offending length word. */
  readonly length: number;
  /** Offset in the stream (bytes fed so far) where the length word began. */
  readonly streamOffset: number;

  constructor(length: number, streamOffset: number) {
    super(
      `Cannot frame packet: length is ${length}, must be between ` +
        `${VIR_NET_MESSAGE_MIN_PACKET} and ${VIR_NET_MESSAGE_MAX_PACKET}`,
    );
    this.length = length;
    this.streamOffset = streamOffset;
  }
}

const enum State {
  Length,
  Body,
  Failed,
}

/**
 * Incremental packet framer. `push()` hands each packet a chunk completes to
 * `onPacket`, in order; a bad length word then throws FramingError, after the
 * packets before it were delivered. Each packet is a fresh Uint8Array that
 * starts with its own length word (from `alloc`, when given: a caller may
 * hand out buffers it has had back). After a FramingError the framer stays
 * failed and every further push throws it again.
 */
export class PacketFramer {
  readonly #alloc: (length: number) => Uint8Array;

  constructor(alloc: (length: number) => Uint8Array = (n) => new Uint8Array(n)) {
    this.#alloc = alloc;
  }

  #state = State.Length;
  readonly #lenBuf = new Uint8Array(4);
  #lenHave = 0;
  #packet: Uint8Array | null = null;
  #have = 0;
  #fed = 0;
  #error: FramingError | null = null;

  /** Bytes of the packet in progress (0 between packets). */
  get pending(): number {
    return this.#state === State.Body ? this.#have : this.#lenHave;
  }

  /** Feeds bytes; calls `onPacket` for each packet they complete. */
  push(chunk: Uint8Array, onPacket: (packet: Uint8Array) => void): void {
    if (this.#error) throw this.#error;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#state === State.Length) {
        // Fast path: a whole length word inside this chunk.
        if (this.#lenHave === 0 && n - i >= 4) {
          const len = ((chunk[i]! << 24) | (chunk[i + 1]! << 16) | (chunk[i + 2]! << 8) |
            chunk[i + 3]!) >>> 0;
          this.#startBody(len, this.#fed + i);
          this.#packet!.set(chunk.subarray(i, i + 4), 0);
          this.#have = 4;
          i += 4;
        } else {
          this.#lenBuf[this.#lenHave++] = chunk[i++]!;
          if (this.#lenHave === 4) {
            const b = this.#lenBuf;
            const len = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
            this.#startBody(len, this.#fed + i - 4);
            this.#packet!.set(b, 0);
            this.#have = 4;
            this.#lenHave = 0;
          }
        }
      } else {
        const p = this.#packet!;
        const take = Math.min(p.length - this.#have, n - i);
        p.set(chunk.subarray(i, i + take), this.#have);
        this.#have += take;
        i += take;
      }
      if (this.#state === State.Body && this.#have === this.#packet!.length) {
        const done = this.#packet!;
        this.#packet = null;
        this.#have = 0;
        this.#state = State.Length;
        onPacket(done);
      }
    }
    this.#fed += n;
  }

  /**
   * The unfilled rest of the packet being read, or null between packets: a
   * reader may read straight into it and `commit` what it read, which saves
   * copying a large packet (a volume upload's stream data) out of a buffer.
   */
  window(): Uint8Array | null {
    return this.#state === State.Body ? this.#packet!.subarray(this.#have) : null;
  }

  /** `n` bytes were read into `window()`; hands the packet on if they complete it. */
  commit(n: number, onPacket: (packet: Uint8Array) => void): void {
    if (this.#state !== State.Body || n > this.#packet!.length - this.#have) {
      throw new RangeError(`Cannot commit ${n} bytes: no packet has room for them`);
    }
    this.#have += n;
    this.#fed += n;
    if (this.#have === this.#packet!.length) {
      const done = this.#packet!;
      this.#packet = null;
      this.#have = 0;
      this.#state = State.Length;
      onPacket(done);
    }
  }

  /** Convenience for tests and tools: the packets one chunk completes. */
  pushAll(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.push(chunk, (p) => out.push(p));
    return out;
  }

  #startBody(len: number, at: number): void {
    if (len < VIR_NET_MESSAGE_MIN_PACKET || len > VIR_NET_MESSAGE_MAX_PACKET) {
      this.#state = State.Failed;
      this.#error = new FramingError(len, at);
      throw this.#error;
    }
    this.#packet = this.#alloc(len);
    this.#state = State.Body;
  }
}
