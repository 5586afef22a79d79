// The QEMU driver on real QEMU processes (TCG, 32 MiB, no disk: SeaBIOS
// prints to the serial port and finds nothing to boot): definitions on disk,
// the lifecycle, events seen by another client, screenshots, domain jobs
// serializing one domain while two domains start in parallel.

import assert from "node:assert/strict";
import { startDaemon, type TestDaemon } from "../server/_daemon.ts";
import { errorOf, type RawClient } from "../_rpc_client.ts";
import { VIR_NET_CONTINUE, VIR_NET_STREAM } from "../../src/rpc/constants.ts";
import { PAYLOAD_OFFSET } from "../../src/rpc/header.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { REMOTE_PROGRAM_DEF } from "../../src/protocol/remote.ts";
import {
  QEMU_PROC_DOMAIN_MONITOR_COMMAND,
  QEMU_PROGRAM,
  QEMU_PROGRAM_DEF,
} from "../../src/protocol/qemu.ts";
import * as S from "../../src/drivers/domain_constants.ts";
import { W_STATE, WORKER_BUSY } from "../../src/pool/layout.ts";
import { haveTools } from "../interop/_tools.ts";
import { call, failure, nextEvent, openClient } from "./_driver.ts";
import { killQemus, qemuProcesses, tinyVM } from "./_qemu.ts";

const runnable = haveTools("QEMU driver", ["qemu-system-x86_64", "ps"]);
const URI = "qemu:///system";

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reads the stream that follows a call's reply (server → client) until its end. */
async function readStream(c: RawClient, serial: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const r = await c.next((r) => r.header.type === VIR_NET_STREAM && r.header.serial === serial);
    assert.equal(r.header.status, VIR_NET_CONTINUE);
    const data = r.packet.subarray(PAYLOAD_OFFSET);
    if (data.length === 0) break;
    parts.push(data.slice());
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function qemuTest(
  name: string,
  fn: (d: TestDaemon, dir: string) => Promise<void>,
  overrides: Record<string, unknown> = {},
): void {
  Deno.test({ name, ignore: !runnable }, async () => {
    const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-" });
    const d = await startDaemon({
      qemu_config_dir: `${dir}/config`,
      qemu_state_dir: `${dir}/state`,
      ...overrides,
    });
    try {
      await fn(d, dir);
    } finally {
      await d.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

const U1 = "0b8e3a4c-4a0e-4d8a-9a1e-5f1d2c3b4a01";
const U2 = "0b8e3a4c-4a0e-4d8a-9a1e-5f1d2c3b4a02";
const U3 = "0b8e3a4c-4a0e-4d8a-9a1e-5f1d2c3b4a03";

qemuTest(
  "a real VM: defined on disk, started, paused, resumed, screenshotted, destroyed; another client sees the events",
  async (d, dir) => {
    const a = await openClient(d, URI);
    const b = await openClient(d, URI);
    try {
      assert.equal((await call(a, P.REMOTE_PROC_CONNECT_GET_TYPE)).type, "QEMU");
      await call(b, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
        eventID: 0,
        dom: null,
      });
      const serial = `${dir}/serial.log`;
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("tiny1", U1, serial),
      });
      // Acknowledged means on disk.
      const onDisk = await Deno.readTextFile(`${dir}/config/tiny1.xml`);
      assert.match(onDisk, /<uuid>0b8e3a4c-4a0e-4d8a-9a1e-5f1d2c3b4a01<\/uuid>/);
      assert.match(onDisk, /<emulator>\/usr\/bin\/qemu-system-x86_64<\/emulator>/);

      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      const pids = qemuProcesses(U1);
      assert.equal(pids.length, 1, "one QEMU process runs the domain");
      const state = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([state.state, state.reason], [S.VIR_DOMAIN_RUNNING, 1]);
      const running = (await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "tiny1" })).dom;
      assert.equal(running.id, 1);
      // The guest runs: SeaBIOS writes to the serial port, and QEMU uses CPU.
      await until(
        async () => {
          try {
            return (await Deno.readTextFile(serial)).includes("SeaBIOS");
          } catch {
            return false;
          }
        },
        60_000,
        "SeaBIOS on the serial port",
      );
      await until(
        async () => (await call(a, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom })).cpuTime > 0n,
        60_000,
        "CPU time",
      );

      await call(a, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
      const paused = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([paused.state, paused.reason], [S.VIR_DOMAIN_PAUSED, 1]);
      await call(a, P.REMOTE_PROC_DOMAIN_RESUME, { dom });
      const again = await failure(a, P.REMOTE_PROC_DOMAIN_RESUME, { dom });
      assert.equal(again.message, "Requested operation is not valid: domain is already running");

      // A screenshot: QEMU's screendump (PNG, as libvirt 9.0 asks), streamed after the reply.
      const shot = REMOTE_PROGRAM_DEF.procedures.get(P.REMOTE_PROC_DOMAIN_SCREENSHOT)!;
      const s = await a.call(
        P.REMOTE_PROC_DOMAIN_SCREENSHOT,
        (w) => shot.args.encode(w, { dom: running, screen: 0, flags: 0 }),
      );
      const reply = await a.reply(s);
      assert.equal(reply.header.status, 0);
      const png = await readStream(a, s);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // The IHDR chunk: the VGA console's 720×400 (or the firmware's 640×480).
      const view = new DataView(png.buffer, png.byteOffset);
      assert.ok(view.getUint32(16) >= 640 && view.getUint32(20) >= 400, "a screen-sized picture");

      // The guest has no OS to power off: the request is accepted and the VM runs on.
      await call(a, P.REMOTE_PROC_DOMAIN_SHUTDOWN, { dom });
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
      const off = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([off.state, off.reason], [
        S.VIR_DOMAIN_SHUTOFF,
        S.VIR_DOMAIN_SHUTOFF_DESTROYED,
      ]);
      await until(() => qemuProcesses(U1).length === 0, 60_000, "QEMU gone");

      // The other client saw it all, in order.
      const seen: [number, number][] = [];
      for (let i = 0; i < 5; i++) {
        const ev = await nextEvent(b, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        assert.equal(ev.msg.dom.name, "tiny1");
        seen.push([ev.msg.event, ev.msg.detail]);
      }
      assert.deepEqual(seen, [
        [S.VIR_DOMAIN_EVENT_DEFINED, S.VIR_DOMAIN_EVENT_DEFINED_ADDED],
        [S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_BOOTED],
        [S.VIR_DOMAIN_EVENT_SUSPENDED, S.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED],
        [S.VIR_DOMAIN_EVENT_RESUMED, S.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED],
        [S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_DESTROYED],
      ]);

      await call(a, P.REMOTE_PROC_DOMAIN_UNDEFINE, { dom });
      await assert.rejects(Deno.stat(`${dir}/config/tiny1.xml`));
      const gone = await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "tiny1" });
      assert.equal(gone.code, 42);
    } finally {
      killQemus(U1);
      a.close();
      b.close();
      await a.done;
      await b.done;
    }
  },
);

