/**
 * Node device XML as libvirt 9.0 reads and writes it (node_device_conf). The
 * test driver's devices and its vHBA mock are in src/drivers/test/.
 *
 * @module
 */

import type { XmlElement } from "../util/xml.ts";
import { XmlWriter } from "../util/xml_writer.ts";
import { parseUUID } from "../util/uuid.ts";
import { parseXmlDocument } from "../util/xml_error.ts";
import { parsePciAddress, type PciAddress, type Size, toSize } from "./storage_xml.ts";
import { type Base, strToInt, strToUIntP, strToULongLongP } from "../util/strtol.ts";
import {
  prop,
  propEnum,
  propInt,
  propUInt,
  stringValue,
  xpathAttr,
  xpathNode,
  xpathNodes,
  xpathString,
} from "../util/xml_props.ts";
import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NAME,
  VIR_ERR_XML_ERROR,
  VIR_FROM_NODEDEV,
} from "../rpc/error_codes.ts";

// =====================================================================================
// Definitions
// =====================================================================================

/** Capability types, in libvirt's enum order (the index is the number in its errors). */
export const NODE_DEV_CAP_TYPES = [
  "system",
  "pci",
  "usb_device",
  "usb",
  "net",
  "scsi_host",
  "scsi_target",
  "scsi",
  "storage",
  "fc_host",
  "vports",
  "scsi_generic",
  "drm",
  "mdev_types",
  "mdev",
  "ccw",
  "css",
  "vdpa",
  "ap_card",
  "ap_queue",
  "ap_matrix",
  "vpd",
] as const;
export type NodeDevCapType = typeof NODE_DEV_CAP_TYPES[number];

export interface MdevType {
  id: string;
  name: string | null;
  deviceAPI: string;
  availableInstances: number;
}

export interface PcieLink {
  /** -1 = not given. */
  port: number;
  speed: string | null;
  width: number;
}

export interface CcwAddress {
  cssid: number;
  ssid: number;
  devno: number;
}

export type NodeDevCap =
  | {
    type: "system";
    product: string | null;
    hardware: {
      vendor: string | null;
      version: string | null;
      serial: string | null;
      uuid: string;
    };
    firmware: { vendor: string | null; version: string | null; releaseDate: string | null };
  }
  | {
    type: "pci";
    /** -1 (or any negative) = not given. */
    class: number;
    domain: number;
    bus: number;
    slot: number;
    function: number;
    product: number;
    productName: string | null;
    vendor: number;
    vendorName: string | null;
    physFunction: PciAddress | null;
    /** null = no virt_functions capability. */
    virtFunctions: { maxCount: number; addresses: PciAddress[] } | null;
    hdrType: "pci-bridge" | "cardbus-bridge" | null;
    /** null = no mdev_types capability. */
    mdevTypes: MdevType[] | null;
    iommuGroup: { number: number; addresses: PciAddress[] } | null;
    /** negative = not given. */
    numaNode: number;
    pciExpress: { cap: PcieLink | null; sta: PcieLink | null } | null;
  }
  | {
    type: "usb_device";
    bus: number;
    device: number;
    product: number;
    productName: string | null;
    vendor: number;
    vendorName: string | null;
  }
  | {
    type: "usb";
    number: number;
    class: number;
    subclass: number;
    protocol: number;
    description: string | null;
  }
  | {
    type: "net";
    interface: string;
    address: string | null;
    link: { speed: number; state: string | null };
    /** Feature names in libvirt's order. */
    features: string[];
    subtype: "80203" | "80211" | null;
  }
  | {
    type: "scsi_host";
    host: number;
    /** -1 = not given. */
    uniqueId: number;
    fcHost: { wwnn: string; wwpn: string; fabricWwn: string | null } | null;
    vportOps: { maxVports: number; vports: number } | null;
  }
  | {
    type: "scsi_target";
    target: string;
    fcRemotePort: { rport: string; wwpn: string } | null;
  }
  | {
    type: "scsi";
    host: number;
    bus: number;
    target: number;
    lun: number;
    scsiType: string | null;
  }
  | {
    type: "storage";
    block: string;
    bus: string | null;
    driveType: string | null;
    model: string | null;
    vendor: string | null;
    serial: string | null;
    size: Size;
    removable: { mediaAvailable: boolean; mediaSize: Size; mediaLabel: string | null } | null;
    /** What udev reads of a host's disk (never parsed from XML); 0 or absent = not given. */
    logicalBlockSize?: Size;
    numBlocks?: Size;
    hotpluggable: boolean;
  }
  | { type: "drm"; drmType: "primary" | "control" | "render" }
  | { type: "scsi_generic"; path: string }
  | {
    type: "mdev";
    mdevType: string;
    uuid: string | null;
    iommuGroup: number;
    attrs: { name: string; value: string }[];
  }
  | ({ type: "ccw" } & CcwAddress)
  | ({ type: "css"; channelDevAddr: CcwAddress | null; mdevTypes: MdevType[] | null } & CcwAddress)
  | { type: "ap_card"; adapter: number }
  | { type: "ap_queue"; adapter: number; domain: number }
  | { type: "ap_matrix"; mdevTypes: MdevType[] | null };

