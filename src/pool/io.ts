/**
 * I/O a call needs that only the event loop may do — a QEMU monitor command,
 * a process to start or stop — as libvirt's worker threads wait on a monitor
 * reply that the event-loop thread reads. The worker stages a MAIL_IO record
 * (JSON, with a request id), publishes its mailbox at once and sleeps on its
 * W_IO_SEQ word; the event loop does the I/O, writes the answer into the
 * worker's answer box and bumps W_IO_SEQ. One request per worker at a time.
 *
 * Answer box layout (one growable SharedArrayBuffer per worker record):
 *   u32 request id, u32 byte length, then the answer's JSON.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_FROM_RPC } from "../rpc/error_codes.ts";
import { MAIL_IO, W_IO_SEQ } from "./layout.ts";
import type { MailboxWriter } from "./mailbox.ts";

/** What a worker asks the event loop: `op` names the handler; the rest is its argument. */
export interface IoRequest {
  op: string;
  [key: string]: unknown;
}

/** A request as it crosses: the worker's id for it, so a stale answer is never taken. */
export interface IoEnvelope {
  id: number;
  req: IoRequest;
}

/** The event loop's answer: a value, or a libvirt error to raise in the worker. */
export type IoAnswer =
  | { id: number; value: unknown }
  | { id: number; error: IoError };

/** A VirError as it crosses: every remote_error field the worker's reply will carry. */
interface IoError {
  code: number;
  domain: number;
  message: string;
  str1: string;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
  level: number;
}

const ANSWER_INITIAL = 4 * 1024;
const ANSWER_MAX = 64 * 1024 * 1024;
const utf8e = new TextEncoder();
const utf8d = new TextDecoder();

export function allocateAnswerBox(): SharedArrayBuffer {
  return new SharedArrayBuffer(ANSWER_INITIAL, { maxByteLength: ANSWER_MAX });
}

/** Event loop: writes `answer` into the box of the worker at `record` and wakes it. */
export function writeAnswer(
  box: SharedArrayBuffer,
  ctl: Int32Array,
  record: number,
  answer: IoAnswer,
): void {
  let bytes = utf8e.encode(JSON.stringify(answer));
  if (bytes.length + 8 > ANSWER_MAX) {
    bytes = utf8e.encode(JSON.stringify({
      id: answer.id,
      error: toIoError(VirError.internal(VIR_FROM_RPC, "the I/O answer is too large")),
    }));
  }
  if (bytes.length + 8 > box.byteLength) {
    let size = box.byteLength;
    while (size < bytes.length + 8) size *= 2;
    box.grow(size);
  }
  const v = new DataView(box);
  v.setUint32(0, answer.id);
  v.setUint32(4, bytes.length);
  new Uint8Array(box).set(bytes, 8);
  // The add is the release: the worker reads the box only after it sees the word change.
  Atomics.add(ctl, record + W_IO_SEQ, 1);
  Atomics.notify(ctl, record + W_IO_SEQ);
}

/** Worker: the requester for one worker record (blocks in Atomics.wait: workers only). */
export class IoRequester {
  readonly #box: SharedArrayBuffer;
  readonly #ctl: Int32Array;
  readonly #record: number;
  readonly #workerIndex: number;
  readonly #mail: MailboxWriter;
  readonly #fence: () => void;
  #nextId = 1;

  /** `fence` throws when the Worker was ended (W_OWNER): its answer will never come. */
  constructor(
    box: SharedArrayBuffer,
    ctl: Int32Array,
    record: number,
    workerIndex: number,
    mail: MailboxWriter,
    fence: () => void = () => {},
  ) {
    this.#box = box;
    this.#ctl = ctl;
    this.#record = record;
    this.#workerIndex = workerIndex;
    this.#mail = mail;
    this.#fence = fence;
  }

  /** Sends `req` to the event loop and sleeps until its answer comes; throws its VirError. */
  request(req: IoRequest): unknown {
    // Ids are unique per worker record across the isolates that use it in turn.
    const id = (Date.now() % 1_000_000) * 1000 + (this.#nextId++ % 1000);
    const word = this.#record + W_IO_SEQ;
    let seen = Atomics.load(this.#ctl, word);
    const env: IoEnvelope = { id, req };
    this.#mail.add(MAIL_IO, this.#workerIndex, -1, 0, utf8e.encode(JSON.stringify(env)));
    this.#mail.publish();
    for (;;) {
      Atomics.wait(this.#ctl, word, seen);
      // Ended meanwhile (the event loop wakes this word when it ends a Worker).
      this.#fence();
      seen = Atomics.load(this.#ctl, word);
      const v = new DataView(this.#box);
      // An answer meant for an earlier isolate on this record (it died waiting) is skipped.
      if (v.getUint32(0) !== id) continue;
      const len = v.getUint32(4);
      const answer = JSON.parse(
        utf8d.decode(new Uint8Array(this.#box).slice(8, 8 + len)),
      ) as IoAnswer;
      if ("error" in answer) {
        const e = answer.error;
        const err = new VirError({
          code: e.code,
          domain: e.domain,
          str1: e.str1,
          str2: e.str2,
          str3: e.str3,
          int1: e.int1,
          int2: e.int2,
          level: e.level,
        });
        err.message = e.message;
        throw err;
      }
      return answer.value;
    }
  }
}

function toIoError(e: VirError): IoError {
  return {
    code: e.code,
    domain: e.domain,
    message: e.message,
    str1: e.str1,
    str2: e.str2,
    str3: e.str3,
    int1: e.int1,
    int2: e.int2,
    level: e.level,
  };
}

/** Event loop: an answer for a failed request, from whatever was thrown. */
export function errorAnswer(id: number, e: unknown): IoAnswer {
  return {
    id,
    error: toIoError(
      e instanceof VirError
        ? e
        : VirError.internal(VIR_FROM_RPC, e instanceof Error ? e.message : String(e)),
    ),
  };
}
