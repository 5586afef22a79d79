/**
 * Storage pool and storage volume XML as libvirt 9.0 reads and writes it for
 * the test driver (test:///default), with the pool defaults and volume paths
 * and keys its parse applies, the pool list's conflict checks, and what
 * nodedev_xml.ts shares: sizes, unit scaling, PCI addresses. The test
 * driver's own volume checks and accounting are in src/drivers/test/.
 *
 * @module
 */

import { generateUUID, parseUUID } from "../util/uuid.ts";
import type { XmlElement } from "../util/xml.ts";
import { strToInt, strToLongLong, strToUInt, strToULongLongP } from "../util/strtol.ts";
import {
  prop,
  propEnum,
  propInt,
  propTristate,
  propUInt,
  xpathAttr,
  xpathNode,
  xpathNodes,
  xpathString,
} from "../util/xml_props.ts";
import { parseXmlDocument } from "../util/xml_error.ts";
import { escapeXml, XmlWriter } from "../util/xml_writer.ts";
import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OVERFLOW,
  VIR_ERR_XML_DETAIL,
  VIR_ERR_XML_ERROR,
  VIR_FROM_NONE,
  VIR_FROM_STORAGE,
  VIR_FROM_XML,
} from "../rpc/error_codes.ts";

// =====================================================================================
// Shared groundwork (also used by nodedev_xml.ts)
// =====================================================================================

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** virStrToLong_ui as virStorageCheckCompat uses it: an unsigned int, "-N" wrapping. */
function isUInt(s: string): boolean {
  return strToUInt(s) !== null;
}

/** A byte count as stored in a definition: a number while exact, else a decimal string. */
export type Size = number | string;

export function toSize(v: bigint): Size {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** virScaleInteger: applies a unit suffix; errors come from VIR_FROM_NONE like libvirt's. */
export function scaleInteger(
  value: bigint,
  suffix: string | null,
  scale: bigint,
  limit: bigint,
): bigint {
  let sc = scale;
  const sfx = suffix ?? "";
  if (sfx === "") {
    sc = scale;
  } else if (["b", "byte", "bytes"].includes(sfx.toLowerCase())) {
    sc = 1n;
  } else {
    let base: bigint;
    if (sfx.length === 1 || sfx.slice(1).toLowerCase() === "ib") base = 1024n;
    else if (sfx.length === 2 && sfx[1]!.toLowerCase() === "b") base = 1000n;
    else throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `unknown suffix '${sfx}'`);
    const power = "kmgtpe".indexOf(sfx[0]!.toLowerCase()) + 1;
    if (power === 0) {
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `unknown suffix '${sfx}'`);
    }
    sc = base ** BigInt(power);
  }
  if (value !== 0n && value > limit / sc) {
    throw VirError.of(VIR_ERR_OVERFLOW, VIR_FROM_NONE, `value too large: ${value}${sfx}`);
  }
  return value * sc;
}

/** virFileSanitizePath: collapses repeated slashes (keeping a leading `//`), drops a trailing one. */
export function sanitizePath(path: string): string {
  let out = "";
  let i = 0;
  if (path[0] === "/" && path[1] === "/" && path[2] !== "/") {
    out = "//";
    i = 2;
  }
  while (i < path.length) {
    if (path[i] !== "/") {
      out += path[i++];
      continue;
    }
    while (path[++i] === "/");
    if (out.length !== 0 && i >= path.length) break;
    out += "/";
  }
  return out;
}

/** virValidateWWN: 16 hex digits, optionally after 0x; error from VIR_FROM_NONE. */
export function validateWWN(wwn: string): void {
  const p = wwn.startsWith("0x") ? wwn.slice(2) : wwn;
  if (!/^[0-9a-fA-F]{16}$/.test(p)) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE, `Malformed wwn: ${wwn}`);
  }
}

// =====================================================================================
// Definitions
// =====================================================================================

export const POOL_TYPES = [
  "dir",
  "fs",
  "netfs",
  "logical",
  "disk",
  "iscsi",
  "iscsi-direct",
  "scsi",
  "mpath",
  "rbd",
  "sheepdog",
  "gluster",
  "zfs",
  "vstorage",
] as const;
export type PoolType = typeof POOL_TYPES[number];

/** Permissions of a pool target, volume target or backing store; null = not set. */
export interface StoragePerms {
  mode: number | null;
  /** uid as an unsigned 32-bit number (formatted as a signed int, like libvirt). */
  owner: number | null;
  group: number | null;
  label: string | null;
}

export interface PoolSourceHost {
  name: string;
  /** 0 = not given. */
  port: number;
}

export interface PoolSourceDevice {
  path: string;
  partSeparator: "yes" | "no" | null;
}

export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

export type PoolAdapter =
  | {
    type: "scsi_host";
    name: string | null;
    parentAddr: { uniqueId: number; address: PciAddress } | null;
  }
  | {
    type: "fc_host";
    parent: string | null;
    managed: "yes" | "no" | null;
    parentWwnn: string | null;
    parentWwpn: string | null;
    parentFabricWwn: string | null;
    wwnn: string | null;
    wwpn: string | null;
  };

/** `<secret>` of an auth or encryption: by UUID or by usage. */
export interface SecretLookup {
  type: string | null;
  uuid: string | null;
  usage: string | null;
}

export interface PoolAuth {
  type: "chap" | "ceph";
  username: string;
  secret: SecretLookup;
}

export interface PoolSource {
  hosts: PoolSourceHost[];
  devices: PoolSourceDevice[];
  dir: string | null;
  adapter: PoolAdapter | null;
  name: string | null;
  initiatorIqn: string | null;
  /** Source format name for pool types that have formats (fs, netfs, logical, disk). */
  format: string | null;
  auth: PoolAuth | null;
  protocolVer: string | null;
  vendor: string | null;
  product: string | null;
}

