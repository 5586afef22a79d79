// What the driver tests share: calls by procedure number with the schema's
// codecs, expected failures checked field by field, and a fresh daemon with
// two clients open on test:///default.

import assert from "node:assert/strict";
import { startDaemon, type TestDaemon } from "../server/_daemon.ts";
import { RawClient, RemoteCallError } from "../_rpc_client.ts";
import { VIR_NET_MESSAGE } from "../../src/rpc/constants.ts";
import { PAYLOAD_OFFSET } from "../../src/rpc/header.ts";
import { REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { type Codec, decode } from "../../src/xdr/mod.ts";

// deno-lint-ignore no-explicit-any
export type Any = any;
/** An expected error: [code, domain, message, str1, str2]. */
export type Err = [number, number, string, string | null, string | null];

/** Calls `proc` with `args` encoded by its declared codec; returns the decoded result. */
export async function call(c: RawClient, proc: number, args?: unknown): Promise<Any> {
  const decl = REMOTE_PROGRAM_DEF.procedures.get(proc)!;
  return await c.invoke(
    proc,
    decl.ret as Codec<unknown>,
    args === undefined ? undefined : (w) => (decl.args as Codec<unknown>).encode(w, args),
  );
}

/** The remote error `proc` fails with (the test fails if it succeeds). */
export async function failure(c: RawClient, proc: number, args: unknown): Promise<Any> {
  try {
    await call(c, proc, args);
  } catch (e) {
    assert.ok(e instanceof RemoteCallError, `${e}`);
    return e.remote;
  }
  assert.fail(`procedure ${proc} succeeded`);
}

/** Calls `proc`, which must fail with [code, domain, message, str1, str2]. */
export async function fails(c: RawClient, proc: number, args: unknown, want: Err): Promise<void> {
  const r = await failure(c, proc, args);
  assert.deepEqual([r.code, r.domain, r.message, r.str1, r.str2], want);
}

/** The next event `proc` that `c` receives (libvirt sends events with serial 1), decoded. */
export async function nextEvent(c: RawClient, proc: number): Promise<Any> {
  const r = await c.next((r) => r.header.type === VIR_NET_MESSAGE && r.header.proc === proc);
  assert.equal(r.header.serial, 1);
  const decl = REMOTE_PROGRAM_DEF.procedures.get(proc)!;
  return decode(decl.args as Codec<Any>, r.packet.subarray(PAYLOAD_OFFSET));
}

/** A client with `uri` (test:///default) open. */
export async function openClient(d: TestDaemon, uri = "test:///default"): Promise<RawClient> {
  const c = await RawClient.connect(d.rw);
  await call(c, P.REMOTE_PROC_CONNECT_OPEN, { name: uri, flags: 0 });
  return c;
}

/** Runs `fn` against a fresh daemon with two open test:///default clients. */
export function twoClientTest(
  name: string,
  fn: (a: RawClient, b: RawClient) => Promise<void>,
): void {
  Deno.test(name, async () => {
    const d = await startDaemon();
    const a = await openClient(d);
    const b = await openClient(d);
    try {
      await fn(a, b);
    } finally {
      a.close();
      b.close();
      await a.done;
      await b.done;
      await d.stop();
    }
  });
}
