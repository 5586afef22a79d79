/**
 * Issue 13's start-time goal: how long `virsh start` of the tiny test guest
 * takes on denovirt's QEMU driver and on libvirtd 9.0's, in the same run,
 * alternating (median of 5 each; TCG, direct kernel boot, one qcow2 disk).
 * The time is virsh's wall time from the call to its return (QEMU running
 * and resumed), then the guest is destroyed before the next start. Writes
 * its section into bench/RESULTS.md.
 *
 *   deno run -A bench/qemu_start.ts [--runs 5] [--no-write]
 *
 * @module
 */

import { startDenovirt } from "../tests/_daemons.ts";
import { referenceQemuMissing, startReferenceQemu } from "../tests/_reference_qemu.ts";
import { buildGuest } from "../tests/testdata/guest/build.ts";
import { writeResultsSection } from "./_results.ts";

const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] ?? dflt : dflt;
};
const RUNS = Number(arg("runs", "5"));
const WRITE = !Deno.args.includes("--no-write");
const dec = new TextDecoder();

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command("virsh", {
    args: ["-c", uri, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const out = dec.decode(o.stdout) + dec.decode(o.stderr);
  if (!o.success) throw new Error(`virsh ${args.join(" ")}: ${out}`);
  return out;
}

function guestXML(guest: string, disk: string): string {
  return `<domain type='qemu'>
  <name>starttime</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='null'/>
    <graphics type='vnc'/>
    <video><model type='vga'/></video>
  </devices>
</domain>`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const missing = referenceQemuMissing();
  if (missing) {
    console.error(`qemu_start: skipped: ${missing}`);
    return;
  }
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-start-bench-" });
  const disk = `${dir}/disk.qcow2`;
  await new Deno.Command("qemu-img", { args: ["create", "-f", "qcow2", disk, "64M"] }).output();
  await Deno.writeTextFile(`${dir}/vm.xml`, guestXML(guest, disk));
  const den = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
  );
  const ref = await startReferenceQemu();
  const uris = {
    denovirt: `qemu:///system?socket=${den.socket}`,
    libvirtd: ref.uri,
  };
  const times: Record<string, number[]> = { denovirt: [], libvirtd: [] };
  try {
    for (const uri of Object.values(uris)) await virsh(uri, "define", `${dir}/vm.xml`);
    // One start each first: caches (the emulator's probe, the page cache) warm up.
    for (const uri of Object.values(uris)) {
      await virsh(uri, "start", "starttime");
      await virsh(uri, "destroy", "starttime");
    }
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? ["denovirt", "libvirtd"] : ["libvirtd", "denovirt"];
      for (const name of order) {
        const uri = uris[name as keyof typeof uris];
        const t0 = performance.now();
        await virsh(uri, "start", "starttime");
        times[name]!.push(performance.now() - t0);
        await virsh(uri, "destroy", "starttime");
      }
    }
  } finally {
    for (const uri of Object.values(uris)) {
      await virsh(uri, "destroy", "starttime").catch(() => {});
      await virsh(uri, "undefine", "starttime").catch(() => {});
    }
    await ref.stop();
    await den.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const d = median(times.denovirt!);
  const l = median(times.libvirtd!);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  const section = [
    `## QEMU domain start (bench/qemu_start.ts), ${new Date().toISOString().slice(0, 10)}`,
    "",
    `\`virsh start\` of the tiny test guest (TCG, direct kernel boot, a qcow2 disk, VNC), median of`,
    `${RUNS} alternating starts after one warm-up each, wall time of virsh in ms:`,
    "",
    "| daemon   | median | runs |",
    "| -------- | ------ | ---- |",
    `| denovirt | ${d.toFixed(0)} | ${fmt(times.denovirt!)} |`,
    `| libvirtd | ${l.toFixed(0)} | ${fmt(times.libvirtd!)} |`,
    "",
    `denovirt / libvirtd: ×${(d / l).toFixed(2)} (the goal: at most ×1.20).`,
    "",
  ].join("\n");
  console.log(section);
  if (WRITE) writeResultsSection("## QEMU domain start (bench/qemu_start.ts)", section);
}

if (import.meta.main) await main();