export interface PoolDef {
  name: string;
  uuid: string;
  type: PoolType;
  capacity: number;
  allocation: number;
  available: number;
  cow: "yes" | "no" | null;
  source: PoolSource;
  /** path is null for network pools (rbd, sheepdog, gluster, iscsi-direct). */
  target: { path: string | null; perms: StoragePerms };
  refreshAllocation: "default" | "capacity" | null;
}

export const VOL_TYPES = ["file", "block", "dir", "network", "netdir", "ploop"] as const;
export type VolType = typeof VOL_TYPES[number];

export interface VolEncryption {
  format: "default" | "qcow" | "luks" | "luks2";
  engine: "qemu" | "librbd" | null;
  secrets: SecretLookup[];
  cipher: { name: string; size: number; mode: string | null; hash: string | null } | null;
  ivgen: { name: string; hash: string | null } | null;
}

export interface VolTarget {
  path: string | null;
  /** Null when the pool type has no volume formats. */
  format: string | null;
  perms: StoragePerms;
  encryption: VolEncryption | null;
  compat: string | null;
  nocow: boolean;
  /** 0 = not given. */
  clusterSize: Size;
  /** Feature names in libvirt's order; null = no `<features>` element. */
  features: string[] | null;
}

export interface VolDef {
  name: string;
  key: string | null;
  type: VolType;
  capacity: Size;
  allocation: Size;
  target: VolTarget;
  backingStore: { path: string; format: string | null; perms: StoragePerms } | null;
}

// ---- per pool type options -----------------------------------------------------------------

const SRC_HOST = 1,
  SRC_DEVICE = 2,
  SRC_DIR = 4,
  SRC_ADAPTER = 8,
  SRC_NAME = 16,
  SRC_IQN = 32,
  SRC_NETWORK = 64;

const FS_FORMATS = [
  "auto",
  "ext2",
  "ext3",
  "ext4",
  "ufs",
  "iso9660",
  "udf",
  "gfs",
  "gfs2",
  "vfat",
  "hfs+",
  "xfs",
  "ocfs2",
  "vmfs",
];
const NETFS_FORMATS = ["auto", "nfs", "glusterfs", "cifs"];
const DISK_FORMATS = ["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"];
const LOGICAL_FORMATS = ["unknown", "lvm2"];
const FILE_VOL_FORMATS = [
  "none",
  "raw",
  "dir",
  "bochs",
  "cloop",
  "dmg",
  "iso",
  "vpc",
  "vdi",
  "fat",
  "vhd",
  "ploop",
  "cow",
  "qcow",
  "qcow2",
  "qed",
  "vmdk",
];
const DISK_VOL_FORMATS = [
  "none",
  "linux",
  "fat16",
  "fat32",
  "linux-swap",
  "linux-lvm",
  "linux-raid",
  "extended",
];
const VOL_FEATURES = ["lazy_refcounts", "extended_l2"];

interface PoolTypeInfo {
  flags: number;
  formats: string[] | null;
  defaultFormat: string | null;
  /** Volume formats: "file" (raw default, "none" refused), "disk" (none default), or none. */
  volFormats: "file" | "disk" | null;
}

const POOL_INFO: Record<PoolType, PoolTypeInfo> = {
  "logical": {
    flags: SRC_NAME | SRC_DEVICE,
    formats: LOGICAL_FORMATS,
    defaultFormat: "lvm2",
    volFormats: null,
  },
  "dir": { flags: 0, formats: null, defaultFormat: null, volFormats: "file" },
  "fs": { flags: SRC_DEVICE, formats: FS_FORMATS, defaultFormat: "auto", volFormats: "file" },
  "netfs": {
    flags: SRC_HOST | SRC_DIR,
    formats: NETFS_FORMATS,
    defaultFormat: "auto",
    volFormats: "file",
  },
  "iscsi": {
    flags: SRC_HOST | SRC_DEVICE | SRC_IQN,
    formats: null,
    defaultFormat: null,
    volFormats: null,
  },
  "iscsi-direct": {
    flags: SRC_HOST | SRC_DEVICE | SRC_NETWORK | SRC_IQN,
    formats: null,
    defaultFormat: null,
    volFormats: null,
  },
  "scsi": { flags: SRC_ADAPTER, formats: null, defaultFormat: null, volFormats: null },
  "rbd": {
    flags: SRC_HOST | SRC_NETWORK | SRC_NAME,
    formats: null,
    defaultFormat: null,
    volFormats: "file",
  },
  "sheepdog": {
    flags: SRC_HOST | SRC_NETWORK | SRC_NAME,
    formats: null,
    defaultFormat: null,
    volFormats: null,
  },
  "gluster": {
    flags: SRC_HOST | SRC_NETWORK | SRC_NAME | SRC_DIR,
    formats: null,
    defaultFormat: null,
    volFormats: "file",
  },
  "mpath": { flags: 0, formats: null, defaultFormat: null, volFormats: null },
  "disk": {
    flags: SRC_DEVICE,
    formats: DISK_FORMATS,
    defaultFormat: "unknown",
    volFormats: "disk",
  },
  "zfs": { flags: SRC_NAME | SRC_DEVICE, formats: null, defaultFormat: null, volFormats: null },
  "vstorage": { flags: SRC_NAME, formats: null, defaultFormat: null, volFormats: "file" },
};

/** A pool type's source or volume formats: the default and every one it takes. */
export interface FormatOptions {
  defaultFormat: string;
  formats: readonly string[];
}

