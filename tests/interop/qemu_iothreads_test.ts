// I/O threads on a running guest, against libvirtd 9.0's QEMU driver
// (tests/_reference_qemu.ts): the same tiny guest (direct kernel boot, its
// qcow2 disk on a virtio-blk device run by IOThread 1, a virtio-scsi
// controller on IOThread 2) is defined, started and changed under both
// daemons, and what virsh prints — the definitions, the `-object iothread`
// and `iothread=` parts of the command line, iothreadinfo, iothreadadd /
// iothreaddel / iothreadset live and --config, domstats' iothread group and
// every refusal, in libvirt's words — must match. The guest must still boot
// and find its disk.

import { until } from "./_serve.ts";
import assert from "node:assert/strict";
import { haveCondition, haveTools, shell as sh } from "./_tools.ts";
import { referenceQemuMissing, startQemuPair } from "../_reference_qemu.ts";
import { buildGuest } from "../testdata/guest/build.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("IOThreads against libvirtd's QEMU driver", [
  "virsh",
  "qemu-system-x86_64",
  "qemu-img",
]) && haveCondition("IOThreads against libvirtd's QEMU driver", missing === null, missing ?? "");

/**
 * Definitions libvirt refuses or rewrites, each as the extra XML it adds
 * to the guest's: [what goes after <vcpu>, the disk's <driver> attributes,
 * an extra device], and the commands run after defining it.
 */
const DEFINITIONS: [string, string, string, string, string[]][] = [
  ["unknown-disk-id", "<iothreads>2</iothreads>", " iothread='5'", "", []],
  ["zero-id", "<iothreadids><iothread id='0'/></iothreadids>", "", "", []],
  [
    "unknown-controller-id",
    "<iothreads>1</iothreads>",
    "",
    "<controller type='scsi' model='virtio-scsi'><driver iothread='2'/></controller>",
    [],
  ],
  [
    "not-virtio-scsi",
    "<iothreads>2</iothreads>",
    "",
    "<controller type='scsi' model='lsilogic'><driver iothread='2'/></controller>",
    [],
  ],
  [
    "scsi-disk",
    "<iothreads>2</iothreads>",
    "",
    "<disk type='file' device='disk'><source file='/nonexistent.img'/>" +
    "<target dev='sda' bus='scsi'/><driver name='qemu' type='raw' iothread='1'/></disk>",
    [],
  ],
  [
    "count-below-ids",
    "<iothreads>1</iothreads><iothreadids><iothread id='3'/><iothread id='5'/></iothreadids>",
    "",
    "",
    ["dumpxml io --inactive | grep -i iothread", "iothreadinfo io --config", "undefine io"],
  ],
  [
    "thread-pools",
    "<iothreads>3</iothreads><iothreadids><iothread id='1' thread_pool_min='2' " +
    "thread_pool_max='8'/><iothread id='2' thread_pool_max='4'/></iothreadids>" +
    "<defaultiothread thread_pool_min='1' thread_pool_max='3'/>",
    " iothread='1'",
    "",
    [
      "dumpxml io --inactive | grep -i iothread",
      "domxml-to-native qemu-argv --domain io | tr ' ' '\\n' | grep -i 'iothread\\|main-loop'",
      "undefine io",
    ],
  ],
  [
    "pool-min-above-max",
    "<iothreadids><iothread id='1' thread_pool_min='9' thread_pool_max='8'/></iothreadids>",
    "",
    "",
    [],
  ],
  [
    "pool-min-alone",
    "<iothreadids><iothread id='1' thread_pool_min='2'/></iothreadids>",
    "",
    "",
    [],
  ],
  [
    "pool-negative",
    "<iothreadids><iothread id='1' thread_pool_min='-2'/></iothreadids>",
    "",
    "",
    [],
  ],
  ["pool-max-zero", "<iothreads>1</iothreads><defaultiothread thread_pool_max='0'/>", "", "", []],
  [
    "ids-filled-in",
    "<iothreads>3</iothreads><iothreadids><iothread id='2'/></iothreadids>",
    "",
    "",
    ["dumpxml io --inactive | grep -i iothread", "undefine io"],
  ],
];

