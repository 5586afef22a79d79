// Who runs a queued call, and when (issue 17, defects 1, 6, 7 and 11): the
// pool's clock across its 32-bit wrap, a job handed to a Worker that is
// retiring, a high-priority job taken by the wrong Worker, and a call that
// does not fit in the arena.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "../server/_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import {
  blob,
  SLEEP_PROC_BLOB,
  SLEEP_PROC_ECHO,
  SLEEP_PROC_SLEEP,
  SLEEP_PROC_SLEEP_HIGH,
  SLEEP_PROGRAM,
} from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import {
  encodePacket,
  PAYLOAD_OFFSET,
  VIR_NET_CALL,
  VIR_NET_ERROR,
  VIR_NET_OK,
} from "../../src/rpc/mod.ts";
import { LOCK_STATE, S_LOCK, S_N_WOKEN, W_RETIRE } from "../../src/pool/layout.ts";
import { LOCK_WAITERS } from "../../src/pool/lock.ts";
import { booksBalance, holdServerLock, idleStack, resizeTo } from "./_pool.ts";

const value = struct("v", { value: uint });
const opts = { prog: SLEEP_PROGRAM };
const valueOf = (p: Uint8Array) => decode(value, p.subarray(PAYLOAD_OFFSET)).value;

Deno.test("issue 17.1: across the pool clock's 2³¹ ms wrap calls do not look 49 days old", async () => {
  // The pool's clock starts 2³¹ ms less 1.5 s ago: it wraps 1.5 s into the test.
  const lead = 1500;
  const d = await startDaemon(
    { min_workers: 2, max_workers: 20, prio_workers: 0, stuck_call_warn_seconds: 2 },
    { clockEpochMs: Date.now() - (2 ** 31 - lead) },
  );
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    // Short calls, one at a time, until 1.5 s past the wrap: none is taken
    // for a stuck call (the watchdog would retire its Worker and start another).
    const until = Date.now() + 2 * lead;
    let calls = 0;
    while (Date.now() < until) {
      const r = await c.reply(await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(2), opts));
      assert.equal(r.header.status, VIR_NET_OK);
      assert.equal(pool.stuckWorkers, 0, `no stuck worker after ${calls} calls`);
      calls++;
    }
    // Calls taken for 49 days old would each count as blocked and grow the
    // pool toward max_workers (20); a loaded machine may justly add one.
    assert.ok(pool.workerCounts.normal <= 3, `the pool grew to ${pool.workerCounts.normal}`);
    // The watchdog still sees a call that does run long, after the wrap.
    const s = await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(3000), opts);
    await eventually(() => pool.stuckWorkers === 1, 5000, "the long call reported");
    assert.equal(valueOf((await c.reply(s, 10_000)).packet), 3000);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

/** A call of the sleep program as a packet (for the daemon's own client). */
function sleepCall(proc: number, serial: number, v: number): Uint8Array {
  return encodePacket(
    { prog: SLEEP_PROGRAM, vers: 1, proc, type: VIR_NET_CALL, serial, status: VIR_NET_OK },
    (w) => w.writeUint(v),
  );
}

Deno.test("issue 17.6: a job handed to a Worker that is retiring is still run", async () => {
  const d = await startDaemon({
    min_workers: 3,
    max_workers: 3,
    prio_workers: 0,
    worker_park_seconds: 0,
  });
  const pool = d.server.pool;
  const ctl = pool.ctl;
  // Calls are submitted from the event loop itself, through a socketless client.
  const me = d.server.main.openInternalClient();
  const replies: Uint8Array[] = [];
  me.replied = (p) => void (p && replies.push(p));
  let arranged = 0;
  try {
    for (let attempt = 0; attempt < 40 && arranged < 3; attempt++) {
      resizeTo(pool, 3, 3);
      await eventually(() => pool.workerCounts.normal === 3, 10_000, "three workers");
      await booksBalance(pool);
      const g = await holdServerLock(pool);
      // Lower the pool to two: one idle Worker is marked to retire and woken;
      // it blocks on the server lock we hold.
      resizeTo(pool, 2, 2);
      const retiring = [0, 1, 2].find((i) =>
        Atomics.load(ctl, pool.mem.worker(i) + W_RETIRE) === 1
      );
      assert.ok(retiring !== undefined, "a worker marked to retire");
      const until = Date.now() + 5000;
      while (!(Atomics.load(ctl, S_LOCK + LOCK_STATE) & LOCK_WAITERS) && Date.now() < until) {
        // Wait for it to sleep on the lock.
      }
      // Make it the most recently idle one, the first the scheduler pops.
      const stack = idleStack(pool, false);
      const at = stack.indexOf(retiring);
      assert.ok(at >= 0, "the retiring worker is still on the idle stack");
      const top = stack.length - 1;
      Atomics.store(ctl, pool.mem.idleBase + at, stack[top]!);
      Atomics.store(ctl, pool.mem.idleBase + top, retiring);
      // Release and submit at once: the event loop links the job before the
      // retiring Worker wakes, and pops it for the job.
      g[Symbol.dispose]();
      const serial = 100 + attempt;
      assert.ok(
        pool.submit(me.index, me.gen, sleepCall(SLEEP_PROC_ECHO, serial, serial), false),
      );
      if (Atomics.load(ctl, S_N_WOKEN) === 1 && !idleStack(pool, false).includes(retiring)) {
        arranged++;
      }
      // Whoever took it, the job is run, and soon.
      await eventually(() => replies.length > 0, 2000, `the reply to call ${serial}`);
      assert.equal(valueOf(replies.shift()!), serial);
    }
    assert.ok(arranged > 0, "the retiring worker was handed the job at least once");
    await booksBalance(pool);
  } finally {
    await d.stop();
  }
});

