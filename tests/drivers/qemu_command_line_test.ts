// The QEMU driver's definitions and command lines against what libvirt 9.0
// made of the same documents (tests/testdata/qemu/libvirt/: virt-install's
// definitions for pc, q35, UEFI, VNC, SPICE and osinfo profiles, and a few by
// hand, each with libvirtd's inactive XML and `domxml-to-native qemu-argv`,
// captured from Debian's libvirtd 9.0 with QEMU 7.2; the live comparison is
// tests/interop/qemu_reference_test.ts). Needs qemu-system-x86_64 to probe.

import assert from "node:assert/strict";
import { formatDomainXML, VIR_DOMAIN_XML_INACTIVE } from "../../src/conf/domain_xml.ts";
import { parseQemuDef } from "../../src/drivers/qemu/domain_common.ts";
import { nativeCommandLine } from "../../src/drivers/qemu/live_def.ts";
import { VirError } from "../../src/rpc/error.ts";
import { haveTools } from "../interop/_tools.ts";

const DATA = new URL("../testdata/qemu/libvirt/", import.meta.url).pathname;
const EMU = "/usr/bin/qemu-system-x86_64";
const runnable = haveTools("QEMU command lines", ["qemu-system-x86_64"]);
const CASES = [
  "import",
  "uefi",
  "q35",
  "vnc",
  "spice",
  "debian11",
  "fedora37",
  "win11",
  "hand_a",
  "hand_b",
  "hand_c",
  "iothreads",
  "iothread_pools",
];

const noUuid = (s: string) => s.replace(/<uuid>[^<]*<\/uuid>/, "<uuid/>").trimEnd();

/** One option or device per entry, each daemon's own parts masked. */
export function normArgv(argv: string): string[] {
  return argv.replace(/\n/g, " ").trim().replace(/^.*?(\/usr\/bin\/qemu-system-x86_64)/, "$1")
    .split(/ (?=-)/)
    .filter((a) =>
      !a.startsWith('-object \'{"qom-type":"secret"') && !a.startsWith("-sandbox") &&
      !a.startsWith("-msg")
    )
    .map((a) =>
      a.replace(/path=[^,]*monitor\.sock/, "path=MONITOR")
        .replace(/^-chardev (pty|socket),id=charserial(\d+).*$/, "-chardev SERIAL$2")
        .replace(/path=[^,]*\/channel\/target\/domain--1-/, "path=CHANNEL/")
        .replace(/"filename":"[^"]*\/nvram\//, '"filename":"NVRAM/')
        .replace(/port=59\d\d/, "port=59XX")
        // denovirt lets QEMU take the first free VNC display (libvirt picks it itself).
        .replace(/^-vnc ([^:]*):\d+(,to=99)?/, "-vnc $1:N")
        .replace(/-uuid [0-9a-f-]+/, "-uuid U")
    );
}

for (const name of CASES) {
  Deno.test({
    name: `${name}: the definition and command line libvirt 9.0 makes of it`,
    ignore: !runnable,
  }, () => {
    const def = parseQemuDef(Deno.readTextFileSync(`${DATA}${name}.xml`), EMU);
    const inactive = formatDomainXML(def, {
      id: -1,
      active: false,
      flags: VIR_DOMAIN_XML_INACTIVE,
    });
    assert.equal(noUuid(inactive), noUuid(Deno.readTextFileSync(`${DATA}${name}.inactive.xml`)));
    const ours = nativeCommandLine(def, EMU, { configDir: "/cfg", stateDir: "/state" });
    assert.deepEqual(normArgv(ours), normArgv(Deno.readTextFileSync(`${DATA}${name}.argv`)));
  });
}

function refusal(xml: string): VirError {
  try {
    parseQemuDef(xml, EMU);
  } catch (e) {
    if (e instanceof VirError) return e;
    throw e;
  }
  throw new Error("accepted");
}

const dom = (os: string, devices = "") =>
  `<domain type='qemu'><name>x</name><memory>65536</memory><os>${os}</os><devices>${devices}</devices></domain>`;