export interface NodeDeviceDef {
  name: string;
  /** sysfs path (`<path>`). */
  path: string | null;
  devnode: string | null;
  devlinks: string[];
  parent: string | null;
  parentWwnn: string | null;
  parentWwpn: string | null;
  parentFabricWwn: string | null;
  /** Never read from XML (udev fills it); formatted when set. */
  driver: string | null;
  caps: NodeDevCap[];
}

// =====================================================================================
// Parsing
// =====================================================================================

const NET_FEATURES = [
  "rx",
  "tx",
  "sg",
  "tso",
  "gso",
  "gro",
  "lro",
  "rxvlan",
  "txvlan",
  "ntuple",
  "rxhash",
  "rdma",
  "txudptnl",
  "switchdev",
];
const LINK_STATES = [
  "",
  "unknown",
  "notpresent",
  "down",
  "lowerlayerdown",
  "testing",
  "dormant",
  "up",
] as const;
const PCIE_SPEEDS = ["", "2.5", "5", "8", "16", "32", "64"] as const;

function internal(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_NODEDEV, detail);
}

function xmlError(detail: string): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_NODEDEV, detail);
}

function unsupported(detail: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_NODEDEV, detail);
}

/** A required unsigned int child: "no X supplied" / "invalid X supplied" for the device. */
function reqUInt(
  node: XmlElement,
  child: string,
  what: string,
  dev: string,
  base: Base = 10,
): number {
  const s = xpathString(node, child);
  if (s === null) throw internal(`no ${what} supplied for '${dev}'`);
  const v = strToUIntP(s, base);
  if (v === null) throw internal(`invalid ${what} supplied for '${dev}'`);
  return v;
}

/** A required hex id attribute (`<vendor id='0x8086'>`). */
function reqHexId(node: XmlElement, child: string, what: string, dev: string): number {
  const s = xpathAttr(node, "id", child);
  if (s === null) throw internal(`no ${what} supplied for '${dev}'`);
  const v = strToUIntP(s, 16);
  if (v === null) throw internal(`invalid ${what} supplied for '${dev}'`);
  return v;
}

function reqULongLong(node: XmlElement, child: string, what: string, dev: string): Size {
  const s = xpathString(node, child);
  if (s === null) throw internal(`no ${what} supplied for '${dev}'`);
  const v = strToULongLongP(s, 10);
  if (v === null) throw internal(`invalid ${what} supplied for '${dev}'`);
  return toSize(v);
}

function parseMdevTypes(node: XmlElement, into: MdevType[]): void {
  for (const t of xpathNodes(node, "type")) {
    const id = xpathAttr(t, "id");
    if (id === null) throw xmlError("missing 'id' attribute for mediated device's <type> element");
    const deviceAPI = xpathString(t, "deviceAPI");
    if (deviceAPI === null) throw xmlError(`missing device API for mediated device type '${id}'`);
    const inst = xpathString(t, "availableInstances");
    const availableInstances = inst === null ? null : strToUIntP(inst, 10);
    if (availableInstances === null) {
      throw xmlError(`missing number of available instances for mediated device type '${id}'`);
    }
    into.push({ id, name: xpathString(t, "name"), deviceAPI, availableInstances });
  }
}

function parsePcieLink(node: XmlElement): PcieLink {
  const width = propUInt(node, "width", 10, { required: true })!;
  const speed = propEnum(node, "speed", PCIE_SPEEDS, { nonzero: true });
  const port = propInt(node, "port", 10) ?? -1;
  return { port, speed, width };
}

