// Block jobs against libvirtd 9.0's own QEMU driver (issue 19): one virsh
// session — a disk-only snapshot merged back with blockcommit --active and
// blockjob --pivot, a blockpull, the refusals on the way — run on the
// reference and on denovirt prints the same, and the disk's XML after each
// job is the same (libvirtd's source index attributes aside, which denovirt
// does not write anywhere).

import assert from "node:assert/strict";
import { haveCondition, haveTools } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";
import { startDaemon } from "../server/_daemon.ts";
import { buildGuest } from "../testdata/guest/build.ts";
import { killQemus } from "../drivers/_qemu.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("QEMU block jobs against libvirtd's", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
]) && haveCondition("QEMU block jobs against libvirtd's", missing === null, missing ?? "");

const UUID = "5ab1e000-0000-4000-8000-0000000000c2";

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

async function session(uri: string, dir: string, guest: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const out: string[] = [];
  const norm = (s: string) => s.replaceAll(dir, "DIR").replace(/ index='\d+'/g, "");
  const virsh = async (...a: string[]) => {
    const r = norm(await run("virsh", ["-c", uri, ...a]));
    out.push(`$ virsh ${norm(a.join(" "))}`, r);
    return r;
  };
  const disk = async (...a: string[]) => {
    const xml = await run("virsh", ["-c", uri, "dumpxml", "bjx", ...a]);
    out.push(`$ disk ${a.join(" ")}`, norm(/<disk[\s\S]*?<\/disk>/.exec(xml)?.[0] ?? xml));
  };
  await run("qemu-img", ["create", "-f", "qcow2", `${dir}/bjx.qcow2`, "64M"]);
  await Deno.writeTextFile(
    `${dir}/bjx.xml`,
    `<domain type='qemu'><name>bjx</name><uuid>${UUID}</uuid><memory unit='MiB'>128</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><kernel>${guest}/vmlinuz</kernel>
<initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0 guest.tick</cmdline></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='${dir}/bjx.qcow2'/><target dev='vda' bus='virtio'/></disk>
<serial type='file'><source path='${dir}/bjx.log'/><target port='0'/></serial></devices></domain>`,
  );
  try {
    await virsh("define", `${dir}/bjx.xml`);
    await virsh("start", "bjx");
    await virsh("snapshot-create-as", "bjx", "s1", "--disk-only", "--no-metadata");
    await virsh("blockjob", "bjx", "vda", "--info");
    await virsh("blockcommit", "bjx", "vda", "--active");
    // Ready once nothing is left to copy (a loaded host may take a while).
    const deadline = Date.now() + 120_000;
    while (!/\[100 %\]/.test(await run("virsh", ["-c", uri, "blockjob", "bjx", "vda", "--info"]))) {
      if (Date.now() > deadline) throw new Error("the active commit never became ready");
      await new Promise((r) => setTimeout(r, 250));
    }
    await virsh("blockjob", "bjx", "vda", "--info");
    await virsh("blockjob", "bjx", "vda", "--pivot");
    await disk();
    await disk("--inactive");
    await virsh("blockjob", "bjx", "vda", "--abort");
    await virsh("blockcommit", "bjx", "vda");
    await virsh("snapshot-create-as", "bjx", "s2", "--disk-only", "--no-metadata");
    await virsh("blockpull", "bjx", "vda", "--wait");
    await disk();
    await virsh("blockcopy", "bjx", "vda", `${dir}/copy.qcow2`, "--wait", "--pivot");
    await virsh("domblklist", "bjx");
  } finally {
    await run("virsh", ["-c", uri, "destroy", "bjx"]);
    await run("virsh", ["-c", uri, "undefine", "bjx"]);
  }
  return out;
}

Deno.test({
  name: "QEMU block jobs: the same session prints the same on libvirtd's QEMU driver",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-qemu-blockjob-ref-" });
  const ref = await startReferenceQemu();
  let d: Awaited<ReturnType<typeof startDaemon>> | null = null;
  try {
    // One at a time: two TCG guests at once on a loaded host only slow both.
    const theirs = await session(ref.uri, `${dir}/ref`, guest);
    d = await startDaemon({ qemu_config_dir: `${dir}/config`, qemu_state_dir: `${dir}/state` });
    const ours = await session(`qemu:///system?socket=${d.rw}`, `${dir}/our`, guest);
    // Not two sessions that failed alike: the reference did the jobs.
    assert.match(theirs.join("\n"), /Active Block Commit: \[100 %\][\s\S]*Pull complete/);
    assert.match(theirs.join("\n"), /<source file='DIR\/bjx\.qcow2'\/>\s*<backingStore\/>/);
    assert.equal(ours.join("\n"), theirs.join("\n"));
  } finally {
    await ref.stop();
    await d?.stop();
    killQemus(UUID);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
