// The stuck-call watchdog: with every Worker stuck in a call, new clients
// are still served (replacements start), the stuck calls are reported, and
// when their Workers are terminated their clients get an error reply.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "./_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import { SLEEP_PROC_ECHO, SLEEP_PROC_SLEEP, SLEEP_PROGRAM } from "../testdata/sleep_program.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET, VIR_NET_ERROR } from "../../src/rpc/mod.ts";

const opts = { prog: SLEEP_PROGRAM };
const value = struct("v", { value: uint });

Deno.test("with every Worker stuck, new clients are still served; stuck calls end with an error", async () => {
  const d = await startDaemon({
    min_workers: 2,
    max_workers: 2,
    prio_workers: 0,
    stuck_call_warn_seconds: 1,
    // Far enough past the warning that replacements have started even on a loaded machine.
    stuck_call_kill_seconds: 10,
  });
  const stuck = await Promise.all([0, 1].map(() => RawClient.connect(d.rw)));
  const fresh = await RawClient.connect(d.rw);
  try {
    // Both Workers block for a minute.
    const serials = await Promise.all(
      stuck.map((c) => c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(60_000), opts)),
    );
    await eventually(() => d.server.pool.stuckWorkers === 2, 30_000, "both calls reported stuck");
    // Replacements serve a new client although every original Worker is stuck.
    const r = await fresh.reply(
      await fresh.call(SLEEP_PROC_ECHO, (w) => w.writeUint(11), opts),
      30_000,
    );
    assert.equal(decode(value, r.packet.subarray(PAYLOAD_OFFSET)).value, 11);
    assert.ok(stuck.every((c) => c.pending.length === 0), "served while the stuck calls still ran");
    // Past the kill limit the stuck Workers are terminated and their calls answered with an error.
    for (const [i, c] of stuck.entries()) {
      const e = await c.reply(serials[i]!, 30_000);
      assert.equal(e.header.status, VIR_NET_ERROR);
      assert.equal(errorOf(e).message, "internal error: the worker running this call died");
    }
    await eventually(() => d.server.pool.stuckWorkers === 0, 30_000, "nothing stuck any more");
    const again = await fresh.reply(
      await fresh.call(SLEEP_PROC_ECHO, (w) => w.writeUint(12), opts),
      30_000,
    );
    assert.equal(decode(value, again.packet.subarray(PAYLOAD_OFFSET)).value, 12);
  } finally {
    for (const c of [...stuck, fresh]) c.close();
    await Promise.all([...stuck, fresh].map((c) => c.done));
    await d.stop();
  }
});
