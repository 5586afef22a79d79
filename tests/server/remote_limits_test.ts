// Limits and bad input on the network services, as on the Unix sockets:
// max_anonymous_clients stops the services while that many clients have yet
// to authenticate, a TLS handshake that does not finish is dropped, a
// client that refuses the TLS checks never reaches the pool, and keepalive
// and max_clients treat a TLS client as any other.

import assert from "node:assert/strict";
import { eventually, startDaemon, type TestDaemon } from "./_daemon.ts";
import { haveTools } from "../interop/_tools.ts";
import { freePort, makePki, type Pki } from "../_pki.ts";
import { RawClient } from "../_rpc_client.ts";
import { decodeHeader, encodePacket } from "../../src/rpc/header.ts";
import { PacketFramer } from "../../src/rpc/framing.ts";
import {
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  VIR_NET_CALL,
  VIR_NET_OK,
} from "../../src/rpc/constants.ts";
import {
  REMOTE_PROC_AUTH_LIST,
  REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
} from "../../src/protocol/remote_procedure_numbers.ts";
import { S_N_CLIENTS_UNAUTH } from "../../src/pool/layout.ts";
import type { DaemonConfig } from "../../src/conf/config.ts";

const tools = haveTools("network service limits", ["certtool"]);

function tlsSettings(pki: Pki, port: number): Partial<DaemonConfig> {
  return {
    listen_tls: 1,
    listen_addr: "127.0.0.1",
    tls_port: String(port),
    ca_file: pki.server.ca,
    cert_file: pki.server.cert,
    key_file: pki.server.key,
  };
}

/** A TLS client as libvirt's: it presents `client`'s certificate and reads the confirmation byte. */
async function tlsClient(pki: Pki, port: number, client: string | null) {
  const dir = client ? pki.client(client) : pki.noCertClient;
  const conn = await Deno.connectTls({
    hostname: "localhost",
    port,
    caCerts: [await Deno.readTextFile(`${dir}/cacert.pem`)],
    ...(client
      ? {
        cert: await Deno.readTextFile(`${dir}/clientcert.pem`),
        key: await Deno.readTextFile(`${dir}/clientkey.pem`),
      }
      : {}),
  });
  const framer = new PacketFramer();
  const inbox: Uint8Array[] = [];
  let confirmed: boolean | null = null;
  const buf = new Uint8Array(65536);
  const read = async (): Promise<boolean> => {
    try {
      const n = await conn.read(buf);
      if (n === null) return false;
      let data = buf.subarray(0, n);
      if (confirmed === null) {
        confirmed = data[0] === 1;
        data = data.subarray(1);
      }
      framer.push(data, (p) => inbox.push(p));
      return true;
    } catch {
      return false;
    }
  };
  return {
    conn,
    /** Whether the daemon sent its confirmation (null: the connection ended first). */
    async confirmation(): Promise<boolean | null> {
      while (confirmed === null) if (!(await read())) return null;
      return confirmed;
    },
    async call(proc: number, body?: (w: import("../../src/xdr/mod.ts").XdrWriter) => void) {
      await conn.write(encodePacket({
        prog: REMOTE_PROGRAM,
        vers: REMOTE_PROTOCOL_VERSION,
        proc,
        type: VIR_NET_CALL,
        serial: proc,
        status: VIR_NET_OK,
      }, body));
      while (inbox.length === 0) if (!(await read())) throw new Error("closed");
      return decodeHeader(inbox.shift()!);
    },
    /** Reads until the daemon closes the connection; the packets seen meanwhile. */
    async untilClosed(): Promise<number> {
      while (await read());
      return inbox.length;
    },
    close: () => conn.close(),
  };
}

Deno.test({
  name: "a TLS client with a good certificate gets the confirmation byte, then answers",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pki = await makePki(["client1"]);
    const port = freePort();
    const d = await startDaemon(tlsSettings(pki, port), { listen: true });
    try {
      const c = await tlsClient(pki, port, "client1");
      assert.equal(await c.confirmation(), true);
      const h = await c.call(REMOTE_PROC_AUTH_LIST);
      assert.deepEqual([h.proc, h.status], [REMOTE_PROC_AUTH_LIST, 0]);
      c.close();
      // A client without a certificate ends with no confirmation and no call served.
      const bad = await tlsClient(pki, port, null);
      assert.equal(await bad.confirmation(), null);
      bad.close();
    } finally {
      await d.stop();
      await pki.remove();
    }
  },
});

