// Block and memory tuning of a running guest, against libvirtd 9.0's QEMU
// driver (tests/_reference_qemu.ts): the same tiny guest (direct kernel
// boot, a qcow2 disk vda, an empty IDE CD-ROM hdc) runs under both daemons
// and virsh must print the same for blkdeviotune (I/O throttling, live and
// --config, applied again at the next start, the tunable event a live
// change sends), domblkthreshold and the
// block-threshold event when the disk is written past it, dommemstat
// --period (live and --config) and domdirtyrate-calc with domstats
// --dirtyrate. Run-specific figures (times, measured rates) are masked.

import assert from "node:assert/strict";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startQemuPair } from "../_reference_qemu.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("block tuning against libvirtd's QEMU driver", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
]) && haveCondition("block tuning against libvirtd's QEMU driver", missing === null, missing ?? "");

/** Every number masked: for the lines whose figures are each run's own. */
const digits = (s: string) => s.replace(/\d+(\.\d+)?/g, "N");

/** The running and the persistent definition's <iotune> elements. */
const IOTUNE_LIVE = "dumpxml bt | sed -n '/<iotune>/,/<\\/iotune>/p'";
const IOTUNE_CONFIG = "dumpxml bt --inactive | sed -n '/<iotune>/,/<\\/iotune>/p'";
/** The limits QEMU itself applies to the disks. */
const QEMU_LIMITS =
  `qemu-monitor-command bt '{"execute":"query-block"}' --pretty | grep -E '"(iops|bps|group)'`;
const POLLING =
  `qemu-monitor-command bt '{"execute":"qom-get","arguments":{"path":"/machine/peripheral/balloon0",` +
  `"property":"guest-stats-polling-interval"}}' | sed 's/"id":"[^"]*"/ID/'`;
const NO_START_TIME = "sed 's/calc_start_time=.*/calc_start_time=N/'";

/**
 * Each command (URI: the daemon's own), and whether its figures are masked
 * (or it must also succeed).
 */