function parsePci(node: XmlElement, dev: string): NodeDevCap {
  let klass = -1;
  const cls = xpathString(node, "class");
  if (cls !== null) {
    const v = strToInt(cls, 16);
    if (v === null || v > 0xffffff) throw internal(`invalid PCI class supplied for '${dev}'`);
    klass = v;
  }
  const cap: Extract<NodeDevCap, { type: "pci" }> = {
    type: "pci",
    class: klass,
    domain: reqUInt(node, "domain", "PCI domain ID", dev),
    bus: reqUInt(node, "bus", "PCI bus ID", dev),
    slot: reqUInt(node, "slot", "PCI slot ID", dev),
    function: reqUInt(node, "function", "PCI function ID", dev),
    vendor: reqHexId(node, "vendor", "PCI vendor ID", dev),
    product: reqHexId(node, "product", "PCI product ID", dev),
    vendorName: xpathString(node, "vendor"),
    productName: xpathString(node, "product"),
    physFunction: null,
    virtFunctions: null,
    hdrType: null,
    mdevTypes: null,
    iommuGroup: null,
    numaNode: -1,
    pciExpress: null,
  };
  for (const sub of xpathNodes(node, "capability")) {
    const t = prop(sub, "type");
    if (t === null) throw xmlError("Missing capability type");
    if (t === "phys_function") {
      const a = xpathNode(sub, "address");
      if (!a) throw xmlError("Missing address in 'phys_function' capability");
      cap.physFunction = parsePciAddress(a);
    } else if (t === "virt_functions") {
      const max = xpathAttr(sub, "maxCount");
      let maxCount = 0;
      if (max !== null) {
        const v = strToUIntP(max, 10);
        if (v === null) throw xmlError("Malformed 'maxCount' parameter");
        maxCount = v;
      }
      const addresses = xpathNodes(sub, "address").map(parsePciAddress);
      cap.virtFunctions = {
        maxCount,
        addresses: [...(cap.virtFunctions?.addresses ?? []), ...addresses],
      };
    } else if (t === "mdev_types") {
      cap.mdevTypes ??= [];
      parseMdevTypes(sub, cap.mdevTypes);
    } else if ((t === "pci-bridge" || t === "cardbus-bridge") && cap.hdrType === null) {
      cap.hdrType = t;
    }
  }
  const iommu = xpathNode(node, "iommuGroup");
  if (iommu) {
    const number = propUInt(iommu, "number", 10, { required: true })!;
    cap.iommuGroup = { number, addresses: xpathNodes(iommu, "address").map(parsePciAddress) };
  }
  const numa = xpathAttr(node, "node", "numa");
  if (numa !== null) {
    const v = strToInt(numa, 10);
    if (v === null) throw internal(`invalid NUMA node ID supplied for '${dev}'`);
    cap.numaNode = v;
  }
  const pcie = xpathNode(node, "pci-express");
  if (pcie) {
    const link = (v: string) => {
      const l = xpathNodes(pcie, "link").find((e) => prop(e, "validity") === v);
      return l ? parsePcieLink(l) : null;
    };
    cap.pciExpress = { cap: link("cap"), sta: link("sta") };
  }
  return cap;
}

function parseScsiHost(node: XmlElement, dev: string, create: boolean): NodeDevCap {
  let host = 0, uniqueId = 0;
  if (!create) {
    host = reqUInt(node, "host", "SCSI host ID", dev);
    uniqueId = -1;
    const u = xpathString(node, "unique_id");
    if (u !== null) {
      const v = strToInt(u, 10);
      if (v === null) throw internal(`invalid unique_id supplied for '${dev}'`);
      uniqueId = v;
    }
  }
  let fcHost: { wwnn: string; wwpn: string; fabricWwn: string | null } | null = null;
  let vportOps: { maxVports: number; vports: number } | null = null;
  for (const sub of xpathNodes(node, "capability")) {
    const t = prop(sub, "type");
    if (t === null) throw internal(`missing SCSI host capability type for '${dev}'`);
    if (t === "vport_ops") {
      vportOps = { maxVports: 0, vports: 0 };
    } else if (t === "fc_host") {
      // With no WWN given libvirt generates one, which fails for the test driver.
      const wwnn = xpathString(sub, "wwnn");
      if (wwnn === null) {
        throw internal(`no WWNN supplied for '${dev}', and auto-generation failed`);
      }
      const wwpn = xpathString(sub, "wwpn");
      if (wwpn === null) {
        throw internal(`no WWPN supplied for '${dev}', and auto-generation failed`);
      }
      fcHost = { wwnn, wwpn, fabricWwn: xpathString(sub, "fabric_wwn") };
    } else {
      throw internal(`unknown SCSI host capability type '${t}' for '${dev}'`);
    }
  }
  return { type: "scsi_host", host, uniqueId, fcHost, vportOps };
}

