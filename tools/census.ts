// The census: every declared remote procedure is called once, with sample
// arguments built from its schema, against the real libvirtd (test driver)
// and against denovirt, each on a fresh test:///default connection. It
// counts the procedures libvirtd answers successfully and how many of those
// denovirt answers byte for byte the same.
//
//   deno task census [--verbose]

import { REMOTE_PROGRAM_DEF } from "../src/protocol/remote.ts";
import type { Procedure } from "../src/protocol/program.ts";
import type { Codec } from "../src/xdr/mod.ts";
import { encodePacket, PAYLOAD_OFFSET } from "../src/rpc/header.ts";
import { PacketFramer } from "../src/rpc/framing.ts";
import { decodeHeader } from "../src/rpc/header.ts";
import { readRemoteError } from "../src/rpc/error.ts";
import { REMOTE_PROGRAM, VIR_NET_CALL, VIR_NET_OK, VIR_NET_REPLY } from "../src/rpc/constants.ts";
import { XdrReader, XdrWriter } from "../src/xdr/mod.ts";
import { uuidFromString } from "../src/conf/uuid.ts";
import { startDenovirt, startLibvirtd } from "../tests/_daemons.ts";
import * as P from "../src/protocol/remote_procedure_numbers.ts";

const u = (s: string) => uuidFromString(s)!;

/** Handles of test:///default's default objects, so calls reach real objects. */
const HANDLES: Record<string, unknown> = {
  remote_nonnull_domain: { name: "test", uuid: u("6695eb01-f6a4-8304-79aa-97f2502e193f"), id: 1 },
  remote_nonnull_network: { name: "default", uuid: u("dd8fe884-6c02-601e-7551-cca97df1c5df") },
  remote_nonnull_storage_pool: {
    name: "default-pool",
    uuid: u("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"),
  },
  remote_nonnull_interface: { name: "eth1", mac: "aa:bb:cc:dd:ee:ff" },
  remote_nonnull_node_device: { name: "computer" },
  remote_nonnull_storage_vol: { pool: "default-pool", name: "vol", key: "/default-pool/vol" },
};

const COUNTS: Record<string, number> = {
  maxnames: 100,
  maxids: 100,
  maxuuids: 100,
  maxcells: 2,
  maxCells: 2,
  need_results: 1,
};

/** A plausible value for a field of the given codec. */
function sample(c: Codec<unknown>, field = ""): unknown {
  const h = HANDLES[c.name];
  if (h) return h;
  const s = c.shape;
  if (!s) {
    if (c.name === "hyper" || c.name === "unsigned hyper") return 0n;
    if (c.name === "bool") return false;
    if (c.name === "void") return undefined;
    if (c.name === "float" || c.name === "double") return 0;
    return COUNTS[field] ?? 0;
  }
  switch (s.kind) {
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(s.fields)) out[k] = sample(f, k);
      return out;
    }
    case "string":
      return field === "name" ? "test" : field === "arch" ? "x86_64" : "";
    case "array":
      return [];
    case "fixedArray":
      return Array.from({ length: s.n }, () => sample(s.item));
    case "optional":
      return null;
    case "opaque":
      return new Uint8Array();
    case "fixedOpaque":
      return new Uint8Array(s.n);
    case "enum":
      return s.values[0];
    case "union": {
      const tag = Number(Object.keys(s.arms)[0]);
      return { tag, value: sample(s.arms[tag]!) };
    }
  }
}

/** Procedures not called: connection setup itself, auth, and events (server → client). */
function skip(p: Procedure): boolean {
  return p.name.startsWith("AUTH_") || p.proc === P.REMOTE_PROC_CONNECT_OPEN ||
    p.proc === P.REMOTE_PROC_CONNECT_CLOSE ||
    p.name.includes("_EVENT_") && !p.name.startsWith("CONNECT_");
}

/** Procedures whose successful answer carries the clock (CPU time, stats): compared by shape only. */
const VOLATILE = new Set([
  P.REMOTE_PROC_DOMAIN_GET_INFO,
  P.REMOTE_PROC_DOMAIN_BLOCK_STATS,
  P.REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS,
  P.REMOTE_PROC_DOMAIN_INTERFACE_STATS,
  P.REMOTE_PROC_DOMAIN_MEMORY_STATS,
  P.REMOTE_PROC_DOMAIN_GET_CPU_STATS,
  P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
  P.REMOTE_PROC_DOMAIN_GET_VCPUS,
  P.REMOTE_PROC_DOMAIN_GET_JOB_STATS,
]);

