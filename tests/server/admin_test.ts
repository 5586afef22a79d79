// The admin program driven by the real virt-admin binary: the pool resized
// live under load, a client disconnected mid-load, a lowered client limit,
// log filters changed live, and the same output shape as libvirtd's.

import assert from "node:assert/strict";
import { eventually, startDaemon, type TestDaemon } from "./_daemon.ts";
import { RawClient } from "../_rpc_client.ts";
import { haveTools } from "../interop/_tools.ts";
import { startLibvirtd } from "../_daemons.ts";
import {
  SLEEP_PROC_ECHO,
  SLEEP_PROC_SLEEP,
  SLEEP_PROC_THROW,
  SLEEP_PROGRAM,
} from "../testdata/sleep_program.ts";
import { REMOTE_PROC_AUTH_LIST } from "../../src/protocol/remote_procedure_numbers.ts";
import { decode, struct, uint } from "../../src/xdr/mod.ts";
import { PAYLOAD_OFFSET } from "../../src/rpc/mod.ts";

const tools = haveTools("virt-admin", ["virt-admin"]);
const value = struct("v", { value: uint });

async function virtAdmin(
  socket: string,
  commands: string,
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command("virt-admin", {
    args: ["-c", `libvirtd+unix:///system?socket=${socket}`, commands],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr),
  };
}

function field(out: string, name: string): number {
  const m = new RegExp(`^${name}\\s*: (\\d+)$`, "m").exec(out);
  assert.ok(m, `${name} in ${out}`);
  return Number(m[1]);
}

/** Runs `n` clients that call ECHO back to back until `stop()`; counts answers per client. */
function load(d: TestDaemon, n: number) {
  let running = true;
  const answered: number[] = new Array(n).fill(0);
  const sent: number[] = new Array(n).fill(0);
  const clients: RawClient[] = [];
  const done = Promise.all(Array.from({ length: n }, async (_, i) => {
    const c = await RawClient.connect(d.rw);
    clients.push(c);
    const seen = new Set<number>();
    try {
      while (running) {
        const serial = await c.call(SLEEP_PROC_ECHO, (w) => w.writeUint(i), {
          prog: SLEEP_PROGRAM,
        });
        sent[i]!++;
        const r = await c.reply(serial, 15_000);
        assert.ok(!seen.has(serial), "a reply came twice");
        seen.add(serial);
        assert.equal(decode(value, r.packet.subarray(PAYLOAD_OFFSET)).value, i);
        answered[i]!++;
      }
    } finally {
      c.close();
      await c.done;
    }
  }));
  return {
    answered,
    sent,
    clients,
    async stop() {
      running = false;
      await done;
    },
  };
}

Deno.test({
  name:
    "srv-threadpool-set resizes the pool live under a 16-client load; every call is answered once",
  ignore: !tools,
  async fn() {
    const d = await startDaemon();
    const l = load(d, 16);
    try {
      for (const [min, max] of [[12, 16], [2, 3], [8, 8], [5, 20]] as const) {
        const set = await virtAdmin(
          d.admin,
          `srv-threadpool-set libvirtd --min-workers ${min} --max-workers ${max}`,
        );
        assert.equal(set.code, 0, set.err);
        await eventually(
          () => {
            const n = d.server.pool.workerCounts.normal;
            return n >= min && n <= max;
          },
          10_000,
          `nWorkers within ${min}..${max}`,
        );
        // nWorkers counts Workers that have joined; one just started to replace a
        // retiring one may still be on its way, so look again briefly.
        let info = await virtAdmin(d.admin, "srv-threadpool-info libvirtd");
        for (let i = 0; i < 50; i++) {
          const k = field(info.out, "nWorkers");
          if (k >= min && k <= max) break;
          await new Promise((r) => setTimeout(r, 100));
          info = await virtAdmin(d.admin, "srv-threadpool-info libvirtd");
        }
        assert.equal(field(info.out, "minWorkers"), min);
        assert.equal(field(info.out, "maxWorkers"), max);
        const n = field(info.out, "nWorkers");
        assert.ok(n >= min && n <= max, `nWorkers ${n} within ${min}..${max}`);
      }
    } finally {
      await l.stop();
      await d.stop();
    }
    // Every call sent was answered exactly once (the load loop asserts no duplicate).
    assert.deepEqual(l.answered, l.sent);
    assert.ok(l.answered.every((n) => n > 0));
  },
});