function parseCcwAddress(node: XmlElement, dev: string): CcwAddress {
  const field = (name: "cssid" | "ssid" | "devno", base: Base) => {
    const s = xpathString(node, name);
    if (s === null) throw unsupported(`missing ${name} value for '${dev}'`);
    const v = strToUIntP(s, base);
    if (v === null) throw unsupported(`invalid ${name} value '${s}' for '${dev}'`);
    return v;
  };
  return { cssid: field("cssid", 0), ssid: field("ssid", 0), devno: field("devno", 16) };
}

function parseApAdapter(node: XmlElement, dev: string): number {
  const s = xpathString(node, "ap-adapter");
  if (s === null) throw unsupported(`missing ap-adapter value for '${dev}'`);
  const v = strToUIntP(s, 0);
  if (v === null) throw unsupported(`invalid ap-adapter value '${s}' for '${dev}'`);
  return v;
}

function parseCap(node: XmlElement, dev: string, create: boolean): NodeDevCap {
  const type = propEnum(node, "type", NODE_DEV_CAP_TYPES, { required: true })!;
  switch (type) {
    case "system": {
      const uuidStr = xpathString(node, "hardware", "uuid");
      if (uuidStr === null) throw internal(`no system UUID supplied for '${dev}'`);
      const uuid = parseUUID(uuidStr);
      if (!uuid) throw internal(`malformed uuid element for '${dev}'`);
      return {
        type,
        product: xpathString(node, "product"),
        hardware: {
          vendor: xpathString(node, "hardware", "vendor"),
          version: xpathString(node, "hardware", "version"),
          serial: xpathString(node, "hardware", "serial"),
          uuid,
        },
        firmware: {
          vendor: xpathString(node, "firmware", "vendor"),
          version: xpathString(node, "firmware", "version"),
          releaseDate: xpathString(node, "firmware", "release_date"),
        },
      };
    }
    case "pci":
      return parsePci(node, dev);
    case "usb_device":
      return {
        type,
        bus: reqUInt(node, "bus", "USB bus number", dev),
        device: reqUInt(node, "device", "USB device number", dev),
        vendor: reqHexId(node, "vendor", "USB vendor ID", dev),
        product: reqHexId(node, "product", "USB product ID", dev),
        vendorName: xpathString(node, "vendor"),
        productName: xpathString(node, "product"),
      };
    case "usb":
      return {
        type,
        number: reqUInt(node, "number", "USB interface number", dev),
        class: reqUInt(node, "class", "USB interface class", dev),
        subclass: reqUInt(node, "subclass", "USB interface subclass", dev),
        protocol: reqUInt(node, "protocol", "USB interface protocol", dev),
        description: xpathString(node, "description"),
      };
    case "net": {
      const iface = xpathString(node, "interface");
      if (iface === null) throw internal(`no network interface supplied for '${dev}'`);
      const seen = new Set<string>();
      for (const f of xpathNodes(node, "feature")) {
        const name = prop(f, "name");
        if (name === null) throw xmlError("missing network device feature name");
        if (!NET_FEATURES.includes(name)) {
          throw xmlError(`unknown network device feature '${name}'`);
        }
        seen.add(name);
      }
      let subtype: "80203" | "80211" | null = null;
      const st = xpathAttr(node, "type", "capability");
      if (st !== null) {
        if (st !== "80203" && st !== "80211") {
          throw unsupported(`invalid network type supplied for '${dev}'`);
        }
        subtype = st;
      }
      const link = { speed: 0, state: null as string | null };
      const ln = xpathNode(node, "link");
      if (ln) {
        link.state = propEnum(ln, "state", LINK_STATES, { nonzero: true });
        link.speed = propUInt(ln, "speed", 10) ?? 0;
      }
      return {
        type,
        interface: iface,
        address: xpathString(node, "address"),
        link,
        features: NET_FEATURES.filter((f) => seen.has(f)),
        subtype,
      };
    }
    case "scsi_host":
      return parseScsiHost(node, dev, create);
    case "scsi_target": {
      const target = xpathString(node, "target");
      if (target === null) throw internal(`no target name supplied for '${dev}'`);
      let fcRemotePort = null;
      for (const sub of xpathNodes(node, "capability")) {
        const t = prop(sub, "type");
        if (t === null) throw internal(`missing type for SCSI target capability for '${dev}'`);
        if (t !== "fc_remote_port") {
          throw internal(`unknown SCSI target capability type '${t}' for '${dev}'`);
        }
        const rport = xpathString(sub, "rport");
        if (rport === null) throw internal(`missing rport name for '${dev}'`);
        const wwpn = xpathString(sub, "wwpn");
        if (wwpn === null) throw internal(`missing wwpn identifier for '${dev}'`);
        fcRemotePort = { rport, wwpn };
      }
      return { type, target, fcRemotePort };
    }
    case "scsi":
      return {
        type,
        host: reqUInt(node, "host", "SCSI host ID", dev),
        bus: reqUInt(node, "bus", "SCSI bus ID", dev),
        target: reqUInt(node, "target", "SCSI target ID", dev),
        lun: reqUInt(node, "lun", "SCSI LUN ID", dev),
        scsiType: xpathString(node, "type"),
      };
    case "storage": {
      const block = xpathString(node, "block");
      if (block === null) throw internal(`no block device path supplied for '${dev}'`);
      const cap: Extract<NodeDevCap, { type: "storage" }> = {
        type,
        block,
        bus: xpathString(node, "bus"),
        driveType: xpathString(node, "drive_type"),
        model: xpathString(node, "model"),
        vendor: xpathString(node, "vendor"),
        serial: xpathString(node, "serial"),
        size: 0,
        removable: null,
        hotpluggable: false,
      };
      for (const sub of xpathNodes(node, "capability")) {
        const t = prop(sub, "type");
        if (t === null) throw internal(`missing storage capability type for '${dev}'`);
        if (t === "hotpluggable") cap.hotpluggable = true;
        else if (t === "removable") {
          cap.removable = {
            mediaAvailable: xpathNodes(sub, "media_available").some((m) => stringValue(m) === "1"),
            mediaLabel: xpathString(sub, "media_label"),
            mediaSize: reqULongLong(sub, "media_size", "removable media size", dev),
          };
        } else throw internal(`unknown storage capability type '${t}' for '${dev}'`);
      }
      if (!cap.removable) cap.size = reqULongLong(node, "size", "size", dev);
      return cap;
    }
    case "drm": {
      const t = xpathString(node, "type");
      if (t !== "primary" && t !== "control" && t !== "render") {
        throw unsupported(`unknown drm type '${t ?? "(null)"}' for '${dev}'`);
      }
      return { type, drmType: t };
    }
    case "mdev": {
      const mdevType = xpathAttr(node, "id", "type");
      if (mdevType === null) throw unsupported(`missing type id attribute for '${dev}'`);
      let uuid: string | null = null;
      const u = xpathString(node, "uuid");
      if (u !== null) {
        uuid = parseUUID(u);
        if (!uuid) throw internal(`Invalid uuid '${u}' for new mdev device`);
      }
      let iommuGroup = 0;
      const ig = xpathAttr(node, "number", "iommuGroup");
      if (ig !== null) {
        const v = strToUIntP(ig, 10);
        if (v === null) throw internal(`invalid iommuGroup number attribute for '${dev}'`);
        iommuGroup = v;
      }
      const attrs: { name: string; value: string }[] = [];
      for (const a of xpathNodes(node, "attr")) {
        // An incomplete <attr> is dropped: libvirt ignores the failure.
        const name = xpathAttr(a, "name"), value = xpathAttr(a, "value");
        if (name !== null && value !== null) attrs.push({ name, value });
      }
      return { type, mdevType, uuid, iommuGroup, attrs };
    }
    case "ccw":
      return { type, ...parseCcwAddress(node, dev) };
    case "css": {
      const addr = parseCcwAddress(node, dev);
      let mdevTypes: MdevType[] | null = null;
      for (const sub of xpathNodes(node, "capability")) {
        const t = prop(sub, "type");
        if (t === null) throw xmlError("Missing capability type");
        if (t === "mdev_types") parseMdevTypes(sub, mdevTypes ??= []);
      }
      const ch = xpathNode(node, "channel_dev_addr");
      return { type, ...addr, channelDevAddr: ch ? parseCcwAddress(ch, dev) : null, mdevTypes };
    }
    case "ap_card":
      return { type, adapter: parseApAdapter(node, dev) };
    case "ap_queue": {
      const adapter = parseApAdapter(node, dev);
      const s = xpathString(node, "ap-domain");
      if (s === null) throw unsupported(`missing ap-domain value for '${dev}'`);
      const domain = strToUIntP(s, 0);
      if (domain === null) throw unsupported(`invalid ap-domain value '${s}' for '${dev}'`);
      if (domain > 255) throw unsupported(`ap-domain value '${s}' is out of range for '${dev}'`);
      return { type, adapter, domain };
    }
    case "ap_matrix": {
      let mdevTypes: MdevType[] | null = null;
      for (const sub of xpathNodes(node, "capability")) {
        const t = prop(sub, "type");
        if (t === null) throw xmlError("Missing capability type");
        if (t === "mdev_types") parseMdevTypes(sub, mdevTypes ??= []);
      }
      return { type, mdevTypes };
    }
    default:
      throw internal(`unknown capability type '${NODE_DEV_CAP_TYPES.indexOf(type)}' for '${dev}'`);
  }
}

