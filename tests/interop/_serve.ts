// Running `deno task serve` as users do (deno.json's task, or `deno task`
// itself) and watching its process tree from outside: what the serve suites
// share.

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const SERVE = `${ROOT}src/serve.ts`;

/** deno.json's serve task as arguments to `deno` (so the tests follow the task). */
export function taskArgs(): string[] {
  const json = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  const words = String(json.tasks.serve).split(/\s+/);
  assert.equal(words[0], "deno");
  return words.slice(1).map((w) => w === "src/serve.ts" ? SERVE : w);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds; fails with `what` after `ms`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** `ps` with these arguments (the tests' permissions do not reach /proc). */
export function ps(...args: string[]): string {
  const o = new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).outputSync();
  return new TextDecoder().decode(o.stdout).trim();
}

/** Whether `pid` runs (a zombie has ended: only its parent has not reaped it yet). */
export function alive(pid: number): boolean {
  const stat = ps("-o", "stat=", "-p", String(pid));
  return stat !== "" && !stat.startsWith("Z");
}

export function children(pid: number): number[] {
  const out = ps("-o", "pid=", "--ppid", String(pid));
  return out ? out.split(/\s+/).map(Number) : [];
}

function descendants(pid: number): number[] {
  return children(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** Whether anything accepts connections on the socket. */
export async function answers(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    return false;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs a program; its exit code and its stdout then stderr. */
export async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

/** virsh on `uri` through `socket`, one command string (`a; b; c`). */
export const virsh = (uri: string, socket: string, script: string) =>
  run("virsh", ["-c", `${uri}?socket=${socket}`, script]);

export interface Served {
  /** The process started: the daemon, or the sandbox's launcher, or `deno task`. */
  proc: Deno.ChildProcess;
  dir: string;
  rw: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /**
   * Ends it and whatever it started (SIGTERM, SIGKILL past 10 s: a failing
   * test's orphan too) and removes the run directory it was given none.
   */
  cleanup(): Promise<void>;
}

/**
 * Starts the serve task in `dir` (a new directory by default) — through
 * `deno task serve` itself with `via: "task"` — and waits for its banner,
 * printed once it serves.
 */
export async function serve(
  extra: string[],
  opts: { via?: "run" | "task"; dir?: string } = {},
): Promise<Served> {
  const runDir = opts.dir ?? await Deno.makeTempDir({ prefix: "denovirt-serve-" });
  const args = opts.via === "task"
    ? ["task", "serve", ...extra, "--run-dir", runDir]
    : [...taskArgs(), ...extra, "--run-dir", runDir];
  const proc = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const readers = [proc.stdout.getReader(), proc.stderr.getReader()];
  const drained = Promise.all(readers.map(async (r) => {
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done) return;
        text += dec.decode(value, { stream: true });
      }
    } catch {
      // Cancelled.
    }
  }));
  let ended = false;
  proc.status.then(() => ended = true);
  const served: Served = {
    proc,
    dir: runDir,
    rw: `${runDir}/libvirt-sock`,
    output: () => text,
    async cleanup() {
      const tree = descendants(proc.pid);
      try {
        proc.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      for (const pid of tree) {
        try {
          Deno.kill(pid, "SIGTERM");
        } catch {
          // Gone.
        }
      }
      const all = [proc.pid, ...tree];
      await until(() => all.every((pid) => !alive(pid)), "serve's end", 10_000).catch(() => {
        for (const pid of all) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // Gone.
          }
        }
      });
      await proc.status;
      await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
      await drained;
      if (!opts.dir) await Deno.remove(runDir, { recursive: true });
    },
  };
  try {
    await until(() => ended || text.includes("virt-admin -c"), "the banner", 30_000);
    assert.ok(!ended, `serve ended before serving: ${text}`);
  } catch (e) {
    await served.cleanup();
    throw e;
  }
  return served;
}