/**
 * The source formats (poolOptions) and volume formats (volOptions) a pool
 * type takes, as libvirt's storage backends declare them; null where it has
 * none.
 */
export function poolTypeFormats(
  type: PoolType,
): { pool: FormatOptions | null; vol: FormatOptions | null } {
  const i = POOL_INFO[type];
  const pool = i.formats && i.defaultFormat
    ? { defaultFormat: i.defaultFormat, formats: i.formats }
    : null;
  const vol = i.volFormats === "file"
    ? { defaultFormat: "raw", formats: FILE_VOL_FORMATS }
    : i.volFormats === "disk"
    ? { defaultFormat: "none", formats: DISK_VOL_FORMATS }
    : null;
  return { pool, vol };
}

function storageXmlError(detail: string): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, detail);
}

function unsupported(detail: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE, detail);
}

const NO_PERMS: StoragePerms = { mode: null, owner: null, group: null, label: null };

// =====================================================================================
// Parsing
// =====================================================================================

/** virSecretLookupParseSecret (errors from VIR_FROM_NONE, as libvirt's). */
function parseSecretLookup(node: XmlElement, type: string | null): SecretLookup {
  const uuid = prop(node, "uuid");
  const usage = prop(node, "usage");
  if (uuid === null && usage === null) {
    throw VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_NONE, "missing secret uuid or usage attribute");
  }
  if (uuid !== null && usage !== null) {
    throw VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_NONE, "either secret uuid or usage expected");
  }
  if (uuid !== null) {
    const u = parseUUID(uuid);
    if (!u) throw VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_NONE, `invalid secret uuid '${uuid}'`);
    return { type, uuid: u, usage: null };
  }
  return { type, uuid: null, usage };
}

/** virStorageDefParsePerms for the permissions element at `path`. */
function parsePerms(el: XmlElement, ...path: string[]): StoragePerms {
  const node = xpathNode(el, ...path);
  if (!node) return { ...NO_PERMS };
  const perms: StoragePerms = { ...NO_PERMS };
  const mode = xpathString(node, "mode");
  if (mode !== null) {
    const m = strToInt(mode, 8);
    if (m === null || (m & ~0o777) !== 0) throw storageXmlError("malformed octal mode");
    perms.mode = m;
  }
  for (const [field, what] of [["owner", "owner"], ["group", "group"]] as const) {
    if (!xpathNode(node, field)) continue;
    const s = xpathString(node, field);
    const v = s === null ? null : strToLongLong(s, 10);
    if (v === null || ((v < 0n || v > 0xffffffffn) && v !== -1n)) {
      throw storageXmlError(`malformed ${what} element`);
    }
    perms[field] = v === -1n || v === 0xffffffffn ? null : Number(v);
  }
  perms.label = xpathString(node, "label");
  return perms;
}

function parseAdapter(node: XmlElement): PoolAdapter | null {
  const type = propEnum(node, "type", ["default", "scsi_host", "fc_host"] as const, {
    nonzero: true,
  });
  if (type === "fc_host") {
    return {
      type,
      parent: prop(node, "parent"),
      managed: propTristate(node, "managed"),
      parentWwnn: prop(node, "parent_wwnn"),
      parentWwpn: prop(node, "parent_wwpn"),
      parentFabricWwn: prop(node, "parent_fabric_wwn"),
      wwpn: prop(node, "wwpn"),
      wwnn: prop(node, "wwnn"),
    };
  }
  if (type === "scsi_host") {
    const name = prop(node, "name");
    let parentAddr = null;
    if (xpathNode(node, "parentaddr")) {
      const addrNode = xpathNode(node, "parentaddr", "address");
      if (!addrNode) throw storageXmlError("Missing scsi_host PCI address element");
      const address = parsePciAddress(addrNode);
      const uid = xpathAttr(node, "unique_id", "parentaddr");
      const uniqueId = uid === null ? null : strToInt(uid, 10);
      if (uniqueId === null || uniqueId < 0) {
        throw storageXmlError("Missing or invalid scsi adapter 'unique_id' value");
      }
      parentAddr = { uniqueId, address };
    }
    return { type, name, parentAddr };
  }
  // No type: the legacy form, a scsi_host adapter by name only.
  if (
    prop(node, "wwnn") !== null || prop(node, "wwpn") !== null ||
    prop(node, "parent") !== null
  ) {
    throw storageXmlError(
      "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'",
    );
  }
  if (xpathNode(node, "parentaddr")) {
    throw storageXmlError("Use of 'parentaddr' element requires use of the adapter 'type'");
  }
  const name = prop(node, "name");
  return name === null ? null : { type: "scsi_host", name, parentAddr: null };
}

/** virPCIDeviceAddressParseXML (the parts a storage adapter uses). */
export function parsePciAddress(node: XmlElement): PciAddress {
  const addr: PciAddress = {
    domain: propUInt(node, "domain", 0) ?? 0,
    bus: propUInt(node, "bus", 0) ?? 0,
    slot: propUInt(node, "slot", 0) ?? 0,
    function: propUInt(node, "function", 0) ?? 0,
  };
  propEnum(node, "multifunction", ["default", "on", "off"] as const, { nonzero: true });
  const hex = (n: number) => n.toString(16);
  const bad = (d: string) => VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_NONE, d);
  if (addr.bus > 0xff) throw bad(`Invalid PCI address bus='0x${hex(addr.bus)}', must be <= 0xFF`);
  if (addr.slot > 0x1f) {
    throw bad(`Invalid PCI address slot='0x${hex(addr.slot)}', must be <= 0x1F`);
  }
  if (addr.function > 7) {
    throw bad(`Invalid PCI address function=0x${hex(addr.function)}, must be <= 7`);
  }
  return addr;
}