Deno.test("issue 17.7: a normal Worker leaves a high-priority job to the priority Worker woken for it", async () => {
  // Two Workers may run at once, so both are woken for a high- and a normal-priority job.
  const d = await startDaemon(
    { min_workers: 1, max_workers: 1, prio_workers: 1 },
    { runningTarget: 2 },
  );
  const pool = d.server.pool;
  const a = await RawClient.connect(d.rw);
  const b = await RawClient.connect(d.rw);
  try {
    for (let round = 0; round < 5; round++) {
      await booksBalance(pool);
      // Both calls are linked in one flush: the server lock is held while they arrive.
      const g = await holdServerLock(pool);
      const high = await a.call(SLEEP_PROC_SLEEP_HIGH, (w) => w.writeUint(1500), opts);
      await eventually(() => pool.inflight === 1, 5000, "the high-priority call submitted");
      const normal = await b.call(SLEEP_PROC_ECHO, (w) => w.writeUint(round), opts);
      await eventually(() => pool.inflight === 2, 5000, "the normal call submitted");
      const t0 = Date.now();
      g[Symbol.dispose]();
      // The normal call does not wait for the high-priority one.
      const r = await b.reply(normal, 1000);
      assert.equal(valueOf(r.packet), round);
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(valueOf((await a.reply(high, 5000)).packet), 1500);
    }
  } finally {
    for (const x of [a, b]) x.close();
    await Promise.all([a.done, b.done]);
    await d.stop();
  }
});

Deno.test("issue 17.11: a call the full arena cannot hold is refused; nothing leaks", async () => {
  // A 1 MiB arena: 300 KB calls take 512 KiB blocks, so at most two fit.
  const d = await startDaemon({}, { arenaMaxBytes: 1 << 20 });
  const pool = d.server.pool;
  const cs = await Promise.all([0, 1, 2].map(() => RawClient.connect(d.rw)));
  const data = new Uint8Array(300_000).fill(7);
  const send = (c: RawClient, ms: number) =>
    c.call(SLEEP_PROC_BLOB, (w) => blob.encode(w, { ms, data }), opts);
  try {
    // Calls that hold their block two seconds, one client each, until one is refused.
    const held: { c: RawClient; serial: number }[] = [];
    let refused: RawClient | null = null;
    for (const c of cs) {
      const serial = await send(c, 2000);
      await eventually(
        () => pool.inflight === held.length + 1 || c.pending.length > 0,
        5000,
        "the call taken or refused",
      );
      if (c.pending.length === 0) {
        held.push({ c, serial });
        continue;
      }
      const r = await c.reply(serial, 1000);
      assert.equal(r.header.status, VIR_NET_ERROR);
      const e = errorOf(r);
      // VIR_ERR_RPC, as libvirt's RPC layer reports a message it cannot take.
      assert.deepEqual([e.code, e.message], [
        39,
        "too many outstanding calls: the daemon is overloaded",
      ]);
      refused = c;
      break;
    }
    assert.ok(refused, "a call was refused");
    assert.ok(held.length >= 1 && held.length <= 2, `${held.length} calls held`);
    for (const { c, serial } of held) {
      assert.equal(valueOf((await c.reply(serial, 5000)).packet), 300_000);
    }
    // The refused client goes on: its next call fits.
    assert.equal(valueOf((await refused.reply(await send(refused, 0), 5000)).packet), 300_000);
    assert.equal(pool.inflight, 0);
    assert.equal(pool.arena.inUse, 0);
    for (const c of cs) c.close();
    await Promise.all(cs.map((c) => c.done));
    await eventually(() => d.server.clientCount === 0, 5000, "every client freed");
  } finally {
    for (const c of cs) c.close();
    await d.stop();
  }
});
