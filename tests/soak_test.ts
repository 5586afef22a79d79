// The soak (`deno task soak`): its checks see what they are there to see —
// a reply twice, a call never answered, a client left connected, a call in
// flight, a store block leaked — and a short soak (1.5 minutes of load)
// passes every one of them.

import assert from "node:assert/strict";
import { CallLedger } from "../tools/soak/ledger.ts";
import {
  blobBlock,
  serverProblems,
  storeLeak,
  storeSnapshot,
  storeView,
} from "../tools/soak/inspect.ts";
import { SOAK_TOOLS } from "../tools/soak.ts";
import { eventually, startDaemon } from "./server/_daemon.ts";
import { RawClient } from "./_rpc_client.ts";
import { haveTools } from "./interop/_tools.ts";
import { REMOTE_PROC_CONNECT_OPEN } from "../src/protocol/remote_procedure_numbers.ts";
import { SLEEP_PROC_SLEEP, SLEEP_PROGRAM } from "./testdata/sleep_program.ts";
import { DAEMON_V8_FLAGS } from "../src/conf/v8_flags.ts";

const SOAK = new URL("../tools/soak.ts", import.meta.url).pathname;

Deno.test("the soak's ledger reports a reply twice, one never asked for, a wrong one and one missing", () => {
  const problems: string[] = [];
  const l = new CallLedger((p) => problems.push(p));
  const a = l.send(1, 16, "GET_INFO");
  const b = l.send(1, 14, "GET_XML_DESC");
  l.send(1, 157, "GET_LIB_VERSION");
  l.send(1, 23, "LOOKUP");
  assert.ok(l.answer(a, 1, 16));
  assert.deepEqual(problems, []);
  assert.equal(l.answer(a, 1, 16), null);
  assert.match(problems[0]!, /^serial 0 answered twice, now as proc 16 \(\); it was GET_INFO/);
  assert.equal(l.answer(99, 1, 16), null);
  assert.match(problems[1]!, /serial 99 .* which was never sent/);
  assert.equal(l.answer(b, 1, 16), null, "a reply naming another procedure answers nothing");
  assert.match(problems[2]!, /serial 1 \(GET_XML_DESC\) answered as program 1 proc 16/);
  assert.equal(l.inflight, 2);
  assert.equal(l.unanswered("the daemon closed the connection"), 2);
  assert.match(problems[3]!, /serial 2 \(GET_LIB_VERSION\) never answered/);
  assert.match(problems[4]!, /serial 3 \(LOOKUP\) never answered/);
  // Calls in flight when the client drops its connection on purpose need no answer.
  const e = l.send(1, 16, "GET_INFO");
  assert.equal(l.abandon(), 1);
  assert.ok(l.wasAbandoned(e));
  assert.equal(problems.length, 5);
});

Deno.test("the soak's end checks see a client left, a call in flight and a leaked store block", async () => {
  const d = await startDaemon();
  const store = storeView(d.server.pool.store);
  try {
    const base = await storeSnapshot(store);
    // Quiet (once its Workers have started): only the daemon's own client
    // record (the QEMU driver's) is in use.
    await eventually(
      () =>
        [...serverProblems(d.server.main, 1), ...serverProblems(d.server.admin, 0)].length === 0,
      10_000,
      "a quiet daemon",
    );

    const c = await RawClient.connect(d.rw);
    const open = await c.call(REMOTE_PROC_CONNECT_OPEN, (w) => {
      w.writeUint(1);
      w.writeString("test:///default", 256);
      w.writeUint(0);
    });
    await c.reply(open);
    const sleep = await c.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(500), {
      prog: SLEEP_PROGRAM,
    });
    await eventually(() => d.server.pool.inflight === 1, 5000, "the call running");
    const busy = serverProblems(d.server.main, 1);
    assert.ok(busy.includes("libvirtd: 1 client(s) still connected"), busy.join("; "));
    assert.ok(busy.includes("libvirtd: 1 call(s) in flight"), busy.join("; "));
    assert.ok(busy.includes("libvirtd: 2 client record(s) in use, 1 expected (the daemon's own)"));
    const mid = await storeSnapshot(store);
    assert.equal(mid.instances, base.instances + 1, "test:///default's instance");
    assert.ok(storeLeak(base, mid) > 0, "its objects are not the baseline's");
    await c.reply(sleep);
    c.close();
    await c.done;
    await eventually(
      () => serverProblems(d.server.main, 1).length === 0,
      5000,
      "the client gone",
    );
    const after = await storeSnapshot(store);
    assert.equal(after.instances, base.instances);
    assert.equal(storeLeak(base, after), 0);

    // A block allocated behind the daemon's back is seen, to the byte.
    store.createObject({ leaked: true });
    const leaked = storeLeak(base, await storeSnapshot(store));
    assert.equal(leaked, 32 + blobBlock('{"leaked":true}'.length));
  } finally {
    await d.stop();
  }
});

Deno.test({
  name: "a short soak (1.5 minutes of load) passes every check",
  ignore: !haveTools("soak", SOAK_TOOLS),
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-run",
      "--allow-sys",
      // So the RSS readings count memory in use: gc() in every isolate, malloc_trim;
      // and the daemon's own flags, as the serve task passes them.
      "--allow-ffi",
      `--v8-flags=--expose-gc,${DAEMON_V8_FLAGS.join(",")}`,
      SOAK,
      "1.5",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const fails = text.split("\n").filter((l) => l.startsWith("FAIL"));
  assert.deepEqual(fails, [], text.slice(-6000));
  assert.equal(out.code, 0, text.slice(-6000) + new TextDecoder().decode(out.stderr).slice(-2000));
  assert.match(text, /^PASS every call answered exactly once/m);
});
