// Recovering a dead Worker (issue 17, defects 2, 3, 5 and 8): each test
// arranges the interleaving in which the defect showed — a recovery held
// back by the server lock, a reply published the instant before a death, a
// Worker of the other pool dying, an answer arriving for a dead asker — and
// checks what a client and the pool's books see.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "../server/_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import {
  hold,
  SLEEP_PROC_ECHO,
  SLEEP_PROC_IO,
  SLEEP_PROC_OBJECT_GET,
  SLEEP_PROC_OBJECT_HOLD,
  SLEEP_PROC_OBJECT_NEW,
  SLEEP_PROC_SLEEP,
  SLEEP_PROGRAM,
} from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET, VIR_NET_ERROR, VIR_NET_OK } from "../../src/rpc/mod.ts";
import { S_MIN_WORKERS, W_IO_SEQ, W_MAIL_LEN } from "../../src/pool/layout.ts";
import { VirError } from "../../src/rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU } from "../../src/rpc/error_codes.ts";
import { LockTracker } from "../../src/pool/lock.ts";
import { SharedStore } from "../../src/drivers/shared_store.ts";
import { booksBalance, holdServerLock, workersRunning } from "./_pool.ts";

const value = struct("v", { value: uint });
const opts = { prog: SLEEP_PROGRAM };
const valueOf = (p: Uint8Array) => decode(value, p.subarray(PAYLOAD_OFFSET)).value;

Deno.test("issue 17.2: a dead Worker's record is not reused while its recovery waits for the server lock", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 4, prio_workers: 0 });
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    const serial = await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(5000), opts);
    const [dead] = await workersRunning(pool);
    // Hold the server lock so the recovery, tried after the grace, has to wait for it.
    const g = await holdServerLock(pool);
    try {
      assert.ok(pool.kill(dead!));
      await eventually(() => pool.recovering === 1, 5000, "a recovery pending");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(pool.recovering, 1, "the recovery waits for the lock");
      // Meanwhile the pool is asked for more Workers.
      Atomics.store(pool.ctl, S_MIN_WORKERS, 4);
      pool.resize();
      assert.equal(pool.isolateOf(dead!), -1, "no new isolate in the dead Worker's record");
    } finally {
      g[Symbol.dispose]();
    }
    const r = await c.reply(serial, 10_000);
    assert.equal(r.header.status, VIR_NET_ERROR);
    assert.equal(errorOf(r).message, "internal error: the worker running this call died");
    await eventually(() => pool.workerCounts.normal === 4, 10_000, "four workers");
    await booksBalance(pool);
    // All four serve.
    const cs = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(d.rw)));
    const replies = await Promise.all(cs.map(async (x, i) => {
      const s = await x.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(300 + i), opts);
      return x.reply(s, 10_000);
    }));
    assert.deepEqual(replies.map((x) => valueOf(x.packet)), [300, 301, 302, 303]);
    for (const x of cs) x.close();
    await Promise.all(cs.map((x) => x.done));
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

Deno.test("issue 17.3: a reply a Worker published just before it died reaches its client, and its job is freed", async () => {
  // No polling: the event loop must not drain while the test spins.
  const d = await startDaemon({ dispatch_poll_us: 0 });
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    const serial = await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(300), opts);
    const [w] = await workersRunning(pool);
    // Spin on the event loop itself, so nothing drains the mailbox, until the
    // reply is published; then end the Worker that published it.
    const lenWord = pool.mem.worker(w!) + W_MAIL_LEN;
    const until = Date.now() + 10_000;
    while (Atomics.load(pool.ctl, lenWord) === 0 && Date.now() < until) {
      // The Worker is sleeping in its call.
    }
    assert.notEqual(Atomics.load(pool.ctl, lenWord), 0, "the reply was published");
    assert.ok(pool.kill(w!));
    const r = await c.reply(serial, 5000);
    assert.equal(r.header.status, VIR_NET_OK);
    assert.equal(valueOf(r.packet), 300);
    await eventually(() => pool.inflight === 0, 5000, "no call in flight");
    assert.equal(pool.arena.inUse, 0);
    await booksBalance(pool);
    c.close();
    await c.done;
    await eventually(() => d.server.clientCount === 0, 5000, "the client freed");
  } finally {
    c.close();
    await d.stop();
  }
});

