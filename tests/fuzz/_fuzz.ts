// The fuzzer: mutates and splits valid packets (seeds: the captured
// packets) and feeds them to the framing and XDR decoders in-process and to
// a live daemon over its sockets. A failure is anything but the typed errors
// (FramingError, XdrError), a daemon that stops answering, or a leaked client.

import { FramingError, PacketFramer } from "../../src/rpc/framing.ts";
import { decodeHeader, PAYLOAD_OFFSET } from "../../src/rpc/header.ts";
import { remote_error } from "../../src/rpc/error.ts";
import { PROGRAMS } from "../../src/protocol/mod.ts";
import { XdrError, XdrReader } from "../../src/xdr/mod.ts";
import { captureFiles, readCapture } from "../_captures.ts";
import { REMOTE_PROGRAM } from "../../src/rpc/constants.ts";

/** A small deterministic PRNG (xorshift32) so a failing case can be replayed by seed. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

export function seeds(): Uint8Array[] {
  return captureFiles().flatMap((f) => readCapture(f).map((p) => p.bytes));
}

function setLen(p: Uint8Array, len: number): Uint8Array {
  const out = p.slice();
  new DataView(out.buffer).setUint32(0, len >>> 0);
  return out;
}

/** One mutated byte string from a seed packet. */
export function mutate(rng: Rng, seedsList: Uint8Array[]): Uint8Array {
  const s = seedsList[rng.int(seedsList.length)]!;
  switch (rng.int(8)) {
    case 0: { // bit flips
      const out = s.slice();
      for (let i = 0, n = 1 + rng.int(8); i < n; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1: // length word edits
      return setLen(
        s,
        [0, 1, 27, 28, s.length - 1, s.length + 1, 0x7fffffff, 33554436, 33554437][rng.int(9)]!,
      );
    case 2: // truncation
      return s.subarray(0, rng.int(s.length));
    case 3: { // concatenation of two packets
      const t = seedsList[rng.int(seedsList.length)]!;
      const out = new Uint8Array(s.length + t.length);
      out.set(s);
      out.set(t, s.length);
      return out;
    }
    case 4: { // random procedure with a random payload, valid framing
      const payload = rng.bytes(rng.int(64));
      const out = new Uint8Array(28 + payload.length);
      const v = new DataView(out.buffer);
      v.setUint32(0, out.length);
      v.setUint32(4, REMOTE_PROGRAM);
      v.setUint32(8, 1);
      v.setInt32(12, rng.int(460));
      v.setInt32(16, 0);
      v.setUint32(20, rng.next());
      v.setInt32(24, 0);
      out.set(payload, 28);
      return out;
    }
    case 5: { // random header fields
      const out = s.slice();
      if (out.length >= 28) out.set(rng.bytes(4), 4 + 4 * rng.int(6));
      return out;
    }
    case 6: { // payload bytes replaced
      const out = s.slice();
      for (let i = 28; i < out.length; i++) if (rng.int(4) === 0) out[i] = rng.next() & 0xff;
      return out;
    }
    default: { // payload cut or extended, length word fixed up to match
      const body = rng.int(2)
        ? s.subarray(0, Math.min(s.length, 28 + rng.int(Math.max(1, s.length - 27))))
        : concatBytes(s, rng.bytes(rng.int(32)));
      return setLen(body, body.length);
    }
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Feeds one input, split at random points, to a framer and each framed
 * packet to the header and payload decoders. Returns the unexpected error,
 * or null when only the typed errors (or none) occurred.
 */
export function feedInProcess(rng: Rng, input: Uint8Array): unknown {
  const framer = new PacketFramer();
  try {
    let at = 0;
    while (at < input.length) {
      const n = 1 + rng.int(Math.max(1, input.length - at));
      framer.push(input.subarray(at, at + n), (p) => decodePacket(p));
      at += n;
    }
  } catch (e) {
    if (!(e instanceof FramingError) && !(e instanceof XdrError)) return e;
  }
  return null;
}

/** Decodes a framed packet's header and payload with the schema; typed errors only. */
function decodePacket(p: Uint8Array): void {
  const h = decodeHeader(p);
  const proc = PROGRAMS.get(h.prog)?.procedures.get(h.proc);
  const r = new XdrReader(p, PAYLOAD_OFFSET);
  try {
    if (h.status === 1) remote_error.decode(r);
    else if (proc) (h.type === 1 ? proc.ret : proc.args).decode(r);
  } catch (e) {
    if (!(e instanceof XdrError)) throw e;
  }
}

/** What a live fuzzing run saw. */
export interface LiveResult {
  packets: number;
  connections: number;
  checks: number;
}

/**
 * Sends `packets` mutated packets to the daemon on `socket`, in bursts on a
 * connection it reopens whenever the daemon closes it; after every burst a
 * fresh connection must get AUTH_LIST's exact answer. Throws if it does not.
 */
export async function fuzzLive(
  rng: Rng,
  socket: string,
  packets: number,
  seedsList: Uint8Array[],
): Promise<LiveResult> {
  const AUTH_LIST = new Uint8Array([
    0,
    0,
    0,
    28,
    0x20,
    0x00,
    0x80,
    0x86,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0x42,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x63,
    0,
    0,
    0,
    0,
  ]);
  const EXPECT = "000000242000808600000001000000420000000100000063000000000000000100000000";
  let conn: Deno.UnixConn | null = null;
  let connections = 0;
  let checks = 0;
  const drain = async (c: Deno.UnixConn) => {
    const buf = new Uint8Array(65536);
    try {
      while ((await c.read(buf)) !== null) { /* discard */ }
    } catch { /* reset by the daemon */ }
  };
  let sent = 0;
  const readers: Promise<void>[] = [];
  while (sent < packets) {
    if (!conn) {
      conn = await Deno.connect({ transport: "unix", path: socket });
      connections++;
      readers.push(drain(conn));
    }
    const burst = Math.min(50, packets - sent);
    try {
      for (let i = 0; i < burst; i++) {
        await conn.write(mutate(rng, seedsList));
        sent++;
      }
    } catch {
      // The daemon closed it (a bad length word): open another.
      sent += 0;
    }
    try {
      conn.close();
    } catch { /* closed */ }
    conn = null;
    // The daemon still answers a well-formed call exactly.
    const probe = await Deno.connect({ transport: "unix", path: socket });
    await probe.write(AUTH_LIST);
    const buf = new Uint8Array(64);
    let got = 0;
    while (got < 36) {
      const n = await probe.read(buf.subarray(got));
      if (n === null) throw new Error("the daemon closed a well-formed probe connection");
      got += n;
    }
    probe.close();
    const hex = Array.from(buf.subarray(0, 36), (b) => b.toString(16).padStart(2, "0")).join("");
    if (hex !== EXPECT) throw new Error(`the probe got ${hex}`);
    checks++;
  }
  await Promise.all(readers);
  return { packets: sent, connections, checks };
}
