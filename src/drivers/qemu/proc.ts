/**
 * What the QEMU driver learns of and does to its processes. Deno lets a
 * program read /proc only with every permission, and signal a process that is
 * not its child only with unscoped --allow-run; under `deno task serve`'s
 * narrowed permissions the driver asks procps's `ps` and `kill` instead (the
 * only programs besides QEMU and qemu-img it may run).
 *
 * @module
 */

export const PS = "/usr/bin/ps";
export const KILL = "/usr/bin/kill";
/** coreutils' stat: `stat -f` is statvfs(2), which Deno does not offer. */
export const STAT = "/usr/bin/stat";

const dec = new TextDecoder();

/** /proc/PID/stat's fields after the command name (field 3, the state, first), or null. */
function procStat(pid: number): string[] | null | "denied" {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch (e) {
    return e instanceof Deno.errors.NotCapable ? "denied" : null;
  }
}

/** `ps -o FIELDS= -p PID`, or null when there is no such process. */
function ps(pid: number, fields: string): string | null {
  try {
    const out = new Deno.Command(PS, {
      args: ["-o", fields.split(",").map((f) => `${f}=`).join(","), "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return out.success ? dec.decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is a live process (a zombie is dead). */
export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  const st = procStat(pid);
  if (st !== "denied") return st !== null && st[0] !== "Z" && st[0] !== "X";
  const s = ps(pid, "stat");
  return s !== null && s !== "" && !s.startsWith("Z") && !s.startsWith("X");
}

/** `alive` for the event loop, which must not wait on a child process synchronously. */
export async function aliveAsync(pid: number): Promise<boolean> {
  if (pid <= 0) return false;
  const st = procStat(pid);
  if (st !== "denied") return st !== null && st[0] !== "Z" && st[0] !== "X";
  try {
    const out = await new Deno.Command(PS, {
      args: ["-o", "stat=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const s = dec.decode(out.stdout).trim();
    return out.success && s !== "" && !s.startsWith("Z") && !s.startsWith("X");
  } catch {
    return false;
  }
}

/** Whether `pid` is alive and its command line names `uuid` (a QEMU of that domain). */
export function qemuAlive(pid: number, uuid: string): boolean {
  if (!alive(pid)) return false;
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(uuid);
  } catch {
    return (ps(pid, "args") ?? "").includes(uuid);
  }
}

/** CPU time the process has used, in nanoseconds. */
export function cpuNs(pid: number): bigint {
  const st = procStat(pid);
  if (st === null) return 0n;
  if (st !== "denied") {
    // utime and stime are fields 14 and 15 (12 and 13 here), in USER_HZ (100) ticks.
    return (BigInt(st[11] ?? "0") + BigInt(st[12] ?? "0")) * 10_000_000n;
  }
  // ps gives whole seconds of CPU; its percentage over the elapsed time is
  // finer (about 10 ms here): take whichever says more.
  const f = (ps(pid, "cputimes,etimes,pcpu") ?? "").split(/\s+/).map(Number);
  const [secs = 0, elapsed = 0, pcpu = 0] = f;
  const ns = Math.max(secs * 1e9, (pcpu / 100) * elapsed * 1e9);
  return Number.isFinite(ns) ? BigInt(Math.round(ns / 1e7) * 1e7) : 0n;
}

/** Sends `sig` to `pid`; false when there is no such process. */
export async function signal(
  pid: number,
  sig: "SIGTERM" | "SIGKILL" | "SIGHUP",
): Promise<boolean> {
  try {
    Deno.kill(pid, sig);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) return false;
  }
  try {
    const out = await new Deno.Command(KILL, {
      args: ["-s", sig.slice(3), String(pid)],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Resident memory of the process, in KiB. */
export function rssKiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return Number(ps(pid, "rss") ?? 0) || 0;
  }
}
