/**
 * The host's devices as libvirt 9.0's udev node device driver
 * (node_device_udev.c) lists them to qemu:///system clients: the `computer`
 * (DMI data), PCI functions (ids and names, driver, NUMA node, IOMMU group,
 * SR-IOV links, bridge header, PCI Express link from the config space), USB
 * devices and interfaces, network interfaces, SCSI hosts, targets and
 * devices, disks and optical drives, SCSI generic and DRM nodes — each named
 * and parented as libvirt names and parents it.
 *
 * libvirt keeps a list it updates from udev's events; this reads sysfs on
 * each call instead, so a list is always current. Not read: PCI VPD,
 * mediated devices and the s390 channel and crypto buses (see ethtool.ts
 * for the network features).
 *
 * @module
 */

import type { NodeDevCap, NodeDeviceDef, PcieLink } from "../../conf/nodedev_xml.ts";
import type { PciAddress } from "../../conf/storage_xml.ts";
import { toSize } from "../../conf/storage_xml.ts";
import { netFeatures } from "./ethtool.ts";
import { linkInfo } from "./interfaces.ts";
import { namesOf, pciNames } from "./pci_ids.ts";
import {
  enumerateDevices,
  hasAttr,
  listDir,
  parentDevice,
  readAttr,
  type SysDevice,
  type SysRoot,
} from "./sysfs.ts";

/** Subsystems libvirt does not enumerate (nothing of interest in them). */
const IGNORED_SUBSYSTEMS = new Set(["acpi", "tty", "vc", "i2c"]);

/** Linux SCSI peripheral types (scsi/scsi_proto.h) as libvirt names them. */
const SCSI_TYPES: Record<number, string> = {
  0x00: "disk",
  0x01: "tape",
  0x03: "processor",
  0x04: "worm",
  0x05: "cdrom",
  0x06: "scanner",
  0x07: "mod",
  0x08: "changer",
  0x0d: "enclosure",
  0x0c: "raid",
};

const PCIE_SPEEDS = ["", "2.5", "5", "8", "16", "32", "64"];

/** A device being built: its def and the syspath parents are found by. */
interface Found {
  syspath: string;
  def: NodeDeviceDef;
}

/** nodeDeviceGenerateName: SUBSYSTEM_SYSNAME[_SUFFIX], every non-alphanumeric as "_". */
export function deviceName(subsystem: string, sysname: string, suffix: string | null): string {
  const raw = suffix === null ? `${subsystem}_${sysname}` : `${subsystem}_${sysname}_${suffix}`;
  return raw.replace(/[^A-Za-z0-9]/g, "_");
}

/** A sysfs attribute with control characters removed; empty as null (udevGetStringSysfsAttr). */
function stringAttr(dir: string, name: string): string | null {
  // deno-lint-ignore no-control-regex
  const v = readAttr(dir, name)?.replace(/[\x00-\x1f\x7f]/g, "") ?? null;
  return v === "" ? null : v;
}

function numberAttr(dir: string, name: string, base: 10 | 16): number | null {
  const v = readAttr(dir, name)?.trim();
  if (v === undefined || v === "") return null;
  const n = base === 16 ? parseInt(v.replace(/^0x/i, ""), 16) : parseInt(v, 10);
  return Number.isNaN(n) ? null : n;
}

function hexProp(dev: SysDevice, name: string): number {
  const v = dev.props.get(name);
  return v === undefined ? 0 : parseInt(v, 16) || 0;
}

function decProp(dev: SysDevice, name: string): number {
  const v = dev.props.get(name);
  return v === undefined ? 0 : parseInt(v, 10) || 0;
}

/** udevGetDeviceType: the capability libvirt gives a device, or null for one it skips. */
function deviceType(dev: SysDevice): NodeDevCap["type"] | null {
  const devtype = dev.props.get("DEVTYPE");
  if (devtype !== undefined) {
    switch (devtype) {
      case "usb_device":
        return "usb_device";
      case "usb_interface":
        return "usb";
      case "scsi_host":
        return "scsi_host";
      case "scsi_target":
        return "scsi_target";
      case "scsi_device":
        return "scsi";
      case "disk":
        return "storage";
      case "wlan":
        return "net";
      case "drm_minor":
        return "drm";
    }
    return null;
  }
  let type: NodeDevCap["type"] | null = null;
  if (dev.props.has("PCI_CLASS")) type = "pci";
  if (dev.props.has("INTERFACE")) type = "net";
  if (dev.subsystem === "scsi_generic") type = "scsi_generic";
  return type;
}

