// The dispatch pool against real sockets and real Workers: many clients
// pipelining, per-client order, parallelism, priority workers, disconnects
// in the middle of a dispatch, handlers that throw.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "./_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import {
  SLEEP_PROC_CRASH,
  SLEEP_PROC_ECHO,
  SLEEP_PROC_ECHO_HIGH,
  SLEEP_PROC_IO,
  SLEEP_PROC_OBJECT_CRASH,
  SLEEP_PROC_OBJECT_GET,
  SLEEP_PROC_OBJECT_NEW,
  SLEEP_PROC_SLEEP,
  SLEEP_PROC_THROW,
  SLEEP_PROGRAM,
} from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET, VIR_NET_ERROR, VIR_NET_OK } from "../../src/rpc/mod.ts";
import { C_REFS, S_EL_POLLING, S_N_WOKEN, W_STATE, WORKER_BUSY } from "../../src/pool/layout.ts";
import { VirError } from "../../src/rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU } from "../../src/rpc/error_codes.ts";

const value = struct("v", { value: uint });
const opts = { prog: SLEEP_PROGRAM };

function valueOf(packet: Uint8Array): number {
  return decode(value, packet.subarray(PAYLOAD_OFFSET)).value;
}

Deno.test("64 clients × 500 pipelined calls: every reply reaches its own client with its own serial, once", async () => {
  const d = await startDaemon();
  try {
    const clients = await Promise.all(Array.from({ length: 64 }, () => RawClient.connect(d.rw)));
    await Promise.all(clients.map(async (c, ci) => {
      const calls = 500;
      // Pipeline everything at once; the daemon throttles by not reading.
      const sends = [];
      for (let i = 0; i < calls; i++) {
        sends.push(
          c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(ci * 100_000 + i), { ...opts, serial: i }),
        );
      }
      await Promise.all(sends);
      const seen = new Set<number>();
      for (let i = 0; i < calls; i++) {
        const r = await c.next((p) => p.header.type === 1, 30_000);
        assert.equal(r.header.status, VIR_NET_OK);
        assert.ok(!seen.has(r.header.serial), `serial ${r.header.serial} answered twice`);
        seen.add(r.header.serial);
        assert.equal(
          valueOf(r.packet),
          ci * 100_000 + r.header.serial,
          "reply carries its call's value",
        );
      }
      assert.equal(seen.size, calls);
      // No duplicate was still in flight: one more call's reply comes, and nothing else with it.
      const marker = await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(7), {
        ...opts,
        serial: calls,
      });
      assert.equal(valueOf((await c.reply(marker, 30_000)).packet), 7);
      assert.equal(c.pending.length, 0);
    }));
    // Every worker popped for a job counted itself awake again.
    await eventually(
      () => Atomics.load(d.server.pool.ctl, S_N_WOKEN) === 0,
      2000,
      "no woken worker left",
    );
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.done));
  } finally {
    await d.stop();
  }
});

for (const poll of [100, 0]) {
  Deno.test(`one client's calls back to back, dispatch_poll_us = ${poll}: each answered once, right; then nothing left waiting`, async () => {
    const d = await startDaemon({ dispatch_poll_us: poll });
    try {
      const a = await RawClient.connect(d.rw);
      const b = await RawClient.connect(d.rw);
      // One client alone (the event loop may poll for each answer), then two at once (it must not).
      const run = async (c: RawClient, base: number, n: number) => {
        for (let i = 0; i < n; i++) {
          const r = await c.reply(
            await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(base + i), opts),
          );
          assert.equal(r.header.status, VIR_NET_OK);
          assert.equal(valueOf(r.packet), base + i);
        }
      };
      await run(a, 0, 2000);
      await Promise.all([run(a, 10_000, 1000), run(b, 20_000, 1000)]);
      assert.deepEqual([a.pending.length, b.pending.length], [0, 0]);
      const ctl = d.server.pool.ctl;
      // Idle again: no worker counted as woken, the poll flag down.
      await eventually(() => Atomics.load(ctl, S_N_WOKEN) === 0, 2000, "no woken worker left");
      assert.equal(Atomics.load(ctl, S_EL_POLLING), 0);
      for (const c of [a, b]) c.close();
      await Promise.all([a.done, b.done]);
    } finally {
      await d.stop();
    }
  });
}

