// The census: every declared remote procedure is called once, with sample
// arguments built from its schema, against the real libvirtd (test driver)
// and against denovirt, each on a fresh test:///default connection, and the
// two answers are compared byte for byte. Two kinds of answer cannot match
// as sent, and are normalized field by field, never by length alone:
// fields that carry the clock (VOLATILE) are zeroed in both answers, and
// lists libvirtd returns in hash-table order (HASH_ORDERED) are sorted in
// both. Procedures the census cannot call are listed with the reason. Any
// difference makes it exit 1.
//
//   deno task census [--verbose] [--json]

import { REMOTE_PROC_LAST_9_0, REMOTE_PROGRAM_DEF } from "../src/protocol/remote.ts";
import type { Procedure } from "../src/protocol/program.ts";
import {
  ADMIN_PROC_CONNECT_OPEN,
  ADMIN_PROC_SERVER_LIST_CLIENTS,
  ADMIN_PROGRAM_DEF,
} from "../src/protocol/admin.ts";
import { PAYLOAD_OFFSET } from "../src/rpc/header.ts";
import { readRemoteError } from "../src/rpc/error.ts";
import { ADMIN_PROGRAM, VIR_NET_OK } from "../src/rpc/constants.ts";
import { type Codec, decode, XdrReader, XdrWriter } from "../src/xdr/mod.ts";
import { RawClient } from "../tests/_rpc_client.ts";
import { sample } from "../tests/_sample.ts";
import { startDenovirt, startLibvirtd } from "../tests/_daemons.ts";
import * as P from "../src/protocol/remote_procedure_numbers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** A daemon as the census reaches it: its read-write and admin sockets. */
export interface CensusEndpoint {
  socket: string;
  admin: string;
}

/**
 * Fields whose value is the clock, zeroed in both answers before comparing.
 * libvirt's test driver reports a running domain's CPU time as the current
 * wall-clock time (testDomainGetInfo), so two reads a moment apart differ in
 * this field alone. (Other clock-bearing answers fail with the sample
 * arguments, and are compared as errors.)
 */
const VOLATILE: Map<number, { fields: string; mask: (ret: Any) => void }> = new Map([
  [P.REMOTE_PROC_DOMAIN_GET_INFO, {
    fields: "cpuTime",
    mask: (r: Any) => (r.cpuTime = 0n),
  }],
]);

/**
 * Lists libvirtd builds by walking a hash table seeded at random per process:
 * both answers are sorted before comparing (the elements must still match).
 */
const HASH_ORDERED: Map<number, { fields: string; sort: (ret: Any) => void }> = new Map([
  [P.REMOTE_PROC_NODE_LIST_DEVICES, {
    fields: "names",
    sort: (r: Any) => r.names.sort(),
  }],
  [P.REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES, {
    fields: "devices[] by name",
    sort: (r: Any) => r.devices.sort((a: Any, b: Any) => (a.name < b.name ? -1 : 1)),
  }],
]);

/**
 * Procedures whose answer from libvirtd is not determined by the call:
 * called on both daemons, shown, and not compared.
 */
export const UNPREDICTABLE: Map<number, string> = new Map([
  [
    P.REMOTE_PROC_AUTH_POLKIT,
    // remoteDispatchAuthPolkit's authfail path reports no error of its own, so
    // virNetMessageSaveError sends whatever error the worker thread last saw
    // (or "did not set virError" on a thread that has none).
    "libvirtd answers with the last error of whichever worker thread runs it",
  ],
]);

/** How one daemon answered one call. */
interface Answer {
  kind: "ok" | "error" | "closed" | "timeout";
  payload: Uint8Array;
}

export interface CensusDifference {
  name: string;
  detail: string;
}

export interface CensusResult {
  /** Procedures the remote program declares. */
  declared: number;
  /** Procedures called on both daemons. */
  called: number;
  /** Procedures not called, each with the reason. */
  notCalled: { name: string; why: string }[];
  /** Procedures called but not compared (UNPREDICTABLE), with the reason and both answers. */
  notCompared: { name: string; why: string; libvirtd: string; denovirt: string }[];
  /** Calls libvirtd answered successfully, and how many of those denovirt answered the same. */
  refOk: number;
  identicalOk: number;
  /** Calls libvirtd answered with an error, and how many denovirt answered with the same bytes. */
  refErrors: number;
  identicalErrors: number;
  /** Calls libvirtd answered with neither (it closed the connection or never answered). */
  refOther: number;
  identicalOther: number;
  /** Procedures compared after masking or sorting a field, with the field. */
  normalized: { name: string; fields: string }[];
  differences: CensusDifference[];
}