qemuTest(
  "a QEMU that dies on its own leaves the domain shut off (crashed), and clients are told",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      await call(a, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
        eventID: 0,
        dom: null,
      });
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("tiny2", U2, `${dir}/serial2.log`),
      });
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      const [pid] = qemuProcesses(U2);
      assert.ok(pid);
      Deno.kill(pid, "SIGKILL");
      const events: [number, number][] = [];
      for (let i = 0; i < 3; i++) {
        const ev = await nextEvent(a, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        events.push([ev.msg.event, ev.msg.detail]);
      }
      assert.deepEqual(events.at(-1), [
        S.VIR_DOMAIN_EVENT_STOPPED,
        S.VIR_DOMAIN_EVENT_STOPPED_FAILED,
      ]);
      const st = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([st.state, st.reason], [S.VIR_DOMAIN_SHUTOFF, S.VIR_DOMAIN_SHUTOFF_CRASHED]);
      // It can start again.
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
    } finally {
      killQemus(U2);
      a.close();
      await a.done;
    }
  },
);

/** A copy of the held-launch QEMU wrapper in `dir`: each launch waits for `release()`. */
async function slowQemu(dir: string): Promise<string> {
  const src = new URL("../testdata/qemu/slow-qemu.sh", import.meta.url);
  const dst = `${dir}/slow-qemu.sh`;
  await Deno.copyFile(src, dst);
  await Deno.chmod(dst, 0o755);
  return dst;
}

/** How many of the daemon's Workers are running a call right now. */
function busyWorkers(d: TestDaemon): number {
  let n = 0;
  for (let i = 0; i < 64; i++) {
    const w = d.server.pool.mem.worker(i) + W_STATE;
    if (Atomics.load(d.server.pool.ctl, w) === WORKER_BUSY) n++;
  }
  return n;
}

