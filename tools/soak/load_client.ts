// The soak's load: one process with many raw-RPC connections, each keeping
// a few calls in flight (closed loop, a short think time between calls), a
// mix of test:///default calls and the test-only sleep program. Every reply
// is matched to its call by serial and checked against what was asked; a
// connection now and then says CONNECT_CLOSE and reconnects, or drops its
// socket with calls in flight. It is SIGKILLed at random by the soak.
//
//   deno run --allow-read --allow-write --allow-net tools/soak/load_client.ts \
//     --rw SOCK --ro SOCK [--conns 8] [--inflight 2] [--think 5] [--seed N]
//
// stdout, one line each: `P {…}` progress every second, `X text` a problem
// (a reply twice, to a call never made, wrong, or an unexpected error; a
// call unanswered for 30 s), `F {…}` the final count after stdin closes:
// the client then stops sending, waits for its answers and closes.

import { REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from "../../src/rpc/constants.ts";
import { decode, type XdrWriter } from "../../src/xdr/mod.ts";
import {
  blob,
  SLEEP_PROC_BLOB,
  SLEEP_PROC_ECHO,
  SLEEP_PROC_ECHO_HIGH,
  SLEEP_PROC_SLEEP,
  SLEEP_PROC_SLEEP_HIGH,
  SLEEP_PROC_THROW,
  SLEEP_PROGRAM,
} from "../../tests/testdata/sleep_program.ts";
import { ConnectionClosed, type Reply, SoakConn } from "./conn.ts";
import { Rng } from "../../tests/fuzz/_fuzz.ts";

/** How long a call may go unanswered before it is reported (the watchdog kills at seconds). */
export const STALE_MS = 30_000;

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : def;
}

/** A remote procedure's codecs, from the protocol schema. */
function proc(n: number) {
  const p = REMOTE_PROGRAM_DEF.procedures.get(n);
  if (!p) throw new RangeError(`Cannot find remote procedure ${n} in the schema`);
  return p;
}

interface Domain {
  name: string;
  uuid: Uint8Array;
  id: number;
}

/** One kind of call: how to send it and what its answer must be. */
interface Op {
  weight: number;
  run(s: Session): Promise<void>;
}

const counts = {
  sent: 0,
  answered: 0,
  abandoned: 0,
  sessions: 0,
  closes: 0,
  drops: 0,
  expectedErrors: 0,
  problems: 0,
};

/** Problems printed in full; beyond this many only counted (the count is in every P line). */
const PRINTED_PROBLEMS = 50;

function problem(text: string): void {
  if (++counts.problems <= PRINTED_PROBLEMS) console.log(`X ${text}`);
}

/** One connection's life: open, calls, then CONNECT_CLOSE or a drop. */
class Session {
  readonly conn: SoakConn;
  readonly rng: Rng;
  dom: Domain | null = null;
  libVersion = -1;
  /** Set once this session means to drop its socket: replies that fail then are expected. */
  dropping = false;

  constructor(conn: SoakConn, rng: Rng) {
    this.conn = conn;
    this.rng = rng;
  }

  remote(n: number, args: unknown, what: string): Promise<Reply> {
    const p = proc(n);
    return this.conn.call(
      REMOTE_PROGRAM,
      REMOTE_PROTOCOL_VERSION,
      n,
      what,
      (w: XdrWriter) => p.args.encode(w, args),
    );
  }

  sleepProg(n: number, what: string, body: (w: XdrWriter) => void): Promise<Reply> {
    return this.conn.call(SLEEP_PROGRAM, 1, n, what, body);
  }

  /** The decoded result of a successful remote reply, or null after reporting the failure. */
  ok<T>(n: number, r: Reply, what: string): T | null {
    if (r.error) {
      problem(`${what}: unexpected error ${r.error.code}: ${r.error.message}`);
      return null;
    }
    try {
      return decode(proc(n).ret, r.body) as T;
    } catch (e) {
      problem(`${what}: cannot decode the reply: ${(e as Error).message}`);
      return null;
    }
  }
}

function value(r: Reply): number {
  return new DataView(r.body.buffer, r.body.byteOffset, r.body.byteLength).getUint32(0);
}

