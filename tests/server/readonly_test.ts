// Every state-changing procedure of the remote program (all of them, from
// the schema's ACL annotations) is refused on the read-only socket with
// code 29 in the API's error domain; every looking one is not refused.

import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import { REMOTE_PROC_LAST_9_0, REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import { apiErrorDomain, apiName } from "../../src/protocol/api_names.ts";
import { REMOTE_PROC_CONNECT_OPEN } from "../../src/protocol/remote_procedure_numbers.ts";
import { VIR_NET_ERROR } from "../../src/rpc/mod.ts";
import { sample } from "../_sample.ts";

Deno.test("the read-only socket refuses every state-changing procedure with code 29", async () => {
  const d = await startDaemon();
  const c = await RawClient.connect(d.ro);
  try {
    await c.reply(
      await c.call(REMOTE_PROC_CONNECT_OPEN, (w) => {
        w.writeUint(1);
        w.writeString("test:///default", 64);
        w.writeUint(0);
      }),
    );
    let refused = 0;
    for (const p of REMOTE_PROGRAM_DEF.procedures.values()) {
      if (!p.changesState || p.proc > REMOTE_PROC_LAST_9_0 || p.name.includes("_EVENT_")) continue;
      const r = await c.reply(await c.call(p.proc, (w) => p.args.encode(w, sample(p.args))));
      assert.equal(r.header.status, VIR_NET_ERROR, p.name);
      const e = errorOf(r);
      assert.equal(e.code, 29, `${p.name}: ${e.message}`);
      assert.equal(e.domain, apiErrorDomain(p.name), p.name);
      assert.equal(e.message, `operation forbidden: read only access prevents ${apiName(p.name)}`);
      refused++;
    }
    assert.ok(refused > 150, `only ${refused} procedures refused`);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