/** Lets the wrapper's launch of domain `uuid` go on. */
async function release(dir: string, uuid: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/go-${uuid}`, "");
}

/** How many times the wrapper noted `what` ("started" or "launched") for domain `uuid`. */
function noted(dir: string, what: "started" | "launched", uuid: string): number {
  try {
    return Deno.readTextFileSync(`${dir}/${what}-${uuid}`).split("\n").filter((l) => l).length;
  } catch {
    return 0;
  }
}

/** Defines the domains `[name, uuid]` to run the wrapper at `emulator`. */
async function defineSlow(
  c: RawClient,
  dir: string,
  emulator: string,
  domains: [string, string][],
): Promise<unknown[]> {
  const out = [];
  for (const [name, uuid] of domains) {
    const xml = tinyVM(name, uuid, `${dir}/${name}.log`).replace(
      "<devices>",
      `<devices><emulator>${emulator}</emulator>`,
    );
    out.push((await call(c, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml })).dom);
  }
  return out;
}

Deno.test({
  name:
    "domain jobs: two domains start in parallel; a call on a domain whose job is held waits, then gives up",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-" });
  const emulator = await slowQemu(dir);
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
    qemu_emulator: emulator,
    qemu_job_wait_seconds: 1,
  });
  const a = await openClient(d, URI);
  const b = await openClient(d, URI);
  const c = await openClient(d, URI);
  try {
    const [d1, d2] = await defineSlow(a, dir, emulator, [["slow1", U1], ["slow2", U2]]);
    // Two starts at once, from two clients, each held at its launch until
    // released: both launches are under way before either start returns.
    let returned = 0;
    const s1 = call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom: d1 }).then(() => returned++);
    const s2 = call(b, P.REMOTE_PROC_DOMAIN_CREATE, { dom: d2 }).then(() => returned++);
    await until(
      () => noted(dir, "started", U1) === 1 && noted(dir, "started", U2) === 1,
      60_000,
      "both launches under way",
    );
    assert.equal(returned, 0, "neither start had finished when both were under way");

    // Meanwhile a third client's call on slow1 waits for its job, then gives up (1 s).
    const e = await failure(c, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom: d1 });
    assert.equal(e.code, 68);
    assert.equal(e.domain, 10);
    assert.equal(
      e.message,
      "Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreateWithFlags)",
    );
    await release(dir, U1);
    await release(dir, U2);
    await Promise.all([s1, s2]);
    assert.equal(returned, 2);
    // A reader needs no job, and the domains now run.
    for (const dom of [d1, d2]) {
      assert.equal((await call(c, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 })).state, 1);
    }
    for (const dom of [d1, d2]) await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
  } finally {
    killQemus(U1, U2);
    for (const x of [a, b, c]) x.close();
    for (const x of [a, b, c]) await x.done;
    await d.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "domain jobs: a second start of a domain waits for the first one's job, then finds it running",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-" });
  const emulator = await slowQemu(dir);
  // The default job wait (30 s): serialized, not refused.
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
    qemu_emulator: emulator,
  });
  const a = await openClient(d, URI);
  const b = await openClient(d, URI);
  try {
    const [d1] = await defineSlow(a, dir, emulator, [["slow1", U1]]);
    const first = call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom: d1 });
    await until(() => noted(dir, "started", U1) === 1, 60_000, "the first start under way");
    const second = failure(b, P.REMOTE_PROC_DOMAIN_CREATE, { dom: d1 });
    // Both calls are running in Workers while the first launch is held: the
    // second can only be waiting for the domain's job.
    await until(() => busyWorkers(d) >= 2, 60_000, "the second start running");
    await release(dir, U1);
    await first;
    assert.equal(
      (await second).message,
      "Requested operation is not valid: domain is already running",
    );
    assert.equal(noted(dir, "started", U1), 1, "one launch only");
    assert.equal(qemuProcesses(U1).length, 1);
    await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: d1 });
  } finally {
    killQemus(U1);
    for (const x of [a, b]) x.close();
    for (const x of [a, b]) await x.done;
    await d.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a domain job whose holder's Worker died is free at once",
  ignore: !runnable,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-" });
  const emulator = await slowQemu(dir);
  // The watchdog terminates a call's Worker after 1 s: a start held at its launch dies holding the job.
  const d = await startDaemon({
    qemu_config_dir: `${dir}/config`,
    qemu_state_dir: `${dir}/state`,
    qemu_emulator: emulator,
    stuck_call_warn_seconds: 1,
    stuck_call_kill_seconds: 1,
  });
  const a = await openClient(d, URI);
  const b = await openClient(d, URI);
  try {
    const [dom] = await defineSlow(a, dir, emulator, [["orphan", U3]]);
    const killed = await failure(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
    assert.equal(killed.code, 1, killed.message);
    // Without reclaiming, this would wait 30 s for the dead Worker's job, then time out.
    const e = await failure(b, P.REMOTE_PROC_DOMAIN_SUSPEND, { dom });
    assert.equal(e.message, "Requested operation is not valid: domain is not running");
    // The launch the dead Worker asked for finishes (its QEMU runs), and the
    // daemon ends the QEMU nobody owns.
    assert.equal(noted(dir, "started", U3), 1);
    await release(dir, U3);
    await until(() => noted(dir, "launched", U3) === 1, 60_000, "the held launch done");
    await until(() => qemuProcesses(U3).length === 0, 60_000, "no orphaned QEMU");
  } finally {
    killQemus(U3);
    for (const x of [a, b]) x.close();
    for (const x of [a, b]) await x.done;
    await d.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

qemuTest(
  "QEMU told to quit behind libvirt's back: shutdown events, then shut off (shutdown)",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      await call(a, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
        eventID: 0,
        dom: null,
      });
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("quitter", U2, `${dir}/quit.log`),
      });
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      // qemu-monitor-command '{"execute":"quit"}' through the QEMU program.
      const mc = QEMU_PROGRAM_DEF.procedures.get(QEMU_PROC_DOMAIN_MONITOR_COMMAND)!;
      const running = (await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "quitter" })).dom;
      const serial = await a.call(
        QEMU_PROC_DOMAIN_MONITOR_COMMAND,
        (w) => mc.args.encode(w, { dom: running, cmd: '{"execute":"quit"}', flags: 0 }),
        { prog: QEMU_PROGRAM },
      );
      assert.equal((await a.reply(serial)).header.status, 0);
      const events: [number, number][] = [];
      for (let i = 0; i < 4; i++) {
        const ev = await nextEvent(a, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        events.push([ev.msg.event, ev.msg.detail]);
      }
      assert.deepEqual(events.slice(2), [
        [S.VIR_DOMAIN_EVENT_SHUTDOWN, S.VIR_DOMAIN_EVENT_SHUTDOWN_HOST],
        [S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN],
      ]);
      const st = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([st.state, st.reason], [
        S.VIR_DOMAIN_SHUTOFF,
        S.VIR_DOMAIN_SHUTOFF_SHUTDOWN,
      ]);
      await until(() => qemuProcesses(U2).length === 0, 60_000, "QEMU gone");
    } finally {
      killQemus(U2);
      a.close();
      await a.done;
    }
  },
);

qemuTest("destroy works while a call waits on a monitor that does not answer", async (d, dir) => {
  const a = await openClient(d, URI);
  const b = await openClient(d, URI);
  try {
    const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
      xml: tinyVM("frozen", U1, `${dir}/frozen.log`),
    });
    await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
    const pids = qemuProcesses(U1);
    assert.equal(pids.length, 1);
    const pid = pids[0]!;
    // A stopped process answers nothing: the suspend holds the job, waiting on QMP.
    Deno.kill(pid, "SIGSTOP");
    const sus = REMOTE_PROGRAM_DEF.procedures.get(P.REMOTE_PROC_DOMAIN_SUSPEND)!;
    const suspendSerial = await a.call(
      P.REMOTE_PROC_DOMAIN_SUSPEND,
      (w) => sus.args.encode(w, { dom }),
    );
    await until(() => busyWorkers(d) >= 1, 60_000, "the suspend running");
    // destroy kills first (SIGTERM is not handled by a stopped process; SIGKILL
    // follows after libvirt's 10 s), then takes the job the suspend gives up.
    const destroyed = b.call(P.REMOTE_PROC_DOMAIN_DESTROY, (w) => sus.args.encode(w, { dom }));
    assert.equal((await b.reply(await destroyed, 30_000)).header.status, 0);
    const r = await a.reply(suspendSerial, 30_000);
    assert.equal(r.header.status, 1);
    assert.match(errorOf(r).message ?? "", /QEMU closed its monitor|domain is not running/);
    const st = await call(b, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
    assert.deepEqual([st.state, st.reason], [S.VIR_DOMAIN_SHUTOFF, S.VIR_DOMAIN_SHUTOFF_DESTROYED]);
    assert.equal(qemuProcesses(U1).length, 0);
  } finally {
    killQemus(U1);
    for (const x of [a, b]) x.close();
    for (const x of [a, b]) await x.done;
  }
});

qemuTest(
  "a start QEMU refuses: libvirt's error with QEMU's words, nothing left behind",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      const bad = tinyVM("broken", U2, `${dir}/b.log`).replace(
        "<devices>",
        `<devices><disk type='file' device='disk'><source file='${dir}/missing.img'/><target dev='vda' bus='virtio'/></disk>`,
      );
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml: bad });
      const e = await failure(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      assert.equal(e.code, 1);
      assert.match(
        e.message,
        /^internal error: qemu unexpectedly closed the monitor: .*Could not open/,
      );
      const st = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.equal(st.state, S.VIR_DOMAIN_SHUTOFF);
      // A transient one that cannot start is not kept.
      const t = await failure(a, P.REMOTE_PROC_DOMAIN_CREATE_XML, {
        xml_desc: bad.replace("broken", "brokentransient").replace(U2, U3),
        flags: 0,
      });
      assert.match(t.message, /Could not open/);
      assert.equal(
        (await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "brokentransient" })).code,
        42,
      );
      // The failed starts gave their monitor slot back: the next domain gets slot 0.
      const good = (await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("good", U1, `${dir}/g.log`),
      })).dom;
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom: good });
      const ps = new TextDecoder().decode(
        new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).outputSync().stdout,
      ).split("\n").find((l) => l.includes(U1) && l.includes("qemu-system"));
      assert.match(ps ?? "", /monitor-0\.sock/);
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom: good });
    } finally {
      killQemus(U1, U2, U3);
      a.close();
      await a.done;
    }
  },
);

qemuTest(
  "redefining or undefining a running domain: the change waits for it to stop",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      const xml = tinyVM("editme", U1, `${dir}/e.log`);
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml });
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      // virsh edit on a running domain: the new definition is the inactive one until it stops.
      await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: xml.replace("<memory unit='MiB'>32</memory>", "<memory unit='MiB'>48</memory>"),
      });
      const live = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 })).xml;
      const inactive = (await call(a, P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 2 })).xml;
      assert.match(live, /<memory unit='KiB'>32768<\/memory>/);
      assert.match(inactive, /<memory unit='KiB'>49152<\/memory>/);
      assert.match(await Deno.readTextFile(`${dir}/config/editme.xml`), /49152/);
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
      assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_GET_INFO, { dom })).maxMem, 49152n);

      // Undefining a running domain makes it transient: it goes when it stops.
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      await call(a, P.REMOTE_PROC_DOMAIN_UNDEFINE, { dom });
      await assert.rejects(Deno.stat(`${dir}/config/editme.xml`));
      assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_IS_PERSISTENT, { dom })).persistent, 0);
      assert.equal((await call(a, P.REMOTE_PROC_DOMAIN_IS_ACTIVE, { dom })).active, 1);
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
      assert.equal(
        (await failure(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "editme" })).code,
        42,
      );
    } finally {
      killQemus(U1);
      a.close();
      await a.done;
    }
  },
);

qemuTest(
  "managed save: the guest's state to disk and back, resumed rather than booted",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      await call(a, P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
        eventID: 0,
        dom: null,
      });
      const serial = `${dir}/ms.log`;
      const { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("saver", U1, serial),
      });
      const banners = async () =>
        ((await Deno.readTextFile(serial).catch(() => "")).match(/SeaBIOS \(version/g) ?? [])
          .length;
      // How long a booting guest takes to print its banner here, now (it scales with the load).
      const t0 = Date.now();
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      await until(async () => (await banners()) === 1, 60_000, "the guest booted");
      const bootMs = Date.now() - t0;
      await call(a, P.REMOTE_PROC_DOMAIN_MANAGED_SAVE, { dom, flags: 0 });
      const saved = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([saved.state, saved.reason], [
        S.VIR_DOMAIN_SHUTOFF,
        S.VIR_DOMAIN_SHUTOFF_SAVED,
      ]);
      assert.equal(
        (await call(a, P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, { dom, flags: 0 })).result,
        1,
      );
      assert.ok((await Deno.stat(`${dir}/config/save/saver.save`)).size > 100_000);
      // virsh list --with-managed-save / --without-managed-save.
      const listed = async (flags: number) =>
        (await call(a, P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags }))
          .domains.map((x: { name: string }) => x.name);
      assert.deepEqual(await listed(1 << 8), ["saver"]);
      assert.deepEqual(await listed(1 << 9), []);
      assert.equal(qemuProcesses(U1).length, 0);
      // Undefining keeps the image safe unless asked.
      const refused = await failure(a, P.REMOTE_PROC_DOMAIN_UNDEFINE, { dom });
      assert.equal(
        refused.message,
        "Requested operation is not valid: Refusing to undefine while domain managed save image exists",
      );

      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      const back = await call(a, P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 });
      assert.deepEqual([back.state, back.reason], [
        S.VIR_DOMAIN_RUNNING,
        S.VIR_DOMAIN_RUNNING_RESTORED,
      ]);
      assert.equal(
        (await call(a, P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, { dom, flags: 0 })).result,
        0,
      );
      // Resumed where it was: the new QEMU starts its serial file afresh, and a
      // booting guest would print SeaBIOS's banner into it again, as it did above
      // within bootMs of its start; a restored one does not, even in three times that.
      await new Promise((r) => setTimeout(r, Math.max(3 * bootMs, 1500)));
      assert.equal(await banners(), 0);

      const events: [number, number][] = [];
      for (let i = 0; i < 4; i++) {
        const ev = await nextEvent(a, P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        events.push([ev.msg.event, ev.msg.detail]);
      }
      assert.deepEqual(events.slice(1), [
        [S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_BOOTED],
        [S.VIR_DOMAIN_EVENT_STOPPED, S.VIR_DOMAIN_EVENT_STOPPED_SAVED],
        [S.VIR_DOMAIN_EVENT_STARTED, S.VIR_DOMAIN_EVENT_STARTED_RESTORED],
      ]);
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
    } finally {
      killQemus(U1);
      a.close();
      await a.done;
    }
  },
);

qemuTest(
  "maximum memory, vCPUs and the name change in the definition; QEMU is started with them",
  async (d, dir) => {
    const a = await openClient(d, URI);
    try {
      let { dom } = await call(a, P.REMOTE_PROC_DOMAIN_DEFINE_XML, {
        xml: tinyVM("tuneme", U1, `${dir}/t.log`),
      });
      const CONFIG = 2;
      await call(a, P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, {
        dom,
        memory: 65536n,
        flags: CONFIG | 4, // VIR_DOMAIN_MEM_MAXIMUM
      });
      await call(a, P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, { dom, nvcpus: 2, flags: CONFIG | 4 });
      await call(a, P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, { dom, nvcpus: 2, flags: CONFIG });
      const tooMany = await failure(a, P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, {
        dom,
        nvcpus: 3,
        flags: CONFIG,
      });
      assert.equal(tooMany.code, 8);
      await call(a, P.REMOTE_PROC_DOMAIN_RENAME, { dom, new_name: "tuned", flags: 0 });
      await assert.rejects(Deno.stat(`${dir}/config/tuneme.xml`));
      const onDisk = await Deno.readTextFile(`${dir}/config/tuned.xml`);
      assert.match(onDisk, /<memory unit='KiB'>65536<\/memory>/);
      assert.match(onDisk, /<vcpu placement='static'>2<\/vcpu>/);
      dom = (await call(a, P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: "tuned" })).dom;
      await call(a, P.REMOTE_PROC_DOMAIN_CREATE, { dom });
      const cmd = new TextDecoder().decode(
        new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).outputSync().stdout,
      ).split("\n").find((l) => l.includes(U1) && l.includes("qemu-system")) ?? "";
      assert.match(cmd, /-name guest=tuned,/);
      assert.match(cmd, / -m 64 /);
      assert.match(cmd, /-smp 2,sockets=2,cores=1,threads=1/);
      // What would need hotplug is refused while it runs.
      const live = await failure(a, P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, {
        dom,
        nvcpus: 1,
        flags: 1,
      });
      assert.equal(live.code, 84);
      const renameLive = await failure(a, P.REMOTE_PROC_DOMAIN_RENAME, {
        dom,
        new_name: "other",
        flags: 0,
      });
      assert.equal(
        renameLive.message,
        "Requested operation is not valid: cannot rename active domain",
      );
      await call(a, P.REMOTE_PROC_DOMAIN_DESTROY, { dom });
    } finally {
      killQemus(U1);
      a.close();
      await a.done;
    }
  },
);
