/**
 * The light-client comparison of issue 16: bench/load.c (epoll, one call in
 * flight per connection, calls encoded once) against denovirt and libvirtd
 * 9.0's test driver in the same run, alternating, for getLibVersion and a
 * five-call mix at 1, 8, 64 and 512 clients; then memory: RSS after start,
 * RSS per idle open connection, and 10,000 idle connections held while a
 * new client is served. Writes the table into bench/RESULTS.md.
 *
 *   deno run -A bench/light_load.ts [--seconds 4] [--clients 1,8,64,512] [--no-write]
 *
 * @module
 */

import {
  type BenchDaemon,
  settle,
  startDenovirt,
  startLibvirtd,
  which,
} from "../tests/_daemons.ts";
import { writeResultsSection } from "./_results.ts";
import { DEFAULT_WORKER_PARK_SECONDS } from "../src/conf/config.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] ?? dflt : dflt;
};
const SECONDS = Number(arg("seconds", "4"));
const CLIENTS = arg("clients", "1,8,64,512").split(",").map(Number);
const IDLE = Number(arg("idle", "10000"));
const WRITE = !Deno.args.includes("--no-write");
/** Both daemons take this many clients, so the idle-connection figure can be measured. */
const MAX_CLIENTS = IDLE + 100;
/** Idle time after which every Worker has parked (worker_park_seconds' default, and 2 s more). */
const PARKED_MS = (DEFAULT_WORKER_PARK_SECONDS + 2) * 1000;
/**
 * How long the connections are held before RSS is read: the Workers that
 * opening them woke have parked, and V8's memory reducer, which gives back
 * the event loop's heap grown while they opened once the daemon is idle, has
 * run (measured: 97 → 45 MB of heap between 15 and 30 s after the opening).
 */
const HELD_MS = PARKED_MS + 30_000;

interface Run {
  calls_per_s: number;
  p50_us: number;
  p99_us: number;
  server_cpu_us_per_call: number;
  errors: number;
}

