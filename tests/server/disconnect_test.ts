// A client that leaves while one of its calls still runs (issue 17, defect
// 4): its driver connection is closed once that call is done, so driver
// state it opened is not kept for a client that is gone.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "./_daemon.ts";
import { RawClient } from "../_rpc_client.ts";
import { REMOTE_PROC_CONNECT_OPEN } from "../../src/protocol/remote_procedure_numbers.ts";
import { VIR_NET_OK } from "../../src/rpc/mod.ts";
import { SharedStore } from "../../src/drivers/shared_store.ts";
import { LockTracker, THREAD_SLOTS } from "../../src/pool/lock.ts";
import { workersRunning } from "../pool/_pool.ts";

function open(c: RawClient, uri: string): Promise<number> {
  return c.call(REMOTE_PROC_CONNECT_OPEN, (w) => {
    w.writeUint(1);
    w.writeString(uri, 256);
    w.writeUint(0);
  });
}

Deno.test("issue 17.4: a client that disconnects while its CONNECT_OPEN runs has the connection closed", async () => {
  const d = await startDaemon();
  // The test reads the drivers' store as a thread of its own.
  const store = new SharedStore(d.server.pool.store, new LockTracker(THREAD_SLOTS - 2, false));
  const baseline = store.instancesInUse;
  try {
    // An open and a disconnect after it: the test-only driver's instance comes and goes.
    const c0 = await RawClient.connect(d.rw);
    assert.equal((await c0.reply(await open(c0, "sleepdrv:///0"))).header.status, VIR_NET_OK);
    assert.equal(store.instancesInUse, baseline + 1);
    c0.close();
    await c0.done;
    await eventually(() => store.instancesInUse === baseline, 5000, "the instance freed");
    // Disconnects while the open still runs (it blocks its Worker half a second).
    for (let round = 0; round < 3; round++) {
      const c = await RawClient.connect(d.rw);
      await open(c, "sleepdrv:///500");
      await workersRunning(d.server.pool);
      c.close();
      await c.done;
      await eventually(() => d.server.clientCount === 0, 5000, "the client freed");
      await eventually(
        () => store.instancesInUse === baseline,
        5000,
        `the instance freed after disconnect ${round}`,
      );
    }
  } finally {
    await d.stop();
  }
});
