/**
 * The daemon's own client of the "libvirtd" server: a client record with no
 * socket, through which drivers' work that no client asked for (start-up, a
 * QEMU process event) runs as jobs in the Worker pool like any call. Its calls
 * run one at a time, in the order made — libvirt runs a driver's process
 * events on one thread for the same reason: each sees the state the last one left.
 *
 * @module
 */

import { encodePacket } from "../rpc/header.ts";
import { VIR_NET_CALL, VIR_NET_ERROR, VIR_NET_OK } from "../rpc/constants.ts";
import {
  DENOVIRT_INTERNAL_PROGRAM,
  DENOVIRT_INTERNAL_VERSION,
  internal_json_args,
} from "../protocol/internal.ts";
import { decodeHeader, PAYLOAD_OFFSET } from "../rpc/header.ts";
import { log } from "../log.ts";
import { XdrReader } from "../xdr/mod.ts";
import { remoteErrorCodec } from "../rpc/error.ts";

const logger = log("server");

interface Queued {
  packet: Uint8Array;
  done: (ok: boolean) => void;
}

export class InternalClient {
  readonly index: number;
  readonly gen: number;
  readonly #submit: (packet: Uint8Array) => boolean;
  readonly #queue: Queued[] = [];
  #running: Queued | null = null;
  #serial = 1;

  constructor(index: number, gen: number, submit: (packet: Uint8Array) => boolean) {
    this.index = index;
    this.gen = gen;
    this.#submit = submit;
  }

  /** Queues an internal call (`proc` of the internal program with a JSON argument). */
  call(proc: number, arg: unknown): Promise<boolean> {
    const packet = encodePacket({
      prog: DENOVIRT_INTERNAL_PROGRAM,
      vers: DENOVIRT_INTERNAL_VERSION,
      proc,
      type: VIR_NET_CALL,
      serial: this.#serial++,
      status: VIR_NET_OK,
    }, (w) => internal_json_args.encode(w, { json: JSON.stringify(arg) }));
    return new Promise((done) => {
      this.#queue.push({ packet, done });
      this.#next();
    });
  }

  #next(): void {
    if (this.#running || this.#queue.length === 0) return;
    const q = this.#queue.shift()!;
    this.#running = q;
    if (!this.#submit(q.packet)) {
      // Every job slot is taken: try again shortly.
      this.#running = null;
      this.#queue.unshift(q);
      setTimeout(() => this.#next(), 10);
    }
  }

  /** The reply to the running call has come back (MAIL_REPLY or MAIL_DROPPED). */
  replied(packet: Uint8Array | null): void {
    const q = this.#running;
    this.#running = null;
    let ok = packet !== null;
    if (packet) {
      const h = decodeHeader(packet);
      if (h.status === VIR_NET_ERROR) {
        ok = false;
        try {
          const e = remoteErrorCodec.decode(new XdrReader(packet, PAYLOAD_OFFSET));
          logger.error("internal call {proc} failed: {message}", {
            proc: h.proc,
            message: e.message,
          });
        } catch {
          logger.error("internal call {proc} failed", { proc: h.proc });
        }
      }
    }
    q?.done(ok);
    this.#next();
  }

  /** Calls queued or running. */
  get busy(): number {
    return this.#queue.length + (this.#running ? 1 : 0);
  }
}
