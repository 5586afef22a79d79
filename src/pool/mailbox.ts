/**
 * A worker's mailbox: a growable SharedArrayBuffer into which the worker
 * writes the packets a job produced (its reply, events, requests to the
 * event loop), then publishes them in one step. The event loop drains it and
 * hands it back by setting its length to 0. One writer, one reader, no lock.
 *
 * A worker whose last batch has not been drained yet appends the next one
 * after it rather than wait (measured with 8 light clients of the mix: the
 * worker slept on an undrained mailbox in 46 % of its calls), unless many
 * calls are in flight (S_CROWDED). The length word then only grows by the
 * worker's compare-exchange and only falls to 0 by the event loop's, so
 * each sees whether the other moved in between.
 *
 * @module
 */

import {
  MAIL_HEADER_BYTES,
  S_CROWDED,
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

/**
 * Published bytes past which a worker waits for the drain instead of
 * appending: the event loop is far behind, and the mailbox stays small.
 */
const APPEND_MAX = MAILBOX_INITIAL;

/** The worker's side: stage records, then publish them at once. */
export class MailboxWriter {
  readonly #buffer: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #ctl: Int32Array;
  readonly #lenWord: number;
  readonly #fence: () => void;
  /** Where the batch being staged begins: the bytes published and not yet drained before it. */
  #base = 0;
  /** Where its next record goes; equal to #base while nothing is staged. */
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

  /** Waits (Atomics.wait: workers only) until the event loop has drained every published batch. */
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

  /**
   * Moves the staged records to the mailbox's start once the event loop
   * has drained what was before them (waiting for that if `wait`).
   */
  #rebase(wait: boolean): void {
    if (wait) this.#awaitEmpty();
    const n = this.#pos - this.#base;
    this.#bytes.copyWithin(0, this.#base, this.#pos);
    this.#base = 0;
    this.#pos = n;
  }

  /** Stages a record; the first of a batch goes after the batches not yet drained. */
  add(kind: number, slot: number, client: number, clientGen: number, bytes?: Uint8Array): void {
    this.#fence();
    if (this.#pos === this.#base) {
      this.#base = this.#pos = Atomics.load(this.#ctl, this.#lenWord);
      if (
        this.#base > APPEND_MAX || (this.#base > 0 && Atomics.load(this.#ctl, S_CROWDED) === 1)
      ) this.#rebase(true);
    }
    const n = bytes?.length ?? 0;
    const size = MAIL_HEADER_BYTES + ((n + 3) & ~3);
    // A large record that fits only at the start: wait for the drain, then move there.
    if (this.#pos + size > MAILBOX_MAX && this.#base > 0) this.#rebase(true);
    const need = this.#pos + size;
    if (need > this.#buffer.byteLength) {
      let cap = this.#buffer.byteLength;
      while (cap < need) cap *= 2;
      if (cap > MAILBOX_MAX) {
        throw new RangeError(`Cannot stage ${n} bytes: the mailbox holds at most ${MAILBOX_MAX}`);
      }
      this.#buffer.grow(cap);
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
    if (this.#pos === this.#base) return;
    this.#fence();
    // The compare-exchange of the length is the release: every byte written
    // above is visible to the event loop once it loads the new length. It
    // fails only if the event loop drained the batches before ours (the
    // length is 0 then, and stays 0 until we publish): ours moves to the start.
    if (Atomics.compareExchange(this.#ctl, this.#lenWord, this.#base, this.#pos) !== this.#base) {
      this.#rebase(false);
      Atomics.store(this.#ctl, this.#lenWord, this.#pos);
    }
    // Nothing staged now: the next record begins a batch.
    this.#base = this.#pos;
    Atomics.add(this.#ctl, S_DONE_SEQ, 1);
    // A notify reaches the event loop as a task (and wakes its thread); while
    // it polls the sequence it needs none, and it looks again after it stops.
    if (Atomics.load(this.#ctl, S_EL_POLLING) === 0) Atomics.notify(this.#ctl, S_DONE_SEQ);
  }
}

/**
 * The event loop's side: take every record published, then hand the
 * mailbox back. A batch the worker appends meanwhile is taken too.
 */
export function drainMailbox(
  buffer: SharedArrayBuffer,
  ctl: Int32Array,
  workerRecord: number,
  onRecord: (r: MailRecord) => void,
): boolean {
  const lenWord = workerRecord + W_MAIL_LEN;
  // The acquire pairing with publish(): a non-zero length means the bytes are there.
  let len = Atomics.load(ctl, lenWord);
  if (len === 0) return false;
  const records: MailRecord[] = [];
  for (let at = 0;;) {
    const bytes = new Uint8Array(buffer, 0, len);
    const view = new DataView(buffer, 0, len);
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
    // Hand the mailbox back before acting, so the worker stages its next
    // batch at the start; if it appended one meanwhile, take that first.
    const now = Atomics.compareExchange(ctl, lenWord, len, 0);
    if (now === len) break;
    len = now;
  }
  // Wake the worker only if it sleeps waiting for the drain (a notify is a system call).
  if (Atomics.load(ctl, workerRecord + W_MAIL_WAITING) === 1) Atomics.notify(ctl, lenWord);
  for (const r of records) onRecord(r);
  return true;
}
