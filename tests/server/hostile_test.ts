// Hostile clients: one that trickles a byte at a time, hundreds connecting
// at once, the largest legal message and one byte more. The daemon keeps
// serving everyone else.

import assert from "node:assert/strict";
import { eventually, startDaemon } from "./_daemon.ts";
import { RawClient } from "../_rpc_client.ts";
import {
  encodePacket,
  REMOTE_PROGRAM,
  VIR_NET_MESSAGE_MAX,
  VIR_NET_OK,
} from "../../src/rpc/mod.ts";
import { REMOTE_PROC_AUTH_LIST } from "../../src/protocol/remote_procedure_numbers.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { uuidFromString } from "../../src/util/uuid.ts";
import { call, nextEvent, openClient } from "../drivers/_driver.ts";

async function authList(path: string): Promise<number> {
  const c = await RawClient.connect(path);
  try {
    return (await c.reply(await c.call(REMOTE_PROC_AUTH_LIST), 10_000)).header.status;
  } finally {
    c.close();
    await c.done;
  }
}

Deno.test("a client trickling one byte at a time does not delay the others", async () => {
  const d = await startDaemon();
  const slow = await RawClient.connect(d.rw);
  try {
    const call = encodePacket({
      prog: REMOTE_PROGRAM,
      vers: 1,
      proc: REMOTE_PROC_AUTH_LIST,
      type: 0,
      serial: 9,
      status: 0,
    });
    for (let i = 0; i < call.length - 1; i++) {
      await slow.send(call.subarray(i, i + 1));
      if (i % 7 === 0) assert.equal(await authList(d.rw), VIR_NET_OK);
      await new Promise((r) => setTimeout(r, 5));
    }
    await slow.send(call.subarray(call.length - 1));
    assert.equal((await slow.reply(9)).header.status, VIR_NET_OK);
  } finally {
    slow.close();
    await slow.done;
    await d.stop();
  }
});

Deno.test("400 connections opened at once are all served and all freed", async () => {
  const d = await startDaemon();
  try {
    const clients = await Promise.all(Array.from({ length: 400 }, () => RawClient.connect(d.rw)));
    const statuses = await Promise.all(
      clients.map(async (c) =>
        (await c.reply(await c.call(REMOTE_PROC_AUTH_LIST), 20_000)).header.status
      ),
    );
    assert.ok(statuses.every((s) => s === VIR_NET_OK));
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.done));
    await eventually(() => d.server.clientCount === 0, 10_000, "every client freed");
    assert.equal(await authList(d.rw), VIR_NET_OK);
  } finally {
    await d.stop();
  }
});

Deno.test("the largest legal message (length 4 + 32 MiB) is served; one byte more closes the connection", async () => {
  const d = await startDaemon();
  try {
    // AUTH_LIST ignores trailing bytes, so a maximal CALL of it is answered.
    const big = encodePacket(
      { prog: REMOTE_PROGRAM, vers: 1, proc: REMOTE_PROC_AUTH_LIST, type: 0, serial: 1, status: 0 },
      (w) => w.writeRaw(new Uint8Array(VIR_NET_MESSAGE_MAX - 24)),
    );
    assert.equal(big.length, 4 + VIR_NET_MESSAGE_MAX);
    const a = await RawClient.connect(d.rw);
    await a.send(big);
    assert.equal((await a.reply(1, 30_000)).header.status, VIR_NET_OK);
    a.close();
    await a.done;
    const b = await RawClient.connect(d.rw);
    const word = new Uint8Array(4);
    new DataView(word.buffer).setUint32(0, 4 + VIR_NET_MESSAGE_MAX + 1);
    await b.send(word);
    await b.closedByPeer(10_000);
    assert.equal(await authList(d.rw), VIR_NET_OK);
    assert.equal(d.server.pool.arena.inUse, 0);
  } finally {
    await d.stop();
  }
});