// ---- PCI ---------------------------------------------------------------------------------------

function parsePciName(name: string): PciAddress | null {
  const m = /^([0-9a-f]+):([0-9a-f]+):([0-9a-f]+)\.([0-7])$/i.exec(name);
  if (!m) return null;
  return {
    domain: parseInt(m[1]!, 16),
    bus: parseInt(m[2]!, 16),
    slot: parseInt(m[3]!, 16),
    function: parseInt(m[4]!, 16),
  };
}

function linkTarget(path: string): string | null {
  try {
    const t = Deno.readLinkSync(path);
    return t.slice(t.lastIndexOf("/") + 1);
  } catch {
    return null;
  }
}

/** The PCI config space, as far as it can be read (all of it as root). */
function readConfig(dir: string): Uint8Array | null {
  try {
    return Deno.readFileSync(`${dir}/config`);
  } catch {
    return null;
  }
}

/**
 * The PCI Express capability's offset in the config space, or 0 when the
 * capability list does not name one (virPCIDeviceFindCapabilityOffset).
 */
function pcieCapOffset(cfg: Uint8Array): number {
  if (cfg.length < 0x40 || ((cfg[0x06] ?? 0) & 0x10) === 0) return 0;
  let pos = cfg[0x34] ?? 0;
  for (let ttl = 48; ttl > 0 && pos >= 0x40 && pos !== 0xff && pos + 1 < cfg.length; ttl--) {
    if (cfg[pos] === 0x10) return pos;
    pos = cfg[pos + 1] ?? 0;
  }
  return 0;
}

function read16(cfg: Uint8Array, at: number): number {
  return (cfg[at] ?? 0) | ((cfg[at + 1] ?? 0) << 8);
}

function read32(cfg: Uint8Array, at: number): number {
  return (read16(cfg, at) | (read16(cfg, at + 2) << 16)) >>> 0;
}

/**
 * virPCIDeviceIsPCIExpress and the link libvirt reads: a device is PCI
 * Express when its capability list says so or, failing that, when its
 * config space is longer than conventional PCI's 256 bytes; the link's
 * capability and status are read only where the capability was found and
 * the device is not a root-complex integrated endpoint or event collector.
 */
function pciExpress(cfg: Uint8Array): { cap: PcieLink | null; sta: PcieLink | null } | null {
  const pos = pcieCapOffset(cfg);
  if (pos === 0) return cfg.length !== 256 ? { cap: null, sta: null } : null;
  const type = (read16(cfg, pos + 2) & 0x00f0) >> 4;
  if (type === 0x9 || type === 0xa) return { cap: null, sta: null };
  const lnkcap = read32(cfg, pos + 0x0c);
  const lnksta = read16(cfg, pos + 0x12);
  const speed = (n: number) => PCIE_SPEEDS[n] || null;
  return {
    cap: { port: lnkcap >>> 24, speed: speed(lnkcap & 0xf), width: (lnkcap & 0x3f0) >> 4 },
    sta: { port: -1, speed: speed(lnksta & 0xf), width: (lnksta & 0x3f0) >> 4 },
  };
}