interface Answer {
  ok: boolean;
  payload: Uint8Array;
  code: number;
  message: string;
}

async function call(socket: string, proc: number, args: Uint8Array): Promise<Answer> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const framer = new PacketFramer();
  const inbox: Uint8Array[] = [];
  const buf = new Uint8Array(1 << 16);
  let serial = 0;
  const rpc = async (p: number, body: (w: XdrWriter) => void): Promise<Uint8Array> => {
    const s = serial++;
    const pkt = encodePacket({
      prog: REMOTE_PROGRAM,
      vers: 1,
      proc: p,
      type: VIR_NET_CALL,
      serial: s,
      status: VIR_NET_OK,
    }, body);
    await conn.write(pkt);
    for (;;) {
      const i = inbox.findIndex((x) => {
        const h = decodeHeader(x);
        return h.serial === s && h.type === VIR_NET_REPLY;
      });
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      const n = await conn.read(buf);
      if (n === null) throw new Error("connection closed");
      framer.push(buf.subarray(0, n), (x) => inbox.push(x));
    }
  };
  try {
    await rpc(P.REMOTE_PROC_CONNECT_OPEN, (w) => {
      w.writeUint(1);
      w.writeString("test:///default", 100);
      w.writeUint(0);
    });
    const r = await rpc(proc, (w) => w.writeRaw(args));
    const h = decodeHeader(r);
    if (h.status === VIR_NET_OK) {
      return { ok: true, payload: r.subarray(PAYLOAD_OFFSET), code: 0, message: "" };
    }
    const e = readRemoteError(new XdrReader(r, PAYLOAD_OFFSET));
    return {
      ok: false,
      payload: r.subarray(PAYLOAD_OFFSET),
      code: e.code,
      message: e.message ?? "",
    };
  } finally {
    conn.close();
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

if (import.meta.main) {
  const verbose = Deno.args.includes("--verbose");
  const ref = await startLibvirtd();
  if (!ref) {
    console.error(
      "census: libvirtd is not installed (apt-get install libvirt-daemon libvirt-clients)",
    );
    Deno.exit(1);
  }
  const ours = await startDenovirt();
  let called = 0;
  let refOk = 0;
  let identical = 0;
  let sameError = 0;
  let refErrors = 0;
  const differ: string[] = [];
  try {
    for (const p of REMOTE_PROGRAM_DEF.procedures.values()) {
      if (skip(p)) continue;
      const w = new XdrWriter();
      try {
        p.args.encode(w, sample(p.args));
      } catch {
        continue;
      }
      const args = w.toBytes();
      called++;
      const [a, b] = [await call(ref.socket, p.proc, args), await call(ours.socket, p.proc, args)];
      if (a.ok) {
        refOk++;
        const eq = b.ok &&
          (VOLATILE.has(p.proc)
            ? a.payload.length === b.payload.length
            : same(a.payload, b.payload));
        if (eq) identical++;
        else {differ.push(
            `${p.name}: ${b.ok ? "different answer" : `error ${b.code}: ${b.message}`}`,
          );}
      } else {
        refErrors++;
        if (!b.ok && same(a.payload, b.payload)) sameError++;
        else if (verbose) {
          differ.push(
            `${p.name} (libvirtd error ${a.code}): ${
              b.ok ? "answered" : `${b.code}: ${b.message}`
            }`,
          );
        }
      }
    }
  } finally {
    await ours.stop();
    await ref.stop();
  }
  console.log(
    `Remote procedures called: ${called} (of ${REMOTE_PROGRAM_DEF.info.size}; events and connection setup excluded)`,
  );
  console.log(`libvirtd's test driver answers successfully: ${refOk}`);
  console.log(`denovirt answers those identically: ${identical} of ${refOk}`);
  console.log(
    `libvirtd answers with an error: ${refErrors}; denovirt sends the same error bytes for ${sameError}`,
  );
  if (differ.length > 0) {
    console.log("\nDifferences:");
    for (const d of differ) console.log(`  ${d}`);
  }
}