function parseDeviceElement(root: XmlElement, create: boolean): NodeDeviceDef {
  let name = "new device";
  if (!create) {
    const n = xpathString(root, "name");
    if (n === null) throw VirError.of(VIR_ERR_NO_NAME, VIR_FROM_NODEDEV);
    name = n;
  }
  const def: NodeDeviceDef = {
    name,
    path: xpathString(root, "path"),
    devnode: null,
    devlinks: [],
    parent: null,
    parentWwnn: null,
    parentWwpn: null,
    parentFabricWwn: null,
    driver: null,
    caps: [],
  };
  for (const d of xpathNodes(root, "devnode")) {
    const t = propEnum(d, "type", ["dev", "link"] as const, { required: true });
    if (t === "dev") def.devnode = stringValue(d);
    else def.devlinks.push(stringValue(d));
  }
  def.parent = xpathString(root, "parent");
  def.parentWwnn = xpathAttr(root, "wwnn", "parent");
  def.parentWwpn = xpathAttr(root, "wwpn", "parent");
  if (def.parentWwnn !== null && def.parentWwpn === null) {
    throw xmlError(
      `when providing parent wwnn='${def.parentWwnn}', the wwpn must also be provided`,
    );
  }
  if (def.parentWwnn === null && def.parentWwpn !== null) {
    throw xmlError(
      `when providing parent wwpn='${def.parentWwpn}', the wwnn must also be provided`,
    );
  }
  def.parentFabricWwn = xpathAttr(root, "fabric_wwn", "parent");
  const caps = xpathNodes(root, "capability");
  if (caps.length === 0) throw internal(`no device capabilities for '${name}'`);
  for (const c of caps) def.caps.push(parseCap(c, name, create));
  return def;
}

