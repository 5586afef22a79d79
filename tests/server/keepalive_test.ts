// Keepalive as libvirtd does it: PING only after the client asks feature 10,
// a close after keepalive_count unanswered PINGs, any packet resets it.

import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";
import { RawClient } from "../_rpc_client.ts";
import {
  encodePacket,
  KEEPALIVE_PROGRAM,
  REMOTE_PROGRAM,
  VIR_NET_MESSAGE,
} from "../../src/rpc/mod.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
} from "../../src/protocol/remote_procedure_numbers.ts";

const isPing = (r: { header: { prog: number; proc: number; type: number } }) =>
  r.header.prog === KEEPALIVE_PROGRAM && r.header.proc === 1 && r.header.type === VIR_NET_MESSAGE;

/** A PONG, as a client answers a PING. */
const PONG = encodePacket({
  prog: KEEPALIVE_PROGRAM,
  vers: 1,
  proc: 2,
  type: VIR_NET_MESSAGE,
  serial: 0,
  status: 0,
});

async function askKeepalive(c: RawClient): Promise<void> {
  await c.reply(await c.call(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, (w) => w.writeInt(10)));
}

Deno.test("after feature 10 a silent client gets PINGs and is closed after keepalive_count of them", async () => {
  const d = await startDaemon({ keepalive_interval: 1, keepalive_count: 2 });
  const c = await RawClient.connect(d.rw);
  try {
    await askKeepalive(c);
    const started = Date.now();
    await c.next(isPing, 30_000);
    await c.next(isPing, 30_000);
    await c.closedByPeer(30_000);
    // interval × (count + 1) = 3 s in libvirtd's schedule: not before (one tick of slack), and
    // not much later even on a loaded machine.
    const took = Date.now() - started;
    assert.ok(took >= 2500 && took < 20_000, `closed after ${took} ms`);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

Deno.test("a client that answers PINGs with PONGs stays connected", async () => {
  const d = await startDaemon({ keepalive_interval: 1, keepalive_count: 1 });
  const c = await RawClient.connect(d.rw);
  try {
    await askKeepalive(c);
    for (let i = 0; i < 3; i++) {
      await c.next(isPing, 30_000);
      await c.send(PONG);
    }
    const r = await c.reply(await c.call(REMOTE_PROC_AUTH_LIST));
    assert.equal(r.header.status, 0);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

/**
 * Waits until `probe` has been pinged `n` times (answering each, so it stays),
 * then makes one call on `quiet`: a PING sent to `quiet` before that call's
 * reply would have arrived before it, so afterwards `quiet` must hold nothing.
 */
async function quietWhile(probe: RawClient, quiet: RawClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await probe.next(isPing, 30_000);
    await probe.send(PONG);
  }
  const r = await quiet.reply(await quiet.call(REMOTE_PROC_AUTH_LIST), 30_000);
  assert.equal(r.header.status, 0);
  assert.deepEqual(quiet.pending.map((p) => p.header), [], "nothing but the reply arrived");
  assert.equal(quiet.eof, false);
}

Deno.test("a client that never asked feature 10 is never pinged", async () => {
  const d = await startDaemon({ keepalive_interval: 1, keepalive_count: 1 });
  // Connected first, so it has been there at least as long as the probe.
  const quiet = await RawClient.connect(d.rw);
  const probe = await RawClient.connect(d.rw);
  try {
    await quiet.reply(await quiet.call(REMOTE_PROC_AUTH_LIST));
    await askKeepalive(probe);
    // Two PINGs to the probe: long enough for the quiet client to have had one.
    await quietWhile(probe, quiet, 2);
  } finally {
    for (const c of [quiet, probe]) {
      c.close();
      await c.done;
    }
    await d.stop();
  }
});

Deno.test("keepalive_interval = -1 disables the daemon's PINGs", async () => {
  // The same clients on two daemons: the one with keepalive pings, the other must not.
  const off = await startDaemon({ keepalive_interval: -1 });
  const on = await startDaemon({ keepalive_interval: 1, keepalive_count: 1 });
  const quiet = await RawClient.connect(off.rw);
  const probe = await RawClient.connect(on.rw);
  try {
    await askKeepalive(quiet);
    await askKeepalive(probe);
    await quietWhile(probe, quiet, 2);
  } finally {
    for (const c of [quiet, probe]) {
      c.close();
      await c.done;
    }
    await on.stop();
    await off.stop();
  }
});

Deno.test("bytes that never complete a packet do not count: a trickling client is dropped by keepalive", async () => {
  const d = await startDaemon({ keepalive_interval: 1, keepalive_count: 1 });
  const c = await RawClient.connect(d.rw);
  try {
    await askKeepalive(c);
    const call = encodePacket({
      prog: REMOTE_PROGRAM,
      vers: 1,
      proc: REMOTE_PROC_AUTH_LIST,
      type: 0,
      serial: 7,
      status: 0,
    });
    // One byte every 200 ms: the 28-byte call would take 5.6 s; keepalive gives 2 s.
    let sent = 0;
    while (!c.eof && sent < call.length - 1) {
      await c.send(call.subarray(sent, sent + 1)).catch(() => {});
      sent++;
      await new Promise((r) => setTimeout(r, 200));
    }
    await c.closedByPeer(30_000);
    assert.ok(sent < call.length - 1, `closed only after ${sent} bytes`);
    assert.ok(c.pending.some(isPing), "the daemon pinged before closing");
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