const SESSION: [string, "exact" | "figures" | "succeeds"][] = [
  // virDomainGetBlockIoTune / SetBlockIoTune, running.
  ["blkdeviotune bt vda", "exact"],
  ["blkdeviotune bt vda --config", "exact"],
  ["blkdeviotune bt vdz", "exact"],
  ["blkdeviotune bt vdz --config", "exact"],
  ["blkdeviotune bt hdc", "exact"],
  ["blkdeviotune bt vda --total-iops-sec 1000", "exact"],
  ["blkdeviotune bt vda", "exact"],
  [IOTUNE_LIVE, "exact"],
  [QEMU_LIMITS, "exact"],
  ["blkdeviotune bt vda --total-iops-sec 100 --read-iops-sec 10", "exact"],
  ["blkdeviotune bt vda --total-iops-sec 100 --total-iops-sec-max 50", "exact"],
  ["blkdeviotune bt vda --total-iops-sec-max 5000", "exact"],
  ["blkdeviotune bt vda --total-iops-sec-max-length 10", "exact"],
  [
    "blkdeviotune bt vda --total-bytes-sec 1000001 --total-bytes-sec-max 2000000 " +
    "--total-bytes-sec-max-length 5 --size-iops-sec 4096 --group-name grp",
    "exact",
  ],
  ["blkdeviotune bt vda", "exact"],
  [IOTUNE_LIVE, "exact"],
  [QEMU_LIMITS, "exact"],
  [
    "blkdeviotune bt vda --total-iops-sec 0 --total-bytes-sec 0 --total-bytes-sec-max 0 " +
    "--size-iops-sec 0",
    "exact",
  ],
  ["blkdeviotune bt vda --total-iops-sec-max 0", "exact"],
  ["blkdeviotune bt vda", "exact"],
  [
    "blkdeviotune bt vda --total-iops-sec 0 --total-bytes-sec 0 --total-bytes-sec-max 0 " +
    "--size-iops-sec 0 --total-iops-sec-max 0",
    "exact",
  ],
  ["blkdeviotune bt vda", "exact"],
  [IOTUNE_LIVE, "exact"],
  [QEMU_LIMITS, "exact"],
  // Every limit and burst length zero: the throttling and its group go.
  [
    "blkdeviotune bt vda --total-iops-sec 0 --total-bytes-sec 0 --total-bytes-sec-max 0 " +
    "--size-iops-sec 0 --total-iops-sec-max 0 --total-iops-sec-max-length 0 " +
    "--total-bytes-sec-max-length 0",
    "succeeds",
  ],
  ["blkdeviotune bt vda", "exact"],
  [IOTUNE_LIVE, "exact"],
  [QEMU_LIMITS, "exact"],
  ["blkdeviotune bt vda --total-iops-sec 1000000000000000001", "exact"],
  ["blkdeviotune bt hdc --total-iops-sec 10", "exact"],
  ["dumpxml bt | grep -A4 \"<target dev='hdc'\"", "exact"],
  // The persistent definition.
  [
    "blkdeviotune bt vda --config --read-bytes-sec 2000000 --write-iops-sec 50 --group-name g1",
    "exact",
  ],
  ["blkdeviotune bt vda --config", "exact"],
  [IOTUNE_CONFIG, "exact"],
  ["blkdeviotune bt vda --config --read-iops-sec-max 5", "exact"],
  ["blkdeviotune bt vda --config --read-bytes-sec 0 --write-iops-sec 0 --group-name g2", "exact"],
  ["blkdeviotune bt vda --config --read-bytes-sec 0 --write-iops-sec 0", "exact"],
  // (A burst without its rate is for QEMU to refuse when the domain starts.)
  ["blkdeviotune bt vda --config --read-iops-sec-max 0", "exact"],
  ["blkdeviotune bt vda --config", "exact"],
  [IOTUNE_CONFIG, "exact"],
  ["blkdeviotune bt vda --live --config --write-bytes-sec 7000", "exact"],
  ["blkdeviotune bt vda --config", "exact"],
  ["blkdeviotune bt vda --live", "exact"],
  ["blkdeviotune bt vda --live --write-bytes-sec 0", "succeeds"],
  [QEMU_LIMITS, "exact"],
  // Definitions with an <iotune> libvirt refuses.
  ["define DIR/iotune-total.xml", "exact"],
  ["define DIR/iotune-nan.xml", "exact"],
  // virDomainSetBlockThreshold and domstats' block.N.threshold.
  ["domblkthreshold bt vda 10M", "exact"],
  ["domstats bt --block | grep 'name\\|threshold'", "exact"],
  ["domblkthreshold bt vdz 10M", "exact"],
  ["domblkthreshold bt hdc 10M", "exact"],
  ["domblkthreshold bt vda[1] 1M", "exact"],
  ["domblkthreshold bt vda[3] 1M", "exact"],
  ["domblkthreshold bt 'vda[x]' 1M", "exact"],
  ["domblkthreshold bt vda[2] 2M", "exact"],
  ["domstats bt --block | grep 'name\\|threshold'", "exact"],
  ["domblkthreshold bt vda 0", "exact"],
  ["domstats bt --block | grep 'name\\|threshold'", "exact"],
  // virDomainSetMemoryStatsPeriod.
  ["dommemstat bt --period 2", "exact"],
  [POLLING, "exact"],
  ["dommemstat bt --period 2 --config", "exact"],
  ["dumpxml bt --inactive | grep -A2 '<memballoon'", "exact"],
  ["dumpxml bt | grep -A2 '<memballoon'", "exact"],
  ["dommemstat bt --period 5 --live", "exact"],
  [POLLING, "exact"],
  ["dumpxml bt | grep -A2 '<memballoon'", "exact"],
  ["dumpxml bt --inactive | grep -A2 '<memballoon'", "exact"],
  ["dommemstat bt --period -1", "exact"],
  // A disk attached live with an <iotune> is throttled from the start.
  ["attach-device bt DIR/extra-NAME.xml --live", "succeeds"],
  ["blkdeviotune bt vdb", "exact"],
  [QEMU_LIMITS, "exact"],
  // (The disk itself: libvirtd lists it before hdc, denovirt after.)
  ["dumpxml bt | sed -n \"/<target dev='vdb'/,/<\\/iotune>/p\"", "exact"],
  // virDomainStartDirtyRateCalc and domstats' dirtyrate group.
  ["domstats bt --dirtyrate", "exact"],
  ["domdirtyrate-calc bt --seconds 0", "exact"],
  ["domdirtyrate-calc bt --seconds 61", "exact"],
  ["domdirtyrate-calc bt --mode dirty-ring", "exact"],
  ["domdirtyrate-calc bt --mode page-sampling --seconds 1; sleep 2", "exact"],
  [`domstats bt --dirtyrate | ${NO_START_TIME}`, "figures"],
  ["domdirtyrate-calc bt --seconds 3 && virsh -c 'URI' domdirtyrate-calc bt", "exact"],
  [`domstats bt --dirtyrate --state | ${NO_START_TIME}`, "exact"],
];