for (const spin of [150, 0]) {
  Deno.test(
    `one client's short calls back to back, dispatch_spin_us = ${spin}: the event loop polls for each answer, ${
      spin
        ? "and the Worker takes the next call without being woken"
        : "and wakes the Worker for each"
    }`,
    async () => {
      const d = await startDaemon({ dispatch_spin_us: spin });
      try {
        const c = await RawClient.connect(d.rw);
        const run = async (n: number) => {
          for (let i = 0; i < n; i++) {
            const r = await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(i), opts));
            assert.equal(valueOf(r.packet), i);
          }
        };
        // The Worker's isolate starts and compiles the call's code first.
        await run(200);
        // A machine busy with other work may preempt the poll or the spin: up to three tries.
        const n = 2000;
        const tries: string[] = [];
        for (let t = 0; t < 3; t++) {
          const before = d.server.pool.dispatchCounts;
          await run(n);
          const after = d.server.pool.dispatchCounts;
          const polls = after.polls - before.polls;
          const answered = after.answered - before.answered;
          const wakes = after.wakes - before.wakes;
          tries.push(
            `${n} calls: ${polls} polls, ${answered} answered by the poll, ${wakes} wakes`,
          );
          // The poll follows the call's run time on its Worker: a short call is polled for
          // however slowly this machine wakes a sleeping thread.
          const polled = polls >= n / 2 && answered >= polls / 2;
          if (polled && (spin ? wakes <= n / 2 : wakes >= n / 2)) break;
          assert.ok(t < 2, tries.join("; "));
        }
        c.close();
        await c.done;
      } finally {
        await d.stop();
      }
    },
  );
}

Deno.test("with max_client_requests = 1 one client's calls complete in the order sent", async () => {
  const d = await startDaemon({ max_client_requests: 1 });
  try {
    const c = await RawClient.connect(d.rw);
    // Later calls are quicker: any parallelism would reorder the replies.
    for (let i = 0; i < 10; i++) {
      await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(30 - 3 * i), { ...opts, serial: i });
    }
    const order = [];
    for (let i = 0; i < 10; i++) order.push((await c.next()).header.serial);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    c.close();
    await c.done;
  } finally {
    await d.stop();
  }
});

Deno.test("with max_client_requests = 5 one client's calls run in parallel (replies may reorder)", async () => {
  const d = await startDaemon({ max_client_requests: 5 });
  try {
    const c = await RawClient.connect(d.rw);
    await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(400), { ...opts, serial: 0 });
    await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(1), { ...opts, serial: 1 });
    assert.equal((await c.next()).header.serial, 1, "the quick call overtakes the slow one");
    assert.equal((await c.next()).header.serial, 0);
    c.close();
    await c.done;
  } finally {
    await d.stop();
  }
});

Deno.test("client A's slow call does not delay client B's calls", async () => {
  const d = await startDaemon();
  try {
    const a = await RawClient.connect(d.rw);
    const b = await RawClient.connect(d.rw);
    // Far longer than B's calls take even on a loaded machine; A leaves before it ends.
    await a.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(20_000), opts);
    for (let i = 0; i < 20; i++) {
      const r = await b.reply(await b.call(SLEEP_PROC_ECHO, (w) => w.writeUint(i), opts));
      assert.equal(valueOf(r.packet), i);
    }
    // All of B's 20 calls were answered while A's call still runs.
    assert.equal(a.pending.length, 0);
    a.close();
    b.close();
    await Promise.all([a.done, b.done]);
  } finally {
    await d.stop();
  }
});