Deno.test({
  name: "min > max is refused with libvirt's error",
  ignore: !tools,
  async fn() {
    const d = await startDaemon();
    try {
      const r = await virtAdmin(d.admin, "srv-threadpool-set libvirtd --min-workers 30");
      assert.notEqual(r.code, 0);
      assert.match(r.err, /error: invalid argument: minWorkers cannot be larger than maxWorkers/);
      const bogus = await virtAdmin(d.admin, "srv-threadpool-info bogus");
      assert.match(bogus.err, /error: Server not found: No server named 'bogus'/);
      const noClient = await virtAdmin(d.admin, "client-info libvirtd 99999");
      assert.match(noClient.err, /error: Client not found: No client with matching ID '99999'/);
    } finally {
      await d.stop();
    }
  },
});

Deno.test({
  name: "client-disconnect closes one client mid-call while the others keep working",
  ignore: !tools,
  async fn() {
    const d = await startDaemon();
    const victim = await RawClient.connect(d.rw);
    const other = await RawClient.connect(d.rw);
    try {
      const list = await virtAdmin(d.admin, "srv-clients-list libvirtd");
      const ids = [...list.out.matchAll(/^\s*(\d+)\s+unix\s/gm)].map((m) => Number(m[1]));
      assert.equal(ids.length, 2);
      // The victim is in the middle of a call when it is disconnected.
      await victim.call(SLEEP_PROC_SLEEP, (w) => w.writeUint(5000), { prog: SLEEP_PROGRAM });
      const r = await virtAdmin(d.admin, `client-disconnect libvirtd ${ids[0]}`);
      assert.equal(r.code, 0, r.err);
      await victim.closedByPeer(30_000);
      assert.equal(victim.pending.length, 0, "closed before its call was answered");
      const ok = await other.reply(
        await other.call(SLEEP_PROC_ECHO, (w) => w.writeUint(4), { prog: SLEEP_PROGRAM }),
      );
      assert.equal(decode(value, ok.packet.subarray(PAYLOAD_OFFSET)).value, 4);
      // The record goes once the victim's call has ended.
      await eventually(() => d.server.clientCount === 1, 30_000, "one client left");
    } finally {
      victim.close();
      other.close();
      await Promise.all([victim.done, other.done]);
      await d.stop();
    }
  },
});

Deno.test({
  name:
    "a lowered nclients_max holds the next connection unserved while existing ones keep working",
  ignore: !tools,
  async fn() {
    const d = await startDaemon();
    const a = await RawClient.connect(d.rw);
    let late: RawClient | null = null;
    try {
      await a.reply(await a.call(REMOTE_PROC_AUTH_LIST));
      const set = await virtAdmin(
        d.admin,
        "srv-clients-set libvirtd --max-clients 1 --max-unauth-clients 0",
      );
      assert.equal(set.code, 0, set.err);
      const info = await virtAdmin(d.admin, "srv-clients-info libvirtd");
      assert.equal(field(info.out, "nclients_max"), 1);
      assert.equal(field(info.out, "nclients"), 1);
      late = await RawClient.connect(d.rw);
      const serial = await late.call(REMOTE_PROC_AUTH_LIST);
      // The existing client is still served, after the late one connected and
      // called; the daemon counts one client still, and the late call is unanswered.
      const r = await a.reply(await a.call(REMOTE_PROC_AUTH_LIST));
      assert.equal(r.header.status, 0);
      const held = await virtAdmin(d.admin, "srv-clients-info libvirtd");
      assert.equal(field(held.out, "nclients"), 1);
      assert.equal(late.pending.length, 0);
      // Raising the limit lets the waiting connection in.
      await virtAdmin(d.admin, "srv-clients-set libvirtd --max-clients 10 --max-unauth-clients 0");
      const r2 = await late.reply(serial, 30_000);
      assert.equal(r2.header.status, 0);
    } finally {
      a.close();
      late?.close();
      await Promise.all([a.done, late?.done]);
      await d.stop();
    }
  },
});

