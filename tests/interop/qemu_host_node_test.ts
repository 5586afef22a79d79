// The host as qemu:///system reports it: CPU times, the CPU map, free
// memory and free pages per NUMA node, huge page pools, KSM, host suspend
// and SMBIOS, asked of libvirtd 9.0's QEMU driver (tests/_reference_qemu.ts)
// and of denovirt on the same machine. Figures move between two reads
// (CPU times, free memory), so numbers are masked; which fields, which
// nodes and page sizes, and every error in its words must match.

import assert from "node:assert/strict";
import { startDenovirt } from "../_daemons.ts";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("host calls against libvirtd's QEMU driver", ["virsh"]) &&
  haveCondition("host calls against libvirtd's QEMU driver", missing === null, missing ?? "");

const digits = (s: string) => s.replace(/\d+(\.\d+)?/g, "N");

/** Each command, and whether its figures are compared or masked. */
const SESSION: [string, "exact" | "figures"][] = [
  ["nodecpustats", "figures"],
  ["nodecpustats --cpu 1", "figures"],
  ["nodecpustats --cpu 4096", "exact"],
  ["nodecpustats --cpu -3", "exact"],
  ["nodecpumap", "exact"],
  ["nodecpumap --pretty", "exact"],
  ["freecell", "figures"],
  ["freecell --all", "figures"],
  ["freecell --cellno 0", "figures"],
  ["freecell --cellno 300", "exact"],
  ["freepages --all", "figures"],
  ["freepages --pagesize 2048 --cellno 0", "exact"],
  ["freepages --pagesize 4 --cellno 0", "figures"],
  ["freepages --pagesize 64 --cellno 0", "exact"],
  ["freepages --cellno 300 --pagesize 4", "exact"],
  // Pools set to what they hold already: nothing on the host changes.
  ["allocpages 2M $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)", "exact"],
  ["allocpages 2M 0 --add --cellno 0", "exact"],
  ["allocpages 4 1", "exact"],
  ["allocpages 64 1 --cellno 0", "exact"],
  ["allocpages 2M 0 --cellno 300", "exact"],
  ["node-memory-tune", "figures"],
  ["nodesuspend mem 60", "exact"],
  ["nodesuspend disk 60", "exact"],
  ["nodesuspend hybrid 60", "exact"],
  ["sysinfo", "exact"],
  ["nodeinfo", "exact"],
];

Deno.test({
  name: "qemu:///system reports the host's CPUs, memory, pages and power as libvirtd does",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-host-node-" });
  const ref = await startReferenceQemu();
  const d = await startDenovirt(
    `qemu_config_dir = "${dir}/config"\nqemu_state_dir = "${dir}/state"\n`,
  );
  const uris = [ref.uri, `qemu:///system?socket=${d.socket}`];
  try {
    // What a user would check first: the CPU map names this machine's CPUs.
    const map = await sh(`virsh -c '${uris[1]}' nodecpumap`);
    // (Read with cat: Deno opens sysfs only with every permission, which the test task lacks.)
    const present = (await sh("cat /sys/devices/system/cpu/present")).trim();
    const last = Number(present.split(/[-,]/).at(-1));
    assert.match(map, new RegExp(`CPUs present: +${last + 1}\\n`));
    await t.step("pool-capabilities: libvirtd's document, with only the dir backend", async () => {
      const [theirs, ours] = await Promise.all(
        uris.map((uri) => sh(`virsh -c '${uri}' pool-capabilities`)),
      );
      assert.match(ours!, /<pool type='dir' supported='yes'>/);
      // denovirt's storage driver has no backend but dir: the rest are listed, not supported.
      const backendsHere =
        /<pool type='(fs|netfs|logical|disk|iscsi|scsi|mpath)' supported='yes'>/g;
      assert.equal(ours, theirs!.replace(backendsHere, "<pool type='$1' supported='no'>"));
    });
    for (const [cmd, how] of SESSION) {
      await t.step(cmd, async () => {
        const outs = await Promise.all(uris.map(async (uri) => {
          const out = await sh(`virsh -c '${uri}' ${cmd}`);
          return how === "figures" ? digits(out) : out;
        }));
        assert.equal(outs[1], outs[0]);
      });
    }
  } finally {
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
