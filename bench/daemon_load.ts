// Daemon throughput and server CPU per call for a call no driver serves
// (AUTH_LIST), at 1, 8 and 64 clients, against denovirt and — in the same
// run, when installed — the real libvirtd. Each client keeps one call in
// flight (closed loop), as virsh and libvirt-python do.
//
//   deno run -A bench/daemon_load.ts [--seconds 3] [--clients 1,8,64]

import { encodePacket } from "../src/rpc/header.ts";
import { PacketFramer } from "../src/rpc/framing.ts";
import { REMOTE_PROGRAM, VIR_NET_CALL } from "../src/rpc/constants.ts";
import { REMOTE_PROC_AUTH_LIST } from "../src/protocol/remote_procedure_numbers.ts";
import {
  type BenchDaemon,
  cpuMicrosTree,
  type LoadResult,
  printLoadComparison,
  settle,
  startDenovirt,
  startLibvirtd,
} from "../tests/_daemons.ts";

const CALL = encodePacket({
  prog: REMOTE_PROGRAM,
  vers: 1,
  proc: REMOTE_PROC_AUTH_LIST,
  type: VIR_NET_CALL,
  serial: 0,
  status: 0,
});

/** One connection calling AUTH_LIST back to back until `until`. */
async function clientLoop(socket: string, until: number, latencies: number[]): Promise<number> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const buf = new Uint8Array(4096);
  const framer = new PacketFramer();
  let calls = 0;
  try {
    while (performance.now() < until) {
      const t0 = performance.now();
      await conn.write(CALL);
      let got = 0;
      while (got === 0) {
        const n = await conn.read(buf);
        if (n === null) throw new Error("daemon closed the connection");
        framer.push(buf.subarray(0, n), () => got++);
      }
      latencies.push(performance.now() - t0);
      calls++;
    }
  } finally {
    conn.close();
  }
  return calls;
}

async function measure(d: BenchDaemon, clients: number, seconds: number): Promise<LoadResult> {
  // Warm up (JIT, worker pool growth), then wait for the daemon to go idle.
  await Promise.all(
    Array.from({ length: clients }, () => clientLoop(d.socket, performance.now() + 1000, [])),
  );
  await settle(d.pid);
  const latencies: number[] = [];
  const cpu0 = cpuMicrosTree(d.pid);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: clients }, () => clientLoop(d.socket, until, latencies)),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMicrosTree(d.pid) - cpu0;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    daemon: d.name,
    clients,
    calls: counts.reduce((a, b) => a + b, 0),
    seconds: elapsed,
    cpuMicros: cpu,
    p50: q(0.5),
    p99: q(0.99),
  };
}

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? (Deno.args[i + 1] ?? def) : def;
}

if (import.meta.main) {
  const seconds = Number(arg("seconds", "3"));
  const clientCounts = arg("clients", "1,8,64").split(",").map(Number);
  const results: LoadResult[] = [];
  const daemons: (() => Promise<BenchDaemon | null>)[] = [
    () => startDenovirt(),
    () => startLibvirtd(),
  ];
  for (const start of daemons) {
    const d = await start();
    if (!d) {
      console.log("libvirtd is not installed (apt-get install libvirt-daemon): no comparison");
      continue;
    }
    try {
      for (const n of clientCounts) results.push(await measure(d, n, seconds));
    } finally {
      await d.stop();
    }
  }
  printLoadComparison("AUTH_LIST, closed loop, one call in flight per client", results);
}
