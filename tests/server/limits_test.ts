// Strings, opaques and arrays at and one past their maximum, procedure by
// procedure over the wire, from the schema: every variable-length field of
// every remote procedure's arguments, sent alike to libvirtd and denovirt.
// One past the maximum gets libvirt's code 39 "Unable to decode message
// payload" from both and the connection keeps serving; exactly at the
// maximum both decode the call and answer it alike.

import assert from "node:assert/strict";
import { startDaemon } from "./_daemon.ts";
import { errorOf, RawClient } from "../_rpc_client.ts";
import { startLibvirtd } from "../_daemons.ts";
import { haveTools } from "../interop/_tools.ts";
import { REMOTE_PROC_LAST_9_0, REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import type { Procedure } from "../../src/protocol/program.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
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
): Promise<{ status: number; code: number | null; message: string | null }> {
  const r = await c.reply(
    await c.call(p.proc, (w) => encodeWith(w, p.args, sample(p.args), t.path, fill)),
    60_000,
  );
  const e = r.header.status === VIR_NET_ERROR ? errorOf(r) : null;
  return { status: r.header.status, code: e?.code ?? null, message: e?.message ?? null };
}

const tools = haveTools("limits differential", ["libvirtd"]);

/** Both daemons, each with a test:///default connection, for the same calls. */
async function withBoth(
  fn: (ref: RawClient, ours: RawClient) => Promise<void>,
): Promise<void> {
  const lib = await startLibvirtd();
  assert.ok(lib, "libvirtd did not start");
  const d = await startDaemon();
  const ref = await RawClient.connect(lib.socket);
  const ours = await openClient(d);
  try {
    await call(ref, P.REMOTE_PROC_CONNECT_OPEN, { name: "test:///default", flags: 0 });
    await fn(ref, ours);
    // Both connections were kept throughout and still work.
    for (const c of [ref, ours]) {
      assert.equal((await call(c, P.REMOTE_PROC_CONNECT_GET_LIB_VERSION)).lib_ver, 9000000n);
    }
  } finally {
    for (const c of [ref, ours]) {
      c.close();
      await c.done;
    }
    await d.stop();
    await lib.stop();
  }
}

// The maxima come from denovirt's schema; libvirtd is what proves them right:
// it must refuse one past each maximum as denovirt does, and accept exactly
// the maximum, so each limit is libvirt's own.
Deno.test({
  name:
    "one past the maximum, every variable-length argument of every procedure: code 39 from both daemons, connection kept",
  ignore: !tools,
  async fn() {
    await withBoth(async (ref, ours) => {
      const fullSent = new Set<string>();
      for (const { p, ts } of procs) {
        for (const t of ts) {
          // Every field gets a length one past its maximum. The elements are sent
          // too when they are small, and once per kind of field when they are
          // large (a 4 MiB string); otherwise the length word alone must do.
          const small = size(t, t.max + 1) <= 256 * 1024;
          const isFull = small || !fullSent.has(classOf(t));
          if (isFull) fullSent.add(classOf(t));
          const what = `${p.name} ${t.path.join(".")} at ${t.max + 1}`;
          for (const c of [ref, ours]) {
            const r = await send(c, p, t, { n: t.max + 1, full: isFull });
            assert.deepEqual(r, {
              status: VIR_NET_ERROR,
              code: 39,
              message: "Unable to decode message payload",
            }, what);
          }
        }
      }
    });
  },
});

Deno.test({
  name: "exactly at the maximum, one procedure per kind of field: decoded by both daemons",
  ignore: !tools,
  async fn() {
    await withBoth(async (ref, ours) => {
      const done = new Set<string>();
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
          const what = `${p.name} ${t.path.join(".")} at its maximum ${t.max}`;
          const want = await send(ref, p, t, { n: t.max, full: true });
          const got = await send(ours, p, t, { n: t.max, full: true });
          assert.notEqual(want.code, 39, `libvirtd: ${what}`);
          assert.deepEqual(got, want, what);
        }
      }
    });
  },
});
