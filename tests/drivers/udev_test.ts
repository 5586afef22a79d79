// The udev readers on a sysfs tree made by the test: what this machine
// lacks for the differential suite (tests/interop/qemu_host_devices_test.ts)
// — a bridge with members and a guest's tap, a USB device, a SCSI disk —
// read as libvirt's udev drivers read them.

import assert from "node:assert/strict";
import { hostInterfaces, interfaceDef } from "../../src/drivers/udev/interfaces.ts";
import { deviceName, hostDevices } from "../../src/drivers/udev/nodedev.ts";
import type { SysRoot } from "../../src/drivers/udev/sysfs.ts";

/** Writes `files` (path → contents) and `links` (path → target) under a new directory. */
function tree(files: Record<string, string>, links: Record<string, string>): SysRoot {
  const root = Deno.makeTempDirSync({ prefix: "denovirt-sysfs-" });
  for (const [p, text] of Object.entries(files)) {
    Deno.mkdirSync(`${root}/${p.slice(0, p.lastIndexOf("/"))}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/${p}`, text);
  }
  for (const [p, target] of Object.entries(links)) {
    Deno.mkdirSync(`${root}/${p.slice(0, p.lastIndexOf("/"))}`, { recursive: true });
    Deno.symlinkSync(target, `${root}/${p}`);
  }
  return { sys: root, udevData: `${root}/udev-data` };
}

function netdev(name: string, extra: Record<string, string>, devtype?: string) {
  const dir = `devices/virtual/net/${name}`;
  return {
    [`${dir}/uevent`]: `${devtype ? `DEVTYPE=${devtype}\n` : ""}INTERFACE=${name}\nIFINDEX=3\n`,
    [`${dir}/address`]: extra.address ?? "52:54:00:00:00:01\n",
    [`${dir}/operstate`]: extra.operstate ?? "up\n",
    [`${dir}/mtu`]: "1500\n",
    [`${dir}/speed`]: "1000\n",
    ...Object.fromEntries(
      Object.entries(extra).filter(([k]) => k !== "address" && k !== "operstate")
        .map(([k, v]) => [`${dir}/${k}`, v]),
    ),
  };
}

Deno.test("a bridge lists its members but neither its ports nor guests' taps", () => {
  const root = tree({
    ...netdev("br0", {
      address: "52:54:00:aa:00:01\n",
      "bridge/forward_delay": "1500\n",
      "bridge/stp_state": "1\n",
    }, "bridge"),
    ...netdev("eth9", { "brport/state": "3\n", address: "52:54:00:aa:00:02\n" }),
    ...netdev("vnet0", { "brport/state": "3\n", "tun_flags": "0x1002\n" }),
    ...netdev("tap7", { "tun_flags": "0x1002\n", operstate: "down\n" }),
    ...netdev("dummy0", { operstate: "down\n", address: "52:54:00:aa:00:03\n" }),
  }, {
    "class/net/br0": "../../devices/virtual/net/br0",
    "class/net/eth9": "../../devices/virtual/net/eth9",
    "class/net/vnet0": "../../devices/virtual/net/vnet0",
    "class/net/tap7": "../../devices/virtual/net/tap7",
    "class/net/dummy0": "../../devices/virtual/net/dummy0",
    "devices/virtual/net/br0/brif/eth9": "../../eth9/brport",
    "devices/virtual/net/br0/brif/vnet0": "../../vnet0/brport",
    "devices/virtual/net/br0/subsystem": "../../../../class/net",
    "devices/virtual/net/eth9/subsystem": "../../../../class/net",
    "devices/virtual/net/vnet0/subsystem": "../../../../class/net",
    "devices/virtual/net/tap7/subsystem": "../../../../class/net",
    "devices/virtual/net/dummy0/subsystem": "../../../../class/net",
  });
  try {
    const listed = hostInterfaces(root);
    assert.deepEqual(listed.map((i) => [i.name, i.operstate]), [["br0", "up"], ["dummy0", "down"]]);
    const br = interfaceDef(root, "br0");
    assert.equal(br.type, "bridge");
    assert.deepEqual(
      { stp: br.bridge?.stp, delay: br.bridge?.delay },
      { stp: true, delay: "1500" },
    );
    assert.deepEqual(br.bridge?.interfaces.map((i) => [i.name, i.mac, i.linkSpeed]), [
      ["eth9", "52:54:00:aa:00:02", 1000],
    ]);
    // A link that is not up reports no speed (drivers give misleading ones).
    assert.equal(interfaceDef(root, "dummy0").linkSpeed, 0);
  } finally {
    Deno.removeSync(root.sys, { recursive: true });
  }
});

