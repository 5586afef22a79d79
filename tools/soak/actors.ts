// The soak's actors, each a loop that runs until the load stops: load
// processes (SIGKILLed at random), virsh on test:///default, a
// libvirt-python event listener, streams cut off, virt-admin resizing the
// pools, the QEMU guest in use, calls the watchdog must kill, and raw
// clients that leave mid-call. Each checks what its client saw and reports
// anything wrong as a problem.

import { type AsyncMutex, KILL_SECONDS, type SoakContext, WORKER_DIED } from "./context.ts";
import { children, kill, lines, type Ran, run } from "./procs.ts";
import { ConnectionClosed, type Reply, SoakConn } from "./conn.ts";
import { REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import {
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  VIR_NET_MESSAGE,
} from "../../src/rpc/constants.ts";
import {
  SLEEP_PROC_CRASH,
  SLEEP_PROC_SLEEP,
  SLEEP_PROC_SLEEP_HIGH,
  SLEEP_PROGRAM,
} from "../../tests/testdata/sleep_program.ts";

const LOAD_CLIENT = new URL("./load_client.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";
/** The QEMU guest's and the dir pool's names. */
export const GUEST = "soakvm";
export const GUEST_UUID = "5a7e0d1c-50a4-4222-8333-94445555aaaa";
export const POOL = "soakpool";
export const VOLUME = "blob";
/** The volume's size: big enough that a transfer cut after a few ms is cut mid-way. */
export const VOLUME_MIB = 64;
const TEST_SCREENSHOT = "/usr/share/libvirt/test-screenshot.png";

/** A virsh or virt-admin run that must succeed: reports what went wrong, returns success. */
function judge(ctx: SoakContext, what: string, r: Ran): boolean {
  if (r.hung) {
    ctx.problem(`${what}: still running after ${Math.round(r.ms / 1000)} s (killed)`);
    return false;
  }
  const err = /^error: .*$/m.exec(r.out);
  if (r.code !== 0 || err) {
    ctx.problem(`${what}: exit ${r.code}: ${err ? err[0] : r.out.trim().slice(-300)}`);
    return false;
  }
  return true;
}

export function virsh(uri: string, commands: string, cutAfterMs?: number): Promise<Ran> {
  return run("virsh", ["-c", uri, commands], cutAfterMs === undefined ? {} : { cutAfterMs });
}

export function virtAdmin(ctx: SoakContext, commands: string): Promise<Ran> {
  return run("virt-admin", ["-c", ctx.at.adminUri, commands]);
}

// ---- Load processes ----------------------------------------------------------------------------

interface LoadCounts {
  sent: number;
  answered: number;
  abandoned: number;
  inflight?: number;
  sessions: number;
  closes: number;
  drops: number;
  expectedErrors: number;
  problems: number;
}

interface LoadProc {
  id: number;
  child: Deno.ChildProcess;
  last: LoadCounts | null;
  final: LoadCounts | null;
  killed: boolean;
  stderr: string;
  done: Promise<void>;
}

export interface LoadOptions {
  procs: number;
  conns: number;
  inflight: number;
  think: number;
}

function spawnLoad(ctx: SoakContext, id: number, o: LoadOptions): LoadProc {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--config",
      DENO_JSON,
      "--allow-read",
      "--allow-write",
      "--allow-net",
      LOAD_CLIENT,
      "--rw",
      ctx.at.rw,
      "--ro",
      ctx.at.ro,
      "--conns",
      String(o.conns),
      "--inflight",
      String(o.inflight),
      "--think",
      String(o.think),
      "--seed",
      String(ctx.rng.int(0x7fffffff)),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  children.add(child);
  const p: LoadProc = {
    id,
    child,
    last: null,
    final: null,
    killed: false,
    stderr: "",
    done: Promise.resolve(),
  };
  const out = lines(child.stdout, (line) => {
    if (line.startsWith("X ")) ctx.problem(`load client ${id}: ${line.slice(2)}`);
    if (!line.startsWith("P ") && !line.startsWith("F ")) return;
    let counts: LoadCounts;
    try {
      counts = JSON.parse(line.slice(2));
    } catch {
      // The last line of a process SIGKILLed while it printed: the one before stands.
      return;
    }
    if (line.startsWith("P ")) p.last = counts;
    else p.final = counts;
  });
  const err = lines(child.stderr, (line) => {
    if (p.stderr.length < 4000) p.stderr += line + "\n";
  });
  p.done = Promise.all([out, err, child.status]).then(([, , status]) => {
    children.delete(child);
    if (!p.killed && (status.code !== 0 || !p.final)) {
      ctx.problem(`load client ${id} ended with code ${status.code}: ${p.stderr.slice(-500)}`);
    }
  });
  ctx.count("load processes");
  return p;
}

/**
 * Runs `procs` load processes, SIGKILLing one at random every 8–20 s and
 * starting another; when the load stops, each is asked to finish (stdin
 * closed) and must report every call answered.
 */
export async function loadProcesses(ctx: SoakContext, o: LoadOptions): Promise<void> {
  let next = 0;
  const all: LoadProc[] = [];
  const live = new Set<LoadProc>();
  const start = () => {
    const p = spawnLoad(ctx, next++, o);
    all.push(p);
    live.add(p);
    p.done.then(() => live.delete(p));
  };
  for (let i = 0; i < o.procs; i++) start();
  while (ctx.running) {
    await ctx.pause(ctx.between(8000, 20000));
    if (!ctx.running) break;
    const victims = [...live];
    const v = victims[ctx.rng.int(victims.length)];
    if (!v) continue;
    v.killed = true;
    kill(v.child);
    ctx.count("load processes killed");
    ctx.count("calls in flight at a SIGKILL", v.last?.inflight ?? 0);
    start();
  }
  for (const p of live) {
    try {
      await p.child.stdin.close();
    } catch {
      // Gone already.
    }
  }
  // The load client waits up to its stale limit for answers before it reports.
  const deadline = setTimeout(() => {
    for (const p of live) {
      ctx.problem(`load client ${p.id} did not finish within 90 s of being asked to`);
      p.killed = true;
      kill(p.child);
    }
  }, 90_000);
  await Promise.all(all.map((p) => p.done));
  clearTimeout(deadline);
  for (const p of all) {
    const c = p.final ?? p.last;
    if (!c) continue;
    ctx.count("load calls sent", c.sent);
    ctx.count("load calls answered", c.answered);
    ctx.count("load calls abandoned by a drop", c.abandoned);
    ctx.count("load sessions", c.sessions);
    ctx.count("load CONNECT_CLOSEs", c.closes);
    ctx.count("load sockets dropped mid-call", c.drops);
    ctx.count("load expected errors (THROW)", c.expectedErrors);
  }
}

// ---- virsh on test:///default ------------------------------------------------------------------

/** One virsh session after another on test:///default: a domain's life, lists, read-only looks. */
export async function virshTestLoop(ctx: SoakContext, n: number): Promise<void> {
  const name = `soak-${n}`;
  const xml = `${ctx.at.dir}/${name}.xml`;
  await Deno.writeTextFile(
    xml,
    `<domain type='test'><name>${name}</name><memory>8192</memory><os><type>hvm</type></os></domain>`,
  );
  while (ctx.running) {
    if (ctx.rng.int(4) === 0) {
      const r = await virsh(ctx.at.testRoUri, "list --all; dominfo test; net-list; domstate test");
      if (judge(ctx, "virsh -r (test)", r)) ctx.count("virsh sessions");
    } else {
      const r = await virsh(
        ctx.at.testUri,
        `define ${xml}; start ${name}; suspend ${name}; resume ${name}; dominfo ${name}; ` +
          `list --all; destroy ${name}; undefine ${name}; net-list --all; pool-list --all`,
      );
      if (judge(ctx, `virsh ${name} life`, r)) {
        if (!r.out.includes(`Domain '${name}' has been undefined`)) {
          ctx.problem(`virsh ${name} life: no undefine in ${r.out.slice(-200)}`);
        }
        ctx.count("virsh sessions");
      }
    }
    await ctx.pause(ctx.between(200, 1000));
  }
}

// ---- libvirt-python events ---------------------------------------------------------------------

const EVENTS_PY = `
import libvirt, sys, threading
libvirt.virEventRegisterDefaultImpl()
conns = [libvirt.open(u) for u in sys.argv[1:]]
count = [0]
def cb(conn, dom, event, detail, opaque):
    count[0] += 1
ids = [(c, c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None))
       for c in conns]
stop = threading.Event()
def watch():
    sys.stdin.read()
    stop.set()
threading.Thread(target=watch, daemon=True).start()
def tick(timer, opaque):
    print("events", count[0], flush=True)
libvirt.virEventAddTimeout(500, tick, None)
print("ready", flush=True)
while not stop.is_set():
    libvirt.virEventRunDefaultImpl()
for c, i in ids:
    c.domainEventDeregisterAny(i)
for c in conns:
    c.close()
print("done", count[0], flush=True)
`;

/**
 * A libvirt-python process after another: it registers for lifecycle events
 * on test:///default and qemu:///system, listens a few seconds, then
 * deregisters and closes — or is SIGKILLed, leaving its registrations to
 * the daemon to drop.
 */
export async function pythonEvents(ctx: SoakContext): Promise<void> {
  while (ctx.running) {
    const child = new Deno.Command(PYTHON, {
      args: ["-c", EVENTS_PY, ctx.rng.int(2) ? ctx.at.testUri : ctx.at.testRoUri, ctx.at.qemuUri],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    children.add(child);
    let ready = false;
    let events = 0;
    let done = false;
    let err = "";
    let onReady = () => {};
    const readied = new Promise<void>((r) => (onReady = r));
    const out = lines(child.stdout, (line) => {
      if (line === "ready") {
        ready = true;
        onReady();
      }
      const m = /^(events|done) (\d+)$/.exec(line);
      if (m) events = Number(m[2]);
      if (m?.[1] === "done") done = true;
    });
    const errs = lines(child.stderr, (line) => {
      if (err.length < 2000) err += line + "\n";
    });
    // Python and two connections may take seconds to start on a busy machine: listen once ready.
    const hang = setTimeout(() => kill(child), 90_000);
    await Promise.race([readied, child.status]);
    await ctx.pause(ctx.between(3000, 15000));
    const killNow = ctx.running && ctx.rng.int(3) === 0;
    if (killNow) kill(child);
    else {
      try {
        await child.stdin.close();
      } catch {
        // It ended on its own: judged below.
      }
    }
    const status = await child.status;
    await Promise.all([out, errs]);
    clearTimeout(hang);
    children.delete(child);
    if (!ready) ctx.problem(`python events: never ready: ${err.slice(-300)}`);
    else if (killNow) ctx.count("python listeners killed");
    else if (status.code !== 0 || !done) {
      ctx.problem(
        `python events: exit ${status.code}${done ? "" : " before done"}: ${err.slice(-300)}`,
      );
    } else ctx.count("python listeners closed cleanly");
    ctx.count("events received by python", events);
    await ctx.pause(ctx.between(300, 1500));
  }
}

// ---- Streams cut off ---------------------------------------------------------------------------

/**
 * Streams started and cut off by SIGKILL of their client mid-transfer —
 * a test-driver screenshot, the QEMU guest's console, a volume download
 * and upload — with whole transfers now and then to show streams still work.
 */
export async function streamCutter(ctx: SoakContext, guest: AsyncMutex): Promise<void> {
  const files = `${ctx.at.dir}/files`;
  const upload = `${files}/upload.bin`;
  const shotSize = (await Deno.stat(TEST_SCREENSHOT)).size;
  while (ctx.running) {
    const kind = ctx.rng.int(8);
    switch (kind) {
      case 0: {
        const r = await virsh(
          ctx.at.testUri,
          `screenshot test ${files}/cut.png`,
          ctx.between(0, 40),
        );
        if (r.cut) ctx.count("test screenshots cut");
        else if (judge(ctx, "virsh screenshot (test, not cut)", r)) {
          ctx.count("test screenshots whole");
        }
        break;
      }
      case 1: {
        const r = await virsh(ctx.at.testUri, `screenshot test ${files}/whole.png`);
        if (judge(ctx, "virsh screenshot (test)", r)) {
          const size = (await Deno.stat(`${files}/whole.png`)).size;
          if (size !== shotSize) {
            ctx.problem(`test screenshot: ${size} bytes, ${shotSize} expected`);
          } else ctx.count("test screenshots whole");
        }
        break;
      }
      case 2:
        await guest.hold(async () => {
          // script gives virsh the terminal console needs; SIGKILL of script hangs it up.
          const r = await run("script", [
            "-qfc",
            `virsh -c '${ctx.at.qemuUri}' console ${GUEST} --force`,
            "/dev/null",
          ], { cutAfterMs: ctx.between(300, 2500) });
          if (r.cut) ctx.count("QEMU consoles cut");
          else ctx.problem(`virsh console ended before it was cut: ${r.out.slice(-300)}`);
        });
        break;
      case 3:
      case 4: {
        const r = await virsh(
          ctx.at.qemuUri,
          `vol-download ${VOLUME} ${files}/down.bin --pool ${POOL}`,
          ctx.between(10, 200),
        );
        if (r.cut) ctx.count("volume downloads cut");
        else if (judge(ctx, "vol-download (not cut)", r)) ctx.count("volume downloads whole");
        await Deno.remove(`${files}/down.bin`).catch(() => {});
        break;
      }
      case 5: {
        const r = await virsh(
          ctx.at.qemuUri,
          `vol-upload ${VOLUME} ${upload} --pool ${POOL}`,
          ctx.between(10, 200),
        );
        if (r.cut) ctx.count("volume uploads cut");
        else if (judge(ctx, "vol-upload (not cut)", r)) ctx.count("volume uploads whole");
        break;
      }
      case 6: {
        const r = await virsh(
          ctx.at.qemuUri,
          `vol-download ${VOLUME} ${files}/down.bin --pool ${POOL}`,
        );
        if (judge(ctx, "vol-download", r)) {
          const size = (await Deno.stat(`${files}/down.bin`)).size;
          if (size !== VOLUME_MIB << 20) {
            ctx.problem(`vol-download: ${size} bytes, ${VOLUME_MIB << 20} expected`);
          } else ctx.count("volume downloads whole");
        }
        await Deno.remove(`${files}/down.bin`).catch(() => {});
        break;
      }
      case 7: {
        const r = await virsh(ctx.at.qemuUri, `vol-upload ${VOLUME} ${upload} --pool ${POOL}`);
        if (judge(ctx, "vol-upload", r)) {
          if (await sameBytes(upload, `${ctx.at.dir}/images/${VOLUME}`)) {
            ctx.count("volume uploads whole");
          } else ctx.problem("vol-upload: the volume's bytes are not the file's");
        }
        break;
      }
    }
    await ctx.pause(ctx.between(500, 2500));
  }
}

/** Whether two files hold the same bytes (read 1 MiB at a time: the daemon shares this process). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([Deno.open(a), Deno.open(b)]);
  try {
    const ba = new Uint8Array(1 << 20);
    const bb = new Uint8Array(1 << 20);
    for (;;) {
      const na = await readFull(fa, ba);
      const nb = await readFull(fb, bb);
      if (na !== nb) return false;
      if (na === 0) return true;
      for (let i = 0; i < na; i++) if (ba[i] !== bb[i]) return false;
    }
  } finally {
    fa.close();
    fb.close();
  }
}

async function readFull(f: Deno.FsFile, buf: Uint8Array): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const got = await f.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return n;
}

// ---- Pools resized by virt-admin ---------------------------------------------------------------

function field(out: string, name: string): number {
  const m = new RegExp(`^${name}\\s*: (\\d+)$`, "m").exec(out);
  return m ? Number(m[1]) : NaN;
}

/** Sets a server's pool targets through virt-admin, then reads them back. */
export async function resize(
  ctx: SoakContext,
  server: string,
  min: number,
  max: number,
  prio: number | null,
): Promise<boolean> {
  const set = `srv-threadpool-set ${server} --min-workers ${min} --max-workers ${max}` +
    (prio === null ? "" : ` --priority-workers ${prio}`);
  if (!judge(ctx, `virt-admin ${set}`, await virtAdmin(ctx, set))) return false;
  const info = await virtAdmin(ctx, `srv-threadpool-info ${server}`);
  if (!judge(ctx, `virt-admin srv-threadpool-info ${server}`, info)) return false;
  const got = [field(info.out, "minWorkers"), field(info.out, "maxWorkers")];
  if (got[0] !== min || got[1] !== max) {
    ctx.problem(`${server} pool reads ${got.join("/")} after being set to ${min}/${max}`);
    return false;
  }
  return true;
}

/**
 * Resizes the libvirtd pool (mostly) or the admin pool every 5–12 s, except
 * while `sizes` is held by someone else (the RSS readings, at fixed sizes).
 */
export async function resizer(ctx: SoakContext, sizes: AsyncMutex): Promise<void> {
  while (ctx.running) {
    await ctx.pause(ctx.between(5000, 12000));
    if (!ctx.running) break;
    const main = ctx.rng.int(4) !== 0;
    const min = ctx.between(1, main ? 6 : 5);
    const max = ctx.between(Math.max(min, 2), 20);
    const ok = await sizes.hold(() =>
      main
        ? resize(ctx, "libvirtd", min, max, ctx.between(1, 5))
        : resize(ctx, "admin", min, max, null)
    );
    if (ok) ctx.count(main ? "libvirtd pool resizes" : "admin pool resizes");
    if (ctx.rng.int(3) === 0) {
      const r = await virtAdmin(ctx, "srv-clients-list libvirtd");
      if (judge(ctx, "virt-admin srv-clients-list", r)) ctx.count("virt-admin client lists");
    }
  }
}

// ---- The QEMU guest ----------------------------------------------------------------------------

export function guestXml(): string {
  return `<domain type='qemu'>
  <name>${GUEST}</name>
  <uuid>${GUEST_UUID}</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}

/** Makes the dir pool with its volume and the running guest the load uses. */
export async function setUpQemu(ctx: SoakContext): Promise<boolean> {
  const files = `${ctx.at.dir}/files`;
  await Deno.mkdir(files, { recursive: true });
  // The upload's bytes: a pattern, not zeros (a sparse read would prove less).
  const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
  const f = await Deno.open(`${files}/upload.bin`, { write: true, create: true, truncate: true });
  for (let i = 0; i < VOLUME_MIB; i++) await f.write(chunk);
  f.close();
  await Deno.writeTextFile(`${files}/${GUEST}.xml`, guestXml());
  return judge(
    ctx,
    "QEMU set-up",
    await virsh(
      ctx.at.qemuUri,
      `pool-define-as ${POOL} dir --target ${ctx.at.dir}/images; pool-build ${POOL}; ` +
        `pool-start ${POOL}; vol-create-as ${POOL} ${VOLUME} ${VOLUME_MIB}M; ` +
        `define ${files}/${GUEST}.xml; start ${GUEST}`,
    ),
  );
}

/** Destroys and undefines the guest, deletes the volume and the pool. */
export async function tearDownQemu(ctx: SoakContext): Promise<boolean> {
  return judge(
    ctx,
    "QEMU tear-down",
    await virsh(
      ctx.at.qemuUri,
      `destroy ${GUEST}; undefine ${GUEST}; vol-delete ${VOLUME} --pool ${POOL}; ` +
        `pool-destroy ${POOL}; pool-undefine ${POOL}`,
    ),
  );
}

/** The guest in use: paused and resumed, looked at, screenshotted, now and then restarted. */
export async function guestActor(ctx: SoakContext, guest: AsyncMutex): Promise<void> {
  const shot = `${ctx.at.dir}/files/guest.png`;
  let n = 0;
  while (ctx.running) {
    await ctx.pause(ctx.between(1500, 4000));
    if (!ctx.running) break;
    await guest.hold(async () => {
      const restart = ++n % 12 === 0;
      const cmds = restart ? `destroy ${GUEST}; start ${GUEST}; domstate ${GUEST}` : [
        `suspend ${GUEST}; domstate ${GUEST}; resume ${GUEST}; dominfo ${GUEST}`,
        `domstats ${GUEST}`,
        `screenshot ${GUEST} ${shot}`,
        `dommemstat ${GUEST}; vcpucount ${GUEST}`,
      ][ctx.rng.int(4)]!;
      const r = await virsh(ctx.at.qemuUri, cmds);
      if (!judge(ctx, `QEMU guest: ${cmds}`, r)) return;
      if (cmds.startsWith("screenshot")) {
        const head = new TextDecoder().decode((await Deno.readFile(shot)).subarray(1, 4));
        if (head !== "PNG") ctx.problem(`QEMU screenshot is not a PNG (${head})`);
      }
      if (restart && !/^running$/m.test(r.out)) {
        ctx.problem(`QEMU guest not running after a restart: ${r.out.slice(-200)}`);
      }
      ctx.count(restart ? "QEMU guest restarts" : "QEMU guest operations");
    });
  }
}

// ---- Workers the watchdog kills ----------------------------------------------------------------

/**
 * How long a stuck call blocks its Worker: past the kill limit, so the
 * watchdog ends it, and not much more. Deno's terminate() does not stop a
 * thread asleep in Atomics.wait, so an ended Worker's isolate (a "zombie",
 * tens of MiB) lives on until its sleep is over; RSS read meanwhile counts it.
 */
export const STUCK_MS = (KILL_SECONDS + 6) * 1000;

/**
 * The stuck calls running, and when (performance.now()) the isolates of
 * those already ended will all have finished their sleep: an RSS reading
 * waits for both (see rssAtFixedSizes).
 */
export const stuckCalls = { running: 0, zombiesGoneAt: 0 };

/** Elapsed times (ms) of the calls the watchdog ended, and whether each began before the wrap. */
export const watchdogKills: { ms: number; acrossWrap: boolean; at: number }[] = [];

async function stuckCall(
  ctx: SoakContext,
  kind: "SLEEP" | "SLEEP_HIGH" | "CRASH",
  wrapAt: number,
): Promise<void> {
  const conn = await SoakConn.connect(ctx.at.rw, (t) => ctx.problem(`stuck ${kind}: ${t}`));
  const proc = kind === "SLEEP"
    ? SLEEP_PROC_SLEEP
    : kind === "SLEEP_HIGH"
    ? SLEEP_PROC_SLEEP_HIGH
    : SLEEP_PROC_CRASH;
  const before = performance.now() - ctx.t0 < wrapAt;
  const t0 = performance.now();
  stuckCalls.running++;
  try {
    const r = await conn.call(
      SLEEP_PROGRAM,
      1,
      proc,
      kind,
      kind === "CRASH" ? undefined : (w) => w.writeUint(STUCK_MS),
    );
    const ms = performance.now() - t0;
    if (r.error?.message !== WORKER_DIED) {
      ctx.problem(`${kind}: answered ${r.error?.message ?? "with success"} after ${ms} ms`);
      return;
    }
    if (kind === "CRASH") {
      ctx.count("Workers crashed (uncaught error)");
      return;
    }
    // The watchdog looks every 250 ms; a busy machine may add a few seconds, never less.
    if (ms < KILL_SECONDS * 1000 || ms > KILL_SECONDS * 1000 + 5000) {
      ctx.problem(
        `${kind}: the watchdog ended it after ${Math.round(ms)} ms, not ~${KILL_SECONDS} s`,
      );
    }
    const acrossWrap = before && performance.now() - ctx.t0 >= wrapAt;
    watchdogKills.push({ ms: Math.round(ms), acrossWrap, at: Math.round(ctx.t) });
    ctx.count("Workers killed by the watchdog");
  } catch (e) {
    if (e instanceof ConnectionClosed) ctx.problem(`${kind}: the connection closed unanswered`);
    else throw e;
  } finally {
    stuckCalls.running--;
    // Its sleep began after t0, and the ended isolate ends a little after it.
    stuckCalls.zombiesGoneAt = Math.max(stuckCalls.zombiesGoneAt, t0 + STUCK_MS + 1000);
    conn.close();
    await conn.done;
  }
}

/**
 * Calls that block their Worker past the kill limit, every 15–25 s (none
 * begun while RSS is read: `readings`), one of them timed to run across the
 * pool clock's wrap; now and then a Worker that crashes. Each must be
 * answered "the worker running this call died".
 */
export async function watchdogActor(
  ctx: SoakContext,
  wrapAtMs: number,
  readings: AsyncMutex,
): Promise<void> {
  const tasks: Promise<void>[] = [];
  // The one across the wrap: started 3 s before it, killed 3 s after.
  const straddle = (async () => {
    await ctx.pause(wrapAtMs - 3000 - (performance.now() - ctx.t0));
    if (ctx.running) await stuckCall(ctx, "SLEEP", wrapAtMs);
  })();
  tasks.push(straddle);
  let n = 0;
  await ctx.pause(5000);
  while (ctx.running) {
    n++;
    // Not while RSS is read (the readings hold this mutex): its ended isolate would count.
    await readings.hold(() => {
      tasks.push(stuckCall(ctx, n % 2 ? "SLEEP" : "SLEEP_HIGH", wrapAtMs));
      if (n % 3 === 0) tasks.push(stuckCall(ctx, "CRASH", wrapAtMs));
      return Promise.resolve();
    });
    await ctx.pause(ctx.between(15000, 25000));
  }
  await Promise.all(tasks);
}

// ---- Raw clients that leave mid-call -----------------------------------------------------------

function remote(conn: SoakConn, n: number, args: unknown, what: string): Promise<Reply> {
  const p = REMOTE_PROGRAM_DEF.procedures.get(n)!;
  return conn.call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, n, what, (w) => p.args.encode(w, args));
}

/**
 * In-process raw clients that disconnect with a call running: a SLEEP, a
 * CONNECT_OPEN still blocked in its driver, an event registration left
 * registered (on test:///default and on the QEMU driver's instance, which
 * lives on: its registrations must go with the client).
 */
export async function disconnectActor(ctx: SoakContext): Promise<void> {
  while (ctx.running) {
    await ctx.pause(ctx.between(300, 1500));
    if (!ctx.running) break;
    const kind = ctx.rng.int(5);
    const conn = await SoakConn.connect(
      ctx.at.rw,
      (t) => ctx.problem(`disconnecting client: ${t}`),
    );
    // Registered for events, it may get some before it leaves.
    conn.onOther = (h) => {
      if (h.type === VIR_NET_MESSAGE) ctx.count("events to clients about to leave");
      else {ctx.problem(
          `disconnecting client: an unexpected packet: type ${h.type}, proc ${h.proc}`,
        );}
    };
    const must = async (r: Promise<Reply>, what: string) => {
      const x = await r;
      if (x.error) ctx.problem(`disconnecting client: ${what}: ${x.error.message}`);
      return !x.error;
    };
    try {
      switch (kind) {
        case 0:
          conn.call(
            SLEEP_PROGRAM,
            1,
            SLEEP_PROC_SLEEP,
            "SLEEP",
            (w) => w.writeUint(ctx.between(50, 2500)),
          ).catch(() => {});
          await new Promise((r) => setTimeout(r, ctx.between(0, 50)));
          ctx.count("clients gone during a SLEEP");
          break;
        case 1:
          if (
            await must(
              remote(
                conn,
                P.REMOTE_PROC_CONNECT_OPEN,
                { name: "test:///default", flags: 0 },
                "OPEN",
              ),
              "open",
            )
          ) {
            conn.call(
              SLEEP_PROGRAM,
              1,
              SLEEP_PROC_SLEEP_HIGH,
              "SLEEP_HIGH",
              (w) => w.writeUint(300),
            ).catch(() => {});
            ctx.count("clients gone during a SLEEP_HIGH, test:///default open");
          }
          break;
        case 2:
          remote(
            conn,
            P.REMOTE_PROC_CONNECT_OPEN,
            { name: `sleepdrv:///${ctx.between(100, 600)}`, flags: 0 },
            "OPEN sleepdrv",
          ).catch(() => {});
          await new Promise((r) => setTimeout(r, ctx.between(0, 50)));
          ctx.count("clients gone during their CONNECT_OPEN");
          break;
        default: {
          const uri = kind === 3 ? "test:///default" : "qemu:///system";
          if (
            await must(
              remote(conn, P.REMOTE_PROC_CONNECT_OPEN, { name: uri, flags: 0 }, "OPEN"),
              "open",
            ) &&
            await must(
              remote(
                conn,
                P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                { eventID: 0, dom: null },
                "REGISTER_ANY",
              ),
              "register",
            )
          ) ctx.count("clients gone with an event registration");
        }
      }
    } catch (e) {
      if (!(e instanceof ConnectionClosed)) throw e;
      ctx.problem(`disconnecting client: the daemon closed the connection first`);
    } finally {
      conn.close();
      await conn.done;
    }
  }
}