function parseAuth(node: XmlElement): PoolAuth {
  const username = xpathAttr(node, "username");
  if (username === null) throw storageXmlError("missing username for auth");
  const typeStr = xpathAttr(node, "type");
  let type: "none" | "chap" | "ceph" = "none";
  if (typeStr !== null) {
    if (typeStr !== "none" && typeStr !== "chap" && typeStr !== "ceph") {
      throw unsupported(`unknown auth type '${typeStr}'`);
    }
    type = typeStr;
  }
  const secretNode = xpathNode(node, "secret");
  if (!secretNode) throw storageXmlError("Missing <secret> element in auth");
  const secret = parseSecretLookup(secretNode, prop(secretNode, "type"));
  if (type === "none") throw unsupported("storage pool missing auth type");
  return { type, username, secret };
}

function emptySource(): PoolSource {
  return {
    hosts: [],
    devices: [],
    dir: null,
    adapter: null,
    name: null,
    initiatorIqn: null,
    format: null,
    auth: null,
    protocolVer: null,
    vendor: null,
    product: null,
  };
}

/** virStoragePoolDefParseSource; `type` null stands for an unknown pool type. */
export function parsePoolSource(
  node: XmlElement,
  type: PoolType | null,
  typeNumber: number,
): PoolSource {
  if (type === null) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_STORAGE,
      `missing backend for pool type ${typeNumber}`,
    );
  }
  const info = POOL_INFO[type];
  const src = emptySource();
  src.name = xpathString(node, "name");
  if (type === "rbd" && src.name === null) {
    throw storageXmlError("element 'name' is mandatory for RBD pool");
  }
  if (info.formats) {
    const f = xpathAttr(node, "type", "format");
    if (f === null) src.format = info.defaultFormat;
    else if (!info.formats.includes(f)) throw unsupported(`unknown pool format type ${f}`);
    else src.format = f;
  }
  for (const h of xpathNodes(node, "host")) {
    const name = prop(h, "name");
    if (name === null) throw storageXmlError("missing storage pool host name");
    src.hosts.push({ name, port: propInt(h, "port", 10) ?? 0 });
  }
  src.initiatorIqn = xpathAttr(node, "name", "initiator", "iqn");
  for (const d of xpathNodes(node, "device")) {
    const path = prop(d, "path");
    if (path === null) throw storageXmlError("missing storage pool source device path");
    src.devices.push({ path, partSeparator: propTristate(d, "part_separator") });
  }
  const dir = xpathAttr(node, "path", "dir");
  src.dir = dir === null ? (type === "gluster" ? "/" : null) : sanitizePath(dir);
  const adapterNode = xpathNode(node, "adapter");
  if (adapterNode) src.adapter = parseAdapter(adapterNode);
  const authNode = xpathNode(node, "auth");
  if (authNode) src.auth = parseAuth(authNode);
  src.protocolVer = xpathAttr(node, "ver", "protocol");
  if (src.protocolVer !== null) {
    const idx = info.formats && src.format ? info.formats.indexOf(src.format) : 0;
    if (idx !== 0 && idx !== 1) {
      throw unsupported(
        `storage pool protocol ver unsupported for pool type '${NETFS_FORMATS[idx] ?? "(null)"}'`,
      );
    }
    if (src.protocolVer.includes(",")) {
      throw VirError.of(
        VIR_ERR_XML_DETAIL,
        VIR_FROM_STORAGE,
        `storage pool protocol ver '${src.protocolVer}' must not contain ','`,
      );
    }
  }
  src.vendor = xpathAttr(node, "name", "vendor");
  src.product = xpathAttr(node, "name", "product");
  return src;
}

function validateAdapter(adapter: PoolAdapter | null): void {
  if (!adapter) throw storageXmlError("missing storage pool source adapter");
  if (adapter.type === "fc_host") {
    if (adapter.wwnn === null || adapter.wwpn === null) {
      throw storageXmlError("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'");
    }
    validateWWN(adapter.wwnn);
    validateWWN(adapter.wwpn);
    if (adapter.parentWwnn !== null && adapter.parentWwpn === null) {
      throw storageXmlError(
        `when providing parent_wwnn='${adapter.parentWwnn}', the parent_wwpn must also be provided`,
      );
    }
    if (adapter.parentWwnn === null && adapter.parentWwpn !== null) {
      throw storageXmlError(
        `when providing parent_wwpn='${adapter.parentWwpn}', the parent_wwnn must also be provided`,
      );
    }
    if (adapter.parentWwnn !== null) validateWWN(adapter.parentWwnn);
    if (adapter.parentWwpn !== null) validateWWN(adapter.parentWwpn);
    if (adapter.parentFabricWwn !== null) validateWWN(adapter.parentFabricWwn);
  } else {
    if (adapter.name === null && !adapter.parentAddr) {
      throw storageXmlError(
        "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter",
      );
    }
    if (adapter.name !== null && adapter.parentAddr) {
      throw storageXmlError(
        "Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter",
      );
    }
  }
}

/** The test driver's size of every pool: 100 GiB, nothing allocated. */
export const TEST_POOL_CAPACITY = 100 * 1024 * 1024 * 1024;

/**
 * Parses a pool as virStoragePoolDefineXML / virStoragePoolCreateXML do in
 * the test driver: libvirt's checks and defaults, a fresh random UUID when
 * none is given, and the test driver's capacity (100 GiB, all available).
 */
export function parsePoolXML(xml: string): PoolDef {
  const root = parseXmlDocument(xml, "(storage_pool_definition)", VIR_FROM_STORAGE, "pool");
  return parsePoolElement(root);
}