const OPS: Op[] = [
  {
    weight: 15,
    async run(s) {
      const r = await s.remote(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION, null, "GET_LIB_VERSION");
      const v = s.ok<{ lib_ver: bigint | number }>(
        P.REMOTE_PROC_CONNECT_GET_LIB_VERSION,
        r,
        "GET_LIB_VERSION",
      );
      if (v && Number(v.lib_ver) !== s.libVersion) {
        problem(`GET_LIB_VERSION: ${v.lib_ver}, not ${s.libVersion} as before`);
      }
    },
  },
  {
    weight: 15,
    async run(s) {
      const r = await s.remote(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" }, "LOOKUP");
      const v = s.ok<{ dom: Domain }>(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, r, "LOOKUP");
      if (v && v.dom.name !== "test") problem(`LOOKUP test: got domain ${v.dom.name}`);
    },
  },
  {
    weight: 15,
    async run(s) {
      const r = await s.remote(P.REMOTE_PROC_DOMAIN_GET_INFO, { dom: s.dom }, "GET_INFO");
      const v = s.ok<{ nrVirtCpu: number }>(P.REMOTE_PROC_DOMAIN_GET_INFO, r, "GET_INFO");
      if (v && !(v.nrVirtCpu >= 1)) problem(`GET_INFO: ${v.nrVirtCpu} vCPUs`);
    },
  },
  {
    weight: 10,
    async run(s) {
      const r = await s.remote(
        P.REMOTE_PROC_DOMAIN_GET_XML_DESC,
        { dom: s.dom, flags: 0 },
        "GET_XML_DESC",
      );
      const v = s.ok<{ xml: string }>(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, r, "GET_XML_DESC");
      if (v && !v.xml.includes("<name>test</name>")) problem("GET_XML_DESC: not test's XML");
    },
  },
  {
    weight: 10,
    async run(s) {
      const r = await s.remote(
        P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
        { need_results: 1, flags: 0 },
        "LIST_ALL_DOMAINS",
      );
      const v = s.ok<{ domains: Domain[] }>(
        P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
        r,
        "LIST_ALL_DOMAINS",
      );
      if (v && !v.domains.some((d) => d.name === "test")) {
        problem("LIST_ALL_DOMAINS: no domain test");
      }
    },
  },
  {
    weight: 5,
    async run(s) {
      const r = await s.remote(P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, null, "NUM_OF_DOMAINS");
      const v = s.ok<{ num: number }>(P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, r, "NUM_OF_DOMAINS");
      if (v && v.num < 1) problem(`NUM_OF_DOMAINS: ${v.num}`);
    },
  },
  ...[
    [SLEEP_PROC_ECHO, "ECHO", 10],
    [SLEEP_PROC_ECHO_HIGH, "ECHO_HIGH", 5],
  ].map(([n, what, weight]) => ({
    weight: weight as number,
    async run(s: Session) {
      const x = s.rng.int(1 << 30);
      const r = await s.sleepProg(n as number, what as string, (w) => w.writeUint(x));
      if (r.error) problem(`${what}: unexpected error ${r.error.message}`);
      else if (value(r) !== x) problem(`${what} ${x}: answered ${value(r)}`);
    },
  })),
  ...[
    [SLEEP_PROC_SLEEP, "SLEEP", 8, 20, 200],
    [SLEEP_PROC_SLEEP_HIGH, "SLEEP_HIGH", 3, 5, 50],
  ].map(([n, what, weight, lo, hi]) => ({
    weight: weight as number,
    async run(s: Session) {
      const ms = (lo as number) + s.rng.int((hi as number) - (lo as number));
      const r = await s.sleepProg(n as number, `${what} ${ms}`, (w) => w.writeUint(ms));
      if (r.error) problem(`${what} ${ms}: unexpected error ${r.error.message}`);
      else if (value(r) !== ms) problem(`${what} ${ms}: answered ${value(r)}`);
    },
  })),
  {
    weight: 4,
    async run(s) {
      const n = 1024 + s.rng.int(127 * 1024);
      const data = new Uint8Array(n).fill(n & 0xff);
      const r = await s.sleepProg(
        SLEEP_PROC_BLOB,
        `BLOB ${n}`,
        (w) => blob.encode(w, { ms: 0, data }),
      );
      if (r.error) problem(`BLOB ${n}: unexpected error ${r.error.message}`);
      else if (value(r) !== n) problem(`BLOB ${n}: answered ${value(r)}`);
    },
  },
  {
    weight: 1,
    async run(s) {
      const r = await s.sleepProg(SLEEP_PROC_THROW, "THROW", () => {});
      if (r.error?.message?.includes("deliberate failure in a handler")) {
        counts.expectedErrors++;
      } else problem(`THROW: answered ${r.error ? r.error.message : "with success"}`);
    },
  },
];
const TOTAL_WEIGHT = OPS.reduce((n, o) => n + o.weight, 0);

function pick(rng: Rng): Op {
  let x = rng.int(TOTAL_WEIGHT);
  for (const o of OPS) {
    x -= o.weight;
    if (x < 0) return o;
  }
  return OPS[0]!;
}

let stopping = false;
/** Connections of sessions under way (their ledgers count in the progress line). */
const live = new Set<SoakConn>();

/** One session on a new connection; returns when it is over. */
async function session(path: string, ro: boolean, rng: Rng, inflight: number, think: number) {
  const conn = await SoakConn.connect(path, problem);
  live.add(conn);
  const s = new Session(conn, rng);
  counts.sessions++;
  const unexpectedEnd = () => {
    if (!s.dropping) conn.ledger.unanswered("the daemon closed the connection");
  };
  try {
    const open = await s.remote(
      P.REMOTE_PROC_CONNECT_OPEN,
      { name: "test:///default", flags: ro ? 1 : 0 },
      "CONNECT_OPEN",
    );
    if (s.ok(P.REMOTE_PROC_CONNECT_OPEN, open, "CONNECT_OPEN") === null) return;
    const lv = await s.remote(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION, null, "GET_LIB_VERSION");
    s.libVersion = Number(
      s.ok<{ lib_ver: bigint }>(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION, lv, "GET_LIB_VERSION")
        ?.lib_ver ?? -1,
    );
    const look = await s.remote(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "test" }, "LOOKUP");
    s.dom = s.ok<{ dom: Domain }>(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, look, "LOOKUP")?.dom ?? null;
    if (!s.dom) return;
    // How this session ends: mostly a clean CONNECT_CLOSE, sometimes a drop mid-call.
    let calls = 200 + rng.int(3000);
    const drop = rng.int(4) === 0;
    const lane = async () => {
      while (!stopping && calls-- > 0 && !s.dropping) {
        await pick(rng).run(s);
        if (think > 0) await new Promise((r) => setTimeout(r, rng.int(think * 2 + 1)));
      }
    };
    const lanes = Array.from({ length: inflight }, lane);
    if (drop && !stopping) {
      // Drop the socket once the calls are well under way, answers or not.
      await Promise.race([
        Promise.all(lanes),
        new Promise((r) => setTimeout(r, 200 + rng.int(3000))),
      ]);
      if (!stopping) {
        s.dropping = true;
        counts.drops++;
        conn.close();
        await Promise.allSettled(lanes);
        return;
      }
    }
    await Promise.all(lanes);
    const bye = await s.remote(P.REMOTE_PROC_CONNECT_CLOSE, null, "CONNECT_CLOSE");
    if (s.ok(P.REMOTE_PROC_CONNECT_CLOSE, bye, "CONNECT_CLOSE") !== null) counts.closes++;
    // After CONNECT_CLOSE's reply the daemon closes the connection.
    await conn.done;
  } catch (e) {
    if (!(e instanceof ConnectionClosed)) throw e;
    unexpectedEnd();
  } finally {
    live.delete(conn);
    counts.sent += conn.ledger.sent;
    counts.answered += conn.ledger.answered;
    counts.abandoned += conn.ledger.abandoned;
    conn.close();
    await conn.done;
  }
}

