// What the QEMU driver sends to plug a device into a running guest, and how
// it finds the one a detach names: the chardev-add backends and device_add
// properties libvirtd 9.0 sent QEMU 7.2 for the same devices (captured from
// its monitor log; libvirt passes sockets and files as descriptors where
// denovirt names their paths), and libvirt's matching rules. The live
// comparison with libvirtd is tests/interop/qemu_hotplug_test.ts.

import assert from "node:assert/strict";
import { type DomainDef, parseDeviceXML } from "../../src/conf/domain_xml.ts";
import {
  channelDevice,
  chardevBackend,
  inputDevice,
  redirdevDevice,
  rngDevice,
  rngObject,
  watchdogDevice,
} from "../../src/drivers/qemu/command_line.ts";
import {
  addressEqual,
  chrEquals,
  nextAlias,
  rngMatches,
  watchdogMatches,
} from "../../src/drivers/qemu/device_match.ts";

/** Enough of a pc guest for device properties (its machine names the PCI bus). */
const pc = () => ({ os: { machine: "pc-i440fx-7.2" } }) as DomainDef;
const pci = (slot: number) =>
  ({ type: "pci", domain: 0, bus: 0, slot, function: 0, multifunction: null }) as const;

Deno.test("chardev-add backends are libvirt's", () => {
  const src = (xml: string) => parseDeviceXML(xml).channels[0]!.source;
  assert.deepEqual(
    chardevBackend(src(
      "<channel type='unix'><source mode='bind' path='/s'/><target type='virtio'/></channel>",
    )),
    {
      type: "socket",
      data: { addr: { type: "unix", data: { path: "/s" } }, wait: false, server: true },
    },
  );
  assert.deepEqual(
    chardevBackend(src("<channel type='spicevmc'><target type='virtio'/></channel>")),
    { type: "spicevmc", data: { type: "vdagent" } },
  );
  const tcp = parseDeviceXML(
    "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/>" +
      "<protocol type='telnet'/><target port='1'/></serial>",
  ).serials[0]!.source;
  assert.deepEqual(chardevBackend(tcp), {
    type: "socket",
    data: {
      addr: { type: "inet", data: { host: "127.0.0.1", port: "4555" } },
      wait: false,
      telnet: true,
      server: true,
    },
  });
});

Deno.test("device_add properties are those of the device at start", () => {
  const def = pc();
  const ch = parseDeviceXML(
    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>" +
      "<address type='virtio-serial' controller='0' bus='0' port='1'/></channel>",
  ).channels[0]!;
  ch.info.alias = "channel0";
  assert.deepEqual(channelDevice(ch, 0), {
    driver: "virtserialport",
    bus: "virtio-serial0.0",
    nr: 1,
    chardev: "charchannel0",
    id: "channel0",
    name: "org.qemu.guest_agent.0",
  });
  const r = parseDeviceXML(
    "<rng model='virtio'><rate bytes='1024' period='1000'/>" +
      "<backend model='random'>/dev/urandom</backend></rng>",
  ).rngs[0]!;
  r.info.alias = "rng1";
  r.info.address = pci(7);
  assert.deepEqual(rngObject(r, 0), {
    "qom-type": "rng-random",
    id: "objrng1",
    filename: "/dev/urandom",
  });
  assert.deepEqual(rngDevice(def, r, 0), {
    driver: "virtio-rng-pci",
    rng: "objrng1",
    id: "rng1",
    "max-bytes": 1024,
    period: 1000,
    bus: "pci.0",
    addr: "0x7",
  });
  const t = parseDeviceXML("<input type='tablet' bus='usb'/>").inputs[0]!;
  t.info.alias = "input2";
  t.info.address = { type: "usb", bus: 0, port: "1" };
  assert.deepEqual(inputDevice(def, t, 0), {
    driver: "usb-tablet",
    id: "input2",
    bus: "usb.0",
    port: "1",
  });
  const w = parseDeviceXML("<watchdog model='i6300esb'/>").watchdogs[0]!;
  w.info.alias = "watchdog0";
  w.info.address = pci(4);
  assert.deepEqual(watchdogDevice(def, w, 0), {
    driver: "i6300esb",
    id: "watchdog0",
    bus: "pci.0",
    addr: "0x4",
  });
  const redir = {
    bus: "usb",
    source: ch.source,
    info: { ...t.info, alias: "redir0", address: { type: "usb", bus: 0, port: "1" } as const },
  };
  assert.deepEqual(redirdevDevice(redir, 0), {
    driver: "usb-redir",
    chardev: "charredir0",
    id: "redir0",
    bus: "usb.0",
    port: "1",
  });
});

Deno.test("a detach finds devices by libvirt's rules", () => {
  const chan = (xml: string) => parseDeviceXML(xml).channels[0]!;
  const agent = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>";
  const live = chan(
    `${agent.replace("<target", "<source mode='bind' path='/p'/><target")}</channel>`,
  );
  // The source counts: a document without the live path (or mode) names another channel.
  assert.equal(chrEquals(chan(`${agent}</channel>`), live), false);
  assert.equal(
    chrEquals(chan(`${agent.replace("<target", "<source path='/p'/><target")}</channel>`), live),
    false,
  );
  assert.equal(chrEquals(live, structuredClone(live)), true);
  const rng = (xml: string) => parseDeviceXML(xml).rngs[0]!;
  const plain = rng("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>");
  const rated = rng(
    "<rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/urandom</backend></rng>",
  );
  assert.equal(rngMatches(plain, rated), false);
  assert.equal(rngMatches(plain, { ...plain, info: { ...plain.info, address: pci(5) } }), true);
  // A watchdog matches only at its address.
  const w = parseDeviceXML("<watchdog model='i6300esb'/>").watchdogs[0]!;
  const placed = { ...w, info: { ...w.info, address: pci(5) } };
  assert.equal(watchdogMatches(w, placed), false);
  assert.equal(watchdogMatches(placed, placed), true);
  assert.equal(addressEqual(pci(5), { ...pci(5), multifunction: "off" }), true);
  const infos = ["input0", "input1", "input4", null].map((alias) => ({ ...w.info, alias }));
  assert.equal(nextAlias(infos, "input"), "input5");
  assert.equal(nextAlias([], "rng"), "rng0");
});
