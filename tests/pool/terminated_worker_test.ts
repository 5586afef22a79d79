// A Worker the watchdog ends while its call blocks (found by the soak):
// Deno's Worker.terminate() does not interrupt a thread blocked in
// Atomics.wait or running synchronous code — the isolate runs on until it
// next returns to its event loop, which a Worker's job loop never does. The
// ended Worker must not come back when its call unblocks: no second answer
// to its call, no second isolate in its record, the pool's books intact.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "../server/_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import { SLEEP_PROC_ECHO, SLEEP_PROC_SLEEP, SLEEP_PROGRAM } from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET, VIR_NET_ERROR } from "../../src/rpc/mod.ts";
import { booksBalance } from "./_pool.ts";

const value = struct("v", { value: uint });
const opts = { prog: SLEEP_PROGRAM };

Deno.test("a Worker the watchdog ended does not come back when its blocked call returns", async () => {
  const d = await startDaemon({
    min_workers: 1,
    max_workers: 4,
    prio_workers: 0,
    stuck_call_kill_seconds: 1,
  });
  const pool = d.server.pool;
  const c = await RawClient.connect(d.rw);
  try {
    const t0 = performance.now();
    const serial = await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(2500), opts);
    const r = await c.reply(serial, 10_000);
    assert.equal(r.header.status, VIR_NET_ERROR);
    assert.equal(errorOf(r).message, "internal error: the worker running this call died");
    assert.ok(performance.now() - t0 < 2400, "ended by the watchdog, before the sleep was over");
    // The ended Worker's sleep is over now: were it still running, it would
    // answer its call again and take its record back from its successor.
    await new Promise((res) => setTimeout(res, 2500 - (performance.now() - t0) + 500));
    await booksBalance(pool);
    assert.equal(pool.inflight, 0, "no call counted twice as done");
    // Calls after it are each answered once, and nothing else arrives.
    for (let i = 0; i < 20; i++) {
      const s = await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(i), opts);
      const e = await c.reply(s, 5000);
      assert.equal(decode(value, e.packet.subarray(PAYLOAD_OFFSET)).value, i);
    }
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(
      c.pending.map((p) => p.header.serial),
      [],
      "no reply the client did not ask for",
    );
    await booksBalance(pool);
    await eventually(() => pool.inflight === 0, 5000, "no call in flight");
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
