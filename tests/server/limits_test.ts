// Strings, opaques and arrays at and one past their maximum, procedure by
// procedure over the wire, from the schema: every variable-length field of
// every remote procedure's arguments. One past the maximum gets libvirt's
// code 39 "Unable to decode message payload" and the connection keeps
// serving; exactly at the maximum the call decodes and reaches its handler.

import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";
import { errorOf, type RawClient } from "../_rpc_client.ts";
import { REMOTE_PROC_LAST_9_0, REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import type { Procedure } from "../../src/protocol/program.ts";
import { REMOTE_PROC_CONNECT_GET_LIB_VERSION } from "../../src/protocol/remote_procedure_numbers.ts";
import { VIR_NET_ERROR, VIR_NET_MESSAGE_MAX } from "../../src/rpc/mod.ts";
import type { Codec, XdrWriter } from "../../src/xdr/mod.ts";
import { sample } from "../_sample.ts";
import { call, openClient } from "../drivers/_driver.ts";

/** A variable-length field reached through structs and present optionals. */
interface Target {
  path: string[];
  kind: "string" | "opaque" | "array";
  max: number;
  item: Codec<unknown> | null;
}

function targets(c: Codec<unknown>, path: string[] = []): Target[] {
  const s = c.shape;
  if (!s) return [];
  switch (s.kind) {
    case "struct":
      return Object.entries(s.fields).flatMap(([k, f]) => targets(f, [...path, k]));
    case "optional":
      return targets(s.item, [...path, "*"]);
    case "string":
    case "opaque":
      return [{ path, kind: s.kind, max: s.max, item: null }];
    case "array":
      return [{ path, kind: "array", max: s.max, item: s.item }];
    default:
      return [];
  }
}

/** How the target is written: `n` elements, all present or only the length word. */
interface Fill {
  n: number;
  full: boolean;
}

/** Encodes `value` as `c`, writing the target field at `path` as `fill` says. */
function encodeWith(
  w: XdrWriter,
  c: Codec<unknown>,
  value: unknown,
  path: string[],
  fill: Fill,
): void {
  const s = c.shape;
  if (path.length === 0) {
    w.writeUint(fill.n);
    if (!fill.full) return;
    if (s?.kind === "array") {
      const one = sample(s.item);
      for (let i = 0; i < fill.n; i++) s.item.encode(w, one);
    } else {
      w.writeFixedOpaque(new Uint8Array(fill.n).fill(0x61)); // "aaa…", padded
    }
    return;
  }
  if (s?.kind === "struct") {
    const v = value as Record<string, unknown>;
    for (const [k, f] of Object.entries(s.fields)) {
      if (k === path[0]) encodeWith(w, f, v[k], path.slice(1), fill);
      else f.encode(w, v[k]);
    }
  } else if (s?.kind === "optional") {
    w.writeUint(1);
    encodeWith(w, s.item, value ?? sample(s.item), path.slice(1), fill);
  } else {
    throw new Error(`no path ${path.join(".")} in ${c.name}`);
  }
}

/** Bytes a target of `n` elements takes on the wire (enough to tell big from small). */
function size(t: Target, n: number): number {
  return t.kind === "array" ? n * 4 : n;
}

// Event messages are left out: a CALL of one is an unknown procedure, whatever it carries.
const procs = [...REMOTE_PROGRAM_DEF.procedures.values()]
  .filter((p) => p.proc <= REMOTE_PROC_LAST_9_0 && p.stream === null && !p.message)
  .map((p) => ({ p, ts: targets(p.args) }))
  .filter((x) => x.ts.length > 0);

const classOf = (t: Target) => `${t.kind}/${t.max}/${t.item?.name ?? ""}`;

async function send(
  c: RawClient,
  p: Procedure,
  t: Target,
  fill: Fill,
): Promise<{ status: number; code: number | null }> {
  const r = await c.reply(
    await c.call(p.proc, (w) => encodeWith(w, p.args, sample(p.args), t.path, fill)),
    60_000,
  );
  return {
    status: r.header.status,
    code: r.header.status === VIR_NET_ERROR ? errorOf(r).code : null,
  };
}

Deno.test("one past the maximum, every variable-length argument of every procedure: code 39, connection kept", async () => {
  const d = await startDaemon();
  const c = await openClient(d);
  const fullSent = new Set<string>();
  let cases = 0;
  let full = 0;
  try {
    for (const { p, ts } of procs) {
      for (const t of ts) {
        // Every field gets a length one past its maximum. The elements are sent
        // too when they are small, and once per kind of field when they are
        // large (a 4 MiB string); otherwise the length word alone must do.
        const small = size(t, t.max + 1) <= 256 * 1024;
        const isFull = small || !fullSent.has(classOf(t));
        if (isFull) fullSent.add(classOf(t));
        const r = await send(c, p, t, { n: t.max + 1, full: isFull });
        assert.equal(r.status, VIR_NET_ERROR, `${p.name} ${t.path.join(".")}`);
        assert.equal(r.code, 39, `${p.name} ${t.path.join(".")}`);
        cases++;
        if (isFull) full++;
      }
    }
    assert.ok(cases > 450, `only ${cases} fields`);
    // The connection was kept throughout and still works.
    assert.equal((await call(c, REMOTE_PROC_CONNECT_GET_LIB_VERSION)).lib_ver, 9000000n);
    assert.ok(fullSent.size >= 15 && full >= fullSent.size, `${full} sent in full`);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

Deno.test("exactly at the maximum, one procedure per kind of field: decoded and handled", async () => {
  const d = await startDaemon();
  const c = await openClient(d);
  const done = new Set<string>();
  try {
    // Looking procedures first, so that at-maximum calls change no state.
    // (A second CONNECT_OPEN would drop the open connection, as in libvirtd.)
    const ordered = procs.filter((x) => x.p.name !== "CONNECT_OPEN").sort((a, b) =>
      Number(a.p.changesState) - Number(b.p.changesState)
    );
    for (const { p, ts } of ordered) {
      for (const t of ts) {
        const cls = classOf(t);
        if (done.has(cls) || size(t, t.max) > VIR_NET_MESSAGE_MAX / 2) continue;
        done.add(cls);
        const r = await send(c, p, t, { n: t.max, full: true });
        assert.notEqual(r.code, 39, `${p.name} ${t.path.join(".")} at its maximum ${t.max}`);
      }
    }
    assert.ok(done.size >= 10, `only ${done.size} kinds of field`);
    assert.equal((await call(c, REMOTE_PROC_CONNECT_GET_LIB_VERSION)).lib_ver, 9000000n);
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});