Deno.test({
  name: "daemon-log-filters and daemon-log-outputs reconfigure logging live",
  ignore: !tools,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const logFile = `${dir}/denovirt.log`;
    const { setupLogging } = await import("../../src/log.ts");
    const d = await startDaemon({}, { onLogSettings: (f, o) => setupLogging("warning", f, o) });
    try {
      let r = await virtAdmin(d.admin, `daemon-log-outputs '1:file:${logFile}'`);
      assert.equal(r.code, 0, r.err);
      r = await virtAdmin(d.admin, "daemon-log-filters '1:server'");
      assert.equal(r.code, 0, r.err);
      const shown = await virtAdmin(d.admin, "daemon-log-filters; daemon-log-outputs");
      assert.match(shown.out, /Logging filters: 1:server/);
      assert.match(shown.out, new RegExp(`Logging outputs: 1:file:${logFile}`));
      // A new client makes the server layer log at debug level.
      const c = await RawClient.connect(d.rw);
      await c.reply(await c.call(REMOTE_PROC_AUTH_LIST));
      c.close();
      await c.done;
      await eventually(
        () => {
          try {
            return /\[DBG\] denovirt·server: client \d+ connected on "rw"/.test(
              Deno.readTextFileSync(logFile),
            );
          } catch {
            return false;
          }
        },
        5000,
        "a debug line in the log file",
      );
      // Workers follow too: a handler failure in a Worker reaches the file.
      const w = await RawClient.connect(d.rw);
      await w.reply(await w.call(SLEEP_PROC_THROW, undefined, { prog: SLEEP_PROGRAM }));
      w.close();
      await w.done;
      await eventually(
        () =>
          /\[ERR\] denovirt·dispatch: "sleep THROW" failed/.test(Deno.readTextFileSync(logFile)),
        5000,
        "a Worker's error line in the log file",
      );
      // Bad syntax is refused with libvirt's error.
      const bad = await virtAdmin(d.admin, "daemon-log-filters 'nonsense'");
      assert.notEqual(bad.code, 0);
      assert.match(bad.err, /Failed to parse and define log filter nonsense/);
    } finally {
      await setupLogging("warning");
      await d.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const both = haveTools("virt-admin differential", ["virt-admin", "libvirtd"]);

/**
 * What differs between any two daemons' runs, masked field by field: the
 * row order of srv-list (libvirtd keeps its servers in a hash table), the
 * Worker counts of the moment (nWorkers, freeWorkers), client ids (they
 * count every connection the harness made) and connection times, and each
 * daemon's own directory in its log output. Everything else must match.
 */
function normalize(out: string, dirs: string[]): string {
  const rows = out.split("\n");
  const server = /^ \d+\s+(libvirtd|admin)$/;
  const sorted = rows.filter((r) => server.test(r)).map((r) => r.replace(/^ \d+/, " #")).sort();
  out = rows.map((r) => (server.test(r) ? sorted.shift()! : r)).join("\n");
  for (const d of dirs) out = out.replaceAll(d, "DIR");
  return out
    .replace(/^((?:nWorkers|freeWorkers)\s*: )\d+$/gm, "$1N")
    .replace(/^( +)\d+( +unix +)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}$/gm, "$1ID$2TIME");
}

Deno.test({
  name: "virt-admin prints the same against libvirtd and denovirt, field by field",
  ignore: !both,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const ref = await startLibvirtd();
    assert.ok(ref);
    // denovirt logs to a file as the harness's libvirtd does, so the outputs compare.
    const logDir = await Deno.makeTempDir({ prefix: "denovirt-log-" });
    const ours = await startDaemon({ log_outputs: `3:file:${logDir}/libvirtd.log` });
    const refAdmin = ref.socket.replace(/libvirt-sock$/, "libvirt-admin-sock");
    const dirs = [ref.socket.replace(/\/libvirt-sock$/, ""), logDir];
    try {
      for (
        const cmd of [
          "version",
          "srv-list",
          "srv-threadpool-info libvirtd",
          "srv-threadpool-info admin",
          "srv-clients-list libvirtd",
          "srv-clients-list admin",
          "srv-clients-info libvirtd",
          "srv-clients-info admin",
          "daemon-log-filters",
          "daemon-log-outputs",
          "client-info admin 1",
          "srv-threadpool-set libvirtd --min-workers 30",
          "srv-threadpool-info bogus",
          "client-info admin 99999",
          "client-disconnect admin 99999",
          "srv-clients-set libvirtd --max-clients 1 --max-unauth-clients 5",
        ]
      ) {
        await t.step(cmd, async () => {
          const want = await virtAdmin(refAdmin, cmd);
          const got = await virtAdmin(ours.admin, cmd);
          assert.equal(normalize(got.out, dirs), normalize(want.out, dirs));
          assert.equal(normalize(got.err, dirs), normalize(want.err, dirs));
          assert.equal(got.code, want.code);
        });
      }
    } finally {
      await ours.stop();
      await ref.stop();
      await Deno.remove(logDir, { recursive: true });
    }
  },
});