/** The running guest's session: each command's output must be the same. */
const SESSION = [
  "dumpxml io --inactive | grep -i -B1 -A1 iothread",
  "domxml-to-native qemu-argv --domain io | tr ' ' '\\n' | grep -i -A1 -- '-object\\|-device'" +
  " | grep -i 'iothread\\|virtio-blk\\|virtio-scsi'",
  "iothreadinfo io --config",
  "start io",
  "dumpxml io | grep -i 'iothread'",
  "iothreadinfo io",
  "iothreadinfo io --live",
  "domstats io --iothread",
  "iothreadadd io 3",
  "iothreadadd io 3",
  "iothreadadd io 0",
  "iothreadinfo io",
  "dumpxml io | grep -i iothread",
  "iothreadset io 3 --poll-max-ns 100",
  "iothreadset io 3 --poll-grow 2 --poll-shrink 3",
  "iothreadset io 9 --poll-max-ns 100",
  "iothreadset io 3 --poll-max-ns 100 --config",
  "iothreadset io 2 --poll-max-ns 5 --config",
  "iothreadset io 2 --poll-max-ns 3000000000",
  "iothreadset io 3",
  "iothreadset io 1 --thread-pool-min 1",
  "iothreadset io 1 --thread-pool-max 4",
  "iothreadset io 1 --thread-pool-min 1",
  "iothreadset io 1 --thread-pool-min -2",
  "iothreadset io 1 --thread-pool-max 0",
  "iothreadset io 1 --thread-pool-min 5",
  "iothreadset io 1 --thread-pool-max -1",
  "iothreadset io 3 --thread-pool-min 10 --thread-pool-max 100",
  `qemu-monitor-command io '{"execute":"qom-get","arguments":{"path":"/objects/iothread3",` +
  `"property":"thread-pool-min"}}' | grep -o '"return":[0-9]*'`,
  "iothreadset io 2 --thread-pool-max 6 --config",
  "iothreadset io 2 --thread-pool-min 9 --config",
  "iothreadset io 2 --thread-pool-min 3 --config",
  "iothreadset io 2 --thread-pool-max -1 --config",
  "dumpxml io --inactive | grep -i iothread",
  "domstats io --iothread",
  "iothreaddel io 1",
  "iothreaddel io 2",
  "iothreaddel io 9",
  "iothreaddel io 3",
  "iothreadinfo io",
  "dumpxml io | grep -i iothread",
  "iothreadadd io 7 --config",
  "iothreaddel io 1 --config",
  "iothreaddel io 2 --config --live",
  "iothreadinfo io --config",
  "dumpxml io --inactive | grep -i iothread",
  "domstats io --iothread",
  // A virtio-scsi controller plugged in on an I/O thread, and the ones refused. (Before the
  // disk: a disk plugged in live keeps no PCI address in denovirt's live definition, so a
  // device plugged in after it could be given the disk's slot.)
  "attach-device io DIR/ctl9.xml",
  "attach-device io DIR/ctl-lsi.xml",
  "attach-device io DIR/ctl9.xml --config",
  "attach-device io DIR/ctl.xml",
  "dumpxml io | grep -A1 \"index='3' model='virtio-scsi'\"",
  // A disk plugged in on an I/O thread (the image is each daemon's own).
  "attach-disk io DIR/x.img vdb --subdriver raw --iothread 9",
  "attach-disk io DIR/x.img vdb --subdriver raw --iothread 9 --config",
  "attach-disk io DIR/x.img vdb --subdriver raw --iothread 2",
  "domxml-to-native qemu-argv --domain io | tr ' ' '\\n' | grep virtio-blk",
  "iothreaddel io 2",
  `qemu-monitor-command io '{"execute":"query-iothreads"}' | grep -o '"id":"iothread[0-9]*"'`,
];

/** Controller documents the session attaches, by file name. */
const CONTROLLERS: Record<string, string> = {
  "ctl":
    "<controller type='scsi' model='virtio-scsi' index='3'><driver iothread='2'/></controller>",
  "ctl9":
    "<controller type='scsi' model='virtio-scsi' index='4'><driver iothread='9'/></controller>",
  "ctl-lsi":
    "<controller type='scsi' model='lsilogic' index='5'><driver iothread='2'/></controller>",
};

/** What some of the session's outputs must show (so that an empty match on both fails). */
const SHOWS: Record<string, RegExp> = {
  [SESSION[1]!]:
    /"qom-type":"iothread","id":"iothread1".*\n.*"qom-type":"iothread","id":"iothread2"[^]*"virtio-scsi-pci","iothread":"iothread2"[^]*"virtio-blk-pci","iothread":"iothread1"/,
  "iothreadinfo io --live": /^ 2 +0-\d+\n 1 +0-\d+$/m,
  "domstats io --iothread": /iothread\.count=\d/,
  "iothreadadd io 7 --config": /^\n$/,
  "attach-disk io DIR/x.img vdb --subdriver raw --iothread 2": /^Disk attached successfully/,
  "attach-device io DIR/ctl.xml": /^Device attached successfully/,
};

/** After the guest has booted: the domain off, its persistent definition. */
const AFTER = [
  "destroy io",
  "iothreadinfo io",
  "iothreadset io 1 --poll-max-ns 5",
  "iothreadadd io 4",
  "iothreaddel io 2",
  "iothreaddel io 7",
  "iothreadinfo io",
  "dumpxml io --inactive | grep -i iothread",
  "domstats io --iothread",
];

/**
 * The API's own refusals, which virsh catches before calling (id 0, unknown
 * parameters), through libvirt-python: each call's code, domain and message.
 */
const PY_CALLS = `
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
d = libvirt.open(sys.argv[1]).lookupByName("io")
def call(name, f):
    try:
        print(name, f())
    except libvirt.libvirtError as e:
        print(name, e.get_error_code(), e.get_error_domain(), e.get_error_message())
call("add0", lambda: d.addIOThread(0, 0))
call("del0", lambda: d.delIOThread(0, 0))
call("set0", lambda: d.setIOThreadParams(0, {"poll_max_ns": 5}, 0))
call("set-unknown", lambda: d.setIOThreadParams(1, {"nope": 5}, 0))
call("add-dup", lambda: d.addIOThread(1, libvirt.VIR_DOMAIN_AFFECT_CONFIG))
call("info", lambda: d.ioThreadInfo(0))
`;

