// libvirt-python load: one Python process per client, each looping over a
// mix of getLibVersion, lookupByName+info, listAllDomains and
// lookupByName+XMLDesc for a fixed time, against denovirt and — in the same
// run, when installed — libvirtd. Prints calls/s, p50/p99 latency, server
// CPU per call and the ratios.
//
//   deno run -A bench/python_load.ts [--seconds 3] [--clients 1,8,64]

import {
  type BenchDaemon,
  cpuMicrosTree,
  type LoadResult,
  printLoadComparison,
  settle,
  startDenovirt,
  startLibvirtd,
} from "../tests/_daemons.ts";

const SCRIPT = `
import sys, time, libvirt
c = libvirt.open('test+unix:///default?socket=' + sys.argv[1])
until = time.time() + float(sys.argv[2])
lat = []
n = 0
while time.time() < until:
    t0 = time.perf_counter()
    k = n % 4
    if k == 0:
        c.getLibVersion(); calls = 1
    elif k == 1:
        c.lookupByName('test').info(); calls = 2
    elif k == 2:
        c.listAllDomains(); calls = 1
    else:
        c.lookupByName('test').XMLDesc(0); calls = 2
    dt = (time.perf_counter() - t0) / calls
    lat.extend([dt] * calls)
    n += 1
c.close()
print(len(lat))
print(' '.join('%.6f' % x for x in lat))
`;

async function measure(d: BenchDaemon, clients: number, seconds: number): Promise<LoadResult> {
  // Warm up with the same load (JIT, pool growth), then wait for the daemon to go idle.
  await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Deno.Command("/usr/bin/python3", {
          args: ["-c", SCRIPT, d.socket, "1"],
          stdout: "null",
        })
          .output(),
    ),
  );
  await settle(d.pid);
  const cpu0 = cpuMicrosTree(d.pid);
  const t0 = performance.now();
  const outs = await Promise.all(
    Array.from({ length: clients }, () =>
      new Deno.Command("/usr/bin/python3", {
        args: ["-c", SCRIPT, d.socket, String(seconds)],
        stdout: "piped",
        stderr: "inherit",
      }).output()),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMicrosTree(d.pid) - cpu0;
  const lat: number[] = [];
  let calls = 0;
  for (const o of outs) {
    const [n, l] = new TextDecoder().decode(o.stdout).split("\n");
    calls += Number(n);
    for (const x of (l ?? "").split(" ")) if (x) lat.push(Number(x) * 1000);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  // Process start-up is part of `elapsed`; the calls ran for `seconds`.
  return {
    daemon: d.name,
    clients,
    calls,
    seconds: Math.min(elapsed, seconds),
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
  const counts = arg("clients", "1,8,64").split(",").map(Number);
  const results: LoadResult[] = [];
  for (const start of [() => startDenovirt(), () => startLibvirtd()]) {
    const d = await start();
    if (!d) {
      console.log("libvirtd is not installed: no comparison");
      continue;
    }
    try {
      for (const n of counts) results.push(await measure(d, n, seconds));
    } finally {
      await d.stop();
    }
  }
  printLoadComparison(
    "libvirt-python mix (getLibVersion, lookupByName+info, listAllDomains, lookupByName+XMLDesc)",
    results,
  );
  Deno.exit(0);
}
