// Live migration between two denovirt daemons (two run directories on one
// machine stand for two hosts), driven by stock virsh: the tiny Linux guest,
// booted with guest.tick, prints a counter every second on a serial file both
// QEMUs append to. After each migration the counter goes on from where it
// was, without a second boot; `list` on both sides shows where the guest is;
// each side's event stream shows libvirt's migration events. Failures (the
// destination refuses, its QEMU cannot start, an abort, the client killed
// half way) leave the guest running on the source and nothing on the destination.

import assert from "node:assert/strict";
import { haveTools } from "./_tools.ts";
import { killQemus, qemuProcesses } from "../drivers/_qemu.ts";
import { ps, serve, type Served, until } from "./_serve.ts";
import { buildGuest } from "../testdata/guest/build.ts";
import { RawClient } from "../_rpc_client.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { remote_connect_open_args } from "../../src/protocol/remote_host.ts";
import {
  remote_domain_lookup_by_name_args,
  remote_domain_lookup_by_name_ret,
} from "../../src/protocol/remote_domain.ts";
import {
  remote_domain_migrate_begin3_params_args,
  remote_domain_migrate_begin3_params_ret,
  remote_domain_migrate_perform3_params_args,
  remote_domain_migrate_perform3_params_ret,
  remote_domain_migrate_prepare3_params_args,
  remote_domain_migrate_prepare3_params_ret,
} from "../../src/protocol/remote_domain_migrate.ts";
import { param } from "../../src/rpc/typed_params.ts";
import { xdrVoid } from "../../src/xdr/mod.ts";
import {
  VIR_MIGRATE_CHANGE_PROTECTION,
  VIR_MIGRATE_LIVE,
} from "../../src/drivers/qemu/migration.ts";

const runnable = haveTools("live migration between two daemons", [
  "virsh",
  "qemu-system-x86_64",
  "ps",
]);
const UUID = "6d1a7e2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const OTHER = "6d1a7e2c-3b4d-4e5f-8a9b-0c1d2e3f4a5c";

function guestXML(
  guest: string,
  serial: string,
  name = "mig",
  uuid = UUID,
  disk: string | null = null,
): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet guest.tick</cmdline>
  </os>
  <devices>${
    disk
      ? `
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/>
      <target dev='vda' bus='virtio'/></disk>`
      : ""
  }
    <serial type='file'><source path='${serial}' append='on'/><target port='0'/></serial>
  </devices>
</domain>`;
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command("virsh", {
    args,
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

const uriOf = (s: Served) => `qemu:///system?socket=${s.rw}`;
/** A destination for --p2p: libvirt's client refuses one without a host ("the same host"). */
const p2pUriOf = (s: Served) => `qemu+unix://${Deno.hostname()}/system?socket=${s.rw}`;
const virsh = (s: Served, ...args: string[]) => run(["-c", uriOf(s), ...args]);

/** The guest's counter values in the serial file, in order. */
async function ticks(serial: string): Promise<number[]> {
  const text = await Deno.readTextFile(serial).catch(() => "");
  return [...text.matchAll(/GUEST TICK (\d+)/g)].map((m) => Number(m[1]));
}

async function bootMarkers(serial: string): Promise<number> {
  const text = await Deno.readTextFile(serial).catch(() => "");
  return (text.match(/GUEST UP/g) ?? []).length;
}

/** Waits until the counter passed `n`; answers the last value. */
async function tickPast(serial: string, n: number, ms = 120_000): Promise<number> {
  let last = 0;
  await until(
    async () => {
      last = (await ticks(serial)).at(-1) ?? 0;
      return last > n;
    },
    `GUEST TICK past ${n} in ${serial}`,
    ms,
  );
  return last;
}

/** The counter only ever went up by one: no restart, no gap QEMU would not explain. */
function assertMonotonic(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.equal(values[i], values[i - 1]! + 1, `ticks ${values.join(",")}`);
  }
}