function pciCap(
  root: SysRoot,
  dev: SysDevice,
  names: ReturnType<typeof pciNames>,
): NodeDevCap | null {
  const addr = parsePciName(dev.sysname);
  if (!addr) return null;
  const vendor = numberAttr(dev.syspath, "vendor", 16) ?? 0;
  const product = numberAttr(dev.syspath, "device", 16) ?? 0;
  const n = namesOf(names, vendor, product);
  const klass = dev.props.get("PCI_CLASS");
  const physfn = linkTarget(`${dev.syspath}/physfn`);
  const virtfns = listDir(dev.syspath).filter((e) => /^virtfn\d+$/.test(e))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))
    .map((e) => parsePciName(linkTarget(`${dev.syspath}/${e}`) ?? ""))
    .filter((a): a is PciAddress => a !== null);
  const totalVfs = numberAttr(dev.syspath, "sriov_totalvfs", 10);
  const group = linkTarget(`${dev.syspath}/iommu_group`);
  const groupMembers = group === null
    ? []
    : listDir(`${root.sys}/kernel/iommu_groups/${group}/devices`)
      .map(parsePciName).filter((a): a is PciAddress => a !== null);
  const cfg = readConfig(dev.syspath);
  let hdrType: "pci-bridge" | "cardbus-bridge" | null = null;
  let express: { cap: PcieLink | null; sta: PcieLink | null } | null = null;
  if (cfg && cfg.length >= 0x40) {
    const h = (cfg[0x0e] ?? 0) & 0x7f;
    hdrType = h === 1 ? "pci-bridge" : h === 2 ? "cardbus-bridge" : null;
    express = pciExpress(cfg);
  }
  return {
    type: "pci",
    class: klass === undefined ? -1 : parseInt(klass, 16),
    ...addr,
    product,
    productName: n.device,
    vendor,
    vendorName: n.vendor,
    physFunction: physfn === null ? null : parsePciName(physfn),
    virtFunctions: totalVfs !== null && totalVfs > 0
      ? { maxCount: totalVfs, addresses: virtfns }
      : null,
    hdrType,
    mdevTypes: null,
    iommuGroup: group === null ? null : { number: Number(group), addresses: groupMembers },
    numaNode: numberAttr(dev.syspath, "numa_node", 10) ?? -1,
    pciExpress: express,
  };
}

// ---- Storage -----------------------------------------------------------------------------------

/** udevProcessStorage and its helpers: null for a disk libvirt cannot type (loop, zram, …). */
function storageCap(dev: SysDevice): { cap: NodeDevCap; serial: string | null } | null {
  if (!dev.devnode) return null;
  const trim = (s: string | null) => s === null ? null : s.trim() || null;
  const serial = dev.props.get("ID_SERIAL") ?? null;
  let driveType = dev.props.get("ID_TYPE") ?? null;
  if (driveType === null || driveType === "generic") {
    if (dev.props.has("ID_DRIVE_FLOPPY")) driveType = "floppy";
    else if (dev.props.has("ID_CDROM")) driveType = "cd";
    else if (dev.props.has("ID_DRIVE_FLASH_SD")) driveType = "sd";
    else if (dev.devnode.startsWith("/dev/vd") || dev.devnode.startsWith("/dev/nvme")) {
      driveType = "disk";
    } else if (dev.devnode.startsWith("/dev/dasd")) driveType = "dasd";
    else return null;
  }
  const blocks = BigInt(numberAttr(dev.syspath, "size", 10) ?? 0);
  const blockSize = BigInt(numberAttr(dev.syspath, "queue/logical_block_size", 10) ?? 0);
  const cap: Extract<NodeDevCap, { type: "storage" }> = {
    type: "storage",
    block: dev.devnode,
    bus: dev.props.get("ID_BUS") ?? null,
    driveType,
    model: trim(stringAttr(dev.syspath, "device/model")),
    vendor: trim(stringAttr(dev.syspath, "device/vendor")),
    serial,
    size: 0,
    removable: null,
    hotpluggable: false,
  };
  if (driveType === "cd" || driveType === "cd/dvd" || driveType === "floppy") {
    if (driveType !== "floppy") cap.driveType = "cdrom";
    const media = driveType === "floppy"
      ? dev.props.has("ID_FS_LABEL")
      : Number(dev.props.get("ID_CDROM_MEDIA") ?? 0) !== 0;
    if (numberAttr(dev.syspath, "removable", 10) === 1 || media) {
      cap.removable = {
        mediaAvailable: media,
        mediaSize: media ? toSize(blocks * blockSize) : 0,
        mediaLabel: media ? dev.props.get("ID_FS_LABEL") ?? null : null,
      };
      if (media) {
        cap.logicalBlockSize = toSize(blockSize);
        cap.numBlocks = toSize(blocks);
      }
    }
  } else if (driveType === "disk" || driveType === "sd" || driveType === "dasd") {
    if (driveType === "dasd") cap.serial = stringAttr(dev.syspath, "device/uid");
    cap.size = toSize(blocks * blockSize);
    cap.logicalBlockSize = toSize(blockSize);
    cap.numBlocks = toSize(blocks);
  } else {
    return null;
  }
  return { cap, serial: cap.serial };
}