function parsePoolElement(root: XmlElement): PoolDef {
  const type = propEnum(root, "type", POOL_TYPES, { required: true })!;
  const info = POOL_INFO[type];
  const sourceNode = xpathNode(root, "source");
  let source: PoolSource;
  if (sourceNode) {
    source = parsePoolSource(sourceNode, type, POOL_TYPES.indexOf(type));
  } else {
    source = emptySource();
    if (info.formats) source.format = info.defaultFormat;
  }
  let name = xpathString(root, "name");
  if (name === null && info.flags & SRC_NAME) name = source.name;
  if (name === null) throw storageXmlError("missing pool source name element");
  if (name.includes("/")) throw storageXmlError(`name ${name} cannot contain '/'`);

  const uuidStr = xpathString(root, "uuid");
  let uuid: string;
  if (uuidStr === null) uuid = generateUUID();
  else {
    const u = parseUUID(uuidStr);
    if (!u) throw storageXmlError("malformed uuid element");
    uuid = u;
  }

  let cow: "yes" | "no" | null = null;
  const cowNode = xpathNode(root, "features", "cow");
  if (cowNode) {
    cow = propTristate(cowNode, "state");
    if (cow !== null && type !== "fs" && type !== "dir") {
      throw VirError.of(
        VIR_ERR_NO_SUPPORT,
        VIR_FROM_STORAGE,
        "cow feature may only be used for 'fs' and 'dir' pools",
      );
    }
  }

  if (info.flags & SRC_HOST && source.hosts.length === 0) {
    throw storageXmlError("missing storage pool source host name");
  }
  if (info.flags & SRC_DIR && source.dir === null) {
    throw storageXmlError("missing storage pool source path");
  }
  if (info.flags & SRC_NAME && source.name === null) source.name = name;
  if (info.flags & SRC_ADAPTER) validateAdapter(source.adapter);
  if (info.flags === SRC_DEVICE && source.devices.length === 0) {
    throw storageXmlError("missing storage pool source device name");
  }

  let targetPath: string | null = null;
  let perms: StoragePerms = { ...NO_PERMS };
  if (!(info.flags & SRC_NETWORK)) {
    let raw: string | null;
    if (type === "logical") raw = `/dev/${source.name}`;
    else if (type === "zfs") raw = `/dev/zvol/${source.name}`;
    else {
      raw = xpathString(root, "target", "path");
      if (raw === null) throw storageXmlError("missing storage pool target path");
    }
    targetPath = sanitizePath(raw);
    perms = parsePerms(root, "target", "permissions");
  }

  if (type === "iscsi-direct" && source.initiatorIqn === null) {
    throw unsupported("missing initiator IQN");
  }

  let refreshAllocation: "default" | "capacity" | null = null;
  const refresh = xpathAttr(root, "allocation", "refresh", "volume");
  if (refresh !== null) {
    if (refresh !== "default" && refresh !== "capacity") {
      throw unsupported(`unknown storage pool volume refresh allocation type ${refresh}`);
    }
    refreshAllocation = refresh;
  }

  return {
    name,
    uuid,
    type,
    capacity: TEST_POOL_CAPACITY,
    allocation: 0,
    available: TEST_POOL_CAPACITY,
    cow,
    source,
    target: { path: targetPath, perms },
    refreshAllocation,
  };
}

/** virStorageSize: a decimal count with an optional unit, up to LLONG_MAX bytes. */
function parseStorageSize(value: string, unit: string | null): bigint {
  const v = strToULongLongP(value, 10);
  if (v === null) throw storageXmlError("malformed capacity element");
  return scaleInteger(v, unit, 1n, I64_MAX);
}

function volFormatFromString(kind: "file" | "disk", f: string): string | null {
  if (kind === "disk") return DISK_VOL_FORMATS.includes(f) ? f : null;
  return f !== "none" && FILE_VOL_FORMATS.includes(f) ? f : null;
}

function parseEncryption(node: XmlElement): VolEncryption {
  const format = xpathAttr(node, "format");
  if (format === null) throw storageXmlError("unknown volume encryption format");
  if (!["default", "qcow", "luks", "luks2"].includes(format)) {
    throw unsupported(`unknown volume encryption format type ${format}`);
  }
  const engine = propEnum(node, "engine", ["default", "qemu", "librbd"] as const, {
    nonzero: true,
  }) as "qemu" | "librbd" | null;
  const secrets: SecretLookup[] = [];
  for (const s of xpathNodes(node, "secret")) {
    const t = xpathAttr(s, "type");
    if (t === null) throw storageXmlError("unknown volume encryption secret type");
    if (t !== "passphrase") throw unsupported(`unknown volume encryption secret type ${t}`);
    secrets.push(parseSecretLookup(s, "passphrase"));
  }
  const enc: VolEncryption = {
    format: format as VolEncryption["format"],
    engine,
    secrets,
    cipher: null,
    ivgen: null,
  };
  if (format === "luks") {
    const c = xpathNode(node, "cipher");
    if (c) {
      const name = prop(c, "name");
      if (name === null) throw storageXmlError("cipher info missing 'name' attribute");
      const size = propUInt(c, "size", 10, { required: true })!;
      enc.cipher = { name, size, mode: prop(c, "mode"), hash: prop(c, "hash") };
    }
    const iv = xpathNode(node, "ivgen");
    if (iv) {
      if (!enc.cipher) throw storageXmlError("ivgen element found, but cipher is missing");
      const name = prop(iv, "name");
      if (name === null) throw storageXmlError("missing ivgen info name string");
      enc.ivgen = { name, hash: prop(iv, "hash") };
    }
  }
  return enc;
}