async function main(): Promise<void> {
  const rw = arg("rw", "");
  const ro = arg("ro", "");
  const conns = Number(arg("conns", "8"));
  const inflight = Number(arg("inflight", "2"));
  const think = Number(arg("think", "5"));
  const rng = new Rng(Number(arg("seed", String(Date.now() & 0x7fffffff))));
  const t0 = performance.now();
  const progress = setInterval(() => {
    let sent = counts.sent, answered = counts.answered, inflightNow = 0;
    for (const c of live) {
      sent += c.ledger.sent;
      answered += c.ledger.answered;
      inflightNow += c.ledger.inflight;
      for (const st of c.ledger.stale(STALE_MS)) {
        problem(`serial ${st.serial} (${st.what}) unanswered after ${STALE_MS / 1000} s`);
      }
    }
    console.log(`P ${JSON.stringify({ ...counts, sent, answered, inflight: inflightNow })}`);
  }, 1000);
  const workers = Array.from({ length: conns }, async (_, i) => {
    const myRng = new Rng(rng.int(0x7fffffff));
    // One connection in four on the read-only socket.
    const useRo = ro !== "" && i % 4 === 3;
    while (!stopping) {
      await session(useRo ? ro : rw, useRo, myRng, inflight, think).catch(async (e) => {
        problem(`a session failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      });
    }
  });
  // Stop when the soak closes stdin: finish the calls under way, close cleanly.
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* nothing is sent on stdin */ }
    stopping = true;
  })();
  await Promise.all(workers);
  clearInterval(progress);
  console.log(
    `F ${JSON.stringify({ ...counts, seconds: Math.round((performance.now() - t0) / 1000) })}`,
  );
  Deno.exit(0);
}

if (import.meta.main) await main();
