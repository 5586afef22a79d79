// The read-only socket against libvirtd's: every remote procedure is called
// on a test:///default connection over each daemon's read-only socket, and
// denovirt must refuse exactly the procedures libvirtd refuses (code 29,
// "read only access prevents …"), with the same error bytes, and let every
// other one through.

import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import { startLibvirtd } from "../_daemons.ts";
import { haveTools } from "../interop/_tools.ts";
import { REMOTE_PROC_LAST_9_0, REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { PAYLOAD_OFFSET, VIR_NET_ERROR, VIR_NET_OK } from "../../src/rpc/mod.ts";
import { XdrWriter } from "../../src/xdr/mod.ts";
import { sample } from "../_sample.ts";
import { toHex } from "../_hex.ts";
import { UNPREDICTABLE } from "../../tools/census.ts";

const tools = haveTools("read-only differential", ["libvirtd"]);

/** VIR_ERR_OPERATION_DENIED: what virCheckReadOnlyGoto reports. */
const DENIED = 29;

async function openRO(socket: string): Promise<RawClient> {
  const c = await RawClient.connect(socket);
  const r = await c.reply(
    await c.call(P.REMOTE_PROC_CONNECT_OPEN, (w) => {
      w.writeUint(1);
      w.writeString("test:///default", 64);
      w.writeUint(0); // no VIR_CONNECT_RO: the socket must force it
    }),
  );
  assert.equal(r.header.status, VIR_NET_OK);
  return c;
}

/** The error bytes when the call is refused for read-only access, else null. */
async function refusal(c: RawClient, proc: number, args: Uint8Array): Promise<string | null> {
  const r = await c.reply(await c.call(proc, (w) => w.writeRaw(args)), 20_000);
  if (r.header.status !== VIR_NET_ERROR) return null;
  const e = errorOf(r);
  if (e.code !== DENIED || !e.message?.includes("read only access prevents")) return null;
  return toHex(r.packet.subarray(PAYLOAD_OFFSET));
}

Deno.test({
  name:
    "the read-only socket refuses what libvirtd's refuses, with the same error, and lets the rest through",
  ignore: !tools,
  async fn() {
    const ref = await startLibvirtd();
    assert.ok(ref, "libvirtd did not start");
    const ours = await startDaemon();
    const a = await openRO(`${ref.socket}-ro`);
    const b = await openRO(ours.ro);
    const refused: string[] = [];
    const allowed: string[] = [];
    try {
      for (const p of REMOTE_PROGRAM_DEF.procedures.values()) {
        // Opening and closing would end the connection the others run on.
        if (p.proc === P.REMOTE_PROC_CONNECT_OPEN || p.proc === P.REMOTE_PROC_CONNECT_CLOSE) {
          continue;
        }
        // Unknown to libvirt 9.0, or answered by libvirtd with a leftover error (see the census).
        if (p.proc > REMOTE_PROC_LAST_9_0 || UNPREDICTABLE.has(p.proc)) continue;
        const w = new XdrWriter();
        p.args.encode(w, sample(p.args));
        const args = w.toBytes();
        const want = await refusal(a, p.proc, args);
        const got = await refusal(b, p.proc, args);
        assert.equal(got, want, `${p.name}: ${want ? "refused" : "allowed"} by libvirtd`);
        (want ? refused : allowed).push(p.name);
      }
    } finally {
      for (const c of [a, b]) {
        c.close();
        await c.done;
      }
      await ours.stop();
      await ref.stop();
    }
    // Both kinds were exercised: e.g. destroying is refused, looking up is not.
    assert.ok(refused.includes("DOMAIN_DESTROY"), "DOMAIN_DESTROY refused");
    assert.ok(allowed.includes("DOMAIN_LOOKUP_BY_NAME"), "DOMAIN_LOOKUP_BY_NAME allowed");
  },
});
