// The census: every declared remote procedure is called once, with sample
// arguments built from its schema, against the real libvirtd (test driver)
// and against denovirt, each on a fresh test:///default connection. It
// counts the procedures libvirtd answers successfully and how many of those
// denovirt answers byte for byte the same.
//
//   deno task census [--verbose]

import { REMOTE_PROGRAM_DEF } from "../src/protocol/remote.ts";
import type { Procedure } from "../src/protocol/program.ts";
import { encodePacket, PAYLOAD_OFFSET } from "../src/rpc/header.ts";
import { PacketFramer } from "../src/rpc/framing.ts";
import { decodeHeader } from "../src/rpc/header.ts";
import { readRemoteError } from "../src/rpc/error.ts";
import { REMOTE_PROGRAM, VIR_NET_CALL, VIR_NET_OK, VIR_NET_REPLY } from "../src/rpc/constants.ts";
import { XdrReader, XdrWriter } from "../src/xdr/mod.ts";
import { sample } from "../tests/_sample.ts";
import { startDenovirt, startLibvirtd } from "../tests/_daemons.ts";
import * as P from "../src/protocol/remote_procedure_numbers.ts";

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
  domain: number;
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
      return { ok: true, payload: r.subarray(PAYLOAD_OFFSET), code: 0, domain: 0, message: "" };
    }
    const e = readRemoteError(new XdrReader(r, PAYLOAD_OFFSET));
    return {
      ok: false,
      payload: r.subarray(PAYLOAD_OFFSET),
      code: e.code,
      domain: e.domain,
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
            `${p.name}\n    libvirtd ${a.code}/${a.domain}: ${a.message}\n    denovirt ${
              b.ok ? "answered" : `${b.code}/${b.domain}: ${b.message}`
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
