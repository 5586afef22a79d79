// Snapshots on denovirt's QEMU driver against libvirtd 9.0's own (Debian's,
// run by tests/_reference_qemu.ts): one virsh session — snapshots of a shut-off,
// a running and a paused guest, disk-only ones, reverts between every state,
// lists, the tree, deletes and undefine's refusal — run on both, each on its
// own copy of the tiny guest's qcow2 disk, must print the same, and another
// client must see the same lifecycle events; a running guest's overlay is
// grown with blockresize, and blockjob --info finds no job. Issue 19.
//
// Normalised: each daemon's directory, creation times and dates; libvirtd's
// <resource> partition (its cgroups) and save cookie (its CPU model
// expansion) in a snapshot's document; and events that are not the
// snapshots' own: QEMU's migration-iteration events while it writes its
// state, and the resume before "Started Booted" and the shutdown before
// "Stopped Destroyed" that libvirtd reports for start and destroy.

import assert from "node:assert/strict";
import { haveCondition, haveTools } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";
import { startDaemon } from "../server/_daemon.ts";
import { buildGuest } from "../testdata/guest/build.ts";
import { killQemus } from "../drivers/_qemu.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("QEMU snapshots against libvirtd's", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
]) && haveCondition("QEMU snapshots against libvirtd's", missing === null, missing ?? "");

const UUID = "5ab1e000-0000-4000-8000-0000000000b1";

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return (dec.decode(o.stdout) + dec.decode(o.stderr)).trim();
}

function domainXML(guest: string, dir: string): string {
  return `<domain type='qemu'><name>sx</name><uuid>${UUID}</uuid>
<memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${guest}/vmlinuz</kernel>
<initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0 guest.tick</cmdline></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='${dir}/sx.qcow2'/><target dev='vda' bus='virtio'/></disk>
<serial type='file'><source path='${dir}/sx.log'/><target port='0'/></serial></devices></domain>`;
}

function normalise(text: string, dir: string): string {
  return text.replaceAll(dir, "DIR")
    .replace(/<creationTime>\d+<\/creationTime>/g, "<creationTime>T</creationTime>")
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, "DATE")
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, "DATE")
    .replace(/\n *<resource>\s*<partition>[^<]*<\/partition>\s*<\/resource>/g, "")
    .replace(/\n *<cookie>[\s\S]*?<\/cookie>/g, "");
}

function normaliseEvents(text: string): string[] {
  const lines = text.split("\n").filter((l) => l.startsWith("event 'lifecycle'"))
    .map((l) => l.replace(/^.*: /, ""));
  return lines.filter((l, i) =>
    !(l === "Resumed Unpaused" && lines[i + 1] === "Started Booted") &&
    l !== "Shutdown Finished after host request"
  );
}

