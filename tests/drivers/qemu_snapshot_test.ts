// Snapshots on the QEMU driver, as a user checks them with virsh (issue 19):
// the tiny guest, booted with guest.tick, counts on its serial port; after a
// revert to a memory snapshot the count goes back and the boot marker does
// not come again. Disk-only snapshots of a shut-off guest are in its qcow2
// (qemu-img snapshot -l); external ones put an overlay over the disk. The
// tree, the current snapshot, deletion and undefine behave as libvirt's, and
// all of it is there again after the daemon restarts. The same session is
// compared with libvirtd's own QEMU driver in
// tests/interop/qemu_snapshot_reference_test.ts.

import assert from "node:assert/strict";
import { haveTools } from "../interop/_tools.ts";
import { buildGuest } from "../testdata/guest/build.ts";
import { killQemus, spawnDaemon, waitForSocket } from "./_qemu.ts";

const runnable = haveTools("QEMU snapshots", ["virsh", "qemu-system-x86_64", "qemu-img", "ps"]);

const UUID = "5ab1e000-0000-4000-8000-0000000000a1";
const T_UUID = "5ab1e000-0000-4000-8000-0000000000a2";

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: (dec.decode(o.stdout) + dec.decode(o.stderr)).trim() };
}

async function readLog(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch {
    return "";
  }
}