/** virStorageVolDefParseXML: the volume as libvirt reads it for a pool of `pool`'s type. */
export function parseVolElement(root: XmlElement, pool: PoolDef): VolDef {
  const volKind = POOL_INFO[pool.type].volFormats;
  const name = xpathString(root, "name");
  if (name === null) throw storageXmlError("missing volume name element");
  const key = xpathString(root, "key");
  let type: VolType = "file";
  const typeStr = xpathAttr(root, "type");
  if (typeStr !== null) {
    if (!(VOL_TYPES as readonly string[]).includes(typeStr)) {
      throw unsupported(`unknown volume type '${typeStr}'`);
    }
    type = typeStr as VolType;
  }

  const volFormat = (f: string | null): string | null => {
    if (!volKind) return null;
    if (f === null) return volKind === "disk" ? "none" : "raw";
    const v = volFormatFromString(volKind, f);
    if (v === null) throw unsupported(`unknown volume format type ${f}`);
    return v;
  };

  let backingStore: VolDef["backingStore"] = null;
  const bsPath = xpathString(root, "backingStore", "path");
  if (bsPath !== null) {
    const format = volFormat(xpathAttr(root, "type", "backingStore", "format"));
    backingStore = { path: bsPath, format, perms: parsePerms(root, "backingStore", "permissions") };
  }

  const capStr = xpathString(root, "capacity");
  const capUnit = xpathAttr(root, "unit", "capacity");
  if (capStr === null) throw storageXmlError("missing capacity element");
  const capacity = parseStorageSize(capStr, capUnit);
  let allocation = capacity;
  const allocStr = xpathString(root, "allocation");
  if (allocStr !== null) {
    allocation = parseStorageSize(allocStr, xpathAttr(root, "unit", "allocation"));
  }

  const format = volFormat(xpathAttr(root, "type", "target", "format"));
  const perms = parsePerms(root, "target", "permissions");
  const encNode = xpathNode(root, "target", "encryption");
  const encryption = encNode ? parseEncryption(encNode) : null;
  let compat = xpathString(root, "target", "compat");
  if (compat !== null) {
    const parts = compat.split(".");
    const ok = parts.length >= 2 && isUInt(parts[0]!) &&
      isUInt(parts.slice(1).join("."));
    if (!ok) throw storageXmlError("forbidden characters in 'compat' attribute");
  }
  const nocow = xpathNode(root, "target", "nocow") !== undefined;
  let clusterSize = 0n;
  const csStr = xpathString(root, "target", "clusterSize");
  if (csStr !== null) {
    const v = strToULongLongP(csStr, 10);
    if (v === null) {
      throw VirError.of(
        VIR_ERR_XML_ERROR,
        VIR_FROM_XML,
        `Invalid value '${csStr}' for element or attribute './target/clusterSize'`,
      );
    }
    clusterSize = scaleInteger(v, xpathAttr(root, "unit", "target", "clusterSize"), 1n, U64_MAX);
  }
  let features: string[] | null = null;
  if (xpathNode(root, "target", "features")) {
    if (compat === null) compat = "1.1";
    const set = new Set<string>();
    for (const f of xpathNodes(root, "target", "features").flatMap((n) => n.children)) {
      if (!VOL_FEATURES.includes(f.name)) throw unsupported(`unsupported feature ${f.name}`);
      set.add(f.name);
    }
    features = VOL_FEATURES.filter((f) => set.has(f));
  }

  return {
    name,
    key,
    type,
    capacity: toSize(capacity),
    allocation: toSize(allocation),
    target: {
      path: xpathString(root, "target", "path"),
      format,
      perms,
      encryption,
      compat,
      nocow,
      clusterSize: toSize(clusterSize),
      features,
    },
    backingStore,
  };
}

/**
 * Parses a volume as virStorageVolCreateXML / virStorageVolCreateXMLFrom do
 * in the test driver: libvirt's parse for `pool`'s type, then the test
 * driver's path and key (`<pool target path>/<name>`, "(null)/<name>" for
 * network pools that have no target path). Allocation defaults to capacity.
 */
export function parseVolXML(xml: string, pool: PoolDef): VolDef {
  const root = parseXmlDocument(xml, "(storage_volume_definition)", VIR_FROM_STORAGE, "volume");
  const vol = parseVolElement(root, pool);
  const path = `${pool.target.path ?? "(null)"}/${vol.name}`;
  vol.target.path = path;
  vol.key = path;
  return vol;
}

// =====================================================================================
// Formatting
// =====================================================================================

function formatPerms(w: XmlWriter, perms: StoragePerms | null): void {
  if (!perms) return;
  if (perms.mode === null && perms.owner === null && perms.group === null && perms.label === null) {
    return;
  }
  w.open("permissions");
  if (perms.mode !== null) w.raw(`<mode>0${perms.mode.toString(8)}</mode>`);
  if (perms.owner !== null) w.raw(`<owner>${perms.owner | 0}</owner>`);
  if (perms.group !== null) w.raw(`<group>${perms.group | 0}</group>`);
  if (perms.label !== null) w.text("label", perms.label);
  w.close("permissions");
}

function formatSecret(w: XmlWriter, s: SecretLookup): void {
  if (s.uuid !== null) w.empty("secret", [["type", s.type], ["uuid", s.uuid]]);
  else w.empty("secret", [["type", s.type], ["usage", s.usage]]);
}

