// A Worker's mailbox: batches published while earlier ones are undrained are
// appended after them, and the event loop takes every record once, in order —
// also when it drains between a Worker's staging and its publish.

import assert from "node:assert/strict";
import {
  allocateMailbox,
  drainMailbox,
  MailboxWriter,
  type MailRecord,
} from "../../src/pool/mailbox.ts";
import {
  MAIL_HEADER_BYTES,
  MAIL_MESSAGE,
  MAIL_REPLY,
  S_DONE_SEQ,
  W_MAIL_LEN,
} from "../../src/pool/layout.ts";

/** A control buffer with one worker record at word 40 (clear of the server words used). */
function setup() {
  const ctl = new Int32Array(new SharedArrayBuffer(64 * 4));
  const box = allocateMailbox();
  const rec = 40;
  const writer = new MailboxWriter(box, ctl, rec);
  const drain = () => {
    const got: MailRecord[] = [];
    drainMailbox(box, ctl, rec, (r) => got.push(r));
    return got;
  };
  const packet = (n: number) => new Uint8Array(n).fill(n & 0xff);
  return { ctl, rec, writer, drain, packet };
}

Deno.test("mailbox: batches published before a drain are appended and all taken in order", () => {
  const { ctl, rec, writer, drain, packet } = setup();
  writer.add(MAIL_MESSAGE, -1, 3, 1, packet(5));
  writer.add(MAIL_REPLY, 7, 3, 1, packet(41));
  writer.publish();
  const first = Atomics.load(ctl, rec + W_MAIL_LEN);
  writer.add(MAIL_REPLY, 8, 4, 2, packet(100));
  writer.publish();
  // Appended: the second batch begins where the first ended.
  assert.ok(Atomics.load(ctl, rec + W_MAIL_LEN) > first);
  assert.equal(Atomics.load(ctl, S_DONE_SEQ), 2);
  const got = drain();
  assert.deepEqual(got.map((r) => [r.kind, r.slot, r.client, r.clientGen, r.bytes.length]), [
    [MAIL_MESSAGE, -1, 3, 1, 5],
    [MAIL_REPLY, 7, 3, 1, 41],
    [MAIL_REPLY, 8, 4, 2, 100],
  ]);
  assert.deepEqual(got[2]!.bytes, packet(100));
  assert.equal(Atomics.load(ctl, rec + W_MAIL_LEN), 0);
  assert.deepEqual(drain(), []);
});

Deno.test("mailbox: a batch staged after undrained ones moves to the start if they are drained first", () => {
  const { ctl, rec, writer, drain, packet } = setup();
  writer.add(MAIL_REPLY, 1, 0, 1, packet(30));
  writer.publish();
  // The next batch is staged after the first, which the event loop then takes.
  writer.add(MAIL_REPLY, 2, 0, 1, packet(60));
  assert.deepEqual(drain().map((r) => r.slot), [1]);
  writer.publish();
  // Its bytes now begin at the start, and only they are published.
  assert.equal(Atomics.load(ctl, rec + W_MAIL_LEN), MAIL_HEADER_BYTES + 60);
  const got = drain();
  assert.deepEqual(got.map((r) => r.slot), [2]);
  assert.deepEqual(got[0]!.bytes, packet(60));
});