Deno.test("USB and SCSI devices get libvirt's names and their parents", () => {
  const usb = "devices/pci0000:00/0000:00:1d.0/usb1/1-1";
  const host = "devices/pci0000:00/0000:00:1f.2/host2";
  const disk = `${host}/target2:0:0/2:0:0:0/block/sdb`;
  const root = tree({
    "devices/pci0000:00/0000:00:1d.0/uevent": "DRIVER=ehci-pci\nPCI_CLASS=C0320\n",
    "devices/pci0000:00/0000:00:1d.0/vendor": "0x8086\n",
    "devices/pci0000:00/0000:00:1d.0/device": "0x293a\n",
    "devices/pci0000:00/0000:00:1f.2/uevent": "PCI_CLASS=10601\n",
    "devices/pci0000:00/0000:00:1f.2/vendor": "0x8086\n",
    "devices/pci0000:00/0000:00:1f.2/device": "0x2922\n",
    [`${usb}/uevent`]: "DEVTYPE=usb_device\nBUSNUM=001\nDEVNUM=002\nDEVNAME=bus/usb/001/002\n" +
      "MAJOR=189\nMINOR=1\n",
    [`${usb}/product`]: "QEMU USB Tablet\n",
    [`${usb}/manufacturer`]: "QEMU\n",
    "udev-data/c189:1": "E:ID_VENDOR_ID=0627\nE:ID_MODEL_ID=0001\n",
    [`${host}/uevent`]: "DEVTYPE=scsi_host\n",
    [`${host}/target2:0:0/uevent`]: "DEVTYPE=scsi_target\n",
    [`${host}/target2:0:0/2:0:0:0/uevent`]: "DEVTYPE=scsi_device\n",
    [`${host}/target2:0:0/2:0:0:0/type`]: "0\n",
    [`${disk}/uevent`]: "DEVTYPE=disk\nDEVNAME=sdb\nMAJOR=8\nMINOR=16\n",
    [`${disk}/size`]: "2048\n",
    [`${disk}/queue/logical_block_size`]: "512\n",
    "udev-data/b8:16": "S:disk/by-id/ata-QEMU_HARDDISK_QM0001\nE:ID_TYPE=disk\nE:ID_BUS=ata\n" +
      "E:ID_SERIAL=QEMU_HARDDISK_QM0001\n",
  }, {
    "bus/pci/devices/0000:00:1d.0": "../../../devices/pci0000:00/0000:00:1d.0",
    "bus/pci/devices/0000:00:1f.2": "../../../devices/pci0000:00/0000:00:1f.2",
    "bus/usb/devices/1-1": `../../../${usb}`,
    "bus/scsi/devices/host2": `../../../${host}`,
    "bus/scsi/devices/target2:0:0": `../../../${host}/target2:0:0`,
    "bus/scsi/devices/2:0:0:0": `../../../${host}/target2:0:0/2:0:0:0`,
    "block/sdb": `../${disk}`,
    "devices/pci0000:00/0000:00:1d.0/subsystem": "../../../bus/pci",
    "devices/pci0000:00/0000:00:1f.2/subsystem": "../../../bus/pci",
    [`${usb}/subsystem`]: "../../../../../bus/usb",
    [`${host}/subsystem`]: "../../../../../bus/scsi",
    [`${host}/target2:0:0/subsystem`]: "../../../../../../bus/scsi",
    [`${host}/target2:0:0/2:0:0:0/subsystem`]: "../../../../../../../bus/scsi",
    [`${disk}/subsystem`]: "../../../../../../../../../block",
  });
  try {
    const devs = new Map(hostDevices(root).map((d) => [d.name, d]));
    assert.deepEqual([...devs.keys()].sort(), [
      "block_sdb_QEMU_HARDDISK_QM0001",
      "computer",
      "pci_0000_00_1d_0",
      "pci_0000_00_1f_2",
      "scsi_2_0_0_0",
      "scsi_host2",
      "scsi_target2_0_0",
      "usb_1_1",
    ]);
    const parent = (n: string) => devs.get(n)?.parent;
    assert.equal(parent("usb_1_1"), "pci_0000_00_1d_0");
    assert.equal(parent("scsi_host2"), "pci_0000_00_1f_2");
    assert.equal(parent("scsi_target2_0_0"), "scsi_host2");
    assert.equal(parent("block_sdb_QEMU_HARDDISK_QM0001"), "scsi_2_0_0_0");
    assert.deepEqual(devs.get("usb_1_1")?.caps[0], {
      type: "usb_device",
      bus: 1,
      device: 2,
      product: 1,
      productName: "QEMU USB Tablet",
      vendor: 0x627,
      vendorName: "QEMU",
    });
    const sdb = devs.get("block_sdb_QEMU_HARDDISK_QM0001")!;
    assert.equal(sdb.devnode, "/dev/sdb");
    assert.deepEqual(sdb.devlinks, ["/dev/disk/by-id/ata-QEMU_HARDDISK_QM0001"]);
    assert.deepEqual(sdb.caps[0], {
      type: "storage",
      block: "/dev/sdb",
      bus: "ata",
      driveType: "disk",
      model: null,
      vendor: null,
      serial: "QEMU_HARDDISK_QM0001",
      size: 1048576,
      removable: null,
      hotpluggable: false,
      logicalBlockSize: 512,
      numBlocks: 2048,
    });
  } finally {
    Deno.removeSync(root.sys, { recursive: true });
  }
});

Deno.test("device names keep only letters and digits", () => {
  assert.equal(deviceName("net", "eth0", "02:fc:00:00:00:01"), "net_eth0_02_fc_00_00_00_01");
  assert.equal(deviceName("pci", "0000:00:1f.2", null), "pci_0000_00_1f_2");
});