Deno.test({
  name: "a TLS handshake that does not finish is dropped; the daemon serves on",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pki = await makePki(["client1"]);
    const port = freePort();
    const d = await startDaemon(tlsSettings(pki, port), {
      listen: true,
      tlsHandshakeTimeoutMs: 300,
    });
    try {
      const silent = await Deno.connect({ hostname: "127.0.0.1", port });
      const started = Date.now();
      assert.equal(await silent.read(new Uint8Array(16)), null);
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 5000, `dropped after ${took} ms`);
      silent.close();
      await eventually(() => d.server.main.clientCount === 0, 5000, "the client's record freed");
      const c = await tlsClient(pki, port, "client1");
      assert.equal(await c.confirmation(), true);
      c.close();
    } finally {
      await d.stop();
      await pki.remove();
    }
  },
});

Deno.test({
  name: "max_anonymous_clients suspends the services until a waiting client leaves",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d: TestDaemon = await startDaemon({
      auth_unix_rw: "sasl",
      max_anonymous_clients: 2,
      sasl_users_file: "/nonexistent/users",
    });
    const ctl = d.server.pool.ctl;
    try {
      const a = await RawClient.connect(d.rw);
      const b = await RawClient.connect(d.rw);
      for (const c of [a, b]) await c.reply(await c.call(REMOTE_PROC_AUTH_LIST));
      assert.equal(Atomics.load(ctl, S_N_CLIENTS_UNAUTH), 2);
      // The third connects (the listen backlog takes it) but is not served.
      const third = await RawClient.connect(d.rw);
      const serial = await third.call(REMOTE_PROC_AUTH_LIST);
      await assert.rejects(third.reply(serial, 700), /timed out/);
      // One waiting client leaves: the services accept again and the third is served.
      a.close();
      await third.reply(serial, 5000);
      assert.equal(Atomics.load(ctl, S_N_CLIENTS_UNAUTH), 2);
      for (const c of [b, third]) c.close();
      await eventually(() => Atomics.load(ctl, S_N_CLIENTS_UNAUTH) === 0, 5000, "no one waiting");
    } finally {
      await d.stop();
    }
  },
});

Deno.test({
  name: "keepalive closes a TLS client that stops answering, as a Unix one",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pki = await makePki(["client1"]);
    const port = freePort();
    const d = await startDaemon({
      ...tlsSettings(pki, port),
      keepalive_interval: 1,
      keepalive_count: 1,
    }, { listen: true });
    try {
      const c = await tlsClient(pki, port, "client1");
      assert.equal(await c.confirmation(), true);
      await c.call(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, (w) => w.writeInt(10));
      const started = Date.now();
      // It never answers the PINGs: one probe, then the daemon closes it.
      const seen = await c.untilClosed();
      const took = Date.now() - started;
      assert.ok(seen >= 1, "no keepalive PING came");
      assert.ok(took >= 1500 && took < 6000, `closed after ${took} ms`);
      c.close();
    } finally {
      await d.stop();
      await pki.remove();
    }
  },
});

Deno.test({
  name: "at max_clients a TLS connection waits, its handshake not begun, until a client leaves",
  ignore: !tools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pki = await makePki(["client1"]);
    const port = freePort();
    const d = await startDaemon({
      ...tlsSettings(pki, port),
      max_clients: 1,
      max_anonymous_clients: 0,
    }, {
      listen: true,
    });
    try {
      const first = await tlsClient(pki, port, "client1");
      assert.equal(await first.confirmation(), true);
      // Deno's connectTls handshakes lazily: the confirmation read drives it.
      const second = await tlsClient(pki, port, "client1");
      let answered = false;
      const confirmation = second.confirmation().finally(() => (answered = true));
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(answered, false, "the second client was served while the server was full");
      first.close();
      assert.equal(await confirmation, true);
      second.close();
    } finally {
      await d.stop();
      await pki.remove();
    }
  },
});