Deno.test("5,000 connections at once beyond max_clients: the excess waits or is refused, the daemon stays responsive", async () => {
  const d = await startDaemon({ max_clients: 1000, max_anonymous_clients: 20 });
  const first = await RawClient.connect(d.rw);
  try {
    const opened = await Promise.allSettled(
      Array.from({ length: 5000 }, () => Deno.connect({ transport: "unix", path: d.rw })),
    );
    const conns = opened.filter((r) => r.status === "fulfilled").map((r) =>
      (r as PromiseFulfilledResult<Deno.UnixConn>).value
    );
    // An existing client is served while thousands of connections are pending.
    assert.equal(
      (await first.reply(await first.call(REMOTE_PROC_AUTH_LIST), 30_000)).header.status,
      VIR_NET_OK,
    );
    await eventually(
      () => d.server.clientCount === 1000,
      60_000,
      "max_clients connections accepted",
    );
    assert.equal(d.server.clientCount, 1000, "never more than max_clients");
    for (const c of conns) c.close();
    await eventually(() => d.server.clientCount <= 1, 60_000, "the flood gone");
    assert.equal(await authList(d.rw), VIR_NET_OK);
  } finally {
    first.close();
    await first.done;
    await d.stop();
  }
});

Deno.test("a client that stops reading during an event flood stalls nobody and loses no event", async () => {
  const d = await startDaemon();
  const slow = await openClient(d);
  const busy = await openClient(d);
  const dom = {
    name: "test",
    uuid: uuidFromString("6695eb01-f6a4-8304-79aa-97f2502e193f")!,
    id: 1,
  };
  const ROUNDS = 4000;
  try {
    await call(slow, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
      eventID: 0, // VIR_DOMAIN_EVENT_ID_LIFECYCLE
      dom: null,
    });
    slow.pauseReading();
    // The other client keeps being answered while the events pile up.
    for (let i = 0; i < ROUNDS; i++) {
      await call(busy, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
      await call(busy, P.REMOTE_PROC_DOMAIN_RESUME, { dom });
    }
    // The flood outgrew the socket: the daemon holds the rest, still writing.
    const held = d.server.main.clients.find((c) => c.flow.writing);
    assert.ok(held, "the daemon is blocked writing to the client that stopped reading");
    slow.resumeReading();
    const events: number[] = [];
    for (let i = 0; i < 2 * ROUNDS; i++) {
      const ev = await nextEvent(slow, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
      events.push(ev.msg.event);
    }
    // VIR_DOMAIN_EVENT_SUSPENDED (3) and VIR_DOMAIN_EVENT_RESUMED (4), in order.
    assert.ok(events.every((e, i) => e === (i % 2 === 0 ? 3 : 4)));
    assert.equal(slow.pending.length, 0);
    assert.equal((await call(slow, P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS)).num, 1);
  } finally {
    slow.resumeReading();
    slow.close();
    busy.close();
    await slow.done;
    await busy.done;
    await d.stop();
  }
});

Deno.test("a client that never reads is dropped once its unread queue passes the limit", async () => {
  // The real limit is 64 MiB (two of the largest packets); a test lowers it so
  // that a few thousand events overflow it, as a long flood would overflow 64 MiB.
  const LIMIT = 256 * 1024;
  const d = await startDaemon({}, { maxQueuedBytes: LIMIT });
  const deaf = await openClient(d);
  const busy = await openClient(d);
  const dom = {
    name: "test",
    uuid: uuidFromString("6695eb01-f6a4-8304-79aa-97f2502e193f")!,
    id: 1,
  };
  try {
    await call(deaf, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
      eventID: 0, // VIR_DOMAIN_EVENT_ID_LIFECYCLE
      dom: null,
    });
    deaf.pauseReading();
    assert.equal(d.server.clientCount, 2);
    // Each event packet is under 100 bytes: socket buffers plus LIMIT hold a few
    // thousand at most; keep raising events until the daemon gives up on the client.
    let rounds = 0;
    while (d.server.clientCount === 2) {
      assert.ok(rounds < 20_000, "the deaf client was never dropped");
      await call(busy, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
      await call(busy, P.REMOTE_PROC_DOMAIN_RESUME, { dom });
      rounds++;
    }
    // Not dropped early: at most 100 bytes an event, so at least LIMIT bytes were raised.
    assert.ok(rounds * 2 * 100 > LIMIT, `dropped after only ${rounds} rounds`);
    // The busy client is unaffected and the domain state is intact.
    assert.equal((await call(busy, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 })).state, 1);
    // The dropped client sees its connection end once it reads again.
    deaf.resumeReading();
    await deaf.closedByPeer(10_000);
  } finally {
    deaf.resumeReading();
    deaf.close();
    busy.close();
    await deaf.done;
    await busy.done;
    await d.stop();
  }
});