function formatPoolSource(w: XmlWriter, type: PoolType, src: PoolSource, tag = "source"): void {
  const info = POOL_INFO[type];
  w.open(tag);
  if (info.flags & SRC_HOST) {
    for (const h of src.hosts) w.empty("host", [["name", h.name], ["port", h.port || null]]);
  }
  if (info.flags & SRC_DEVICE) {
    for (const d of src.devices) {
      w.empty("device", [["path", d.path], ["part_separator", d.partSeparator]]);
    }
  }
  if (info.flags & SRC_DIR && src.dir !== null) w.empty("dir", [["path", src.dir]]);
  if (info.flags & SRC_ADAPTER && src.adapter) {
    const a = src.adapter;
    if (a.type === "fc_host") {
      const esc = ([
        ["parent", a.parent],
        ["parent_wwnn", a.parentWwnn],
        [
          "parent_wwpn",
          a.parentWwpn,
        ],
        ["parent_fabric_wwn", a.parentFabricWwn],
        ["managed", a.managed],
      ] as const)
        .map(([k, v]) => v === null ? "" : ` ${k}='${escapeXml(v)}'`).join("");
      w.raw(`<adapter type='fc_host'${esc} wwnn='${a.wwnn}' wwpn='${a.wwpn}'/>`);
    } else if (a.name !== null) {
      w.raw(`<adapter type='scsi_host' name='${a.name}'/>`);
    } else if (a.parentAddr) {
      const p = a.parentAddr.address;
      const h = (n: number, d: number) => n.toString(16).padStart(d, "0");
      w.open("adapter", [["type", "scsi_host"]]);
      w.open("parentaddr", [["unique_id", a.parentAddr.uniqueId]]);
      w.raw(
        `<address domain='0x${h(p.domain, 4)}' bus='0x${h(p.bus, 2)}' slot='0x${
          h(p.slot, 2)
        }' function='0x${p.function}'/>`,
      );
      w.close("parentaddr");
      w.close("adapter");
    }
  }
  if (info.flags & SRC_NAME && src.name !== null) w.text("name", src.name);
  if (info.flags & SRC_IQN && src.initiatorIqn !== null) {
    w.open("initiator").empty("iqn", [["name", src.initiatorIqn]]).close("initiator");
  }
  if (info.formats && src.format !== null) w.empty("format", [["type", src.format]]);
  if (src.auth) {
    w.open("auth", [["type", src.auth.type], ["username", src.auth.username]]);
    formatSecret(w, src.auth.secret);
    w.close("auth");
  }
  if (src.protocolVer !== null) w.empty("protocol", [["ver", src.protocolVer]]);
  if (src.vendor !== null) w.empty("vendor", [["name", src.vendor]]);
  if (src.product !== null) w.empty("product", [["name", src.product]]);
  w.close(tag);
}

/**
 * virStoragePoolDefFormat. `inactive` changes nothing (the test driver
 * formats one definition; its XMLDesc refuses every flag).
 */
export function formatPoolXML(def: PoolDef, _opts: { inactive?: boolean } = {}): string {
  const w = new XmlWriter();
  w.open("pool", [["type", def.type]]);
  w.text("name", def.name);
  w.text("uuid", def.uuid);
  w.text("capacity", def.capacity, [["unit", "bytes"]]);
  w.text("allocation", def.allocation, [["unit", "bytes"]]);
  w.text("available", def.available, [["unit", "bytes"]]);
  if (def.cow !== null) w.open("features").empty("cow", [["state", def.cow]]).close("features");
  formatPoolSource(w, def.type, def.source);
  if (!["rbd", "sheepdog", "gluster", "iscsi-direct"].includes(def.type)) {
    w.open("target");
    if (def.target.path !== null) w.text("path", def.target.path);
    formatPerms(w, def.target.perms);
    w.close("target");
  }
  if (def.refreshAllocation !== null) {
    w.open("refresh").empty("volume", [["allocation", def.refreshAllocation]]).close("refresh");
  }
  w.close("pool");
  return w.toString();
}

function formatEncryption(w: XmlWriter, enc: VolEncryption): void {
  w.open("encryption", [["format", enc.format], ["engine", enc.engine]]);
  for (const s of enc.secrets) formatSecret(w, s);
  if (enc.format === "luks" && enc.cipher) {
    const c = enc.cipher;
    w.empty("cipher", [["name", c.name], ["size", c.size], ["mode", c.mode], ["hash", c.hash]]);
    if (enc.ivgen) w.empty("ivgen", [["name", enc.ivgen.name], ["hash", enc.ivgen.hash]]);
  }
  w.close("encryption");
}

/** virStorageVolDefFormat for a volume of `pool`. */
export function formatVolXML(def: VolDef, pool: PoolDef): string {
  const volKind = POOL_INFO[pool.type].volFormats;
  const w = new XmlWriter();
  w.open("volume", [["type", def.type]]);
  w.text("name", def.name);
  if (def.key !== null) w.text("key", def.key);
  w.text("capacity", String(def.capacity), [["unit", "bytes"]]);
  w.text("allocation", String(def.allocation), [["unit", "bytes"]]);
  const t = def.target;
  w.open("target");
  if (t.path !== null) w.text("path", t.path);
  if (volKind && t.format !== null) w.empty("format", [["type", t.format]]);
  formatPerms(w, t.perms);
  if (t.encryption) formatEncryption(w, t.encryption);
  if (t.compat !== null) w.text("compat", t.compat);
  if (BigInt(t.clusterSize) > 0n) w.text("clusterSize", String(t.clusterSize), [["unit", "B"]]);
  if (t.features) {
    if (t.features.length === 0) w.empty("features");
    else {
      w.open("features");
      for (const f of t.features) w.empty(f);
      w.close("features");
    }
  }
  w.close("target");
  if (def.backingStore) {
    const b = def.backingStore;
    w.open("backingStore");
    w.text("path", b.path);
    if (volKind && b.format !== null) w.empty("format", [["type", b.format]]);
    formatPerms(w, b.perms);
    w.close("backingStore");
  }
  w.close("volume");
  return w.toString();
}

