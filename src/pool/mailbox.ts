/**
 * A worker's mailbox: a growable SharedArrayBuffer into which the worker
 * writes the packets a job produced (its reply, events, requests to the
 * event loop), then publishes them in one store. The event loop drains it and
 * hands it back by storing 0. One writer, one reader, no lock.
 *
 * @module
 */

import {
  MAIL_HEADER_BYTES,
  S_DONE_SEQ,
  S_EL_POLLING,
  W_MAIL_LEN,
  W_MAIL_WAITING,
} from "./layout.ts";

/** One record read from a mailbox. */
export interface MailRecord {
  kind: number;
  slot: number;
  client: number;
  clientGen: number;
  /** A copy of the record's bytes (a packet, or empty). */
  bytes: Uint8Array;
}

const MAILBOX_INITIAL = 64 * 1024;
/** Room for a reply of the largest legal packet plus a batch of events. */
const MAILBOX_MAX = 64 * 1024 * 1024;

export function allocateMailbox(): SharedArrayBuffer {
  return new SharedArrayBuffer(MAILBOX_INITIAL, { maxByteLength: MAILBOX_MAX });
}

/** The worker's side: stage records, then publish them at once. */
export class MailboxWriter {
  readonly #buffer: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #ctl: Int32Array;
  readonly #lenWord: number;
  readonly #fence: () => void;
  #pos = 0;

  /**
   * `fence` throws when the Worker was ended (W_OWNER): the mailbox is its
   * record's, which a successor may use now.
   */
  constructor(
    buffer: SharedArrayBuffer,
    ctl: Int32Array,
    workerRecord: number,
    fence: () => void = () => {},
  ) {
    this.#buffer = buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    this.#ctl = ctl;
    this.#lenWord = workerRecord + W_MAIL_LEN;
    this.#fence = fence;
  }

  /** Waits (Atomics.wait: workers only) until the event loop has drained the last batch. */
  #awaitEmpty(): void {
    const waiting = this.#lenWord - W_MAIL_LEN + W_MAIL_WAITING;
    for (;;) {
      // Announce the wait before looking at the length: the drain stores the
      // length before it looks at this flag, so one of us sees the other.
      Atomics.store(this.#ctl, waiting, 1);
      const len = Atomics.load(this.#ctl, this.#lenWord);
      if (len === 0) break;
      Atomics.wait(this.#ctl, this.#lenWord, len);
      this.#fence();
    }
    Atomics.store(this.#ctl, waiting, 0);
  }

  /** Stages a record. Before the first record of a batch, waits for the mailbox to be free. */
  add(kind: number, slot: number, client: number, clientGen: number, bytes?: Uint8Array): void {
    this.#fence();
    if (this.#pos === 0) this.#awaitEmpty();
    const n = bytes?.length ?? 0;
    const need = this.#pos + MAIL_HEADER_BYTES + ((n + 3) & ~3);
    if (need > this.#buffer.byteLength) {
      let size = this.#buffer.byteLength;
      while (size < need) size *= 2;
      if (size > this.#buffer.maxByteLength) {
        throw new RangeError(`Cannot stage ${n} bytes: the mailbox holds at most ${MAILBOX_MAX}`);
      }
      this.#buffer.grow(size);
    }
    const v = this.#view;
    const at = this.#pos;
    v.setUint32(at, kind);
    v.setInt32(at + 4, slot);
    v.setInt32(at + 8, client);
    v.setInt32(at + 12, clientGen);
    v.setUint32(at + 16, n);
    if (bytes) this.#bytes.set(bytes, at + MAIL_HEADER_BYTES);
    this.#pos = need;
  }

  /** Publishes the staged records and wakes the event loop. */
  publish(): void {
    if (this.#pos === 0) return;
    this.#fence();
    // The store of the length is the release: every byte written above is
    // visible to the event loop once it loads a non-zero length.
    Atomics.store(this.#ctl, this.#lenWord, this.#pos);
    this.#pos = 0;
    Atomics.add(this.#ctl, S_DONE_SEQ, 1);
    // A notify reaches the event loop as a task (and wakes its thread); while
    // it polls the sequence it needs none, and it looks again after it stops.
    if (Atomics.load(this.#ctl, S_EL_POLLING) === 0) Atomics.notify(this.#ctl, S_DONE_SEQ);
  }
}

/** The event loop's side: take every record of a published batch, then free the mailbox. */
export function drainMailbox(
  buffer: SharedArrayBuffer,
  ctl: Int32Array,
  workerRecord: number,
  onRecord: (r: MailRecord) => void,
): boolean {
  const lenWord = workerRecord + W_MAIL_LEN;
  // The acquire pairing with publish(): a non-zero length means the bytes are there.
  const len = Atomics.load(ctl, lenWord);
  if (len === 0) return false;
  const bytes = new Uint8Array(buffer, 0, len);
  const view = new DataView(buffer, 0, len);
  const records: MailRecord[] = [];
  let at = 0;
  while (at < len) {
    const n = view.getUint32(at + 16);
    records.push({
      kind: view.getUint32(at),
      slot: view.getInt32(at + 4),
      client: view.getInt32(at + 8),
      clientGen: view.getInt32(at + 12),
      bytes: bytes.slice(at + MAIL_HEADER_BYTES, at + MAIL_HEADER_BYTES + n),
    });
    at += MAIL_HEADER_BYTES + ((n + 3) & ~3);
  }
  // Hand the mailbox back before acting, so the worker can stage its next batch;
  // wake it only if it sleeps waiting for that (a notify is a system call).
  Atomics.store(ctl, lenWord, 0);
  if (Atomics.load(ctl, workerRecord + W_MAIL_WAITING) === 1) Atomics.notify(ctl, lenWord);
  for (const r of records) onRecord(r);
  return true;
}