Deno.test("with every normal worker blocked a high-priority call still completes", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 2, prio_workers: 2 });
  try {
    const ctl = d.server.pool.ctl;
    const sleepers = await Promise.all([0, 1, 2].map(() => RawClient.connect(d.rw)));
    const serials = await Promise.all(
      sleepers.map((s) => s.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(2000), opts)),
    );
    // Both normal workers are now blocked and one sleep call waits in the queue.
    await eventually(() => d.server.pool.queueDepth === 1, 5000, "a queued sleeper");
    const hi = await RawClient.connect(d.rw);
    const r = await hi.reply(
      await hi.call(SLEEP_PROC_ECHO_HIGH, (w) => w.writeUint(7), opts),
      1500,
    );
    assert.equal(valueOf(r.packet), 7);
    // A low-priority call would wait for a normal worker: the queue still holds the sleeper.
    assert.ok(sleepers.every((s) => s.pending.length === 0), "no sleeper finished yet");
    let busy = 0;
    for (let i = 0; i < 64; i++) {
      if (Atomics.load(ctl, d.server.pool.mem.worker(i) + W_STATE) === WORKER_BUSY) busy++;
    }
    assert.ok(busy >= 2);
    await Promise.all(sleepers.map((s, i) => s.reply(serials[i]!, 10_000)));
    for (const c of [...sleepers, hi]) c.close();
    await Promise.all([...sleepers, hi].map((c) => c.done));
  } finally {
    await d.stop();
  }
});

Deno.test("the pool grows toward max_workers when jobs queue", async () => {
  const d = await startDaemon({ min_workers: 1, max_workers: 4, prio_workers: 0 });
  try {
    const cs = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(d.rw)));
    // Calls long enough that the pool still has queued work while new
    // isolates start, even on a busy machine.
    const serials = await Promise.all(
      cs.map((c) => c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(3000), opts)),
    );
    await eventually(() => d.server.pool.workerCounts.normal === 4, 5000, "4 workers");
    await Promise.all(cs.map((c, i) => c.reply(serials[i]!, 10_000)));
    for (const c of cs) c.close();
    await Promise.all(cs.map((c) => c.done));
  } finally {
    await d.stop();
  }
});

Deno.test("200 disconnects in the middle of a dispatch leak no client, job or reference", async () => {
  const d = await startDaemon();
  try {
    for (let round = 0; round < 4; round++) {
      const cs = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(d.rw)));
      await Promise.all(cs.map(async (c) => {
        await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(20), opts);
        await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(1), opts);
        c.close();
        await c.done;
      }));
    }
    const pool = d.server.pool;
    await eventually(() => d.server.clientCount === 0, 10_000, "every client freed");
    assert.equal(pool.queueDepth, 0);
    assert.equal(pool.arena.inUse, 0, "every call's arena block is back");
    for (let i = 0; i < 200; i++) {
      assert.equal(Atomics.load(pool.ctl, pool.mem.client(i) + C_REFS), 0);
    }
    await eventually(() => pool.mem.serverLock.owner === 0, 5000, "the server lock free");
    // And the daemon still answers.
    const c = await RawClient.connect(d.rw);
    const r = await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(9), opts));
    assert.equal(valueOf(r.packet), 9);
    c.close();
    await c.done;
  } finally {
    await d.stop();
  }
});

Deno.test("a handler that throws gets an internal-error reply and the worker keeps serving", async () => {
  const d = await startDaemon({ min_workers: 1, max_workers: 1, prio_workers: 0 });
  try {
    const c = await RawClient.connect(d.rw);
    const r = await c.reply(await c.call(SLEEP_PROC_THROW, undefined, opts));
    assert.equal(r.header.status, VIR_NET_ERROR);
    const e = errorOf(r);
    assert.equal(e.code, 1);
    assert.equal(e.message, "internal error: deliberate failure in a handler");
    const ok = await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(3), opts));
    assert.equal(valueOf(ok.packet), 3);
    c.close();
    await c.done;
  } finally {
    await d.stop();
  }
});

Deno.test("a Worker that dies mid-call is replaced; its client gets an error reply; nothing stays locked", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 2, prio_workers: 1 });
  try {
    const c = await RawClient.connect(d.rw);
    const other = await RawClient.connect(d.rw);
    const r = await c.reply(await c.call(SLEEP_PROC_CRASH, undefined, opts), 10_000);
    assert.equal(r.header.status, VIR_NET_ERROR);
    assert.equal(errorOf(r).message, "internal error: the worker running this call died");
    // The same client and another one are served; the pool is back to two normal Workers.
    const a = await c.reply(await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(5), opts));
    assert.equal(valueOf(a.packet), 5);
    const b = await other.reply(await other.call(SLEEP_PROC_ECHO, (w) => w.writeUint(6), opts));
    assert.equal(valueOf(b.packet), 6);
    await eventually(
      () => d.server.pool.workerCounts.normal === 2,
      5000,
      "the pool back at 2 workers",
    );
    // Idle, nobody holds the server lock (a dead holder's lock was released).
    await eventually(() => d.server.pool.mem.serverLock.owner === 0, 5000, "the server lock free");
    for (const x of [c, other]) x.close();
    await Promise.all([c.done, other.done]);
    await eventually(() => d.server.clientCount === 0, 5000, "clients freed");
    assert.equal(d.server.pool.arena.inUse, 0);
  } finally {
    await d.stop();
  }
});