/** The session, on one daemon: what virsh printed, and the events another client saw. */
async function session(
  uri: string,
  dir: string,
  guest: string,
): Promise<{ out: string[]; events: string[] }> {
  await Deno.mkdir(dir, { recursive: true });
  await run("qemu-img", ["create", "-f", "qcow2", `${dir}/sx.qcow2`, "64M"]);
  await Deno.writeTextFile(`${dir}/sx.xml`, domainXML(guest, dir));
  const out: string[] = [];
  const v = async (...a: string[]) => {
    out.push(normalise(`$ virsh ${a.join(" ")}\n${await run("virsh", ["-c", uri, ...a])}`, dir));
  };
  await v("define", `${dir}/sx.xml`);
  const watcher = new Deno.Command("virsh", {
    args: ["-c", uri, "event", "--all", "--loop"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // virsh registers for events a moment after it starts.
  await new Promise((r) => setTimeout(r, 2000));
  const ticks = async (n: number) => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const log = await Deno.readTextFile(`${dir}/sx.log`).catch(() => "");
      if (log.includes(`GUEST TICK ${n}`)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Shown in the comparison rather than thrown, so the outputs tell why.
    out.push(`the guest did not count to ${n}`);
  };
  try {
    await v("snapshot-current", "--name", "sx");
    await v("snapshot-create-as", "sx", "off1", "--description", "shut off");
    await v("snapshot-dumpxml", "sx", "off1");
    await v("start", "sx");
    await ticks(2);
    await v("snapshot-create-as", "sx", "on1");
    await v("snapshot-dumpxml", "sx", "on1");
    // What each refuses.
    await v("snapshot-create-as", "sx", "on1");
    await v("snapshot-create-as", "sx", "bad/name");
    await v("snapshot-create-as", "sx", ".hidden");
    await v("snapshot-create-as", "sx", "q1", "--quiesce");
    await v("snapshot-create-as", "sx", "l1", "--live");
    await v("snapshot-revert", "sx", "nosuch");
    await v("suspend", "sx");
    await v("snapshot-create-as", "sx", "p1");
    await v("snapshot-revert", "sx", "on1");
    await v("domstate", "--reason", "sx");
    await v("snapshot-revert", "sx", "p1");
    await v("domstate", "--reason", "sx");
    await v("snapshot-revert", "sx", "off1");
    await v("domstate", "--reason", "sx");
    await v("snapshot-revert", "sx", "on1", "--paused");
    await v("domstate", "--reason", "sx");
    await v("snapshot-revert", "sx", "off1", "--running");
    await v("domstate", "--reason", "sx");
    await v("snapshot-list", "sx", "--tree");
    await v("snapshot-list", "sx", "--parent", "--leaves");
    await v("snapshot-list", "sx", "--roots", "--internal");
    await v("snapshot-current", "--name", "sx");
    await v("snapshot-info", "sx", "on1");
    // Metadata taken away and given back (--redefine), the tree as it was.
    const p1 = await run("virsh", ["-c", uri, "snapshot-dumpxml", "sx", "p1", "--security-info"]);
    await Deno.writeTextFile(`${dir}/p1.xml`, p1);
    await v("snapshot-delete", "sx", "p1", "--metadata");
    await v("snapshot-list", "sx", "--tree");
    await v("snapshot-create", "sx", `${dir}/p1.xml`, "--redefine");
    await v("snapshot-list", "sx", "--tree");
    await v("snapshot-current", "--name", "sx");
    await v("destroy", "sx");
    await v("undefine", "sx");
    await v("domrename", "sx", "sx2");
    await v("snapshot-list", "sx2", "--tree");
    await v("domrename", "sx2", "sx");
    await v("snapshot-delete", "sx", "on1");
    await v("snapshot-list", "sx", "--tree");
    await v("snapshot-create-as", "sx", "ext", "--disk-only");
    await v("dumpxml", "--inactive", "sx");
    await v("snapshot-dumpxml", "sx", "ext");
    await v("snapshot-revert", "sx", "ext");
    await v("snapshot-delete", "sx", "ext");
    await v("snapshot-delete", "sx", "ext", "--metadata");
    await v("snapshot-delete", "sx", "off1", "--children");
    await v("snapshot-list", "sx");
    out.push(
      `$ qemu-img snapshot -l\n${await run("qemu-img", ["snapshot", "-l", `${dir}/sx.qcow2`])}`,
    );
    // A disk-only snapshot of the running guest: a second overlay, over the first.
    await v("start", "sx");
    await ticks(2);
    await v("snapshot-create-as", "sx", "ext2", "--disk-only");
    await v("domblklist", "sx");
    await v("dumpxml", "--inactive", "sx");
    await v("snapshot-dumpxml", "sx", "ext2");
    // The overlay grows (blockresize), and no block job runs on it.
    await v("blockresize", "sx", "vda", "100M");
    await v("blockresize", "sx", "vdz", "100M");
    await v("blockjob", "sx", "vda", "--info");
    await v("blockjob", "sx", "vdz", "--info");
    out.push(
      `$ qemu-img info\n${
        (await run("qemu-img", ["info", "-U", `${dir}/sx.ext2`])).split("\n")[2]
      }`,
    );
    await v("destroy", "sx");
    await v("blockresize", "sx", "vda", "100M");
    await v("undefine", "sx", "--snapshots-metadata");
  } finally {
    await run("virsh", ["-c", uri, "destroy", "sx"]);
    await new Promise((r) => setTimeout(r, 500));
    watcher.kill("SIGTERM");
  }
  const events = normaliseEvents(new TextDecoder().decode((await watcher.output()).stdout));
  return { out, events };
}

Deno.test({
  name: "QEMU snapshots: the same session prints the same on libvirtd's QEMU driver",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-snapshot-ref-" });
  const ref = await startReferenceQemu();
  let d: Awaited<ReturnType<typeof startDaemon>> | null = null;
  try {
    // One at a time: two TCG guests at once on a loaded host only slow both.
    const theirs = await session(ref.uri, `${dir}/ref`, guest);
    d = await startDaemon({ qemu_config_dir: `${dir}/config`, qemu_state_dir: `${dir}/state` });
    const ours = await session(`qemu:///system?socket=${d.rw}`, `${dir}/our`, guest);
    assert.equal(ours.out.join("\n"), theirs.out.join("\n"));
    assert.deepEqual(ours.events, theirs.events);
  } finally {
    await ref.stop();
    await d?.stop();
    killQemus(UUID);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