async function buildClient(): Promise<string> {
  const gcc = which("gcc") ?? which("cc");
  if (!gcc) throw new Error("bench/light_load.ts needs a C compiler (apt-get install gcc)");
  const out = await Deno.makeTempFile({ prefix: "denovirt-load-" });
  const src = new URL("./load.c", import.meta.url).pathname;
  const r = await new Deno.Command(gcc, { args: ["-O2", "-o", out, src] }).output();
  if (!r.success) throw new Error(`cannot build load.c: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

async function load(bin: string, d: BenchDaemon, clients: number, op: string): Promise<Run> {
  const r = await new Deno.Command(bin, {
    args: [d.socket, String(clients), String(SECONDS), op, String(d.pid)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout).trim();
  if (!r.success || !out) {
    throw new Error(`load against ${d.name} failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return JSON.parse(out) as Run;
}

/** Resident memory of a process in KiB. */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

/**
 * Opens `n` idle connections (each with test:///default open), measures the
 * daemon's RSS with them held, then checks a new client is served and every
 * held connection still answers.
 */
async function idle(bin: string, d: BenchDaemon, n: number) {
  // Both readings with every Worker parked (its isolate gone): what is
  // measured is the connections, not how many isolates happen to be warm.
  await new Promise((r) => setTimeout(r, PARKED_MS));
  const before = rssKiB(d.pid);
  const p = new Deno.Command(bin, {
    args: [d.socket, String(n), String(HELD_MS / 1000 + 10), "idle"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!buf.includes("ready")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`idle connections to ${d.name} failed`);
    buf += value;
  }
  await new Promise((r) => setTimeout(r, HELD_MS));
  const held = rssKiB(d.pid);
  const fresh = await load(bin, d, 1, "version");
  while (!buf.includes("answered")) {
    const { value, done } = await lines.read();
    if (done) break;
    buf += value;
  }
  await p.status;
  const answered = /"answered":(\d+)/.exec(buf);
  return {
    perConnKiB: (held - before) / n,
    answered: answered ? Number(answered[1]) : 0,
    newClientCallsPerS: fresh.calls_per_s,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ratio = (a: number, b: number) => (b ? `×${(a / b).toFixed(2)}` : "—");

/** Starts libvirtd, which the comparison cannot do without. */
async function requireLibvirtd(conf: string): Promise<BenchDaemon> {
  const lib = await startLibvirtd(conf);
  if (!lib) throw new Error("libvirtd is not installed: the comparison needs it");
  return lib;
}

async function main() {
  const bin = await buildClient();
  const conf = `max_clients = ${MAX_CLIENTS}\nmax_anonymous_clients = ${MAX_CLIENTS}\n`;
  const den = await startDenovirt(conf);
  const lib = await requireLibvirtd(conf);
  const rows: string[] = [];
  try {
    await settle(den.pid);
    await settle(lib.pid);
    const rest = { den: rssKiB(den.pid), lib: rssKiB(lib.pid) };
    // Idle past worker_park_seconds: the Worker that ran the QEMU driver's start-up has parked.
    await new Promise((r) => setTimeout(r, PARKED_MS));
    const parked = { den: rssKiB(den.pid), lib: rssKiB(lib.pid) };
    for (const op of ["version", "mix"]) {
      for (const n of CLIENTS) {
        // Warm up each, then measure in turn (libvirtd first, then denovirt).
        await load(bin, lib, n, op);
        await load(bin, den, n, op);
        const l = await load(bin, lib, n, op);
        const r = await load(bin, den, n, op);
        console.log(JSON.stringify({ op, clients: n, denovirt: r, libvirtd: l }));
        rows.push(
          `| ${op} | ${n} | ${fmt(r.calls_per_s)} | ${fmt(l.calls_per_s)} | ${
            ratio(r.calls_per_s, l.calls_per_s)
          } | ${r.p50_us.toFixed(0)} / ${l.p50_us.toFixed(0)} | ${r.p99_us.toFixed(0)} / ${
            l.p99_us.toFixed(0)
          } | ${r.server_cpu_us_per_call.toFixed(0)} / ${l.server_cpu_us_per_call.toFixed(0)} |`,
        );
      }
    }
    // Idle connections on fresh daemons: memory a daemon kept from the
    // loads above (malloc's free lists, grown heaps) would take them in.
    const fresh = async (d: BenchDaemon) => await idle(bin, d, IDLE).finally(() => d.stop());
    const di = await fresh(await startDenovirt(conf));
    const li = await fresh(await requireLibvirtd(conf));
    console.log(JSON.stringify({ rest, parked, idle: { denovirt: di, libvirtd: li } }));
    const table = [
      `## Light client (bench/light_load.ts), ${new Date().toISOString().slice(0, 10)}`,
      "",
      `bench/load.c: one call in flight per connection, ${SECONDS} s per run, libvirtd 9.0`,
      "(test driver) measured in the same run. Latency and CPU columns: denovirt / libvirtd.",
      "",
      "| load | clients | denovirt calls/s | libvirtd calls/s | ratio | p50 µs | p99 µs | server CPU µs/call |",
      "| ---- | ------- | ---------------- | ---------------- | ----- | ------ | ------ | ------------------ |",
      ...rows,
      "",
      "| memory | denovirt | libvirtd | ratio |",
      "| ------ | -------- | -------- | ----- |",
      `| RSS after start (CPU quiet) | ${fmt(rest.den / 1024)} MB | ${fmt(rest.lib / 1024)} MB | ${
        ratio(rest.den, rest.lib)
      } |`,
      `| RSS at rest (idle ${PARKED_MS / 1000} s: Workers parked) | ${
        fmt(parked.den / 1024)
      } MB | ${fmt(parked.lib / 1024)} MB | ${ratio(parked.den, parked.lib)} |`,
      `| RSS per idle connection (${fmt(IDLE)} held, Workers parked) | ${
        di.perConnKiB.toFixed(1)
      } KiB | ${li.perConnKiB.toFixed(1)} KiB | ${ratio(di.perConnKiB, li.perConnKiB)} |`,
      `| idle connections answering after the hold | ${fmt(di.answered)} | ${fmt(li.answered)} | |`,
      `| a new client's calls/s with them held | ${fmt(di.newClientCallsPerS)} | ${
        fmt(li.newClientCallsPerS)
      } | ${ratio(di.newClientCallsPerS, li.newClientCallsPerS)} |`,
      "",
    ].join("\n");
    console.log(table);
    if (WRITE) writeResultsSection("## Light client (bench/light_load.ts)", table);
  } finally {
    await den.stop();
    await lib.stop();
    await Deno.remove(bin);
  }
}

if (import.meta.main) await main();