/**
 * Parses a node device. mode "create" reads it as virNodeDeviceCreateXML
 * does (the name is "new device", a scsi_host's host and unique_id are not
 * read, missing WWNs fail as the test driver cannot generate them); mode
 * "existing" as a device a driver reports (the test driver's own devices).
 */
export function parseNodeDeviceXML(
  xml: string,
  mode: "create" | "existing" = "create",
): NodeDeviceDef {
  const root = parseXmlDocument(xml, "(node_device_definition)", VIR_FROM_NODEDEV, "device");
  return parseDeviceElement(root, mode === "create");
}

// =====================================================================================
// Formatting
// =====================================================================================

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

function pciAddressLine(a: PciAddress): string {
  return `<address domain='0x${hex(a.domain, 4)}' bus='0x${hex(a.bus, 2)}' slot='0x${
    hex(a.slot, 2)
  }' function='0x${a.function}'/>`;
}

function formatMdevTypes(w: XmlWriter, types: MdevType[] | null): void {
  if (!types || types.length === 0) return;
  w.open("capability", [["type", "mdev_types"]]);
  for (const t of types) {
    w.open("type", [["id", t.id]]);
    if (t.name !== null) w.text("name", t.name);
    w.text("deviceAPI", t.deviceAPI);
    w.text("availableInstances", t.availableInstances);
    w.close("type");
  }
  w.close("capability");
}

function formatCcw(w: XmlWriter, a: CcwAddress): void {
  w.text("cssid", `0x${a.cssid.toString(16)}`);
  w.text("ssid", `0x${a.ssid.toString(16)}`);
  w.text("devno", `0x${hex(a.devno, 4)}`);
}

/** `<product id='0x…'>name</product>`, or the empty form (`usbSpace`: USB's " />"). */
function idElement(w: XmlWriter, tag: string, id: number, name: string | null, usbSpace: boolean) {
  if (name !== null) w.text(tag, name, [["id", `0x${hex(id, 4)}`]]);
  else w.raw(`<${tag} id='0x${hex(id, 4)}'${usbSpace ? " />" : "/>"}`);
}

/** A storage capability's logical block size and block count, where udev gave them. */
function blockCounts(w: XmlWriter, cap: { logicalBlockSize?: Size; numBlocks?: Size }): void {
  if (cap.logicalBlockSize && cap.logicalBlockSize !== "0") {
    w.text("logical_block_size", String(cap.logicalBlockSize));
  }
  if (cap.numBlocks && cap.numBlocks !== "0") w.text("num_blocks", String(cap.numBlocks));
}