const CALL_TIMEOUT_MS = 20_000;
const OPEN = (w: XdrWriter) => {
  w.writeUint(1); // remote_string present
  w.writeString("test:///default", 256);
  w.writeUint(0); // flags
};

/** Admin connections that tell when a daemon has let go of every libvirtd-server client. */
class ClientCount {
  #c: RawClient;
  private constructor(c: RawClient) {
    this.#c = c;
  }

  static async open(admin: string): Promise<ClientCount> {
    const c = await RawClient.connect(admin);
    const r = await c.reply(
      await c.call(ADMIN_PROC_CONNECT_OPEN, (w) => w.writeUint(0), { prog: ADMIN_PROGRAM }),
    );
    if (r.header.status !== VIR_NET_OK) throw new Error(`admin open failed on ${admin}`);
    return new ClientCount(c);
  }

  async count(): Promise<number> {
    const decl = ADMIN_PROGRAM_DEF.procedures.get(ADMIN_PROC_SERVER_LIST_CLIENTS)!;
    const ret = await this.#c.invoke(
      ADMIN_PROC_SERVER_LIST_CLIENTS,
      decl.ret as Codec<Any>,
      (w) => decl.args.encode(w, { srv: { name: "libvirtd" }, need_results: 0, flags: 0 }),
      ADMIN_PROGRAM,
    );
    return ret.ret;
  }

  /**
   * Waits until the daemon has closed every client of its libvirtd server:
   * both daemons drop a client from this count only after its driver
   * connection is closed, so the next connection gets a pristine
   * test:///default rather than the last call's leftovers.
   */
  async idle(): Promise<void> {
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    while ((await this.count()) !== 0) {
      if (Date.now() > deadline) throw new Error("a census client was never let go");
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async close(): Promise<void> {
    this.#c.close();
    await this.#c.done;
  }
}

async function answer(c: RawClient, serial: number): Promise<Answer> {
  try {
    const r = await c.reply(serial, CALL_TIMEOUT_MS);
    return {
      kind: r.header.status === VIR_NET_OK ? "ok" : "error",
      payload: r.packet.subarray(PAYLOAD_OFFSET),
    };
  } catch (e) {
    const closed = String(e).includes("connection closed");
    return { kind: closed ? "closed" : "timeout", payload: new Uint8Array() };
  }
}

/** On a fresh connection: CONNECT_OPEN, then the call (CONNECT_OPEN's own answer is the open). */
async function callOnce(
  d: CensusEndpoint,
  counter: ClientCount,
  p: Procedure,
  args: Uint8Array,
): Promise<Answer> {
  const c = await RawClient.connect(d.socket);
  try {
    const open = await answer(c, await c.call(P.REMOTE_PROC_CONNECT_OPEN, OPEN));
    if (p.proc === P.REMOTE_PROC_CONNECT_OPEN) return open;
    return await answer(c, await c.call(p.proc, (w) => w.writeRaw(args)));
  } finally {
    c.close();
    await c.done;
    await counter.idle();
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A successful answer with its volatile fields zeroed and its hash-ordered lists sorted. */
function normalize(p: Procedure, payload: Uint8Array): Uint8Array {
  const volatile = VOLATILE.get(p.proc);
  const hashed = HASH_ORDERED.get(p.proc);
  if (!volatile && !hashed) return payload;
  const ret = decode(p.ret as Codec<Any>, payload);
  volatile?.mask(ret);
  hashed?.sort(ret);
  const w = new XdrWriter();
  (p.ret as Codec<Any>).encode(w, ret);
  return w.toBytes();
}

function describe(a: Answer): string {
  if (a.kind !== "error") return a.kind;
  const e = readRemoteError(new XdrReader(a.payload, 0));
  return `error ${e.code}/${e.domain}: ${e.message}`;
}

/** Calls every procedure on both daemons and compares the answers. */
export async function runCensus(
  ref: CensusEndpoint,
  ours: CensusEndpoint,
  progress: (name: string) => void = () => {},
): Promise<CensusResult> {
  const res: CensusResult = {
    declared: REMOTE_PROGRAM_DEF.procedures.size,
    called: 0,
    notCalled: [],
    notCompared: [],
    refOk: 0,
    identicalOk: 0,
    refErrors: 0,
    identicalErrors: 0,
    refOther: 0,
    identicalOther: 0,
    normalized: [],
    differences: [],
  };
  const counters = [await ClientCount.open(ref.admin), await ClientCount.open(ours.admin)];
  try {
    for (const p of REMOTE_PROGRAM_DEF.procedures.values()) {
      const w = new XdrWriter();
      try {
        p.args.encode(w, sample(p.args));
      } catch (e) {
        res.notCalled.push({ name: p.name, why: `no sample arguments: ${e}` });
        continue;
      }
      progress(p.name);
      const args = w.toBytes();
      res.called++;
      const a = await callOnce(ref, counters[0]!, p, args);
      const b = await callOnce(ours, counters[1]!, p, args);
      let eq: boolean;
      const why = UNPREDICTABLE.get(p.proc);
      if (why) {
        res.notCompared.push({ name: p.name, why, libvirtd: describe(a), denovirt: describe(b) });
        continue;
      }
      if (a.kind === "ok") {
        res.refOk++;
        eq = b.kind === "ok" && same(normalize(p, a.payload), normalize(p, b.payload));
        if (eq) res.identicalOk++;
        const how = VOLATILE.get(p.proc)?.fields ?? HASH_ORDERED.get(p.proc)?.fields;
        if (how) res.normalized.push({ name: p.name, fields: how });
      } else if (a.kind === "error") {
        res.refErrors++;
        eq = b.kind === "error" && same(a.payload, b.payload);
        if (eq) res.identicalErrors++;
      } else {
        res.refOther++;
        eq = b.kind === a.kind;
        if (eq) res.identicalOther++;
      }
      if (!eq) {
        res.differences.push({
          name: p.name,
          detail: `libvirtd ${describe(a)}; denovirt ${describe(b)}${
            a.kind === "ok" && b.kind === "ok" ? " (different bytes)" : ""
          }`,
        });
      }
    }
  } finally {
    for (const c of counters) await c.close();
  }
  return res;
}

/** The report `deno task census` prints (docs/testing.md's census paragraph quotes these figures). */
export function formatCensus(r: CensusResult, verbose = false): string {
  const lines = [
    `Remote procedures declared: ${r.declared} (up to ${REMOTE_PROC_LAST_9_0} in libvirt 9.0)`,
    `Called on both daemons: ${r.called}; not called: ${r.notCalled.length}; ` +
    `not compared: ${r.notCompared.length}`,
    `libvirtd's test driver answers successfully: ${r.refOk}; denovirt identically: ${r.identicalOk}`,
    `libvirtd answers with an error: ${r.refErrors}; denovirt with the same bytes: ${r.identicalErrors}`,
    `libvirtd answers neither (closes or stays silent): ${r.refOther}; denovirt the same: ${r.identicalOther}`,
    `Differences: ${r.differences.length}`,
  ];
  for (const n of r.notCalled) lines.push(`  not called: ${n.name}: ${n.why}`);
  for (const n of r.notCompared) {
    lines.push(`  not compared: ${n.name}: ${n.why}`);
    if (verbose) lines.push(`    libvirtd ${n.libvirtd}; denovirt ${n.denovirt}`);
  }
  for (const d of r.differences) lines.push(`  ${d.name}: ${d.detail}`);
  if (verbose) {
    for (const n of r.normalized) lines.push(`  compared after normalizing ${n.name}: ${n.fields}`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const verbose = Deno.args.includes("--verbose");
  const json = Deno.args.includes("--json");
  const ref = await startLibvirtd();
  if (!ref) {
    console.error(
      "census: libvirtd is not installed (apt-get install -y --no-install-recommends libvirt-daemon)",
    );
    Deno.exit(2);
  }
  const ours = await startDenovirt();
  const admin = (s: string) => s.replace(/libvirt-sock$/, "libvirt-admin-sock");
  let result: CensusResult;
  try {
    result = await runCensus(
      { socket: ref.socket, admin: admin(ref.socket) },
      { socket: ours.socket, admin: admin(ours.socket) },
    );
  } finally {
    await ours.stop();
    await ref.stop();
  }
  console.log(json ? JSON.stringify(result, null, 1) : formatCensus(result, verbose));
  Deno.exit(result.differences.length === 0 ? 0 : 1);
}
