// Parked Workers (issue 16): a Worker of the pool keeps an isolate only
// while it has been used lately. The pool's counts stay libvirtd's
// (virt-admin sees min_workers and prio_workers Workers, all free), a call
// starts an isolate in a parked Worker, an idle one parks again, and no call
// is lost or answered twice however calls and parking interleave.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "../server/_daemon.ts";
import { RawClient } from "../_rpc_client.ts";
import {
  SLEEP_PROC_ECHO,
  SLEEP_PROC_ECHO_HIGH,
  SLEEP_PROC_SLEEP,
  SLEEP_PROGRAM,
} from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET, VIR_NET_OK } from "../../src/rpc/mod.ts";
import { W_PRIO, W_STATE, WORKER_PARKED } from "../../src/pool/layout.ts";
import type { WorkerPool } from "../../src/pool/pool.ts";
import { booksBalance, resizeTo } from "./_pool.ts";

const value = struct("v", { value: uint });
const opts = { prog: SLEEP_PROGRAM };
const valueOf = (p: Uint8Array) => decode(value, p.subarray(PAYLOAD_OFFSET)).value;

/** Worker records with an isolate now, normal and priority. */
function isolates(pool: WorkerPool): { normal: number[]; prio: number[] } {
  const out = { normal: [] as number[], prio: [] as number[] };
  for (let i = 0; i < pool.mem.capacity.workers; i++) {
    if (pool.isolateOf(i) < 0) continue;
    const prio = Atomics.load(pool.ctl, pool.mem.worker(i) + W_PRIO) === 1;
    out[prio ? "prio" : "normal"].push(i);
  }
  return out;
}

const parked = (pool: WorkerPool) =>
  Array.from({ length: pool.mem.capacity.workers }, (_, i) => i).filter((i) =>
    Atomics.load(pool.ctl, pool.mem.worker(i) + W_STATE) === WORKER_PARKED
  ).length;

Deno.test("Workers start parked with libvirtd's counts, start an isolate for a call, and park again when idle", async () => {
  const d = await startDaemon({ min_workers: 3, max_workers: 20, prio_workers: 2 }, {
    parkAfterMs: 400,
  });
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    // The counts virt-admin reads: three Workers and two priority ones, all free.
    assert.deepEqual(pool.workerCounts, { normal: 3, prio: 2, starting: 0 });
    // The QEMU driver's start-up ran in one; once idle it parks too.
    await eventually(() => isolates(pool).normal.length === 0, 5000, "every Worker parked");
    assert.deepEqual(isolates(pool).prio, []);
    assert.equal(parked(pool), 5);
    await booksBalance(pool);
    assert.deepEqual(pool.free, { normal: 3, prio: 2 });

    const r = await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(41), opts));
    assert.equal(r.header.status, VIR_NET_OK);
    assert.equal(valueOf(r.packet), 41);
    // One isolate served it; the others stayed parked.
    assert.equal(isolates(pool).normal.length, 1);
    assert.equal(parked(pool), 4);
    // Back to back, calls go to the warm one.
    const first = isolates(pool).normal[0]!;
    for (let i = 0; i < 20; i++) {
      assert.equal(
        valueOf((await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(i), opts))).packet),
        i,
      );
    }
    // (A call may come before the Worker is back on its idle stack; it is
    // then left for that Worker rather than given to a parked one.)
    assert.ok(isolates(pool).normal.includes(first));
    assert.ok(isolates(pool).normal.length <= 2, `isolates in ${isolates(pool).normal}`);
    await eventually(() => isolates(pool).normal.length === 0, 5000, "the Worker parked again");
    await booksBalance(pool);
    assert.deepEqual(pool.workerCounts, { normal: 3, prio: 2, starting: 0 });
    // A parked Worker answers again.
    assert.equal(
      valueOf((await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(9), opts))).packet),
      9,
    );
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