function formatCap(w: XmlWriter, cap: NodeDevCap): void {
  w.open("capability", [["type", cap.type]]);
  switch (cap.type) {
    case "system": {
      if (cap.product !== null) w.text("product", cap.product);
      const h = cap.hardware, f = cap.firmware;
      w.open("hardware");
      if (h.vendor !== null) w.text("vendor", h.vendor);
      if (h.version !== null) w.text("version", h.version);
      if (h.serial !== null) w.text("serial", h.serial);
      w.text("uuid", h.uuid);
      w.close("hardware");
      w.open("firmware");
      if (f.vendor !== null) w.text("vendor", f.vendor);
      if (f.version !== null) w.text("version", f.version);
      if (f.releaseDate !== null) w.text("release_date", f.releaseDate);
      w.close("firmware");
      break;
    }
    case "pci": {
      if (cap.class >= 0) w.text("class", `0x${hex(cap.class, 6)}`);
      w.text("domain", cap.domain | 0);
      w.text("bus", cap.bus | 0);
      w.text("slot", cap.slot | 0);
      w.text("function", cap.function | 0);
      idElement(w, "product", cap.product, cap.productName, false);
      idElement(w, "vendor", cap.vendor, cap.vendorName, false);
      if (cap.physFunction) {
        w.open("capability", [["type", "phys_function"]]);
        w.raw(pciAddressLine(cap.physFunction));
        w.close("capability");
      }
      if (cap.virtFunctions) {
        const a: [string, string | number | null][] = [
          ["type", "virt_functions"],
          ["maxCount", cap.virtFunctions.maxCount || null],
        ];
        if (cap.virtFunctions.addresses.length === 0) w.empty("capability", a);
        else {
          w.open("capability", a);
          for (const addr of cap.virtFunctions.addresses) w.raw(pciAddressLine(addr));
          w.close("capability");
        }
      }
      if (cap.hdrType !== null) w.empty("capability", [["type", cap.hdrType]]);
      formatMdevTypes(w, cap.mdevTypes);
      if (cap.iommuGroup && cap.iommuGroup.addresses.length > 0) {
        w.open("iommuGroup", [["number", cap.iommuGroup.number | 0]]);
        for (const addr of cap.iommuGroup.addresses) w.raw(pciAddressLine(addr));
        w.close("iommuGroup");
      }
      if (cap.numaNode >= 0) w.empty("numa", [["node", cap.numaNode]]);
      if (cap.pciExpress) {
        const { cap: lc, sta } = cap.pciExpress;
        if (!lc && !sta) w.empty("pci-express");
        else {
          w.open("pci-express");
          for (const [v, l] of [["cap", lc], ["sta", sta]] as const) {
            if (!l) continue;
            w.empty("link", [
              ["validity", v],
              ["port", l.port >= 0 ? l.port : null],
              ["speed", l.speed],
              ["width", l.width | 0],
            ]);
          }
          w.close("pci-express");
        }
      }
      break;
    }
    case "usb_device":
      w.text("bus", cap.bus | 0);
      w.text("device", cap.device | 0);
      idElement(w, "product", cap.product, cap.productName, true);
      idElement(w, "vendor", cap.vendor, cap.vendorName, true);
      break;
    case "usb":
      w.text("number", cap.number | 0);
      w.text("class", cap.class | 0);
      w.text("subclass", cap.subclass | 0);
      w.text("protocol", cap.protocol | 0);
      if (cap.description !== null) w.text("description", cap.description);
      break;
    case "net":
      w.text("interface", cap.interface);
      if (cap.address !== null) w.text("address", cap.address);
      if (cap.link.speed || cap.link.state) {
        w.empty("link", [["speed", cap.link.speed || null], ["state", cap.link.state]]);
      }
      for (const f of cap.features) w.empty("feature", [["name", f]]);
      if (cap.subtype !== null) w.empty("capability", [["type", cap.subtype]]);
      break;
    case "scsi_host":
      w.text("host", cap.host | 0);
      if (cap.uniqueId !== -1) w.text("unique_id", cap.uniqueId);
      if (cap.fcHost) {
        w.open("capability", [["type", "fc_host"]]);
        w.text("wwnn", cap.fcHost.wwnn);
        w.text("wwpn", cap.fcHost.wwpn);
        if (cap.fcHost.fabricWwn !== null) w.text("fabric_wwn", cap.fcHost.fabricWwn);
        w.close("capability");
      }
      if (cap.vportOps) {
        w.open("capability", [["type", "vport_ops"]]);
        w.text("max_vports", cap.vportOps.maxVports);
        w.text("vports", cap.vportOps.vports);
        w.close("capability");
      }
      break;
    case "scsi_target":
      w.text("target", cap.target);
      if (cap.fcRemotePort) {
        w.open("capability", [["type", "fc_remote_port"]]);
        w.raw(`<rport>${cap.fcRemotePort.rport}</rport>`);
        w.raw(`<wwpn>${cap.fcRemotePort.wwpn}</wwpn>`);
        w.close("capability");
      }
      break;
    case "scsi":
      w.text("host", cap.host | 0);
      w.text("bus", cap.bus | 0);
      w.text("target", cap.target | 0);
      w.text("lun", cap.lun | 0);
      if (cap.scsiType !== null) w.text("type", cap.scsiType);
      break;
    case "storage":
      w.text("block", cap.block);
      if (cap.bus !== null) w.text("bus", cap.bus);
      if (cap.driveType !== null) w.text("drive_type", cap.driveType);
      if (cap.model !== null) w.text("model", cap.model);
      if (cap.vendor !== null) w.text("vendor", cap.vendor);
      if (cap.serial !== null) w.text("serial", cap.serial);
      if (cap.removable) {
        w.open("capability", [["type", "removable"]]);
        w.text("media_available", cap.removable.mediaAvailable ? 1 : 0);
        w.text("media_size", String(cap.removable.mediaSize));
        if (cap.removable.mediaLabel !== null) w.text("media_label", cap.removable.mediaLabel);
        blockCounts(w, cap);
        w.close("capability");
      } else {
        w.text("size", String(cap.size));
        blockCounts(w, cap);
      }
      if (cap.hotpluggable) w.empty("capability", [["type", "hotpluggable"]]);
      break;
    case "drm":
      w.text("type", cap.drmType);
      break;
    case "scsi_generic":
      w.text("char", cap.path);
      break;
    case "mdev":
      w.empty("type", [["id", cap.mdevType]]);
      if (cap.uuid !== null) w.text("uuid", cap.uuid);
      w.empty("iommuGroup", [["number", cap.iommuGroup]]);
      for (const a of cap.attrs) w.raw(`<attr name='${a.name}' value='${a.value}'/>`);
      break;
    case "ccw":
      formatCcw(w, cap);
      break;
    case "css":
      formatCcw(w, cap);
      if (cap.channelDevAddr) {
        w.open("channel_dev_addr");
        formatCcw(w, cap.channelDevAddr);
        w.close("channel_dev_addr");
      }
      formatMdevTypes(w, cap.mdevTypes);
      break;
    case "ap_card":
      w.text("ap-adapter", `0x${hex(cap.adapter, 2)}`);
      break;
    case "ap_queue":
      w.text("ap-adapter", `0x${hex(cap.adapter, 2)}`);
      w.text("ap-domain", `0x${hex(cap.domain, 4)}`);
      break;
    case "ap_matrix":
      formatMdevTypes(w, cap.mdevTypes);
      break;
  }
  w.close("capability");
}