Deno.test("a Worker that dies holding a driver object's lock: the lock is released, the object readable", async () => {
  const d = await startDaemon({ min_workers: 2, max_workers: 2, prio_workers: 1 });
  try {
    const c = await RawClient.connect(d.rw);
    const made = await c.reply(await c.call(SLEEP_PROC_OBJECT_NEW, (w) => w.writeUint(42), opts));
    const handle = valueOf(made.packet);
    const r = await c.reply(
      await c.call(SLEEP_PROC_OBJECT_CRASH, (w) => w.writeUint(handle), opts),
      10_000,
    );
    assert.equal(errorOf(r).message, "internal error: the worker running this call died");
    // Had the dead Worker's object lock stayed held, this call would wait forever.
    const got = await c.reply(
      await c.call(SLEEP_PROC_OBJECT_GET, (w) => w.writeUint(handle), opts),
      5_000,
    );
    assert.equal(got.header.status, VIR_NET_OK);
    assert.equal(valueOf(got.packet), 42);
    c.close();
    await c.done;
  } finally {
    await d.stop();
  }
});

Deno.test("a call waits on the event loop's I/O: answered, errors raised, other clients served meanwhile", async () => {
  const d = await startDaemon();
  // The event loop's side: answer value + 1 after a delay; refuse 13 with a libvirt error.
  const pending: (() => void)[] = [];
  d.server.main.onIo = (req) => {
    const v = Number(req.value);
    if (v === 13) {
      return Promise.reject(VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, "unlucky"));
    }
    return new Promise((resolve) => pending.push(() => resolve(v + 1)));
  };
  const a = await RawClient.connect(d.rw);
  const b = await RawClient.connect(d.rw);
  try {
    const s1 = await a.call(SLEEP_PROC_IO, (w) => w.writeUint(41), opts);
    // While a's Worker sleeps on its answer, b is served by another Worker.
    await eventually(() => pending.length === 1, 5000, "the I/O request");
    const echo = await b.reply(await b.call(SLEEP_PROC_ECHO, (w) => w.writeUint(7), opts));
    assert.equal(valueOf(echo.packet), 7);
    assert.equal(a.pending.length, 0, "a is still waiting");
    pending.shift()!();
    const r1 = await a.reply(s1);
    assert.equal(r1.header.status, VIR_NET_OK);
    assert.equal(valueOf(r1.packet), 42);
    // An error the event loop answers is the call's error, code and domain kept.
    const r2 = await a.reply(await a.call(SLEEP_PROC_IO, (w) => w.writeUint(13), opts));
    assert.equal(r2.header.status, VIR_NET_ERROR);
    const e = errorOf(r2);
    assert.deepEqual(
      [e.code, e.domain, e.message, e.str1, e.str2],
      [
        55,
        10,
        "Requested operation is not valid: unlucky",
        "Requested operation is not valid: %s",
        "unlucky",
      ],
    );
    // Many at once: each Worker gets its own answer.
    const serials = await Promise.all(
      [1, 2, 3, 4].map(async (v) => {
        const c = await RawClient.connect(d.rw);
        return { c, v, s: await c.call(SLEEP_PROC_IO, (w) => w.writeUint(v * 100), opts) };
      }),
    );
    await eventually(() => pending.length === 4, 5000, "four I/O requests");
    for (const p of pending.splice(0).reverse()) p();
    for (const { c, v, s } of serials) {
      assert.equal(valueOf((await c.reply(s)).packet), v * 100 + 1);
      c.close();
      await c.done;
    }
  } finally {
    a.close();
    b.close();
    await a.done;
    await b.done;
    await d.stop();
  }
});