// ---- The rest ----------------------------------------------------------------------------------

function scsiHostCap(root: SysRoot, dev: SysDevice): NodeDevCap | null {
  const m = /^host(\d+)$/.exec(dev.sysname);
  if (!m) return null;
  const host = Number(m[1]);
  const fc = `${root.sys}/class/fc_host/host${host}`;
  const wwn = (name: string) => readAttr(fc, name)?.trim().replace(/^0x/, "") ?? null;
  const wwnn = wwn("node_name"), wwpn = wwn("port_name");
  const maxVports = numberAttr(fc, "max_npiv_vports", 10);
  return {
    type: "scsi_host",
    host,
    uniqueId: numberAttr(`${root.sys}/class/scsi_host/host${host}`, "unique_id", 10) ?? -1,
    fcHost: wwnn !== null && wwpn !== null ? { wwnn, wwpn, fabricWwn: wwn("fabric_name") } : null,
    vportOps: maxVports !== null
      ? { maxVports, vports: numberAttr(fc, "npiv_vports_inuse", 10) ?? 0 }
      : null,
  };
}

function scsiTargetCap(root: SysRoot, dev: SysDevice): NodeDevCap {
  const up = dev.syspath.slice(0, dev.syspath.lastIndexOf("/"));
  const rport = up.slice(up.lastIndexOf("/") + 1);
  const wwpn = rport.startsWith("rport-")
    ? readAttr(`${root.sys}/class/fc_remote_ports/${rport}`, "port_name")?.trim()
      .replace(/^0x/, "") ?? null
    : null;
  return {
    type: "scsi_target",
    target: dev.sysname,
    fcRemotePort: wwpn === null ? null : { rport, wwpn },
  };
}

function scsiCap(dev: SysDevice): NodeDevCap | null {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(dev.sysname);
  if (!m) return null;
  const t = numberAttr(dev.syspath, "type", 10);
  return {
    type: "scsi",
    host: Number(m[1]),
    bus: Number(m[2]),
    target: Number(m[3]),
    lun: Number(m[4]),
    scsiType: t === null ? null : SCSI_TYPES[t] ?? null,
  };
}

function netCap(dev: SysDevice): NodeDevCap {
  const link = linkInfo(dev.syspath);
  return {
    type: "net",
    interface: dev.props.get("INTERFACE") ?? dev.sysname,
    address: stringAttr(dev.syspath, "address"),
    link: { speed: link.speed, state: link.state },
    features: netFeatures(dev.props.get("INTERFACE") ?? dev.sysname),
    subtype: dev.props.get("DEVTYPE") === "wlan" ? "80211" : "80203",
  };
}

/** The `computer` device: DMI's product, hardware and firmware, where the host has DMI. */
export function systemDevice(root: SysRoot): NodeDeviceDef {
  const dmi = [`${root.sys}/devices/virtual/dmi/id`, `${root.sys}/class/dmi/id`]
    .find((d) => hasAttr(d, "uevent"));
  const get = (name: string) => dmi === undefined ? null : stringAttr(dmi, name);
  const uuid = get("product_uuid");
  return {
    name: "computer",
    path: null,
    devnode: null,
    devlinks: [],
    parent: null,
    parentWwnn: null,
    parentWwpn: null,
    parentFabricWwn: null,
    driver: null,
    caps: [{
      type: "system",
      product: get("product_name"),
      hardware: {
        vendor: get("sys_vendor"),
        version: get("product_version"),
        serial: get("product_serial"),
        uuid: uuid && /^[0-9a-f-]{36}$/i.test(uuid)
          ? uuid.toLowerCase()
          : "00000000-0000-0000-0000-000000000000",
      },
      firmware: dmi === undefined ? { vendor: null, version: null, releaseDate: null } : {
        vendor: get("bios_vendor"),
        version: get("bios_version"),
        releaseDate: get("bios_date"),
      },
    }],
  };
}

