// TLS against Unix sockets: libvirt-python clients (one process each) loop
// over getLibVersion for a fixed time, over the Unix socket and over TLS
// with client certificates, against denovirt and — in the same run, when
// installed — libvirtd configured the same way. Prints calls/s, p50/p99,
// server CPU per call, and each daemon's TLS/Unix throughput ratio (issue
// 15 asks denovirt's to be at least 0.7 at 8 clients).
//
//   deno run -A bench/tls_load.ts [--seconds 4] [--clients 1,8]

import { DAEMON_V8_FLAGS_ARG } from "../src/conf/v8_flags.ts";
import { cpuMicrosTree, settle, startLibvirtd } from "../tests/_daemons.ts";
import { freePort, makePki, type Pki } from "../tests/_pki.ts";

const SCRIPT = `
import sys, time, libvirt
c = libvirt.open(sys.argv[1])
until = time.time() + float(sys.argv[2])
lat = []
while time.time() < until:
    t0 = time.perf_counter()
    c.getLibVersion()
    lat.append(time.perf_counter() - t0)
c.close()
print(len(lat))
print(' '.join('%.6f' % x for x in lat))
`;

interface Daemon {
  name: string;
  pid: number;
  unix: string;
  tls: string;
  stop(): Promise<void>;
}

interface Result {
  daemon: string;
  transport: string;
  clients: number;
  callsPerS: number;
  cpuPerCall: number;
  p50: number;
  p99: number;
}

function conf(pki: Pki, port: number): string {
  return [
    `listen_tls = 1`,
    `listen_tcp = 0`,
    `listen_addr = "127.0.0.1"`,
    `tls_port = "${port}"`,
    `ca_file = "${pki.server.ca}"`,
    `cert_file = "${pki.server.cert}"`,
    `key_file = "${pki.server.key}"`,
    `max_workers = 20`,
  ].join("\n") + "\n";
}

async function startDenovirtTls(pki: Pki): Promise<Daemon> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-tls-bench-" });
  const port = freePort();
  await Deno.writeTextFile(`${dir}/d.conf`, `unix_sock_dir = "${dir}"\n${conf(pki, port)}`);
  const p = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "-A",
      DAEMON_V8_FLAGS_ARG,
      new URL("../src/main.ts", import.meta.url).pathname,
      "--listen",
      "--config",
      `${dir}/d.conf`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ transport: "unix", path: `${dir}/libvirt-sock` })).close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    name: "denovirt",
    pid: p.pid,
    unix: `test+unix:///default?socket=${dir}/libvirt-sock`,
    tls: `test+tls://localhost:${port}/default?pkipath=${pki.client("bench")}`,
    async stop() {
      p.kill("SIGTERM");
      await p.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function startLibvirtdTls(pki: Pki): Promise<Daemon | null> {
  const port = freePort();
  const d = await startLibvirtd(conf(pki, port), { args: ["--listen"] });
  if (!d) return null;
  return {
    name: "libvirtd",
    pid: d.pid,
    unix: `test+unix:///default?socket=${d.socket}`,
    tls: `test+tls://localhost:${port}/default?pkipath=${pki.client("bench")}`,
    stop: () => d.stop(),
  };
}

async function measure(d: Daemon, transport: "unix" | "tls", clients: number, seconds: number) {
  const uri = transport === "unix" ? d.unix : d.tls;
  const py = (s: number, out: "piped" | "null") =>
    new Deno.Command("/usr/bin/python3", {
      args: ["-c", SCRIPT, uri, String(s)],
      stdout: out,
      stderr: "inherit",
    }).output();
  await Promise.all(Array.from({ length: clients }, () => py(1, "null")));
  await settle(d.pid);
  const cpu0 = cpuMicrosTree(d.pid);
  const outs = await Promise.all(Array.from({ length: clients }, () => py(seconds, "piped")));
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
  return {
    daemon: d.name,
    transport,
    clients,
    callsPerS: calls / seconds,
    cpuPerCall: cpu / calls,
    p50: q(0.5),
    p99: q(0.99),
  };
}

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? (Deno.args[i + 1] ?? def) : def;
}

if (import.meta.main) {
  const seconds = Number(arg("seconds", "4"));
  const counts = arg("clients", "1,8").split(",").map(Number);
  const pki = await makePki(["bench"]);
  const results: Result[] = [];
  try {
    for (const start of [startDenovirtTls, startLibvirtdTls]) {
      const d = await start(pki);
      if (!d) continue;
      try {
        for (const n of counts) {
          // Alternating, so drift on a shared machine touches both alike.
          for (const t of ["unix", "tls"] as const) results.push(await measure(d, t, n, seconds));
        }
      } finally {
        await d.stop();
      }
    }
  } finally {
    await pki.remove();
  }
  console.log("daemon     transport clients   calls/s  server CPU µs/call   p50 ms   p99 ms");
  for (const r of results) {
    console.log(
      `${r.daemon.padEnd(10)} ${r.transport.padEnd(9)} ${String(r.clients).padStart(7)} ${
        r.callsPerS.toFixed(0).padStart(9)
      } ${r.cpuPerCall.toFixed(1).padStart(19)} ${r.p50.toFixed(3).padStart(8)} ${
        r.p99.toFixed(3).padStart(8)
      }`,
    );
  }
  for (const d of new Set(results.map((r) => r.daemon))) {
    for (const n of counts) {
      const u = results.find((r) => r.daemon === d && r.clients === n && r.transport === "unix");
      const t = results.find((r) => r.daemon === d && r.clients === n && r.transport === "tls");
      if (u && t) {
        console.log(
          `${d} ${n} clients: TLS/Unix throughput ×${(t.callsPerS / u.callsPerS).toFixed(2)}`,
        );
      }
    }
  }
  Deno.exit(0);
}