Deno.test({
  name: "IOThreads of a guest defined, started and changed as under libvirtd's QEMU driver",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await buildGuest();
  const dir = await Deno.makeTempDir({ prefix: "denovirt-iot-" });
  const xml = (disk: string, serial: string, extra: string, drv: string, dev: string) =>
    `<domain type='qemu'><name>io</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>${extra}
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${guest}/vmlinuz</kernel>
    <initrd>${guest}/initrd.gz</initrd><cmdline>console=ttyS0</cmdline></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'${drv}/>
      <source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    ${dev}
    <serial type='file'><source path='${serial}'/></serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video>
  </devices></domain>`;
  const { ref, d, daemons } = await startQemuPair(dir);
  const named = (name: string, out: string) =>
    out.replaceAll(`${dir}/disk-${name}.qcow2`, "DISK")
      .replaceAll(`${dir}/serial-${name}.log`, "SERIAL")
      .replaceAll(`${dir}/${name}-`, "DIR/");
  /** Runs virsh `cmd` (or, `raw`, a shell command naming URI) on both daemons; outputs must match. */
  const both = async (cmd: string, raw = false) => {
    const outs = await Promise.all(daemons.map(async ([name, uri]) => {
      const c = cmd.replaceAll("DIR/", `${dir}/${name}-`);
      return named(
        name,
        await sh(raw ? c.replaceAll("URI", `'${uri}'`) : `virsh -c '${uri}' ${c}`),
      );
    }));
    assert.equal(outs[1], outs[0]);
    return outs[0]!;
  };
  const define = async (id: string, extra: string, drv: string, dev: string) => {
    for (const [name] of daemons) {
      await Deno.writeTextFile(
        `${dir}/${name}-${id}.xml`,
        xml(`${dir}/disk-${name}.qcow2`, `${dir}/serial-${name}.log`, extra, drv, dev),
      );
    }
    return await both(`define DIR/${id}.xml`);
  };
  try {
    for (const [name] of daemons) {
      assert.doesNotMatch(
        await sh(
          `qemu-img create -f qcow2 ${dir}/disk-${name}.qcow2 64M && ` +
            `qemu-img create -f raw ${dir}/${name}-x.img 1M`,
        ),
        /FAILED/,
      );
      for (const [file, xml] of Object.entries(CONTROLLERS)) {
        await Deno.writeTextFile(`${dir}/${name}-${file}.xml`, xml);
      }
    }
    for (const [id, extra, drv, dev, cmds] of DEFINITIONS) {
      await t.step(`define: ${id}`, async () => {
        const out = await define(id, extra, drv, dev);
        assert.equal(out.startsWith("FAILED"), cmds.length === 0, out);
        for (const cmd of cmds) await both(cmd);
      });
    }
    await t.step("define: a disk and a controller on IOThreads", async () => {
      assert.match(
        await define(
          "guest",
          "<iothreads>2</iothreads>",
          " iothread='1'",
          "<controller type='scsi' model='virtio-scsi'><driver iothread='2'/></controller>",
        ),
        /^Domain 'io' defined/,
      );
    });
    for (const cmd of SESSION) {
      await t.step(cmd, async () => {
        const out = await both(cmd);
        if (SHOWS[cmd]) assert.match(out, SHOWS[cmd]);
      });
    }
    const serial = (name: string) => Deno.readTextFile(`${dir}/serial-${name}.log`);
    await t.step("the guest boots and finds its disk on the IOThread", async () => {
      for (const [name] of daemons) {
        await until(async () => (await serial(name)).includes("GUEST READY"), name, 60_000);
        assert.match(await serial(name), /virtio_blk virtio\d+: \[vda\] 131072 512-byte/);
      }
    });
    for (const cmd of AFTER) await t.step(cmd, async () => void await both(cmd));
    const python = (await sh("/usr/bin/python3 -c 'import libvirt'")) === "";
    await t.step({
      name: "libvirt-python: the API's refusals",
      ignore: !python,
      fn: async () => {
        await Deno.writeTextFile(`${dir}/calls.py`, PY_CALLS);
        const out = await both(`/usr/bin/python3 ${dir}/calls.py URI`, true);
        assert.match(out, /^add0 8 10 invalid argument: invalid value of 0 for iothread_id$/m);
      },
    });
    await t.step("the refusals name the missing id", async () => {
      const out = await both("iothreaddel io 9 --config");
      assert.equal(
        out,
        "FAILED \nerror: invalid argument: cannot find IOThread '9' in iothreadids list\n",
      );
    });
  } finally {
    for (const [, uri] of daemons) {
      await sh(`virsh -c '${uri}' destroy io; virsh -c '${uri}' undefine io`);
    }
    await d.stop();
    await ref.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