/** The guest's last counter value on its serial port, or 0. */
function lastTick(log: string): number {
  const all = [...log.matchAll(/GUEST TICK (\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
}

/** Waits until the serial log satisfies `cond` (the guest runs under TCG on a busy host). */
async function waitLog(file: string, cond: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  let s = "";
  while (Date.now() < deadline) {
    s = await readLog(file);
    if (cond(s)) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}: ${s.slice(-400)}`);
}

/** The tiny guest on a qcow2 disk, counting on its serial port (guest.tick). */
function tickGuest(name: string, uuid: string, guest: string, disk: string, log: string) {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd>
    <cmdline>console=ttyS0 guest.tick</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'><source path='${log}'/><target port='0'/></serial>
  </devices>
</domain>`;
}

Deno.test({
  name: "QEMU snapshots: memory state reverted, disk-only in qcow2, tree and metadata kept",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-snapshot-" });
  const conf = `${dir}/denovirt.conf`;
  await Deno.writeTextFile(conf, `unix_sock_dir = "${dir}/run"\n`);
  const sock = `${dir}/run/libvirt-sock`;
  const uri = `qemu:///system?socket=${sock}`;
  const virsh = (...a: string[]) => run("virsh", ["-c", uri, ...a]);
  const ok = async (...a: string[]) => {
    const r = await virsh(...a);
    assert.ok(r.ok, `virsh ${a.join(" ")}: ${r.out}`);
    return r.out;
  };
  const disk = `${dir}/g.qcow2`;
  const log = `${dir}/g.log`;
  let daemon = spawnDaemon(conf);
  let events: Deno.ChildProcess | null = null;
  try {
    await waitForSocket(sock);
    assert.ok((await run("qemu-img", ["create", "-f", "qcow2", disk, "64M"])).ok);
    await Deno.writeTextFile(`${dir}/g.xml`, tickGuest("g", UUID, guest, disk, log));
    await ok("define", `${dir}/g.xml`);

    await t.step("a shut-off guest's snapshot is an internal one in its qcow2", async () => {
      assert.match(
        await ok("snapshot-create-as", "g", "off1", "--description", "before boot"),
        /off1 created/,
      );
      const list = (await run("qemu-img", ["snapshot", "-l", disk])).out;
      assert.match(list, /\boff1\b/);
      const xml = await ok("snapshot-dumpxml", "g", "off1");
      assert.match(xml, /<state>shutoff<\/state>/);
      assert.match(xml, /<memory snapshot='no'\/>/);
      assert.match(xml, /<disk name='vda' snapshot='internal'\/>/);
      assert.match(xml, /<description>before boot<\/description>/);
    });

    // Lifecycle events of the rest, as another client sees them.
    events = new Deno.Command("virsh", {
      args: ["-c", uri, "event", "--all", "--loop"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let seenText = "";
    const reader = events.stdout.getReader();
    const pump = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        seenText += dec.decode(value, { stream: true });
      }
    })();
    // virsh registers for events a moment after it starts: change the title
    // until it reports a metadata change, then put the title back.
    for (let i = 0; !seenText.includes("metadata-change"); i++) {
      assert.ok(i < 150, "virsh event never reported the title's change");
      await ok("desc", "g", "--config", "--title", `sync ${i}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await ok("desc", "g", "--config", "--title", "");

    let atSnapshot = 0;
    await t.step(
      "a running guest's snapshot holds its memory; revert takes the count back",
      async () => {
        await ok("start", "g");
        await waitLog(log, (s) => lastTick(s) >= 3, "the guest's ticks");
        await ok("snapshot-create-as", "g", "run1");
        atSnapshot = lastTick(await readLog(log));
        assert.match(await ok("domstate", "--reason", "g"), /running \(unpaused\)/);
        const xml = await ok("snapshot-dumpxml", "g", "run1");
        assert.match(xml, /<state>running<\/state>/);
        assert.match(xml, /<parent>\s*<name>off1<\/name>\s*<\/parent>/);
        assert.match(xml, /<memory snapshot='internal'\/>/);
        // Let it count on well past the snapshot, then go back.
        await waitLog(log, (s) => lastTick(s) >= atSnapshot + 4, "more ticks");
        const before = lastTick(await readLog(log));
        await ok("snapshot-revert", "g", "run1");
        assert.match(await ok("domstate", "--reason", "g"), /running \(from snapshot\)/);
        // The reverted guest counts on from where the snapshot was, without booting.
        const after = await waitLog(log, (s) => lastTick(s) > 0, "ticks after the revert");
        const first = Number(/GUEST TICK (\d+)/.exec(after)![1]);
        assert.ok(first <= atSnapshot + 2 && first < before, `counted ${first} after ${before}`);
        assert.doesNotMatch(after, /GUEST UP/);
      },
    );

    await t.step("revert to a paused state, and to the shut-off snapshot", async () => {
      await ok("suspend", "g");
      await ok("snapshot-create-as", "g", "p1");
      await ok("resume", "g");
      await ok("snapshot-revert", "g", "p1");
      assert.match(await ok("domstate", "--reason", "g"), /paused \(from snapshot\)/);
      await ok("snapshot-revert", "g", "run1", "--paused");
      assert.match(await ok("domstate", "--reason", "g"), /paused \(from snapshot\)/);
      await ok("snapshot-revert", "g", "off1");
      assert.match(await ok("domstate", "--reason", "g"), /shut off \(from snapshot\)/);
      await ok("snapshot-revert", "g", "run1", "--running");
      assert.match(await ok("domstate", "--reason", "g"), /running \(from snapshot\)/);
      assert.equal((await ok("snapshot-current", "--name", "g")).trim(), "run1");
    });

    await t.step("the tree, roots, leaves and parents", async () => {
      assert.equal(
        await ok("snapshot-list", "g", "--tree"),
        "off1\n  |\n  +- run1\n      |\n      +- p1",
      );
      assert.match(await ok("snapshot-list", "g", "--roots", "--name"), /^off1$/);
      assert.match(await ok("snapshot-list", "g", "--leaves", "--name"), /^p1$/);
      assert.match(await ok("snapshot-parent", "g", "p1"), /^run1$/);
      // virsh sorts the names it prints.
      assert.equal(
        await ok("snapshot-list", "g", "--from", "off1", "--descendants", "--name"),
        "p1\nrun1",
      );
      const info = await ok("snapshot-info", "g", "run1");
      assert.match(info, /Current:\s+yes/);
      assert.match(info, /Location:\s+internal/);
      assert.match(info, /Children:\s+1/);
    });

    await t.step(
      "external disk-only snapshot of the running guest: an overlay on top",
      async () => {
        await ok("snapshot-create-as", "g", "ext1", "--disk-only");
        assert.match(await ok("domblklist", "g"), /vda\s+\S+\/g\.ext1/);
        const img = (await run("qemu-img", ["info", "-U", `${dir}/g.ext1`])).out;
        assert.match(img, /backing file: \S+\/g\.qcow2/);
        assert.match(
          await ok("dumpxml", "g"),
          /<backingStore type='file'>\s*<format type='qcow2'\/>/,
        );
        assert.match(await ok("snapshot-dumpxml", "g", "ext1"), /<state>disk-snapshot<\/state>/);
        // It keeps counting on the overlay.
        const n = lastTick(await readLog(log));
        await waitLog(log, (s) => lastTick(s) > n + 1, "ticks on the overlay");
        const revert = await virsh("snapshot-revert", "g", "ext1");
        assert.match(revert.out, /revert to external snapshot not supported yet/);
        assert.match(
          (await virsh("snapshot-list", "g", "--external", "--name")).out,
          /^ext1$/,
        );
      },
    );

    await t.step(
      "delete: internal ones leave the images; external ones only as metadata",
      async () => {
        assert.match(
          (await virsh("snapshot-delete", "g", "ext1")).out,
          /deleting external snapshot that has internal snapshot as parent not supported/,
        );
        await ok("snapshot-delete", "g", "ext1", "--metadata");
        await ok("destroy", "g");
        await ok("snapshot-delete", "g", "p1");
        assert.doesNotMatch((await run("qemu-img", ["snapshot", "-l", disk])).out, /\bp1\b/);
        assert.equal(await ok("snapshot-list", "g", "--tree"), "off1\n  |\n  +- run1");
      },
    );

    await t.step("disk-only of the shut-off guest: qemu-img makes the overlay", async () => {
      await ok("snapshot-create-as", "g", "ext2", "--disk-only");
      assert.match(await ok("domblklist", "g"), /vda\s+\S+\/g\.ext2/);
      const img = (await run("qemu-img", ["info", `${dir}/g.ext2`])).out;
      assert.match(img, /backing file: \S+\/g\.ext1/);
      assert.match(await ok("snapshot-dumpxml", "g", "ext2"), /<state>shutoff<\/state>/);
    });

    await t.step("the events another client saw", async () => {
      events!.kill("SIGTERM");
      await pump;
      await events!.status;
      const seen = seenText;
      events = null;
      const life = seen.split("\n").filter((l) => l.includes("'lifecycle'")).map((l) =>
        l.replace(/^.*: /, "")
      );
      // The first running snapshot, then the revert to it.
      const at = life.indexOf("Started Booted");
      assert.deepEqual(life.slice(at, at + 7), [
        "Started Booted",
        "Suspended Paused",
        "Resumed Unpaused",
        "Stopped Snapshot",
        "Started Snapshot",
        "Resumed Snapshot",
        "Defined Snapshot",
      ]);
      assert.ok(life.includes("Suspended Snapshot"), life.join("\n"));
    });
    await t.step("the daemon restarted: snapshots, tree and current are back", async () => {
      const tree = await ok("snapshot-list", "g", "--tree");
      const xml = await ok("snapshot-dumpxml", "g", "run1");
      daemon.kill("SIGTERM");
      await daemon.status;
      daemon = spawnDaemon(conf);
      await waitForSocket(sock);
      assert.equal(await ok("snapshot-list", "g", "--tree"), tree);
      assert.equal(await ok("snapshot-dumpxml", "g", "run1"), xml);
      assert.equal((await ok("snapshot-current", "--name", "g")).trim(), "ext2");
      // An internal snapshot still reverts after the restart.
      await ok("snapshot-revert", "g", "off1");
      assert.match(await ok("domblklist", "g"), /vda\s+\S+\/g\.qcow2/);
    });

    await t.step("a transient domain's snapshots go when it does", async () => {
      const tdisk = `${dir}/t.qcow2`;
      assert.ok((await run("qemu-img", ["create", "-f", "qcow2", tdisk, "64M"])).ok);
      const xml = tickGuest("t", T_UUID, guest, tdisk, `${dir}/t.log`);
      await Deno.writeTextFile(`${dir}/t.xml`, xml);
      await ok("create", `${dir}/t.xml`);
      await ok("snapshot-create-as", "t", "s1");
      assert.ok((await Deno.stat(`${dir}/run/qemu/snapshot/t/s1.xml`)).isFile);
      await ok("destroy", "t");
      await assert.rejects(Deno.stat(`${dir}/run/qemu/snapshot/t`));
    });

    await t.step("rename keeps the snapshots; undefine refuses them unless told", async () => {
      // --children takes the descendants along (ext2 only as metadata: it is external).
      await ok("snapshot-delete", "g", "run1", "--children", "--metadata");
      assert.equal(await ok("snapshot-list", "g", "--name"), "off1");
      assert.equal((await ok("snapshot-current", "--name", "g")).trim(), "off1");
      // A rename takes the snapshots along (their files are filed by name).
      await ok("domrename", "g", "g2");
      await ok("domrename", "g2", "g");
      assert.equal(await ok("snapshot-list", "g", "--name"), "off1");
      const r = await virsh("undefine", "g");
      assert.match(r.out, /cannot delete inactive domain with 1 snapshots/);
      await ok("undefine", "g", "--snapshots-metadata");
      await assert.rejects(Deno.stat(`${dir}/run/qemu/snapshot/g`));
    });
  } finally {
    if (events) {
      try {
        events.kill("SIGTERM");
      } catch {
        // It ended with its connection.
      }
      // Its output is read by the test's own reader.
      await events.status;
    }
    await run("virsh", ["-c", uri, "destroy", "g"]);
    daemon.kill("SIGTERM");
    await daemon.status;
    killQemus(UUID, T_UUID);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