/** udevAddOneDevice without the parent: the device's def, or null when libvirt skips it. */
function describe(
  root: SysRoot,
  dev: SysDevice,
  names: ReturnType<typeof pciNames>,
): NodeDeviceDef | null {
  const type = deviceType(dev);
  if (type === null) return null;
  const subsystem = dev.subsystem ?? "";
  let cap: NodeDevCap | null = null;
  let name = deviceName(subsystem, dev.sysname, null);
  switch (type) {
    case "pci":
      cap = pciCap(root, dev, names);
      break;
    case "usb_device":
      cap = {
        type: "usb_device",
        bus: decProp(dev, "BUSNUM"),
        device: decProp(dev, "DEVNUM"),
        product: hexProp(dev, "ID_MODEL_ID"),
        productName: dev.props.get("ID_MODEL_FROM_DATABASE") ??
          stringAttr(dev.syspath, "product"),
        vendor: hexProp(dev, "ID_VENDOR_ID"),
        vendorName: dev.props.get("ID_VENDOR_FROM_DATABASE") ??
          stringAttr(dev.syspath, "manufacturer"),
      };
      break;
    case "usb":
      cap = {
        type: "usb",
        number: numberAttr(dev.syspath, "bInterfaceNumber", 16) ?? 0,
        class: numberAttr(dev.syspath, "bInterfaceClass", 16) ?? 0,
        subclass: numberAttr(dev.syspath, "bInterfaceSubClass", 16) ?? 0,
        protocol: numberAttr(dev.syspath, "bInterfaceProtocol", 16) ?? 0,
        description: null,
      };
      break;
    case "net": {
      cap = netCap(dev);
      const address = (cap as { address: string | null }).address;
      name = deviceName(subsystem, dev.sysname, address);
      break;
    }
    case "scsi_host":
      cap = scsiHostCap(root, dev);
      break;
    case "scsi_target":
      cap = scsiTargetCap(root, dev);
      break;
    case "scsi":
      cap = scsiCap(dev);
      break;
    case "storage": {
      const s = storageCap(dev);
      if (!s) return null;
      cap = s.cap;
      name = deviceName(subsystem, dev.sysname, s.serial);
      break;
    }
    case "scsi_generic":
      if (!dev.devnode) return null;
      cap = { type: "scsi_generic", path: dev.devnode };
      break;
    case "drm": {
      const kind = ["primary", "control", "render"][decProp(dev, "MINOR") >> 6];
      if (!dev.props.has("MINOR") || kind === undefined) return null;
      cap = { type: "drm", drmType: kind as "primary" | "control" | "render" };
      break;
    }
  }
  if (cap === null) return null;
  return {
    name,
    path: dev.syspath,
    devnode: dev.devnode,
    devlinks: dev.devlinks,
    parent: null,
    parentWwnn: null,
    parentWwpn: null,
    parentFabricWwn: null,
    driver: dev.props.get("DRIVER") ?? null,
    caps: [cap],
  };
}

/** Every device libvirt's udev driver would list, `computer` first, parents before children. */
export function hostDevices(root: SysRoot): NodeDeviceDef[] {
  const devices = enumerateDevices(root, null).filter((d) =>
    d.subsystem === null || !IGNORED_SUBSYSTEMS.has(d.subsystem)
  );
  const pairs: [number, number][] = devices.filter((d) => d.props.has("PCI_CLASS")).map((d) => [
    numberAttr(d.syspath, "vendor", 16) ?? 0,
    numberAttr(d.syspath, "device", 16) ?? 0,
  ]);
  const names = pciNames(pairs);
  const found: Found[] = [];
  const bySyspath = new Map<string, Found>();
  for (const dev of devices) {
    const def = describe(root, dev, names);
    if (!def) continue;
    // udevSetParent: the nearest ancestor already listed, else the computer.
    for (let p = parentDevice(root, dev); p; p = parentDevice(root, p)) {
      const hit = bySyspath.get(p.syspath);
      if (hit) {
        def.parent = hit.def.name;
        break;
      }
    }
    def.parent ??= "computer";
    const f = { syspath: dev.syspath, def };
    found.push(f);
    bySyspath.set(dev.syspath, f);
  }
  return [systemDevice(root), ...found.map((f) => f.def)];
}