/** `virsh list --all --name` as a sorted list, and the state of `name` if listed. */
async function listed(s: Served): Promise<string[]> {
  const r = await virsh(s, "list", "--all", "--name");
  assert.equal(r.code, 0, r.out);
  return r.out.split("\n").map((x) => x.trim()).filter((x) => x).sort();
}

async function state(s: Served, name = "mig"): Promise<string> {
  return (await virsh(s, "domstate", name)).out.trim();
}

/** `virsh event --all --loop` on a daemon, its output read as it comes. */
function watchEvents(s: Served): { text(): string; stop(): Promise<void> } {
  const p = new Deno.Command("virsh", {
    args: ["-c", uriOf(s), "event", "--all", "--loop"],
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const done = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of p.stdout) text += dec.decode(chunk, { stream: true });
  })();
  return {
    text: () => text,
    async stop() {
      try {
        p.kill("SIGTERM");
      } catch {
        // Gone.
      }
      await p.status;
      await done.catch(() => {});
    },
  };
}

Deno.test({
  name: "virsh migrate --live between two denovirt daemons: the guest runs on without a reboot",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dirA = await Deno.makeTempDir({ prefix: "denovirt-mig-a-" });
  const dirB = await Deno.makeTempDir({ prefix: "denovirt-mig-b-" });
  const work = await Deno.makeTempDir({ prefix: "denovirt-mig-" });
  const serial = `${work}/serial.log`;
  let a: Served | null = null;
  let b: Served | null = null;
  const evA: { text(): string; stop(): Promise<void> }[] = [];
  try {
    [a, b] = await Promise.all([serve([], { dir: dirA }), serve([], { dir: dirB })]);
    const A = a, B = b;
    await Deno.writeTextFile(`${work}/mig.xml`, guestXML(guest, serial));
    let r = await virsh(A, "define", `${work}/mig.xml`);
    assert.equal(r.code, 0, r.out);
    r = await virsh(A, "start", "mig");
    assert.equal(r.code, 0, r.out);
    await tickPast(serial, 2);

    await t.step("migrate-getspeed: unlimited until set", async () => {
      const r = await virsh(A, "migrate-getspeed", "mig");
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out.trim(), "8796093022207");
    });

    await t.step("A → B --live: B runs it, A keeps it shut off, the counter goes on", async () => {
      const evs = [watchEvents(A), watchEvents(B)];
      evA.push(...evs);
      await new Promise((r) => setTimeout(r, 1500)); // the watchers have registered
      const before = (await ticks(serial)).at(-1)!;
      const r = await run(["-c", uriOf(A), "migrate", "--live", "mig", uriOf(B)]);
      assert.equal(r.code, 0, r.out);
      assert.equal(await state(B), "running");
      assert.equal(await state(A), "shut off");
      assert.deepEqual(await listed(A), ["mig"]);
      assert.deepEqual(await listed(B), ["mig"]);
      assert.equal((await virsh(B, "dominfo", "mig")).out.match(/Persistent:\s+(\w+)/)?.[1], "no");
      await tickPast(serial, before + 3);
      assertMonotonic(await ticks(serial));
      assert.equal(await bootMarkers(serial), 1);
      await until(
        () => /Resumed Migrated/.test(evs[1]!.text()) && /Stopped Migrated/.test(evs[0]!.text()),
        "the migration events",
        30_000,
      );
      await Promise.all(evs.map((e) => e.stop()));
      assert.match(evs[0]!.text(), /'mig': Suspended Migrated[\s\S]*'mig': Stopped Migrated/);
      assert.match(evs[1]!.text(), /'mig': Started Migrated[\s\S]*'mig': Resumed Migrated/);
      assert.equal(qemuProcesses(UUID).length, 1, "one QEMU left");
    });

    await t.step("B → A, then A → B --persistent --undefinesource, then back", async () => {
      // A's persistent definition, changed while the guest is away, stays A's own.
      await Deno.writeTextFile(
        `${work}/kept.xml`,
        guestXML(guest, serial).replace("<vcpu>", "<description>kept on A</description><vcpu>"),
      );
      assert.equal((await virsh(A, "define", `${work}/kept.xml`)).code, 0);
      const moves = [
        [B, A, []],
        [A, B, ["--persistent", "--undefinesource"]],
        [B, A, []],
      ] as const;
      for (const [i, [from, to, extra]] of moves.entries()) {
        const before = (await ticks(serial)).at(-1)!;
        const r = await run(["-c", uriOf(from), "migrate", "--live", ...extra, "mig", uriOf(to)]);
        assert.equal(r.code, 0, r.out);
        assert.equal(await state(to), "running");
        await tickPast(serial, before + 2);
        assert.equal(qemuProcesses(UUID).length, 1, "one QEMU");
        if (i === 0) {
          assert.match((await virsh(A, "dumpxml", "--inactive", "mig")).out, /kept on A/);
          assert.doesNotMatch((await virsh(A, "dumpxml", "mig")).out, /kept on A/);
        }
      }
      // A's definition went with --undefinesource; B's came with --persistent and stays.
      assert.deepEqual(await listed(B), ["mig"]);
      assert.equal(await state(B), "shut off");
      assert.equal((await virsh(A, "dominfo", "mig")).out.match(/Persistent:\s+(\w+)/)?.[1], "no");
      assertMonotonic(await ticks(serial));
      assert.equal(await bootMarkers(serial), 1);
    });

    await t.step("under load: other clients keep both daemons busy meanwhile", async () => {
      let stop = false;
      const failures: string[] = [];
      const hammer = async (s: Served) => {
        let calls = 0;
        while (!stop) {
          const r = await virsh(s, "list", "--all");
          if (r.code !== 0) failures.push(r.out);
          calls++;
        }
        return calls;
      };
      const load = [A, B, A, B].map(hammer);
      const before = (await ticks(serial)).at(-1)!;
      for (const [from, to] of [[A, B], [B, A]] as const) {
        const r = await run(["-c", uriOf(from), "migrate", "--live", "mig", uriOf(to)]);
        assert.equal(r.code, 0, r.out);
      }
      stop = true;
      const calls = await Promise.all(load);
      assert.deepEqual(failures, []);
      assert.ok(calls.every((n) => n > 0), `calls ${calls}`);
      assert.equal(await state(A), "running");
      await tickPast(serial, before + 2);
      assertMonotonic(await ticks(serial));
      assert.equal(await bootMarkers(serial), 1);
    });

    await t.step(
      "--dname and --migrateuri: another name there, QEMU's stream on loopback",
      async () => {
        // B's persistent "mig" (from --persistent) has the same UUID: another name would clash.
        assert.equal((await virsh(B, "undefine", "mig")).code, 0);
        let r = await run([
          "-c",
          uriOf(A),
          "migrate",
          "--live",
          "--auto-converge",
          "--dname",
          "moved",
          "--migrateuri",
          "tcp://127.0.0.1",
          "mig",
          uriOf(B),
        ]);
        assert.equal(r.code, 0, r.out);
        assert.equal(await state(B, "moved"), "running");
        assert.deepEqual(await listed(A), []);
        r = await run(["-c", uriOf(B), "migrate", "--live", "--dname", "mig", "moved", uriOf(A)]);
        assert.equal(r.code, 0, r.out);
        assert.equal(await state(A), "running");
        assert.deepEqual(await listed(B), []);
        const before = (await ticks(serial)).at(-1)!;
        await tickPast(serial, before + 1);
        assertMonotonic(await ticks(serial));
        assert.equal(await bootMarkers(serial), 1);
      },
    );

    await t.step("--timeout: a long migration suspends the guest, which runs on at B", async () => {
      const ev = watchEvents(A);
      await new Promise((r) => setTimeout(r, 1500)); // the watcher has registered
      const migration = run([
        "-c",
        uriOf(A),
        "migrate",
        "--live",
        "--bandwidth",
        "10",
        "--timeout",
        "1",
        "mig",
        uriOf(B),
      ]);
      // Paused by virsh's suspend while the migration still runs.
      let done = false;
      migration.finally(() => done = true);
      let seen = "";
      await until(
        async () => {
          seen = (await virsh(A, "domstate", "mig", "--reason")).out.trim();
          return done || seen === "paused (migrating)";
        },
        "the guest suspended during the migration",
        60_000,
      );
      assert.equal(seen, "paused (migrating)");
      const r = await migration;
      await ev.stop();
      assert.equal(r.code, 0, r.out);
      assert.equal(await state(B), "running");
      assert.match(ev.text(), /'mig': Suspended Migrated[\s\S]*'mig': Stopped Migrated/);
      const before = (await ticks(serial)).at(-1)!;
      await tickPast(serial, before + 1);
      assertMonotonic(await ticks(serial));
      const back = await run(["-c", uriOf(B), "migrate", "--live", "mig", uriOf(A)]);
      assert.equal(back.code, 0, back.out);
    });

    await t.step("--suspend: the guest arrives paused; back without --live", async () => {
      const r = await run(["-c", uriOf(A), "migrate", "--live", "--suspend", "mig", uriOf(B)]);
      assert.equal(r.code, 0, r.out);
      assert.equal(await state(B), "paused");
      assert.deepEqual(await listed(A), []);
      assert.equal((await virsh(B, "resume", "mig")).code, 0);
      const before = (await ticks(serial)).at(-1)!;
      await tickPast(serial, before + 1);
      assert.equal(await bootMarkers(serial), 1);
      // And home again for the next steps, not live this time: paused while it moves.
      const back = await run(["-c", uriOf(B), "migrate", "mig", uriOf(A)]);
      assert.equal(back.code, 0, back.out);
      assert.equal(await state(A), "running");
      const after = (await ticks(serial)).at(-1)!;
      await tickPast(serial, after + 1);
      assertMonotonic(await ticks(serial));
    });

    await t.step("--p2p: the source daemon calls the destination itself, both ways", async () => {
      for (const [from, to] of [[A, B], [B, A]] as const) {
        const before = (await ticks(serial)).at(-1)!;
        const r = await run(["-c", uriOf(from), "migrate", "--live", "--p2p", "mig", p2pUriOf(to)]);
        assert.equal(r.code, 0, r.out);
        assert.equal(await state(to), "running");
        assert.notEqual(await state(from), "running");
        await tickPast(serial, before + 2);
        assert.equal(qemuProcesses(UUID).length, 1, "one QEMU");
      }
      assertMonotonic(await ticks(serial));
      assert.equal(await bootMarkers(serial), 1);
    });

    await t.step("--offline --persistent moves only the definition", async () => {
      await Deno.writeTextFile(
        `${work}/off.xml`,
        guestXML(guest, `${work}/off.log`, "off", OTHER),
      );
      assert.equal((await virsh(A, "define", `${work}/off.xml`)).code, 0);
      const r = await run([
        "-c",
        uriOf(A),
        "migrate",
        "--offline",
        "--persistent",
        "--undefinesource",
        "off",
        uriOf(B),
      ]);
      assert.equal(r.code, 0, r.out);
      assert.equal(await state(B, "off"), "shut off");
      assert.equal((await virsh(A, "domstate", "off")).code, 1);
      assert.equal((await virsh(B, "undefine", "off")).code, 0);
    });
  } finally {
    await Promise.all(evA.map((e) => e.stop()));
    killQemus(UUID, OTHER);
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    for (const d of [dirA, dirB, work]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name:
    "a failed or abandoned migration leaves the guest running on the source, nothing on the destination",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dirA = await Deno.makeTempDir({ prefix: "denovirt-migf-a-" });
  const dirB = await Deno.makeTempDir({ prefix: "denovirt-migf-b-" });
  const work = await Deno.makeTempDir({ prefix: "denovirt-migf-" });
  const serial = `${work}/serial.log`;
  let a: Served | null = null;
  let b: Served | null = null;
  try {
    [a, b] = await Promise.all([serve([], { dir: dirA }), serve([], { dir: dirB })]);
    const A = a, B = b;
    await Deno.writeTextFile(`${work}/mig.xml`, guestXML(guest, serial));
    const r = await virsh(A, "create", `${work}/mig.xml`);
    assert.equal(r.code, 0, r.out);
    await tickPast(serial, 2);

    /** The guest runs on A, undisturbed; B has no trace of it. */
    const unharmed = async (bHas: string[] = []) => {
      await until(async () => (await state(A)) === "running", "the guest running on A", 30_000);
      await until(
        async () => JSON.stringify(await listed(B)) === JSON.stringify(bHas),
        "B's list back to what it was",
        30_000,
      );
      await until(() => qemuProcesses(UUID).length === 1, "one QEMU of the guest", 30_000);
      const before = (await ticks(serial)).at(-1)!;
      await tickPast(serial, before + 1);
      assertMonotonic(await ticks(serial));
      assert.equal(await bootMarkers(serial), 1);
    };
    const migrate = (...extra: string[]) =>
      run(["-c", uriOf(A), "migrate", "--live", ...extra, "mig", uriOf(B)]);

    await t.step("the destination has another domain of that name", async () => {
      await Deno.writeTextFile(
        `${work}/other.xml`,
        guestXML(guest, `${work}/other.log`, "mig", OTHER),
      );
      assert.equal((await virsh(B, "define", `${work}/other.xml`)).code, 0);
      const r = await migrate();
      assert.notEqual(r.code, 0);
      assert.match(r.out, /operation failed: domain 'mig' already exists with uuid/);
      await unharmed(["mig"]);
      assert.equal((await virsh(B, "undefine", "mig")).code, 0);
    });

    await t.step("--p2p: the destination refuses, or is not there", async () => {
      assert.equal((await virsh(B, "define", `${work}/other.xml`)).code, 0);
      let r = await run(["-c", uriOf(A), "migrate", "--live", "--p2p", "mig", p2pUriOf(B)]);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /operation failed: domain 'mig' already exists with uuid/);
      await unharmed(["mig"]);
      assert.equal((await virsh(B, "undefine", "mig")).code, 0);
      r = await run([
        "-c",
        uriOf(A),
        "migrate",
        "--live",
        "--p2p",
        "mig",
        `qemu+unix://${Deno.hostname()}/system?socket=${work}/nobody-sock`,
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /Failed to connect socket to '.*nobody-sock'/);
      await unharmed();
    });

    await t.step("XML that does not parse is refused", async () => {
      await Deno.writeTextFile(`${work}/bad.xml`, "<domain type='qemu'><name>mig</name>");
      const r = await migrate("--xml", `${work}/bad.xml`);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /Premature end of data in tag domain/);
      await unharmed();
    });

    await t.step("the destination's QEMU cannot start", async () => {
      // Its serial file is in a directory that does not exist.
      await Deno.writeTextFile(
        `${work}/noserial.xml`,
        guestXML(guest, `${work}/missing/dir/serial.log`),
      );
      const r = await migrate("--xml", `${work}/noserial.xml`);
      assert.notEqual(r.code, 0);
      await unharmed();
    });

    /** A migration slowed to 1 MiB/s, run in the background until it shows as a job. */
    const slowMigration = async () => {
      const p = new Deno.Command("virsh", {
        args: ["-c", uriOf(A), "migrate", "--live", "--bandwidth", "1", "mig", uriOf(B)],
        env: { LC_ALL: "C" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = p.output();
      let info = "";
      await until(
        async () => {
          info = (await virsh(A, "domjobinfo", "mig")).out;
          return /Job type:\s+Unbounded/.test(info) && /Memory processed:/.test(info);
        },
        "the migration job under way",
        60_000,
      );
      return { p, out, info };
    };

    await t.step(
      "domjobinfo, migrate-setmaxdowntime and domjobabort during a migration",
      async () => {
        const m = await slowMigration();
        assert.match(m.info, /Operation:\s+Outgoing migration/);
        let r = await virsh(A, "migrate-setmaxdowntime", "mig", "700");
        assert.equal(r.code, 0, r.out);
        r = await virsh(A, "migrate-getmaxdowntime", "mig");
        assert.equal(r.out.trim(), "700");
        r = await virsh(A, "migrate-setspeed", "mig", "2");
        assert.equal(r.code, 0, r.out);
        assert.equal((await virsh(A, "migrate-getspeed", "mig")).out.trim(), "2");
        // Back to unlimited, which the later migrations use.
        r = await virsh(A, "migrate-setspeed", "mig", "8796093022207");
        assert.equal(r.code, 0, r.out);
        r = await virsh(A, "domjobabort", "mig");
        assert.equal(r.code, 0, r.out);
        const o = await m.out;
        assert.notEqual(o.code, 0);
        assert.match(
          new TextDecoder().decode(o.stderr),
          /operation aborted: migration out job: canceled by client/,
        );
        await unharmed();
        assert.match((await virsh(A, "domjobinfo", "mig")).out, /Job type:\s+None/);
        r = await virsh(A, "domjobabort", "mig");
        assert.notEqual(r.code, 0);
        assert.match(r.out, /no job is active on the domain/);
      },
    );

    await t.step("the destination's QEMU dies half way", async () => {
      const m = await slowMigration();
      const incoming = qemuProcesses(UUID).filter((pid) =>
        ps("-o", "args=", "-p", String(pid)).includes("-incoming")
      );
      assert.equal(incoming.length, 1, "the destination's QEMU");
      Deno.kill(incoming[0]!, "SIGKILL");
      const o = await m.out;
      assert.notEqual(o.code, 0);
      // What virsh prints is the destination's Finish: its domain went with its QEMU.
      assert.match(
        new TextDecoder().decode(o.stderr),
        /Domain not found: no domain with matching|migration out job: /,
      );
      await unharmed();
    });

    await t.step("the client is killed half way", async () => {
      const m = await slowMigration();
      m.p.kill("SIGKILL");
      await m.out;
      await unharmed();
    });

    await t.step("the client goes after Perform, before Finish", async () => {
      // The v3 calls by hand, as virsh makes them, then both connections dropped: the
      // source's QEMU has sent everything and stopped the guest; the destination's has it all.
      const [ca, cb] = await Promise.all([RawClient.connect(A.rw), RawClient.connect(B.rw)]);
      try {
        for (const cl of [ca, cb]) {
          await cl.invoke(
            P.REMOTE_PROC_CONNECT_OPEN,
            xdrVoid,
            (w) => remote_connect_open_args.encode(w, { name: "qemu:///system", flags: 0 }),
          );
        }
        const { dom } = await ca.invoke(
          P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
          remote_domain_lookup_by_name_ret,
          (w) => remote_domain_lookup_by_name_args.encode(w, { name: "mig" }),
        );
        const flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_CHANGE_PROTECTION;
        const begun = await ca.invoke(
          P.REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS,
          remote_domain_migrate_begin3_params_ret,
          (w) => remote_domain_migrate_begin3_params_args.encode(w, { dom, params: [], flags }),
        );
        const prepared = await cb.invoke(
          P.REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
          remote_domain_migrate_prepare3_params_ret,
          (w) =>
            remote_domain_migrate_prepare3_params_args.encode(w, {
              params: [param.string("destination_xml", begun.xml)],
              cookie_in: begun.cookie_out,
              flags,
            }),
        );
        await ca.invoke(
          P.REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
          remote_domain_migrate_perform3_params_ret,
          (w) =>
            remote_domain_migrate_perform3_params_args.encode(w, {
              dom,
              dconnuri: null,
              params: [param.string("migrate_uri", prepared.uri_out!)],
              cookie_in: prepared.cookie_out,
              flags,
            }),
        );
        assert.equal(await state(A), "paused");
        assert.equal(await state(B), "paused");
      } finally {
        ca.close();
        cb.close();
      }
      await unharmed();
    });
  } finally {
    killQemus(UUID, OTHER);
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    for (const d of [dirA, dirB, work]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});

async function tool(cmd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

Deno.test({
  name: "virsh migrate --copy-storage-all: the disk's contents come along over NBD",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dirA = await Deno.makeTempDir({ prefix: "denovirt-migs-a-" });
  const dirB = await Deno.makeTempDir({ prefix: "denovirt-migs-b-" });
  const work = await Deno.makeTempDir({ prefix: "denovirt-migs-" });
  const serial = `${work}/serial.log`;
  const diskA = `${work}/a.qcow2`, diskB = `${work}/b.qcow2`;
  let a: Served | null = null;
  let b: Served | null = null;
  try {
    // A disk with data the guest never touches: 8 MiB of 0x5a at 1 MiB.
    assert.equal((await tool("qemu-img", "create", "-q", "-f", "qcow2", diskA, "64M")).code, 0);
    const w = await tool("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 8M", diskA);
    assert.equal(w.code, 0, w.out);
    [a, b] = await Promise.all([serve([], { dir: dirA }), serve([], { dir: dirB })]);
    const A = a, B = b;
    await Deno.writeTextFile(`${work}/mig.xml`, guestXML(guest, serial, "mig", UUID, diskA));
    // The destination's copy of the disk is another file (both "hosts" share this file system).
    await Deno.writeTextFile(`${work}/dest.xml`, guestXML(guest, serial, "mig", UUID, diskB));
    const r = await virsh(A, "create", `${work}/mig.xml`);
    assert.equal(r.code, 0, r.out);
    await tickPast(serial, 2);

    await t.step("A → B: B's image is made, filled and then run from", async () => {
      const before = (await ticks(serial)).at(-1)!;
      const m = await run([
        "-c",
        uriOf(A),
        "migrate",
        "--live",
        "--copy-storage-all",
        "--xml",
        `${work}/dest.xml`,
        "mig",
        uriOf(B),
      ]);
      assert.equal(m.code, 0, m.out);
      assert.equal(await state(B), "running");
      assert.deepEqual(await listed(A), []);
      await tickPast(serial, before + 2);
      assert.equal(await bootMarkers(serial), 1);
      const cmp = await tool("qemu-img", "compare", "-U", diskA, diskB);
      assert.equal(cmp.code, 0, cmp.out);
      const rd = await tool(
        "qemu-io",
        "-U",
        "-r",
        "-f",
        "qcow2",
        "-c",
        "read -P 0x5a 1M 8M",
        diskB,
      );
      assert.match(rd.out, /read 8388608\/8388608 bytes/);
      assert.match((await virsh(B, "domblklist", "mig")).out, new RegExp(`vda\\s+${diskB}`));
    });

    await t.step("B → A with --p2p onto A's existing image, after B wrote to its own", async () => {
      // Data only B's image has: it must reach A's.
      const w = await virsh(
        B,
        "qemu-monitor-command",
        "mig",
        "--hmp",
        "qemu-io vda 'write -P 0xa5 20M 1M'",
      );
      assert.equal(w.code, 0, w.out);
      const before = (await ticks(serial)).at(-1)!;
      const m = await run([
        "-c",
        uriOf(B),
        "migrate",
        "--live",
        "--p2p",
        "--copy-storage-all",
        "--xml",
        `${work}/mig.xml`,
        "mig",
        p2pUriOf(A),
      ]);
      assert.equal(m.code, 0, m.out);
      assert.equal(await state(A), "running");
      await tickPast(serial, before + 2);
      assert.equal(await bootMarkers(serial), 1);
      const rd = await tool(
        "qemu-io",
        "-U",
        "-r",
        "-f",
        "qcow2",
        "-c",
        "read -P 0xa5 20M 1M",
        diskA,
      );
      assert.match(rd.out, /read 1048576\/1048576 bytes/, rd.out);
      assert.equal((await tool("qemu-img", "compare", "-U", diskA, diskB)).code, 0);
    });
  } finally {
    killQemus(UUID);
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    for (const d of [dirA, dirB, work]) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});
