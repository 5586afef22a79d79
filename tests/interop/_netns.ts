// What the network suites share: a denovirt daemon run in a network
// namespace of its own (`unshare -n`, as root), so the bridges, taps,
// firewall rules and dnsmasq it makes never touch the host's network and no
// guest traffic leaves; commands run in that namespace (nsenter); the tiny
// test guest (tests/testdata/guest/build.sh) that DHCPs every NIC and prints
// what it got on its serial port; virsh against the daemon.

import { haveCondition, haveTools } from "./_tools.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}src/main.ts`;

const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the network suites can run here (root, the tools); else a skip (a failure in CI). */
export function networkSuiteRunnable(suite: string): boolean {
  const root = Deno.uid() === 0;
  return haveTools(suite, [
    "virsh",
    "qemu-system-x86_64",
    "ps",
    "unshare",
    "nsenter",
    "ip",
    "dnsmasq",
    "iptables",
  ]) &&
    haveCondition(suite, root, "needs root to make a network namespace (unshare -n)");
}

/** Runs a command; its output (stdout + stderr) and whether it succeeded. */
export async function run(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; out: string; stdout: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const stdout = dec.decode(o.stdout);
  return { ok: o.success, out: stdout + dec.decode(o.stderr), stdout };
}

/** The guest's kernel and initrd (built once per machine, shared with the other QEMU suites). */
export async function testGuest(): Promise<{ kernel: string; initrd: string }> {
  const dir = await buildGuest();
  return { kernel: `${dir}/vmlinuz`, initrd: `${dir}/initrd.gz` };
}

/** A tiny guest whose serial port goes to `serial`, with these <interface> elements. */
export function guestXML(
  name: string,
  guest: { kernel: string; initrd: string },
  serial: string,
  interfaces: string,
  cmdline = "",
): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest.kernel}</kernel>
    <initrd>${guest.initrd}</initrd>
    <cmdline>console=ttyS0 quiet ${cmdline}</cmdline>
  </os>
  <devices>
    ${interfaces}
    <serial type='file'><source path='${serial}'/><target port='0'/></serial>
  </devices>
</domain>`;
}

/** Waits for a line of the guest's serial output matching `re`; answers the match. */
export async function serialLine(
  path: string,
  re: RegExp,
  ms = 120_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  let text = "";
  while (Date.now() < deadline) {
    try {
      text = await Deno.readTextFile(path);
    } catch {
      // Not written yet.
    }
    const m = re.exec(text);
    if (m) return m;
    await sleep(250);
  }
  throw new Error(`no line matching ${re} on ${path}; it says:\n${text}`);
}

export interface NetnsDaemon {
  dir: string;
  sock: string;
  uri: string;
  /** The daemon's pid: its network namespace is /proc/PID/ns/net. */
  pid: number;
  /** A virsh command against the daemon. */
  virsh(...args: string[]): Promise<{ ok: boolean; out: string; stdout: string }>;
  /** A command in the daemon's network namespace. */
  ns(cmd: string, ...args: string[]): Promise<string>;
  /** kill -9 of the daemon (its namespace lives on, held by a sleeper). */
  kill9(): Promise<void>;
  /** A new daemon on the same directories in the same namespace. */
  restart(): Promise<void>;
  /** Stops the daemon and everything it started; the namespace goes with its last process. */
  stop(): Promise<void>;
}

async function waitForSocket(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      (await Deno.connect({ transport: "unix", path })).close();
      return;
    } catch {
      await sleep(25);
    }
  }
  throw new Error(`no daemon on ${path}`);
}

/**
 * Starts denovirt in a new network namespace. A `sleep` holds the namespace
 * (so a daemon killed with -9 can be followed by another in the same one);
 * the daemon joins it with nsenter.
 */
export async function startNetnsDaemon(): Promise<NetnsDaemon> {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-net-" });
  await Deno.chmod(dir, 0o755);
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(conf, `unix_sock_dir = "${dir}/run"\n`);
  const sock = `${dir}/run/libvirt-sock`;
  const uri = `qemu:///system?socket=${sock}`;
  const holder = new Deno.Command("unshare", {
    args: ["-n", "sleep", "infinity"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // The holder's namespace is ready once it runs sleep.
  for (let i = 0; i < 200; i++) {
    const comm = await Deno.readTextFile(`/proc/${holder.pid}/comm`).catch(() => "");
    if (comm.trim() === "sleep") break;
    await sleep(10);
  }
  let daemon: Deno.ChildProcess | null = null;
  const spawn = async () => {
    const log = await Deno.open(`${dir}/daemon.log`, { append: true, create: true, write: true });
    daemon = new Deno.Command("nsenter", {
      args: [
        "-t",
        String(holder.pid),
        "-n",
        Deno.execPath(),
        "run",
        "--no-check",
        "-A",
        MAIN,
        "--config",
        conf,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Keep the daemon's output for a failing test to show.
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) await log.write(chunk);
    };
    pump(daemon.stdout).catch(() => {});
    pump(daemon.stderr).catch(() => {}).finally(() => log.close());
    await waitForSocket(sock);
  };
  await spawn();
  const ns = async (cmd: string, ...args: string[]) =>
    (await run("nsenter", ["-t", String(holder.pid), "-n", cmd, ...args])).stdout;
  const self: NetnsDaemon = {
    dir,
    sock,
    uri,
    get pid() {
      return holder.pid;
    },
    virsh: (...args) => run("virsh", ["-c", uri, ...args]),
    ns,
    async kill9() {
      daemon!.kill("SIGKILL");
      await daemon!.status;
      await Deno.remove(sock).catch(() => {});
    },
    async restart() {
      await spawn();
    },
    async stop() {
      // Domains and networks first, as an administrator would, then the daemon.
      const doms = (await self.virsh("list", "--name")).stdout.split("\n").filter((x) => x);
      for (const d of doms) await self.virsh("destroy", d);
      const nets = (await self.virsh("net-list", "--name")).stdout.split("\n").filter((x) => x);
      for (const n of nets) await self.virsh("net-destroy", n);
      try {
        daemon!.kill("SIGTERM");
        await daemon!.status;
      } catch {
        // Already gone.
      }
      // Whatever still runs from the test's directory (a dnsmasq, a QEMU) ends too.
      const pids = (await run("ps", ["-eo", "pid=,args="])).stdout.split("\n")
        .filter((l) => l.includes(dir)).map((l) => Number(l.trim().split(/\s+/)[0]));
      for (const p of pids) {
        try {
          Deno.kill(p, "SIGKILL");
        } catch {
          // Gone.
        }
      }
      holder.kill("SIGKILL");
      await holder.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return self;
}
