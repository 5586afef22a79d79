// The host's interfaces and node devices on qemu:///system against libvirtd
// 9.0's udev interface backend and udev node device driver
// (tests/_reference_qemu.ts). Both daemons run in a network namespace of
// their own on the same machine, so they see the same sysfs and the same
// loopback device; every answer a user would look at must be the same:
// virsh's lists (by capability, as a tree, active and inactive), every
// device's and interface's XML, lookups by name and MAC, parents and
// capability lists through libvirt-python, and the errors for a missing
// device or interface and for what neither driver does.

import assert from "node:assert/strict";
import { startDenovirt } from "../_daemons.ts";
import { haveCondition, haveTools } from "./_tools.ts";
import { referenceQemuMissing, startReferenceQemu } from "../_reference_qemu.ts";

const missing = referenceQemuMissing();
const runnable = haveTools("host devices against libvirtd's", ["virsh", "unshare"]) &&
  haveCondition("host devices against libvirtd's", missing === null, missing ?? "");

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const o = await new Deno.Command("virsh", {
    args: ["-c", uri, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return (o.success ? "" : "FAILED ") + dec.decode(o.stdout) + dec.decode(o.stderr);
}

/** What libvirt-python says of every device and interface. */
const PY = `
import json, libvirt, sys
c = libvirt.open(sys.argv[1])
devs = {}
for d in sorted(c.listAllDevices(0), key=lambda d: d.name()):
    try:
        parent = d.parent()
    except libvirt.libvirtError as e:
        parent = "error: " + e.get_error_message()
    devs[d.name()] = [parent, d.listCaps(), d.numOfCaps()]
ifaces = {i.name(): [i.MACString(), i.isActive()] for i in c.listAllInterfaces(0)}
print(json.dumps({
  "devices": devs,
  "numOfDevices": c.numOfDevices(None, 0),
  "pci": sorted(c.listDevices("pci", 0)),
  "net": sorted(d.name() for d in c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET)),
  "ifaces": ifaces,
  "active": sorted(c.listInterfaces()),
  "defined": sorted(c.listDefinedInterfaces()),
  "numActive": c.numOfInterfaces(),
  "numDefined": c.numOfDefinedInterfaces(),
  "activeAll": sorted(i.name() for i in c.listAllInterfaces(libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE)),
}, sort_keys=True))
`;

async function python(uri: string): Promise<unknown> {
  const o = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", PY, uri],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(o.stderr);
  assert.ok(o.success, err);
  return JSON.parse(new TextDecoder().decode(o.stdout));
}

Deno.test({
  name: "qemu:///system lists the host's devices and interfaces as libvirtd's udev drivers",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ref = await startReferenceQemu();
    const ours = await startDenovirt("", { netns: true });
    const mine = `qemu:///system?socket=${ours.socket}`;
    try {
      const same = async (...args: string[]) => {
        const [a, b] = [await virsh(ref.uri, ...args), await virsh(mine, ...args)];
        assert.equal(b, a, `virsh ${args.join(" ")}`);
        return a;
      };
      const list = await same("nodedev-list");
      const names = list.split("\n").filter(Boolean);
      assert.ok(names.includes("computer"), list);
      assert.ok(names.some((n) => n.startsWith("pci_")), `no PCI device listed: ${list}`);
      assert.ok(names.some((n) => n.startsWith("net_lo_")), `no loopback device: ${list}`);
      await same("nodedev-list", "--tree");
      for (const cap of ["pci", "net", "storage", "system", "usb_device", "scsi_host"]) {
        await same("nodedev-list", "--cap", cap);
      }
      for (const n of names) await same("nodedev-dumpxml", n);
      assert.match(await same("nodedev-dumpxml", "nope"), /no node device with matching name/);

      const ifaces = await same("iface-list", "--all");
      await same("iface-list");
      await same("iface-list", "--inactive");
      assert.match(ifaces, /\blo\b/);
      for (const line of ifaces.split("\n").slice(2).filter((l) => l.trim())) {
        const [name, , mac] = line.trim().split(/\s+/);
        await same("iface-dumpxml", name!);
        await same("iface-mac", name!);
        if (mac && mac !== "00:00:00:00:00:00") await same("iface-name", mac);
      }
      await same("iface-dumpxml", "nope");
      await same("iface-name", "02:00:00:00:00:99");
      // Neither udev driver defines or changes host interfaces.
      await same("iface-begin");
      await same("iface-destroy", "lo");

      assert.deepEqual(await python(mine), await python(ref.uri));
    } finally {
      await ours.stop();
      await ref.stop();
    }
  },
});
