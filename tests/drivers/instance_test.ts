// Shared driver state under connection churn: many clients opening and
// closing test:///default at once must all land on one state, and the last
// close must not tear it down under a client that is still using it.

import assert from "node:assert/strict";
import { startDaemon } from "../server/_daemon.ts";
import { RawClient, RemoteCallError } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { call, openClient } from "./_driver.ts";

Deno.test("clients opening and closing test:///default at once share one state that outlives every user", async () => {
  const d = await startDaemon();
  try {
    const until = Date.now() + 2500;
    const failures: string[] = [];
    let rounds = 0;
    // Each round: a new connection, open, a lookup and an info, close. With
    // eight at a time the last reference is dropped and taken again all the
    // time, so new opens race with each other and with the teardown.
    const churn = async () => {
      while (Date.now() < until) {
        const c = await RawClient.connect(d.rw);
        try {
          await call(c, P.REMOTE_PROC_CONNECT_OPEN, { name: "test:///default", flags: 0 });
          const { dom } = await call(c, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" });
          const info = await call(c, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom });
          assert.equal(info.state, 1); // the default domain, running
          await call(c, P.REMOTE_PROC_CONNECT_CLOSE);
          rounds++;
        } catch (e) {
          failures.push(e instanceof RemoteCallError ? e.message : String(e));
        } finally {
          c.close();
        }
      }
    };
    // One client stays open throughout: its state is never torn down, and a
    // change it makes is seen by every client that opens meanwhile.
    const keeper = await openClient(d);
    const { dom } = await call(keeper, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" });
    await Promise.all(Array.from({ length: 8 }, churn));
    assert.deepEqual(failures, []);
    assert.ok(rounds > 100, `only ${rounds} rounds`);
    const info = await call(keeper, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom });
    assert.equal(info.state, 1);
    await call(keeper, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
    const other = await openClient(d);
    const seen = await call(other, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" });
    assert.equal((await call(other, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom: seen.dom })).state, 3);
    other.close();
    keeper.close();
  } finally {
    await d.stop();
  }
});

Deno.test("racing first opens of test:///default make one state, torn down only by the last close", async () => {
  const d = await startDaemon();
  try {
    const failures: string[] = [];
    // Rounds of eight clients opening at once with nobody connected (so each
    // round races to create the state) and closing at once.
    for (let round = 0; round < 40; round++) {
      const cs = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(d.rw)));
      await Promise.all(cs.map(async (c, i) => {
        try {
          await call(c, P.REMOTE_PROC_CONNECT_OPEN, { name: "test:///default", flags: 0 });
          // One client changes the state: every other one must see it (one state, not two).
          if (i === 0) {
            const { dom } = await call(c, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" });
            await call(c, P.REMOTE_PROC_DOMAIN_SET_AUTOSTART, { dom, autostart: 1 });
          }
        } catch (e) {
          failures.push(String(e));
        }
      }));
      const autostart = await Promise.all(cs.map(async (c) => {
        const { dom } = await call(c, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" });
        return (await call(c, P.REMOTE_PROC_DOMAIN_GET_AUTOSTART, { dom })).autostart;
      }));
      assert.deepEqual(autostart, Array(8).fill(1), `round ${round}`);
      await Promise.all(cs.map(async (c) => {
        try {
          await call(c, P.REMOTE_PROC_CONNECT_CLOSE);
        } catch (e) {
          failures.push(String(e));
        }
        c.close();
      }));
    }
    assert.deepEqual(failures, []);
  } finally {
    await d.stop();
  }
});