Deno.test("with every normal Worker blocked, a parked priority Worker starts and answers a high-priority call", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 2, prio_workers: 1 }, {
    parkAfterMs: 60_000,
  });
  const pool = d.server.pool;
  const cs = await Promise.all([0, 1, 2].map(() => RawClient.connect(d.rw)));
  try {
    assert.deepEqual(isolates(pool).prio, [], "the priority Worker is parked");
    const sleeps = await Promise.all(
      cs.slice(0, 2).map((s) => s.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(3000), opts)),
    );
    await eventually(
      () => isolates(pool).normal.length === 2 && pool.free.normal === 0,
      5000,
      "both normal Workers busy",
    );
    const hi = cs[2]!;
    const t0 = Date.now();
    const r = await hi.reply(
      await hi.call(SLEEP_PROC_ECHO_HIGH, (w) => w.writeUint(5), opts),
      2500,
    );
    assert.equal(valueOf(r.packet), 5);
    assert.ok(Date.now() - t0 < 2500, "answered before the sleepers woke");
    assert.equal(isolates(pool).prio.length, 1);
    await Promise.all(sleeps.map((s, i) => cs[i]!.reply(s, 10_000)));
    await booksBalance(pool);
  } finally {
    for (const c of cs) c.close();
    await Promise.all(cs.map((c) => c.done));
    await d.stop();
  }
});

Deno.test("calls that arrive as Workers park and the pool is resized are each answered once, right, and the books balance", async () => {
  // Workers park after 15 ms idle: calls spaced around that catch Workers
  // parking, just parked (their isolate not yet ended), and resumed; the
  // pool is resized meanwhile, so parked Workers leave and join it too.
  const d = await startDaemon({ min_workers: 3, max_workers: 6, prio_workers: 1 }, {
    parkAfterMs: 15,
  });
  const pool = d.server.pool;
  const cs = await Promise.all([0, 1, 2].map(() => RawClient.connect(d.rw)));
  try {
    const until = Date.now() + 4000;
    let calls = 0;
    const resizes = (async () => {
      for (let i = 0; Date.now() < until; i++) {
        const n = [1, 5, 2, 6, 3][i % 5]!;
        resizeTo(pool, n, n);
        await new Promise((res) => setTimeout(res, 30 + Math.random() * 60));
      }
      resizeTo(pool, 3, 3);
    })();
    await Promise.all(cs.map(async (c, k) => {
      for (let i = 0; Date.now() < until; i++) {
        const v = k * 100_000 + i;
        const proc = i % 7 === 3 ? SLEEP_PROC_ECHO_HIGH : SLEEP_PROC_ECHO;
        const r = await c.reply(await c.call(proc, (w) => w.writeUint(v), opts), 10_000);
        assert.equal(r.header.status, VIR_NET_OK);
        assert.equal(valueOf(r.packet), v);
        calls++;
        await new Promise((res) => setTimeout(res, Math.random() * 40));
      }
    }));
    await resizes;
    assert.ok(calls > 50, `${calls} calls`);
    // Nothing more arrives: no call was answered twice.
    await new Promise((res) => setTimeout(res, 200));
    for (const c of cs) assert.deepEqual(c.pending, []);
    await eventually(() => pool.workerCounts.normal === 3, 5000, "three Workers");
    await booksBalance(pool);
    await eventually(() => parked(pool) === 4, 5000, "every Worker parked");
    assert.deepEqual(pool.workerCounts, { normal: 3, prio: 1, starting: 0 });
  } finally {
    for (const c of cs) c.close();
    await Promise.all(cs.map((c) => c.done));
    await d.stop();
  }
});

Deno.test("a pool grown by the admin program adds parked Workers; shrunk, it drops parked ones first", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 20, prio_workers: 0 }, {
    parkAfterMs: 60_000,
  });
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(1), opts));
    await booksBalance(pool);
    const warm = isolates(pool).normal;
    assert.ok(warm.length >= 1, "a warm Worker");
    resizeTo(pool, 8, 8);
    await eventually(() => pool.workerCounts.normal === 8, 5000, "eight Workers");
    // No isolate was started for them.
    assert.deepEqual(isolates(pool).normal, warm);
    await booksBalance(pool);
    resizeTo(pool, warm.length, warm.length);
    await eventually(() => pool.workerCounts.normal === warm.length, 5000, "the warm Workers");
    // The parked ones left; the warm ones serve on.
    assert.equal(parked(pool), 0);
    assert.deepEqual(isolates(pool).normal, warm);
    await booksBalance(pool);
    assert.equal(
      valueOf((await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(2), opts))).packet),
      2,
    );
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