Deno.test({
  name: "what libvirt or denovirt cannot run is refused as an unsupported configuration",
  ignore: !runnable,
}, () => {
  const machine = refusal(dom("<type arch='x86_64' machine='nosuch'>hvm</type>"));
  assert.equal(machine.message, "XML error: No PCI buses available");
  const ide = refusal(
    dom(
      "<type arch='x86_64' machine='q35'>hvm</type>",
      "<disk type='file' device='disk'><source file='/x'/><target dev='hda' bus='ide'/></disk>",
    ),
  );
  assert.equal(
    ide.message,
    "unsupported configuration: IDE controllers are unsupported for this QEMU binary or machine type",
  );
  for (
    const devices of [
      "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source></hostdev>",
      "<filesystem type='mount'><source dir='/tmp'/><target dir='t'/></filesystem>",
      "<graphics type='sdl'/>",
      "<sound model='sb16'/>",
    ]
  ) {
    const e = refusal(dom("<type arch='x86_64' machine='pc'>hvm</type>", devices));
    assert.equal(e.code, 67, devices);
    assert.match(e.message, /^unsupported configuration: /);
  }
});

Deno.test({
  name: "I/O thread references are checked at define in libvirt's words",
  ignore: !runnable,
}, () => {
  const pc = "<type arch='x86_64' machine='pc'>hvm</type>";
  const disk = (bus: string, dev: string, id: string) =>
    `<disk type='file' device='disk'><driver name='qemu' type='raw' iothread='${id}'/>` +
    `<source file='/x'/><target dev='${dev}' bus='${bus}'/></disk>`;
  const withIOThreads = (n: string, devices: string) =>
    dom(pc, devices).replace("<os>", `${n}<os>`);
  const cases: [string, string][] = [
    [
      withIOThreads("<iothreads>2</iothreads>", disk("virtio", "vda", "5")),
      "unsupported configuration: Disk iothread '5' not defined in iothreadid",
    ],
    [
      withIOThreads("<iothreads>2</iothreads>", disk("scsi", "sda", "1")),
      "unsupported configuration: IOThreads not available for bus scsi target sda",
    ],
    [
      withIOThreads(
        "<iothreads>1</iothreads>",
        "<controller type='scsi' model='virtio-scsi'><driver iothread='2'/></controller>",
      ),
      "unsupported configuration: controller iothread '2' not defined in iothreadid",
    ],
    [
      withIOThreads(
        "<iothreads>2</iothreads>",
        "<controller type='scsi' model='lsilogic'><driver iothread='2'/></controller>",
      ),
      "XML error: 'iothread' attribute only supported for virtio scsi controllers",
    ],
    [
      withIOThreads("<iothreadids><iothread id='0'/></iothreadids>", ""),
      "XML error: Invalid value for attribute 'id' in element 'iothread': Zero is not permitted",
    ],
    [
      withIOThreads("<iothreadids><iothread id='1' thread_pool_min='2'/></iothreadids>", ""),
      "unsupported configuration: thread_pool_min must be smaller or equal to thread_pool_max",
    ],
    [
      withIOThreads("<iothreadids><iothread id='1' thread_pool_min='-2'/></iothreadids>", ""),
      "XML error: Invalid value for attribute 'thread_pool_min' in element 'iothread': '-2'. " +
      "Expected non-negative value",
    ],
    [
      withIOThreads("<iothreads>1</iothreads><defaultiothread thread_pool_max='0'/>", ""),
      "unsupported configuration: thread_pool_max must be a positive integer",
    ],
  ];
  for (const [xml, message] of cases) assert.equal(refusal(xml).message, message, xml);
  // An id the definition has is accepted, and the disk's device runs on it.
  const def = parseQemuDef(
    withIOThreads("<iothreads>1</iothreads>", disk("virtio", "vda", "1")),
    EMU,
  );
  const argv = nativeCommandLine(def, EMU, { configDir: "/cfg", stateDir: "/state" });
  assert.match(argv, /-object '\{"qom-type":"iothread","id":"iothread1"\}'/);
  assert.match(argv, /"driver":"virtio-blk-pci","iothread":"iothread1"/);
});