/** virNodeDeviceDefFormat, as nodedev-dumpxml shows a device. */
export function formatNodeDeviceXML(def: NodeDeviceDef): string {
  const w = new XmlWriter();
  w.open("device");
  w.text("name", def.name);
  if (def.path !== null) w.text("path", def.path);
  if (def.devnode !== null) w.text("devnode", def.devnode, [["type", "dev"]]);
  for (const l of def.devlinks) w.text("devnode", l, [["type", "link"]]);
  if (def.parent !== null) w.text("parent", def.parent);
  if (def.driver !== null) w.open("driver").text("name", def.driver).close("driver");
  for (const c of def.caps) formatCap(w, c);
  w.close("device");
  return w.toString();
}

// =====================================================================================
// Capabilities and the test driver's devices
// =====================================================================================

/** What virNodeDeviceListCaps returns: the capability types, in order. */
export function capabilityNames(def: NodeDeviceDef): string[] {
  return def.caps.map((c) => c.type);
}

/**
 * Whether a device counts as having capability `cap` when devices are listed
 * by capability (virNodeDeviceObjHasCap): its own types, plus fc_host and
 * vports for HBAs, mdev_types for devices that offer mediated types.
 */
export function deviceHasCap(def: NodeDeviceDef, cap: string): boolean {
  for (const c of def.caps) {
    if (c.type === cap) return true;
    if (c.type === "scsi_host") {
      if (cap === "fc_host" && c.fcHost) return true;
      if (cap === "vports" && c.vportOps) return true;
    }
    if (
      cap === "mdev_types" && (c.type === "pci" || c.type === "css" || c.type === "ap_matrix") &&
      c.mdevTypes !== null
    ) return true;
  }
  return false;
}