Deno.test("issue 17.5: an admin Worker's death releases nothing a libvirtd Worker of the same index holds", async () => {
  const d = await startDaemon({
    min_workers: 5,
    max_workers: 20,
    prio_workers: 0,
    worker_park_seconds: 0,
  });
  const pool = d.server.pool;
  const admin = d.server.admin.pool;
  const a = await RawClient.connect(d.rw);
  const b = await RawClient.connect(d.rw);
  try {
    const made = await a.reply(await a.call(SLEEP_PROC_OBJECT_NEW, (w) => w.writeUint(7), opts));
    const handle = valueOf(made.packet);
    const held = await a.call(
      SLEEP_PROC_OBJECT_HOLD,
      (w) => hold.encode(w, { handle, ms: 1500 }),
      opts,
    );
    const [k] = await workersRunning(pool);
    const started = Date.now();
    const store = new SharedStore(pool.store, new LockTracker(1, false));
    const deaths = store.deaths(pool.threadIdOf(k!));
    // The admin pool's Worker in the same record index dies.
    await eventually(() => admin.isolateOf(k!) >= 0, 10_000, `admin worker ${k}`);
    assert.ok(admin.kill(k!));
    await eventually(() => admin.recovering === 0, 5000, "the admin worker recovered");
    // The libvirtd Worker still holds the object: b's read waits for the hold to end.
    const got = await b.reply(
      await b.call(SLEEP_PROC_OBJECT_GET, (w) => w.writeUint(handle), opts),
      10_000,
    );
    assert.equal(valueOf(got.packet), 7);
    assert.ok(Date.now() - started >= 1400, "the object lock was held to the end of the hold");
    assert.equal(valueOf((await a.reply(held, 10_000)).packet), 7);
    // And a QEMU job that Worker held would not look orphaned.
    assert.equal(store.deaths(pool.threadIdOf(k!)), deaths);
  } finally {
    for (const x of [a, b]) x.close();
    await Promise.all([a.done, b.done]);
    await d.stop();
  }
});

Deno.test("issue 17.8: an I/O answer for a dead Worker never overwrites its successor's", async () => {
  const d = await startDaemon({ min_workers: 1, max_workers: 1, prio_workers: 0 });
  const pool = d.server.pool;
  const pending = new Map<number, { ok: (v: number) => void; fail: (e: unknown) => void }>();
  d.server.main.onIo = (req) =>
    new Promise((ok, fail) => pending.set(Number(req.value), { ok, fail }));
  const a = await RawClient.connect(d.rw);
  const b = await RawClient.connect(d.rw);
  try {
    // The only Worker asks for I/O and is ended while it waits.
    const s1 = await a.call(SLEEP_PROC_IO, (w) => w.writeUint(1), opts);
    await eventually(() => pending.has(1), 5000, "the first request");
    const [k] = await workersRunning(pool);
    pool.kill(k!);
    assert.equal(
      errorOf(await a.reply(s1, 5000)).message,
      "internal error: the worker running this call died",
    );
    // Its successor, in the same record, asks too.
    const s2 = await b.call(SLEEP_PROC_IO, (w) => w.writeUint(2), opts);
    await eventually(() => pending.has(2), 10_000, "the second request");
    assert.deepEqual(await workersRunning(pool), [k], "the successor runs in the same record");
    // The dead Worker's request fails while its successor waits on its own:
    // nothing is written into the record's answer box (a write would bump
    // W_IO_SEQ and, landing after the successor's answer, replace it).
    const seq = pool.mem.worker(k!) + W_IO_SEQ;
    const before = Atomics.load(pool.ctl, seq);
    pending.get(1)!.fail(VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "too late"));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(Atomics.load(pool.ctl, seq), before, "no answer written for the dead Worker");
    pending.get(2)!.ok(20);
    const r2 = await b.reply(s2, 5000);
    assert.equal(r2.header.status, VIR_NET_OK);
    assert.equal(valueOf(r2.packet), 20);
    // The record keeps serving.
    const e = await b.reply(await b.call(SLEEP_PROC_ECHO, (w) => w.writeUint(3), opts), 5000);
    assert.equal(valueOf(e.packet), 3);
  } finally {
    for (const x of [a, b]) x.close();
    await Promise.all([a.done, b.done]);
    await d.stop();
  }
});
