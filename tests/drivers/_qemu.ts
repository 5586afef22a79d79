// What the QEMU driver tests share: a tiny VM definition, a look at the
// host's QEMU processes (to prove one runs, or none is left behind), and the
// daemon as a process of its own (to kill and restart it).

/** A tiny VM: SeaBIOS's output goes to `serialFile`. */
export function tinyVM(name: string, uuid: string, serialFile: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='file'><source path='${serialFile}'/><target port='0'/></serial>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>`;
}

/**
 * Every live QEMU process whose command line names `uuid` (from `ps`: the
 * test task's permissions do not reach /proc).
 */
export function qemuProcesses(uuid: string): number[] {
  const out = new Deno.Command("ps", { args: ["-eo", "pid=,stat=,args="], stdout: "piped" })
    .outputSync();
  const pids: number[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[2]!.startsWith("Z")) continue;
    if (m[3]!.includes("qemu-system") && m[3]!.includes(uuid)) pids.push(Number(m[1]));
  }
  return pids;
}

/** Kills whatever QEMU of these domains is left (a failed test must not leak VMs). */
export function killQemus(...uuids: string[]): void {
  for (const u of uuids) {
    for (const pid of qemuProcesses(u)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
  }
}

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Waits until a daemon accepts on `path`. */
export async function waitForSocket(path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      const c = await Deno.connect({ transport: "unix", path });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`no daemon on ${path}`);
}

/** The daemon as a process of its own (so a test can kill and restart it), on config `conf`. */
export function spawnDaemon(conf: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "-A", MAIN, "--config", conf],
    stdout: "null",
    stderr: "null",
  }).spawn();
}
