// Daemons to run side by side: denovirt as its own process, and the real
// libvirtd (test driver only) when Debian's libvirt-daemon is installed.

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

export interface BenchDaemon {
  name: string;
  pid: number;
  socket: string;
  stop(): Promise<void>;
}

async function waitForSocket(path: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const c = await Deno.connect({ transport: "unix", path });
      c.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no daemon answered on ${path}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts denovirt as a process of its own (every permission, as `deno task
 * serve` gives); `netns` runs it in a new network namespace, as the
 * reference libvirtd with the QEMU driver runs.
 */
export async function startDenovirt(
  extraConf = "",
  opts: { netns?: boolean } = {},
): Promise<BenchDaemon> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-bench-" });
  await Deno.writeTextFile(`${dir}/denovirt.conf`, `unix_sock_dir = "${dir}"\n${extraConf}`);
  const deno = [
    "run",
    "--no-check",
    "-A",
    DAEMON_V8_FLAGS_ARG,
    MAIN,
    "--config",
    `${dir}/denovirt.conf`,
  ];
  const p = new Deno.Command(opts.netns ? "unshare" : Deno.execPath(), {
    args: opts.netns ? ["-n", Deno.execPath(), ...deno] : deno,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const socket = `${dir}/libvirt-sock`;
  await waitForSocket(socket);
  return {
    name: "denovirt",
    pid: p.pid,
    socket,
    async stop() {
      p.kill("SIGTERM");
      await p.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Finds a program on PATH (and the sbin directories libvirtd lives in). */
export function which(name: string): string | null {
  const path = (Deno.env.get("PATH") ?? "") + ":/usr/sbin:/sbin";
  for (const d of path.split(":")) {
    try {
      const f = `${d}/${name}`;
      if (Deno.statSync(f).isFile) return f;
    } catch {
      // Not here.
    }
  }
  return null;
}

/**
 * Starts Debian's libvirtd with only the built-in test driver, or returns
 * null. `extraConf` keys replace the defaults here (libvirtd keeps the
 * first of two); `opts.args` (e.g. --listen) and `opts.env` (e.g.
 * SASL_CONF_PATH) go to libvirtd.
 */
export async function startLibvirtd(
  extraConf = "",
  opts: { args?: string[]; env?: Record<string, string> } = {},
): Promise<BenchDaemon | null> {
  const bin = which("libvirtd");
  if (!bin) return null;
  const dir = await Deno.makeTempDir({ prefix: "libvirtd-bench-" });
  await Deno.mkdir(`${dir}/no-drivers`);
  const given = new Set([...extraConf.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]));
  await Deno.writeTextFile(
    `${dir}/libvirtd.conf`,
    [
      `unix_sock_dir = "${dir}"`,
      `auth_unix_rw = "none"`,
      `auth_unix_ro = "none"`,
      `log_outputs = "3:file:${dir}/libvirtd.log"`,
    ].filter((l) => !given.has(l.split(" ")[0])).join("\n") + "\n" + extraConf,
  );
  const p = new Deno.Command(bin, {
    args: ["--config", `${dir}/libvirtd.conf`, "--pid-file", `${dir}/pid`, ...(opts.args ?? [])],
    // An empty driver directory keeps every loadable driver out: the test driver is built in.
    env: { LIBVIRT_DRIVER_DIR: `${dir}/no-drivers`, ...opts.env },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const socket = `${dir}/libvirt-sock`;
  await waitForSocket(socket);
  return {
    name: "libvirtd",
    pid: p.pid,
    socket,
    async stop() {
      p.kill("SIGTERM");
      await p.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** CPU time (user + system) a process has used, in microseconds, from /proc. */
export function cpuMicros(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start at ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 1e6 / 100; // USER_HZ is 100 on Linux
}

/** CPU time of a process and all its threads' children (Workers are threads: same pid). */
export function cpuMicrosTree(pid: number): number {
  let total = cpuMicros(pid);
  try {
    const kids = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    for (const k of kids ? kids.split(" ") : []) total += cpuMicrosTree(Number(k));
  } catch {
    // No children file: nothing to add.
  }
  return total;
}

/**
 * Waits until a daemon is idle (under 5% of one core over 250 ms, e.g. its
 * Workers have finished loading), so a benchmark measures calls, not start-up.
 */
export async function settle(pid: number, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const a = cpuMicrosTree(pid);
    await new Promise((r) => setTimeout(r, 250));
    if (cpuMicrosTree(pid) - a < 12_500) return;
  }
}

/** One closed-loop load run against one daemon (benchmarks). */
export interface LoadResult {
  daemon: string;
  clients: number;
  calls: number;
  seconds: number;
  cpuMicros: number;
  p50: number;
  p99: number;
}

/** Prints load results as a table, then denovirt/libvirtd ratios per client count. */
export function printLoadComparison(title: string, results: LoadResult[]): void {
  console.log(`\n${title}`);
  console.log("daemon     clients   calls/s   server CPU µs/call   p50 ms   p99 ms");
  for (const r of results) {
    console.log(
      `${r.daemon.padEnd(10)} ${String(r.clients).padStart(7)} ${
        (r.calls / r.seconds).toFixed(0).padStart(9)
      } ` +
        `${(r.cpuMicros / r.calls).toFixed(1).padStart(20)} ${r.p50.toFixed(3).padStart(8)} ${
          r.p99.toFixed(3).padStart(8)
        }`,
    );
  }
  const byKey = new Map(results.map((r) => [`${r.daemon}/${r.clients}`, r]));
  for (const n of new Set(results.map((r) => r.clients))) {
    const a = byKey.get(`denovirt/${n}`);
    const b = byKey.get(`libvirtd/${n}`);
    if (!a || !b) continue;
    const thr = (a.calls / a.seconds) / (b.calls / b.seconds);
    const cpu = (a.cpuMicros / a.calls) / (b.cpuMicros / b.calls);
    console.log(
      `${n} clients: denovirt/libvirtd throughput ×${thr.toFixed(2)}, CPU per call ×${
        cpu.toFixed(2)
      }, p50 ×${(a.p50 / b.p50).toFixed(2)}`,
    );
  }
}
import { DAEMON_V8_FLAGS_ARG } from "../src/conf/v8_flags.ts";