/** What --config set is applied at the next start (after the threshold events). */
const RESTART: [string, "exact" | "figures" | "succeeds"][] = [
  ["blkdeviotune bt vda --config --total-iops-sec 300 --group-name cfg", "exact"],
  ["dommemstat bt --period 3 --config", "exact"],
  ["destroy bt", "exact"],
  ["blkdeviotune bt vda", "exact"],
  ["blkdeviotune bt vda --live", "exact"],
  ["domblkthreshold bt vda 10M", "exact"],
  ["dommemstat bt --period 2 --live", "exact"],
  ["domstats bt --dirtyrate", "exact"],
  ["domdirtyrate-calc bt", "exact"],
  ["start bt", "succeeds"],
  ["blkdeviotune bt vda", "exact"],
  [IOTUNE_LIVE, "exact"],
  [QEMU_LIMITS, "exact"],
  [POLLING, "exact"],
  ["dumpxml bt | grep -A2 '<memballoon'", "exact"],
];

/** Writes `len` at `offset` of vda from QEMU's side, as a guest's writes would go. */
const WRITE = (offset: string, len: string) =>
  `qemu-monitor-command bt --hmp 'qemu-io -d virtio-disk0/virtio-backend "write ${offset} ${len}"'`;

Deno.test({
  name: "block and memory tuning of a running guest print what libvirtd's QEMU driver prints",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-blocktune-" });
  const xml = (disk: string, serial: string) =>
    `<domain type='qemu'><name>bt</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0</cmdline></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/><readonly/></disk>
    <serial type='file'><source path='${serial}'/></serial>
  </devices></domain>`;
  const { ref, d, daemons } = await startQemuPair(dir);
  const named = (name: string, out: string) =>
    out.replaceAll(`${dir}/disk-${name}.qcow2`, "DISK")
      .replaceAll(`${dir}/extra-${name}.qcow2`, "EXTRA");
  try {
    const bad = (iotune: string) =>
      `<domain type='qemu'><name>bt-bad</name><memory unit='MiB'>128</memory>` +
      `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>` +
      `<disk type='file' device='disk'><source file='${dir}/none.qcow2'/>` +
      `<target dev='vda' bus='virtio'/><iotune>${iotune}</iotune></disk></devices></domain>`;
    await Deno.writeTextFile(
      `${dir}/iotune-total.xml`,
      bad("<total_iops_sec>5</total_iops_sec><read_iops_sec>3</read_iops_sec>"),
    );
    await Deno.writeTextFile(`${dir}/iotune-nan.xml`, bad("<total_iops_sec>a</total_iops_sec>"));
    for (const [i, [name, uri]] of daemons.entries()) {
      const disk = `${dir}/disk-${name}.qcow2`;
      assert.doesNotMatch(await sh(`qemu-img create -f qcow2 ${disk} 64M`), /FAILED/);
      const extra = `${dir}/extra-${name}.qcow2`;
      assert.doesNotMatch(await sh(`qemu-img create -f qcow2 ${extra} 16M`), /FAILED/);
      await Deno.writeTextFile(
        `${dir}/extra-${name}.xml`,
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>` +
          `<source file='${extra}'/><target dev='vdb' bus='virtio'/>` +
          `<iotune><write_iops_sec>40</write_iops_sec><group_name>hot</group_name></iotune></disk>`,
      );
      await Deno.writeTextFile(`${dir}/bt${i}.xml`, xml(disk, `${dir}/serial-${name}.log`));
      const out = await sh(
        `virsh -c '${uri}' define ${dir}/bt${i}.xml && virsh -c '${uri}' start bt`,
      );
      assert.doesNotMatch(out, /FAILED/, `${name}: ${out}`);
    }
    const session = async (list: typeof SESSION) => {
      for (const [cmd, how] of list) {
        await t.step(cmd, async () => {
          const outs = await Promise.all(daemons.map(async ([name, uri]) => {
            const c = cmd.replaceAll("URI", uri).replaceAll("DIR", dir).replaceAll("NAME", name);
            const out = named(name, await sh(`virsh -c '${uri}' ${c}`)).replaceAll(dir, "DIR");
            return how === "figures" ? digits(out) : out;
          }));
          assert.equal(outs[1], outs[0]);
          if (how === "succeeds") assert.doesNotMatch(outs[0]!, /FAILED/, outs[0]);
        });
      }
    };
    await session(SESSION);
    // A write past the threshold: the disk's event and its image's (the
    // image's alone when it was named by index), and the threshold is gone.
    for (const [dev, at, offset] of [["vda", "1M", "0"], ["vda[2]", "5M", "4M"]] as const) {
      await t.step(`block-threshold event for ${dev}`, async () => {
        const outs = await Promise.all(daemons.map(async ([name, uri]) => {
          const virsh = `virsh -c '${uri}'`;
          assert.equal(await sh(`${virsh} domblkthreshold bt ${dev} ${at}`), "\n");
          const listen = sh(`${virsh} event bt --event block-threshold --loop --timeout 5`);
          await new Promise((r) => setTimeout(r, 1000));
          assert.doesNotMatch(await sh(`${virsh} ${WRITE(offset, "3M")}`), /FAILED|Error/);
          // (The amount written past it counts the image's metadata too.)
          const events = named(name, await listen).replace(/ \d+$/gm, " EXCESS");
          const after = await sh(`${virsh} domstats bt --block | grep threshold`);
          return events + after;
        }));
        assert.match(outs[0]!, /dev: vda\[2\]\(DISK\)/);
        assert.equal(outs[1], outs[0]);
      });
    }
    // A live change of the throttling: the tunable event with what the call set.
    await t.step("tunable event for a live blkdeviotune", async () => {
      const outs = await Promise.all(daemons.map(async ([, uri]) => {
        const virsh = `virsh -c '${uri}'`;
        const listen = sh(`${virsh} event bt --event tunable --loop --timeout 3`);
        await new Promise((r) => setTimeout(r, 1000));
        const set = "--total-bytes-sec-max 5000 --total-bytes-sec 100 --group-name gg";
        assert.equal(await sh(`${virsh} blkdeviotune bt vda ${set}`), "\n");
        const events = await listen;
        assert.equal(await sh(`${virsh} blkdeviotune bt vda --total-bytes-sec-max 0`), "\n");
        assert.equal(await sh(`${virsh} blkdeviotune bt vda --total-bytes-sec 0`), "\n");
        return events;
      }));
      assert.match(outs[0]!, /blkdeviotune.group_name: gg/);
      assert.equal(outs[1], outs[0]);
    });
    await session(RESTART);
  } finally {
    for (const [, uri] of daemons) {
      await sh(`virsh -c '${uri}' destroy bt; virsh -c '${uri}' undefine bt`);
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