// =====================================================================================
// The test driver's storage rules
// =====================================================================================

/** A pool as a pool list holds it, for checkPoolListAdd. */
export interface PoolListEntry {
  def: PoolDef;
  active: boolean;
}

/** virSCSIHostGetNumber: N of "scsi_hostN" or "hostN", or null. */
function scsiHostNumber(name: string | null): number | null {
  if (name === null) return null;
  const n = name.startsWith("scsi_host") ? name.slice(5) : name;
  if (!n.startsWith("host")) return null;
  return strToUInt(n.slice(4));
}

function singleHostMatch(a: PoolSource, b: PoolSource): boolean {
  if (a.hosts.length !== 1 && b.hosts.length !== 1) return false;
  const ah = a.hosts[0], bh = b.hosts[0];
  if (!ah || !bh) return false;
  if (bh.port && ah.port !== bh.port) return false;
  return ah.name === bh.name;
}

function sharesDevice(a: PoolDef, b: PoolDef): boolean {
  return a.source.devices.some((d) => b.source.devices.some((e) => e.path === d.path));
}

/** Whether existing pool `obj` claims the same storage as `def` (virStoragePoolObjSourceFindDuplicate). */
function sourceConflicts(obj: PoolDef, def: PoolDef): boolean {
  const DEVICE_TYPES: PoolType[] = ["iscsi", "fs", "logical", "disk", "zfs"];
  switch (obj.type) {
    case "dir":
      return def.type === "dir" && obj.target.path === def.target.path;
    case "gluster":
      return def.type === "gluster" && obj.source.name === def.source.name &&
        obj.source.dir === def.source.dir && singleHostMatch(obj.source, def.source);
    case "netfs":
      return def.type === "netfs" && obj.source.dir === def.source.dir &&
        singleHostMatch(obj.source, def.source);
    case "scsi": {
      if (def.type !== "scsi") return false;
      const a = obj.source.adapter, b = def.source.adapter;
      if (!a || !b) return false;
      if (a.type === "fc_host" && b.type === "fc_host") {
        return a.wwnn === b.wwnn && a.wwpn === b.wwpn;
      }
      if (a.type === "scsi_host" && b.type === "scsi_host") {
        const pa = a.parentAddr, pb = b.parentAddr;
        if (
          pa && pb && pa.uniqueId === pb.uniqueId && pa.address.domain === pb.address.domain &&
          pa.address.bus === pb.address.bus && pa.address.slot === pb.address.slot &&
          pa.address.function === pb.address.function
        ) return true;
        // A parentaddr adapter's host number comes from sysfs, which the test driver lacks.
        const na = pa ? null : scsiHostNumber(a.name), nb = pb ? null : scsiHostNumber(b.name);
        return na !== null && na === nb;
      }
      const fc = a.type === "fc_host" ? a : b.type === "fc_host" ? b : null;
      const sh = a.type === "scsi_host" ? a : b.type === "scsi_host" ? b : null;
      if (!fc || !sh || sh.parentAddr) return false;
      const num = scsiHostNumber(sh.name);
      return num !== null && fc.parent !== null && scsiHostNumber(fc.parent) === num;
    }
    case "iscsi":
    case "fs":
    case "logical":
    case "disk":
    case "zfs":
      if (!DEVICE_TYPES.includes(def.type)) return false;
      if (obj.type === "iscsi") {
        return def.type === "iscsi" && sharesDevice(obj, def) &&
          obj.source.initiatorIqn === def.source.initiatorIqn;
      }
      return def.type !== "iscsi" && sharesDevice(obj, def);
    case "sheepdog":
      return def.type === "sheepdog" && singleHostMatch(obj.source, def.source);
    case "mpath":
      return def.type === "mpath";
    case "vstorage":
      return def.type === "vstorage" && obj.source.name === def.source.name;
    default:
      return false;
  }
}

/**
 * The checks virStoragePoolObjListAdd makes when a pool is defined
 * (checkLive false) or created (checkLive true) in the test driver: another
 * pool using the same storage, a UUID taken by another name, a name taken
 * by another UUID, and (for create) the same pool already running. Returns
 * the index of the entry `def` replaces (same name and UUID), or -1 for a
 * new pool.
 */
export function checkPoolListAdd(
  pools: readonly PoolListEntry[],
  def: PoolDef,
  checkLive: boolean,
): number {
  const conflict = pools.find((p) => p.def.name !== def.name && sourceConflicts(p.def, def));
  if (conflict) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_STORAGE,
      `Storage source conflict with pool: '${conflict.def.name}'`,
    );
  }
  const byUuid = pools.findIndex((p) => p.def.uuid === def.uuid);
  if (byUuid >= 0) {
    const p = pools[byUuid]!;
    if (p.def.name !== def.name) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_STORAGE,
        `pool '${p.def.name}' is already defined with uuid ${p.def.uuid}`,
      );
    }
    if (checkLive && p.active) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_STORAGE,
        `pool is already active as '${p.def.name}'`,
      );
    }
    return byUuid;
  }
  const byName = pools.find((p) => p.def.name === def.name);
  if (byName) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_STORAGE,
      `pool '${def.name}' already exists with uuid ${byName.def.uuid}`,
    );
  }
  return -1;
}

/** virStorageVolType number virStorageVolGetInfo reports for a volume of a pool of this type. */
export function volInfoType(pool: PoolDef): number {
  switch (pool.type) {
    case "dir":
    case "fs":
    case "netfs":
    case "vstorage":
      return 0; // file
    case "sheepdog":
    case "iscsi-direct":
    case "gluster":
    case "rbd":
      return 3; // network
    default:
      return 1; // block
  }
}
