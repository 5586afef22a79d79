/**
 * The domain XML model: libvirt's <domain> document parsed into a plain,
 * JSON-serializable definition (DomainDef) with the defaults libvirt 9.0 fills
 * in for the test driver, and formatted back the way virDomainGetXMLDesc
 * prints it. Facts (element order, defaults, error texts) were observed on
 * libvirt 9.0's test:///default driver; the code is our own.
 *
 * @module
 */

import { formatBitmap, parseBitmap } from "../util/bitmap.ts";
import { formatMac, generateMAC, macIsMulticast, parseMac } from "../util/mac.ts";
import { generateUUID, parseUUID } from "../util/uuid.ts";
import {
  attr,
  child,
  children,
  element,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from "../util/xml.ts";
import { escapeXml, XmlWriter } from "../util/xml_writer.ts";
import { libxmlError } from "../util/xml_error.ts";
import { propEnum, propInt, propTristate, propUInt } from "../util/xml_props.ts";
import { dumpXml } from "../util/xml_dump.ts";
import { metadataElement } from "../util/xml_metadata.ts";
import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_NAME,
  VIR_ERR_NO_SOURCE,
  VIR_ERR_NO_TARGET,
  VIR_ERR_OVERFLOW,
  VIR_ERR_XML_DETAIL,
  VIR_ERR_XML_ERROR,
  VIR_FROM_CPU,
  VIR_FROM_DOMAIN,
  VIR_FROM_NONE,
  VIR_FROM_XML,
} from "../rpc/error_codes.ts";

// ---- Public flags -------------------------------------------------------------------------

export const VIR_DOMAIN_XML_SECURE = 1;
export const VIR_DOMAIN_XML_INACTIVE = 2;
export const VIR_DOMAIN_XML_UPDATE_CPU = 4;
export const VIR_DOMAIN_XML_MIGRATABLE = 8;

/** VIR_DOMAIN_CPUMASK_LEN: the bits of a cpuset or nodeset bitmap. */
export const VIR_DOMAIN_CPUMASK_LEN = 16384;

// ---- Types ---------------------------------------------------------------------------------

/** An element kept verbatim (attributes in order, children, trimmed text). */
export interface RawElement {
  name: string;
  attrs: [string, string][];
  children: RawElement[];
  text: string;
}

/** Attribute name → value, kept for attributes formatted in a fixed order. */
export type AttrMap = Record<string, string>;

export type DeviceAddress =
  | {
    type: "pci";
    domain: number;
    bus: number;
    slot: number;
    function: number;
    multifunction: string | null;
  }
  | { type: "drive"; controller: number; bus: number; target: number; unit: number }
  | { type: "virtio-serial"; controller: number; bus: number; port: number | null }
  | { type: "ccid"; controller: number; slot: number }
  | { type: "usb"; bus: number; port: string | null }
  | { type: "other"; attrs: [string, string][] };

export interface DeviceInfo {
  address: DeviceAddress | null;
  alias: string | null;
  bootOrder: number | null;
  bootLoadparm: string | null;
  rom: AttrMap | null;
  acpiIndex: number | null;
  /** <master startport='N'/> of USB companion controllers. */
  masterStartport: number | null;
}

export interface DiskHost {
  name: string | null;
  port: string | null;
  transport: string | null;
  socket: string | null;
}

export interface DiskSource {
  /** file, dev or dir path (by disk type). */
  path: string | null;
  protocol: string | null;
  name: string | null;
  query: string | null;
  hosts: DiskHost[];
  pool: string | null;
  volume: string | null;
  mode: string | null;
  startupPolicy: string | null;
  /** Other children of <source> (auth, snapshot, config, ...), kept verbatim. */
  extra: RawElement[];
}

export interface DiskDef {
  type: string;
  device: string;
  model: string | null;
  rawio: string | null;
  sgio: string | null;
  snapshot: string | null;
  driver: AttrMap | null;
  source: DiskSource | null;
  backingStore: RawElement | null;
  geometry: AttrMap | null;
  blockio: AttrMap | null;
  targetDev: string;
  targetBus: string;
  targetAttrs: AttrMap;
  iotune: [string, string][];
  readonly: boolean;
  shareable: boolean;
  transient: boolean;
  serial: string | null;
  wwn: string | null;
  vendor: string | null;
  product: string | null;
  encryption: RawElement | null;
  auth: RawElement | null;
  info: DeviceInfo;
}

export interface ControllerDef {
  type: string;
  index: number;
  model: string | null;
  /** ports, vectors, maxGrantFrames, ... in libvirt's order. */
  attrs: AttrMap;
  driver: AttrMap | null;
  modelName: string | null;
  target: AttrMap | null;
  targetNode: string | null;
  pcihole64: string | null;
  serial: string | null;
  info: DeviceInfo;
}

export interface FilesystemDef {
  type: string;
  accessmode: string;
  model: string | null;
  multidevs: string | null;
  fmode: string | null;
  dmode: string | null;
  driver: AttrMap | null;
  binary: RawElement | null;
  source: AttrMap;
  /** ram filesystems: usage in KiB. */
  usageKiB: number | null;
  targetDir: string;
  readonly: boolean;
  spaceHardLimit: number | null;
  spaceSoftLimit: number | null;
  info: DeviceInfo;
}

export interface NetDef {
  type: string;
  mac: string;
  macType: string | null;
  macCheck: string | null;
  managed: boolean;
  trustGuestRxFilters: string | null;
  /** network, portgroup, bridge, dev, mode, address, port, type, path, ... */
  source: AttrMap;
  sourceChildren: RawElement[];
  vlan: RawElement | null;
  virtualport: RawElement | null;
  bandwidth: RawElement | null;
  portOptions: RawElement | null;
  ips: RawElement[];
  routes: RawElement[];
  script: string | null;
  downscript: string | null;
  backendDomain: string | null;
  targetDev: string | null;
  targetManaged: string | null;
  guest: AttrMap | null;
  model: string | null;
  driver: RawElement | null;
  backend: AttrMap | null;
  filterref: RawElement | null;
  tune: RawElement | null;
  teaming: AttrMap | null;
  linkState: string | null;
  mtu: number | null;
  coalesce: RawElement | null;
  info: DeviceInfo;
}

export interface ChrSource {
  /** pty, file, dev, pipe, unix, tcp, udp, null, vc, stdio, spicevmc, spiceport, nmdm, ... */
  type: string;
  path: string | null;
  append: string | null;
  mode: string | null;
  host: string | null;
  service: string | null;
  /** udp: the connect side. */
  connectHost: string | null;
  connectService: string | null;
  bindHost: string | null;
  bindService: string | null;
  tls: string | null;
  protocol: string | null;
  channel: string | null;
  master: string | null;
  slave: string | null;
  reconnect: AttrMap | null;
  logFile: string | null;
  logAppend: string | null;
}

export interface ChrDef {
  /** serial, parallel, console, channel */
  deviceType: string;
  source: ChrSource;
  /** serial: '', isa-serial, usb-serial, pci-serial, ...; console: serial, virtio, xen, ...; channel: virtio, guestfwd, xen */
  targetType: string | null;
  targetPort: number | null;
  targetModel: string | null;
  targetName: string | null;
  targetAddress: string | null;
  targetState: string | null;
  info: DeviceInfo;
}

export interface InputDef {
  type: string;
  bus: string | null;
  model: string | null;
  driver: AttrMap | null;
  source: AttrMap | null;
  info: DeviceInfo;
}

export interface GraphicsListen {
  type: string;
  address: string | null;
  network: string | null;
  socket: string | null;
}

export interface GraphicsDef {
  type: string;
  port: number;
  autoport: boolean;
  tlsPort: number;
  websocket: number;
  /** vnc/spice/rdp attributes other than ports, in input order */
  attrs: AttrMap;
  passwd: string | null;
  listens: GraphicsListen[];
  /** children other than <listen> (spice channels, image, gl, audio, ...), verbatim */
  children: RawElement[];
}

export interface VideoDef {
  model: string;
  ram: number | null;
  vram: number | null;
  vram64: number | null;
  vgamem: number | null;
  heads: number | null;
  primary: boolean;
  accel: AttrMap | null;
  resolution: AttrMap | null;
  driver: AttrMap | null;
  info: DeviceInfo;
}

export interface SoundDef {
  model: string;
  codecs: string[];
  audioId: number | null;
  info: DeviceInfo;
}

export interface HostdevDef {
  mode: string;
  type: string;
  managed: boolean;
  attrs: AttrMap;
  source: RawElement | null;
  driver: RawElement | null;
  readonly: boolean;
  shareable: boolean;
  info: DeviceInfo;
}

export interface WatchdogDef {
  model: string;
  action: string;
  info: DeviceInfo;
}

export interface MemballoonDef {
  model: string;
  autodeflate: string | null;
  freePageReporting: string | null;
  statsPeriod: number | null;
  driver: AttrMap | null;
  info: DeviceInfo;
}

export interface RngDef {
  model: string;
  rateBytes: number | null;
  ratePeriod: number | null;
  backendModel: string;
  /** random backend: the device file */
  backendFile: string | null;
  /** egd backend: the character device */
  backendChr: ChrSource | null;
  driver: AttrMap | null;
  info: DeviceInfo;
}

export interface TpmDef {
  model: string | null;
  backendType: string;
  backendAttrs: AttrMap;
  devicePath: string | null;
  backendChildren: RawElement[];
  info: DeviceInfo;
}

export interface SmartcardDef {
  /** host, host-certificates, passthrough */
  mode: string;
  certificates: string[];
  database: string | null;
  /** passthrough: the character device */
  source: ChrSource | null;
  info: DeviceInfo;
}

export interface RedirdevDef {
  bus: string;
  source: ChrSource;
  info: DeviceInfo;
}

export interface PanicDef {
  model: string | null;
  info: DeviceInfo;
}

export interface DomainDevices {
  emulator: string | null;
  disks: DiskDef[];
  controllers: ControllerDef[];
  filesystems: FilesystemDef[];
  interfaces: NetDef[];
  smartcards: SmartcardDef[];
  serials: ChrDef[];
  parallels: ChrDef[];
  consoles: ChrDef[];
  channels: ChrDef[];
  inputs: InputDef[];
  tpms: TpmDef[];
  graphics: GraphicsDef[];
  sounds: SoundDef[];
  videos: VideoDef[];
  hostdevs: HostdevDef[];
  redirdevs: RedirdevDef[];
  hubs: RawElement[];
  watchdogs: WatchdogDef[];
  memballoon: MemballoonDef | null;
  rngs: RngDef[];
  panics: PanicDef[];
  /** <audio> backends, kept verbatim (id and type are read where needed) */
  audios: RawElement[];
}

export interface DomainOs {
  type: string;
  arch: string;
  machine: string | null;
  firmware: string | null;
  loader: { path: string | null; attrs: AttrMap } | null;
  nvram: { path: string | null; attrs: AttrMap } | null;
  kernel: string | null;
  initrd: string | null;
  cmdline: string | null;
  dtb: string | null;
  root: string | null;
  acpiTables: { type: string; path: string }[];
  init: string | null;
  initargs: string[];
  bootDevs: string[];
  bootmenu: { enable: string; timeout: string | null } | null;
  bios: { useserial: string | null; rebootTimeout: string | null } | null;
  smbiosMode: string | null;
  bootloader: string | null;
  bootloaderArgs: string | null;
}

export interface CpuDef {
  mode: string | null;
  match: string | null;
  check: string | null;
  migratable: string | null;
  model: string | null;
  modelFallback: string | null;
  modelVendorId: string | null;
  vendor: string | null;
  topology: { sockets: number; dies: number; cores: number; threads: number } | null;
  cache: AttrMap | null;
  features: { policy: string | null; name: string }[];
  numa: RawElement | null;
}

export interface ClockTimer {
  name: string;
  present: string | null;
  tickpolicy: string | null;
  track: string | null;
  frequency: string | null;
  mode: string | null;
  catchup: AttrMap | null;
}

/** The size of an event loop's thread pool; -1 where not set. */
export interface IOThreadPool {
  poolMin: number;
  poolMax: number;
}

/** One <iothreadids><iothread>: autofill ids are the ones libvirt filled in. */
export interface IOThreadId extends Partial<IOThreadPool> {
  id: number;
  autofill: boolean;
}

export interface DomainDef {
  /** virtualization type: 'test' (also kvm, qemu, xen, ... are accepted) */
  type: string;
  name: string;
  /** lowercase canonical 8-4-4-4-12 */
  uuid: string;
  genid: string | null;
  title: string | null;
  description: string | null;
  /** the <metadata> element as libvirt keeps it (metadataElement), or null */
  metadata: XmlElement | null;
  /** maximum memory for hotplug, KiB, with slots */
  maxMemory: { kib: number; slots: number | null } | null;
  /** max memory, KiB */
  memory: number;
  memoryDumpCore: string | null;
  /** current (balloon) memory, KiB */
  currentMemory: number;
  blkiotune: RawElement | null;
  memtune: {
    hardLimit: number | null;
    softLimit: number | null;
    minGuarantee: number | null;
    swapHardLimit: number | null;
  } | null;
  memoryBacking: {
    hugepages: RawElement | null;
    nosharepages: boolean;
    locked: boolean;
    source: string | null;
    access: string | null;
    allocation: AttrMap | null;
    discard: boolean;
  } | null;
  /** max vcpus */
  vcpus: number;
  vcpusCurrent: number;
  vcpuPlacement: string;
  /** formatted cpuset, or null */
  cpuset: string | null;
  vcpuList:
    | { id: number; enabled: boolean; hotpluggable: string | null; order: number | null }[]
    | null;
  iothreads: number;
  iothreadIds: IOThreadId[];
  /** <defaultiothread>'s thread pool (QEMU's main loop), null without one. */
  defaultIOThread: IOThreadPool | null;
  cputune: {
    shares: number | null;
    items: [string, string][];
    vcpupins: { vcpu: number; cpuset: string }[];
    emulatorpin: string | null;
    iothreadpins: { iothread: number; cpuset: string }[];
  } | null;
  /** the numatune element (only placement-derived), kept verbatim */
  numatune: RawElement | null;
  resource: RawElement | null;
  os: DomainOs;
  /** features in libvirt's order: [name, attrs, children] */
  features: RawElement[] | null;
  cpu: CpuDef | null;
  clock: { offset: string; attrs: AttrMap; timers: ClockTimer[] };
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
  onLockfailure: string | null;
  pm: { suspendToMem: string | null; suspendToDisk: string | null } | null;
  perf: RawElement | null;
  devices: DomainDevices;
  seclabels: RawElement[];
}

// ---- Errors --------------------------------------------------------------------------------

function xmlError(detail: string, domain = VIR_FROM_DOMAIN): VirError {
  return VirError.of(VIR_ERR_XML_ERROR, domain, detail);
}

function unsupported(detail: string, domain = VIR_FROM_DOMAIN): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, domain, detail);
}

function internalError(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_DOMAIN, detail);
}

/** libvirt's virXMLPropEnum failure text. */
function badAttr(el: XmlElement, name: string, value: string): VirError {
  return xmlError(
    `Invalid value for attribute '${name}' in element '${el.name}': '${value}'.`,
    VIR_FROM_XML,
  );
}

/** libvirt's failure text for a number it could not read through an XPath. */
/** virXMLPropString with the REQUIRED flag: the attribute is missing. */
function missingAttr(el: XmlElement | string, name: string): VirError {
  const en = typeof el === "string" ? el : el.name;
  return xmlError(`Missing required attribute '${name}' in element '${en}'`, VIR_FROM_XML);
}

function badXPathValue(value: string, xpath: string): VirError {
  return xmlError(`Invalid value '${value}' for element or attribute '${xpath}'`, VIR_FROM_XML);
}

/** strtoul-like unsigned decimal/hex/octal reader (as virStrToLong_ui with base 0 is not used: decimal). */
function parseUInt(v: string): number | null {
  if (!/^\s*\+?\d+$/.test(v)) return null;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n : null;
}

/** An integer in C notation (decimal, 0x hex, 0 octal), as strtol with base 0. */
function parseCInt(v: string): number | null {
  const s = v.trim();
  let m = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(s);
  if (m) return (m[1] === "-" ? -1 : 1) * parseInt(m[2]!, 16);
  m = /^([+-]?)0([0-7]+)$/.exec(s);
  if (m) return (m[1] === "-" ? -1 : 1) * parseInt(m[2]!, 8);
  m = /^([+-]?)(\d+)$/.exec(s);
  if (m) return (m[1] === "-" ? -1 : 1) * parseInt(m[2]!, 10);
  return null;
}

/** Like libvirt's virXPathString: the element's text, null when absent or empty. */
function childString(el: XmlElement, name: string): string | null {
  const c = child(el, name);
  if (!c) return null;
  return c.text === "" ? null : c.text;
}

function raw(el: XmlElement): RawElement {
  return {
    name: el.name,
    attrs: el.attrs.map(([k, v]) => [k, v] as [string, string]),
    children: el.children.map(raw),
    text: el.text.trim(),
  };
}

function pickAttrs(el: XmlElement, names: readonly string[]): AttrMap {
  const out: AttrMap = {};
  for (const n of names) {
    const v = attr(el, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

function orderedAttrs(map: AttrMap | null, names: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  if (!map) return out;
  for (const n of names) {
    const v = map[n];
    if (v !== undefined) out.push([n, v]);
  }
  return out;
}

// ---- Units and bitmaps ----------------------------------------------------------------------

/** The largest memory size libvirt accepts, in KiB (VIR_DOMAIN_MEMORY_PARAM_UNLIMITED). */
const MEMORY_MAX_KIB = 9007199254740991n;

function unitScale(unit: string | undefined): bigint {
  if (unit === undefined || unit === "") return 1024n;
  const u = unit.toLowerCase();
  const first = u[0]!;
  const rest = u.slice(1);
  if (first === "b") {
    if (rest === "" || rest === "yte" || rest === "ytes") return 1n;
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `unknown suffix '${unit}'`);
  }
  const powers: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };
  const p = powers[first];
  if (p === undefined) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `unknown suffix '${unit}'`);
  }
  let base: bigint;
  if (rest === "" || rest === "ib") base = 1024n;
  else if (rest === "b") base = 1000n;
  else throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `unknown suffix '${unit}'`);
  return base ** BigInt(p);
}

/**
 * Reads a memory element (<memory unit='..'>N</memory>) the way
 * virDomainParseMemory does: scaled to bytes, rounded up to KiB.
 * Returns null when the element is absent.
 */
function parseMemoryElement(
  el: XmlElement | undefined,
  xpath: string,
  required = false,
): number | null {
  if (!el) {
    if (required) return null;
    return null;
  }
  const v = el.text;
  if (!/^\d+$/.test(v)) {
    if (v === "" && !required) return null;
    throw badXPathValue(v, xpath);
  }
  let value: bigint;
  try {
    value = BigInt(v);
  } catch {
    throw badXPathValue(v, xpath);
  }
  if (value > 18446744073709551615n) throw badXPathValue(v, xpath);
  const unit = attr(el, "unit");
  const scale = unitScale(unit);
  const limit = MEMORY_MAX_KIB * 1024n;
  if (value > limit / scale) {
    throw VirError.of(VIR_ERR_OVERFLOW, VIR_FROM_NONE, `value too large: ${v}${unit ?? ""}`);
  }
  const bytes = value * scale;
  return Number((bytes + 1023n) / 1024n);
}

function cpusetAttr(el: XmlElement, name: string): string | null {
  const v = attr(el, name);
  if (v === undefined) return null;
  const bits = parseBitmap(v, VIR_DOMAIN_CPUMASK_LEN);
  if (bits === null) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `Failed to parse bitmap '${v}'`);
  }
  return formatBitmap(bits);
}

/** virDiskNameToIndex: 'vda' → 0, 'hdc' → 2, 'sdaa' → 26; -1 when not a disk name. */
export function diskNameToIndex(name: string): number {
  const prefixes = ["fd", "hd", "vd", "sd", "xvd", "ubd"];
  const p = prefixes.find((x) => name.startsWith(x));
  if (p === undefined) return -1;
  let idx = 0;
  let i = p.length;
  if (i >= name.length) return -1;
  for (; i < name.length; i++) {
    const c = name[i]!;
    if (c < "a" || c > "z") break;
    idx = (idx + (i === p.length ? 0 : 1)) * 26 + (c.charCodeAt(0) - 97);
  }
  if (i < name.length && !/^\d+$/.test(name.slice(i))) return -1;
  return idx;
}

// ---- Parsing: device pieces ----------------------------------------------------------------

function emptyInfo(): DeviceInfo {
  return {
    address: null,
    alias: null,
    bootOrder: null,
    bootLoadparm: null,
    rom: null,
    acpiIndex: null,
    masterStartport: null,
  };
}

function numAttrBase0(el: XmlElement, name: string, what: string, max: number): number {
  const v = attr(el, name);
  if (v === undefined) return 0;
  const n = parseCInt(v);
  if (n === null || n < 0) {
    throw xmlError(`Cannot parse <address> '${name}' attribute`, VIR_FROM_NONE);
  }
  if (n > max) {
    const hex = "0x" + max.toString(16).toUpperCase();
    throw xmlError(`Invalid PCI address ${what}='${v}', must be <= ${hex}`, VIR_FROM_NONE);
  }
  return n;
}

function parseAddress(el: XmlElement): DeviceAddress | null {
  const type = attr(el, "type");
  if (type === undefined) throw xmlError("No type specified for device address");
  switch (type) {
    case "pci": {
      const mf = propEnum(el, "multifunction", ["on", "off"]) ?? null;
      return {
        type: "pci",
        domain: numAttrBase0(el, "domain", "domain", 0xffff),
        bus: numAttrBase0(el, "bus", "bus", 0xff),
        slot: numAttrBase0(el, "slot", "slot", 0x1f),
        function: numAttrBase0(el, "function", "function", 7),
        multifunction: mf,
      };
    }
    case "drive":
      return {
        type: "drive",
        controller: propUInt(el, "controller", 10) ?? 0,
        bus: propUInt(el, "bus", 10) ?? 0,
        target: propUInt(el, "target", 10) ?? 0,
        unit: propUInt(el, "unit", 10) ?? 0,
      };
    case "virtio-serial":
      return {
        type: "virtio-serial",
        controller: propUInt(el, "controller", 10) ?? 0,
        bus: propUInt(el, "bus", 10) ?? 0,
        port: propUInt(el, "port", 10),
      };
    case "ccid":
      return {
        type: "ccid",
        controller: propUInt(el, "controller", 10) ?? 0,
        slot: propUInt(el, "slot", 10) ?? 0,
      };
    case "usb":
      return { type: "usb", bus: propUInt(el, "bus", 10) ?? 0, port: attr(el, "port") ?? null };
    case "none":
      return null;
    case "spapr-vio":
    case "virtio-mmio":
    case "isa":
    case "dimm":
    case "ccw":
    case "unassigned":
    case "s390":
    case "virtio-s390":
      return { type: "other", attrs: el.attrs.map(([k, v]) => [k, v] as [string, string]) };
    default:
      throw unsupported(`unknown address type '${type}'`);
  }
}

function parseDeviceInfo(el: XmlElement, allowBoot = true): DeviceInfo {
  const info = emptyInfo();
  const a = child(el, "address");
  if (a) info.address = parseAddress(a);
  const alias = child(el, "alias");
  if (alias) {
    const n = attr(alias, "name");
    if (n !== undefined && (parsingStatus || n.startsWith("ua-"))) info.alias = n;
  }
  const boot = child(el, "boot");
  if (boot && allowBoot) {
    const o = attr(boot, "order");
    if (o === undefined) throw missingAttr(boot, "order");
    const n = parseUInt(o);
    if (n === null) {
      throw xmlError(
        `Invalid value for attribute 'order' in element 'boot': '${o}'. Expected non-negative integer value`,
        VIR_FROM_XML,
      );
    }
    if (n === 0) {
      throw xmlError(
        "Invalid value for attribute 'order' in element 'boot': Zero is not permitted",
        VIR_FROM_XML,
      );
    }
    info.bootOrder = n;
    info.bootLoadparm = attr(boot, "loadparm") ?? null;
  }
  const rom = child(el, "rom");
  if (rom) info.rom = pickAttrs(rom, ["enabled", "bar", "file"]);
  const acpi = child(el, "acpi");
  if (acpi) info.acpiIndex = propUInt(acpi, "index", 10);
  const master = child(el, "master");
  if (master) info.masterStartport = propUInt(master, "startport", 10) ?? 0;
  return info;
}

const DISK_DEVICES = ["floppy", "disk", "cdrom", "lun"] as const;
const DISK_TYPES = [
  "file",
  "block",
  "dir",
  "network",
  "volume",
  "nvme",
  "vhostuser",
  "vhostvdpa",
] as const;
const DISK_BUSES = [
  "ide",
  "fdc",
  "scsi",
  "virtio",
  "xen",
  "usb",
  "uml",
  "sata",
  "sd",
  "nvme",
] as const;
const DISK_DRIVER_ATTRS = [
  "name",
  "type",
  "cache",
  "error_policy",
  "rerror_policy",
  "io",
  "ioeventfd",
  "event_idx",
  "copy_on_read",
  "discard",
  "iothread",
  "detect_zeroes",
  "queues",
  "queue_size",
  "iommu",
  "ats",
  "packed",
  "page_per_vq",
] as const;
/** The <iotune> children in libvirt's order (and the block I/O tuning parameters). */
export const IOTUNE_ORDER = [
  "total_bytes_sec",
  "read_bytes_sec",
  "write_bytes_sec",
  "total_iops_sec",
  "read_iops_sec",
  "write_iops_sec",
  "total_bytes_sec_max",
  "read_bytes_sec_max",
  "write_bytes_sec_max",
  "total_iops_sec_max",
  "read_iops_sec_max",
  "write_iops_sec_max",
  "size_iops_sec",
  "group_name",
  "total_bytes_sec_max_length",
  "read_bytes_sec_max_length",
  "write_bytes_sec_max_length",
  "total_iops_sec_max_length",
  "read_iops_sec_max_length",
  "write_iops_sec_max_length",
];

function parseDiskSource(src: XmlElement | undefined, type: string): DiskSource | null {
  if (!src) return null;
  const s: DiskSource = {
    path: null,
    protocol: null,
    name: null,
    query: null,
    hosts: [],
    pool: null,
    volume: null,
    mode: null,
    startupPolicy: attr(src, "startupPolicy") ?? null,
    extra: [],
  };
  switch (type) {
    case "file":
    case "block":
    case "dir":
      s.path = attr(src, type === "file" ? "file" : type === "block" ? "dev" : "dir") ?? null;
      for (const c of src.children) s.extra.push(raw(c));
      break;
    case "network": {
      const proto = attr(src, "protocol");
      if (proto === undefined) throw xmlError("missing network source protocol type");
      const protocols = [
        "nbd",
        "rbd",
        "sheepdog",
        "gluster",
        "iscsi",
        "http",
        "https",
        "ftp",
        "ftps",
        "tftp",
        "ssh",
        "vxhs",
        "nfs",
      ];
      if (!protocols.includes(proto)) throw xmlError(`unknown protocol type '${proto}'`);
      s.protocol = proto;
      s.name = attr(src, "name") ?? null;
      s.query = attr(src, "query") ?? null;
      for (const h of children(src, "host")) {
        s.hosts.push({
          name: attr(h, "name") ?? null,
          port: attr(h, "port") ?? null,
          transport: attr(h, "transport") ?? null,
          socket: attr(h, "socket") ?? null,
        });
      }
      for (const c of src.children) if (c.name !== "host") s.extra.push(raw(c));
      break;
    }
    case "volume":
      s.pool = attr(src, "pool") ?? null;
      s.volume = attr(src, "volume") ?? null;
      s.mode = attr(src, "mode") ?? null;
      for (const c of src.children) s.extra.push(raw(c));
      break;
    default:
      for (const c of src.children) s.extra.push(raw(c));
  }
  return s;
}

function defaultDiskBus(dev: string, device: string, osType: string): string | null {
  if (dev.startsWith("hd")) return "ide";
  if (dev.startsWith("sd")) return "scsi";
  if (dev.startsWith("vd")) return "virtio";
  if (dev.startsWith("xvd")) return "xen";
  if (dev.startsWith("ubd")) return "uml";
  if (dev.startsWith("fd")) return "fdc";
  void device;
  void osType;
  return null;
}

function parseDisk(el: XmlElement): DiskDef & { explicitBus: boolean } {
  const type = propEnum(el, "type", DISK_TYPES) ?? "file";
  const device = propEnum(el, "device", DISK_DEVICES) ?? "disk";
  const target = child(el, "target");
  const source = parseDiskSource(child(el, "source"), type);
  const dev = target ? attr(target, "dev") : undefined;
  if (!target || dev === undefined || dev === "") {
    const what = source?.path ?? source?.name ?? null;
    throw new VirError({
      code: VIR_ERR_NO_TARGET,
      domain: VIR_FROM_DOMAIN,
      str1: what === null
        ? "missing target information"
        : "missing target information for device %s",
      str2: what,
    });
  }
  if (device === "lun" && type !== "block" && type !== "network" && type !== "volume") {
    throw unsupported("disk device='lun' is only valid for block type disk source");
  }
  if (device === "disk" || device === "lun") {
    const missing = source === null ||
      (type === "file" || type === "block" || type === "dir") && source.path === null;
    if (missing) {
      throw VirError.of(VIR_ERR_NO_SOURCE, VIR_FROM_DOMAIN, dev);
    }
  }
  const busAttr = target ? propEnum(target, "bus", DISK_BUSES) : undefined;
  const driverEl = child(el, "driver");
  const iotuneEl = child(el, "iotune");
  const iotune: [string, string][] = [];
  if (iotuneEl) {
    for (const n of IOTUNE_ORDER) {
      const c = child(iotuneEl, n);
      if (!c) continue;
      if (n === "group_name") {
        if (c.text !== "") iotune.push([n, c.text]);
        continue;
      }
      if (!/^\s*\+?\d+$/.test(c.text)) {
        throw xmlError(`disk iotune field '${n}' must be an integer`);
      }
      const v = BigInt(c.text.trim());
      if (v !== 0n) iotune.push([n, String(v)]);
    }
    // virDomainDiskDefIotuneParse: a total limit excludes the read and write ones.
    const has = (n: string) => iotune.some(([k]) => k === n);
    for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"]) {
      if (has(`total_${kind}`) && (has(`read_${kind}`) || has(`write_${kind}`))) {
        throw xmlError(`total and read/write ${kind} cannot be set at the same time`);
      }
    }
  }
  const targetAttrs = target
    ? pickAttrs(target, ["tray", "removable", "rotation_rate", "dpofua"])
    : {};
  return {
    type,
    device,
    model: attr(el, "model") ?? null,
    rawio: propTristate(el, "rawio"),
    sgio: attr(el, "sgio") ?? null,
    snapshot: attr(el, "snapshot") ?? null,
    driver: driverEl ? pickAttrs(driverEl, DISK_DRIVER_ATTRS) : null,
    source,
    backingStore: child(el, "backingStore") ? raw(child(el, "backingStore")!) : null,
    geometry: child(el, "geometry")
      ? pickAttrs(child(el, "geometry")!, ["cyls", "heads", "secs", "trans"])
      : null,
    blockio: child(el, "blockio")
      ? pickAttrs(child(el, "blockio")!, [
        "logical_block_size",
        "physical_block_size",
        "discard_granularity",
      ])
      : null,
    targetDev: dev,
    targetBus: busAttr ?? "",
    explicitBus: busAttr !== undefined,
    targetAttrs,
    iotune,
    readonly: child(el, "readonly") !== undefined,
    shareable: child(el, "shareable") !== undefined,
    transient: child(el, "transient") !== undefined,
    serial: childString(el, "serial"),
    wwn: childString(el, "wwn"),
    vendor: childString(el, "vendor"),
    product: childString(el, "product"),
    encryption: child(el, "encryption") ? raw(child(el, "encryption")!) : null,
    auth: child(el, "auth") ? raw(child(el, "auth")!) : null,
    info: parseDeviceInfo(el),
  };
}

const CONTROLLER_TYPES = [
  "ide",
  "fdc",
  "scsi",
  "sata",
  "virtio-serial",
  "ccid",
  "usb",
  "pci",
  "xenbus",
  "isa",
  "nvme",
] as const;

function parseController(el: XmlElement): ControllerDef {
  const type = propEnum(el, "type", CONTROLLER_TYPES) ?? "ide";
  const idxAttr = attr(el, "index");
  let index = -1;
  if (idxAttr !== undefined) {
    const n = parseCInt(idxAttr);
    if (n === null || n < 0 || n > 2147483647) {
      throw xmlError(`Cannot parse controller index ${idxAttr}`, VIR_FROM_DOMAIN);
    }
    index = n;
  }
  const attrNames = type === "virtio-serial"
    ? ["ports", "vectors"]
    : type === "usb"
    ? ["ports"]
    : type === "xenbus"
    ? ["maxGrantFrames", "maxEventChannels"]
    : [];
  const attrs = pickAttrs(el, attrNames);
  const driverEl = child(el, "driver");
  const modelNameEl = child(el, "model");
  const targetEl = child(el, "target");
  const ph = child(el, "pcihole64");
  return {
    type,
    index,
    model: attr(el, "model") ?? null,
    attrs,
    driver: driverEl
      ? pickAttrs(driverEl, [
        "queues",
        "cmd_per_lun",
        "max_sectors",
        "ioeventfd",
        "iothread",
        "iommu",
        "ats",
        "packed",
        "page_per_vq",
      ])
      : null,
    modelName: modelNameEl ? attr(modelNameEl, "name") ?? null : null,
    target: targetEl && type === "pci"
      ? pickAttrs(targetEl, [
        "chassisNr",
        "chassis",
        "port",
        "busNr",
        "index",
        "hotplug",
        "memReserve",
      ])
      : null,
    targetNode: targetEl && type === "pci" ? childString(targetEl, "node") : null,
    pcihole64: ph && type === "pci" ? ph.text : null,
    serial: type === "nvme" ? childString(el, "serial") : null,
    info: parseDeviceInfo(el, false),
  };
}

function parseFilesystem(el: XmlElement): FilesystemDef {
  const type =
    propEnum(el, "type", ["mount", "block", "file", "template", "ram", "bind", "volume"]) ??
      "mount";
  const accessmode = propEnum(el, "accessmode", ["passthrough", "mapped", "squash"]) ??
    "passthrough";
  const src = child(el, "source");
  const tgt = child(el, "target");
  const targetDir = tgt ? attr(tgt, "dir") : undefined;
  if (targetDir === undefined) {
    const what = src
      ? attr(src, "dir") ?? attr(src, "dev") ?? attr(src, "file") ?? attr(src, "name") ?? null
      : null;
    throw new VirError({
      code: VIR_ERR_NO_TARGET,
      domain: VIR_FROM_DOMAIN,
      str1: what === null
        ? "missing target information"
        : "missing target information for device %s",
      str2: what,
    });
  }
  let usageKiB: number | null = null;
  let source: AttrMap = {};
  if (src) {
    if (type === "ram") {
      const u = attr(src, "usage");
      if (u === undefined) throw xmlError("missing 'usage' attribute for RAM filesystem");
      const n = parseUInt(u);
      if (n === null) throw xmlError(`cannot parse usage '${u}' for RAM filesystem`);
      const scale = unitScale(attr(src, "units"));
      usageKiB = Number((BigInt(n) * scale + 1023n) / 1024n);
    } else {
      source = pickAttrs(src, ["dir", "socket", "dev", "file", "name", "pool", "volume"]);
    }
  } else if (type !== "ram") {
    throw xmlError("missing source information for filesystem");
  }
  const driverEl = child(el, "driver");
  const hard = child(el, "space_hard_limit");
  const soft = child(el, "space_soft_limit");
  return {
    type,
    accessmode,
    model: attr(el, "model") ?? null,
    multidevs: attr(el, "multidevs") ?? null,
    fmode: attr(el, "fmode") ?? null,
    dmode: attr(el, "dmode") ?? null,
    driver: driverEl
      ? pickAttrs(driverEl, ["type", "format", "wrpolicy", "queue", "iommu", "ats", "packed"])
      : null,
    binary: child(el, "binary") ? raw(child(el, "binary")!) : null,
    source,
    usageKiB,
    targetDir,
    readonly: child(el, "readonly") !== undefined,
    spaceHardLimit: hard ? parseMemoryBytes(hard) : null,
    spaceSoftLimit: soft ? parseMemoryBytes(soft) : null,
    info: parseDeviceInfo(el),
  };
}

function parseMemoryBytes(el: XmlElement): number {
  const n = parseUInt(el.text);
  if (n === null) throw badXPathValue(el.text, `./${el.name}[1]`);
  const unit = attr(el, "unit");
  return Number(BigInt(n) * (unit === undefined ? 1n : unitScale(unit)));
}

const NET_TYPES = [
  "user",
  "ethernet",
  "vhostuser",
  "server",
  "client",
  "mcast",
  "network",
  "bridge",
  "internal",
  "direct",
  "hostdev",
  "udp",
  "vdpa",
  "null",
  "vds",
] as const;

function parseInterface(el: XmlElement): NetDef {
  const type = propEnum(el, "type", NET_TYPES) ?? "user";
  const macEl = child(el, "mac");
  let mac: string | null = null;
  if (macEl) {
    const a = attr(macEl, "address");
    if (a !== undefined) {
      const m = parseMac(a);
      if (m === null) throw xmlError(`unable to parse mac address '${a}'`);
      if (macIsMulticast(m)) {
        throw xmlError(`expected unicast mac address, found multicast '${a}'`);
      }
      mac = formatMac(m);
    }
  }
  const srcEl = child(el, "source");
  let source: AttrMap = {};
  const sourceChildren: RawElement[] = [];
  switch (type) {
    case "network":
      if (!srcEl) throw xmlError("interface type='network' requires a 'source' element");
      if (attr(srcEl, "network") === undefined) throw missingAttr(srcEl, "network");
      // The bridge of a running domain's port is the status XML's, read by the QEMU driver.
      source = pickAttrs(srcEl, ["network", "portgroup", "portid"]);
      break;
    case "bridge":
      if (!srcEl) throw xmlError("interface type='bridge' requires a 'source' element");
      if (attr(srcEl, "bridge") === undefined) throw missingAttr(srcEl, "bridge");
      source = pickAttrs(srcEl, ["bridge"]);
      break;
    case "direct":
      if (!srcEl) throw xmlError("interface type='direct' requires a 'source' element");
      if (attr(srcEl, "dev") === undefined) throw missingAttr(srcEl, "dev");
      source = pickAttrs(srcEl, ["dev", "mode"]);
      source.mode ??= "vepa";
      break;
    case "server":
    case "client":
    case "mcast":
    case "udp":
      if (srcEl) source = pickAttrs(srcEl, ["address", "port"]);
      if (srcEl) { for (const c of srcEl.children) sourceChildren.push(raw(c)); }
      break;
    case "vhostuser":
      if (srcEl) source = pickAttrs(srcEl, ["type", "path", "mode"]);
      if (srcEl) { for (const c of srcEl.children) sourceChildren.push(raw(c)); }
      break;
    case "internal":
      if (srcEl) source = pickAttrs(srcEl, ["name"]);
      break;
    case "vdpa":
      if (srcEl) source = pickAttrs(srcEl, ["dev"]);
      break;
    case "hostdev":
      if (!srcEl) throw xmlError("Missing <source> element in hostdev network interface");
      for (const c of srcEl.children) sourceChildren.push(raw(c));
      break;
    default:
      break;
  }
  if (type === "user" && srcEl) source = pickAttrs(srcEl, ["dev"]);
  const target = child(el, "target");
  let targetDev = target ? attr(target, "dev") ?? null : null;
  // generated names are not kept when a definition is parsed
  if (targetDev !== null && /^(vnet|macvtap|macvlan)/.test(targetDev)) targetDev = null;
  if (targetDev === "") targetDev = null;
  const modelEl = child(el, "model");
  const model = modelEl ? attr(modelEl, "type") ?? null : null;
  if (model !== null && !/^[a-zA-Z0-9_\-]+$/.test(model)) {
    throw xmlError(`Model name contains invalid characters`);
  }
  const mtuEl = child(el, "mtu");
  const linkEl = child(el, "link");
  const guestEl = child(el, "guest");
  return {
    type,
    mac: mac ?? generateMAC(),
    macType: macEl ? attr(macEl, "type") ?? null : null,
    macCheck: macEl ? attr(macEl, "check") ?? null : null,
    managed: type === "hostdev" && attr(el, "managed") === "yes",
    trustGuestRxFilters: propTristate(el, "trustGuestRxFilters"),
    source,
    sourceChildren,
    vlan: child(el, "vlan") ? raw(child(el, "vlan")!) : null,
    virtualport: child(el, "virtualport") ? parseVirtualport(child(el, "virtualport")!) : null,
    bandwidth: child(el, "bandwidth") ? raw(child(el, "bandwidth")!) : null,
    portOptions: child(el, "port") ? raw(child(el, "port")!) : null,
    ips: children(el, "ip").map(raw),
    routes: children(el, "route").map(raw),
    script: child(el, "script") ? attr(child(el, "script")!, "path") ?? null : null,
    downscript: child(el, "downscript") ? attr(child(el, "downscript")!, "path") ?? null : null,
    backendDomain: child(el, "backenddomain")
      ? attr(child(el, "backenddomain")!, "name") ?? null
      : null,
    targetDev,
    targetManaged: target ? attr(target, "managed") ?? null : null,
    guest: guestEl ? pickAttrs(guestEl, ["dev"]) : null,
    model,
    driver: child(el, "driver") ? raw(child(el, "driver")!) : null,
    backend: child(el, "backend")
      ? pickAttrs(child(el, "backend")!, ["type", "tap", "vhost", "logFile"])
      : null,
    filterref: child(el, "filterref") ? raw(child(el, "filterref")!) : null,
    tune: child(el, "tune") ? raw(child(el, "tune")!) : null,
    teaming: child(el, "teaming") ? pickAttrs(child(el, "teaming")!, ["type", "persistent"]) : null,
    linkState: linkEl ? propEnum(linkEl, "state", ["up", "down"]) ?? null : null,
    mtu: mtuEl ? propUInt(mtuEl, "size", 10) : null,
    coalesce: child(el, "coalesce") ? raw(child(el, "coalesce")!) : null,
    info: parseDeviceInfo(el),
  };
}

function parseVirtualport(el: XmlElement): RawElement {
  const r = raw(el);
  const type = attr(el, "type");
  if (type === "openvswitch" || type === "midonet") {
    let params = r.children.find((c) => c.name === "parameters");
    if (!params) {
      params = { name: "parameters", attrs: [], children: [], text: "" };
      r.children.push(params);
    }
    const key = type === "openvswitch" ? "interfaceid" : "interfaceid";
    if (!params.attrs.some(([k]) => k === key)) params.attrs.push([key, generateUUID()]);
  }
  return r;
}

const CHR_TYPES = [
  "null",
  "vc",
  "pty",
  "dev",
  "file",
  "pipe",
  "stdio",
  "udp",
  "tcp",
  "unix",
  "spicevmc",
  "spiceport",
  "nmdm",
  "qemu-vdagent",
  "dbus",
] as const;

function emptyChrSource(type: string): ChrSource {
  return {
    type,
    path: null,
    append: null,
    mode: null,
    host: null,
    service: null,
    connectHost: null,
    connectService: null,
    bindHost: null,
    bindService: null,
    tls: null,
    protocol: null,
    channel: null,
    master: null,
    slave: null,
    reconnect: null,
    logFile: null,
    logAppend: null,
  };
}

function parseChrSource(el: XmlElement, typeAttr = "type"): ChrSource {
  const type = attr(el, typeAttr) ?? "null";
  if (!(CHR_TYPES as readonly string[]).includes(type)) {
    throw unsupported(`unknown type presented to host for character device: ${type}`);
  }
  const s = emptyChrSource(type);
  for (const src of children(el, "source")) {
    const mode = attr(src, "mode");
    switch (type) {
      case "pty":
      case "dev":
      case "file":
      case "pipe":
        s.path ??= attr(src, "path") ?? null;
        s.append ??= attr(src, "append") ?? null;
        break;
      case "unix":
        s.path ??= attr(src, "path") ?? null;
        s.mode ??= mode ?? "connect";
        if (child(src, "reconnect")) {
          s.reconnect = pickAttrs(child(src, "reconnect")!, ["enabled", "timeout"]);
        }
        break;
      case "tcp":
        s.mode ??= mode ?? "connect";
        s.host ??= attr(src, "host") ?? null;
        s.service ??= attr(src, "service") ?? null;
        s.tls ??= attr(src, "tls") ?? null;
        if (child(src, "reconnect")) {
          s.reconnect = pickAttrs(child(src, "reconnect")!, ["enabled", "timeout"]);
        }
        break;
      case "udp":
        if (mode === "bind") {
          s.bindHost ??= attr(src, "host") ?? null;
          s.bindService ??= attr(src, "service") ?? null;
        } else {
          s.connectHost ??= attr(src, "host") ?? null;
          s.connectService ??= attr(src, "service") ?? null;
        }
        break;
      case "spiceport":
      case "dbus":
        s.channel ??= attr(src, "channel") ?? null;
        break;
      case "nmdm":
        s.master ??= attr(src, "master") ?? null;
        s.slave ??= attr(src, "slave") ?? null;
        break;
    }
  }
  if (type === "tcp") {
    if (s.host === null) throw internalError("Missing source host attribute for char device");
    if (s.service === null) throw internalError("Missing source service attribute for char device");
    const p = child(el, "protocol");
    s.protocol = p ? attr(p, "type") ?? "raw" : "raw";
  }
  const log = child(el, "log");
  if (log) {
    s.logFile = attr(log, "file") ?? null;
    s.logAppend = attr(log, "append") ?? null;
  }
  if (type === "pty" && s.path !== null) s.path = null; // pty paths are runtime data
  return s;
}

function parseChr(el: XmlElement, deviceType: string): ChrDef {
  const source = parseChrSource(el);
  const t = child(el, "target");
  const def: ChrDef = {
    deviceType,
    source,
    targetType: t ? attr(t, "type") ?? null : null,
    targetPort: null,
    targetModel: null,
    targetName: null,
    targetAddress: null,
    targetState: null,
    info: parseDeviceInfo(el, false),
  };
  if (t) {
    const port = attr(t, "port");
    if (port !== undefined && deviceType !== "channel") {
      const n = parseCInt(port);
      if (n === null || n < 0) throw xmlError(`Invalid port number: ${port}`);
      def.targetPort = n;
    }
    const model = child(t, "model");
    if (model) def.targetModel = attr(model, "name") ?? null;
    if (deviceType === "channel") {
      def.targetName = attr(t, "name") ?? null;
      def.targetAddress = attr(t, "address") ?? null;
      if (def.targetType === "guestfwd") {
        if (def.targetAddress === null) {
          throw xmlError("guestfwd channel does not define a target address");
        }
        if (port === undefined) throw xmlError("guestfwd channel does not define a target port");
        def.targetPort = parseCInt(port);
      }
    }
  }
  if (deviceType === "channel" && def.targetType === null) {
    throw xmlError("target type must be specified for channel device");
  }
  return def;
}

function parseInput(el: XmlElement, osType: string, virtType: string): InputDef {
  const type = attr(el, "type");
  const types = ["mouse", "tablet", "keyboard", "passthrough", "evdev"];
  if (type === undefined) throw xmlError("missing input device type");
  if (!types.includes(type)) throw unsupported(`unknown input device type '${type}'`);
  const busAttr = attr(el, "bus");
  const buses = ["ps2", "usb", "xen", "parallels", "virtio", "none"];
  if (busAttr !== undefined && !buses.includes(busAttr)) {
    throw unsupported(`unknown input bus type '${busAttr}'`);
  }
  let bus = busAttr ?? null;
  if (bus === null) {
    if (osType === "hvm") {
      if (type === "mouse" || type === "keyboard") bus = "ps2";
      else if (type === "tablet") bus = "usb";
      else if (type === "passthrough") bus = "virtio";
    } else if (osType === "xen" || osType === "linux") {
      if (virtType !== "xen") {
        throw internalError("Input devices are not supported by this virtualization driver.");
      }
      bus = "xen";
    }
  } else if ((osType === "xen" || osType === "linux") && bus !== "xen") {
    throw unsupported("xen only supports xen input devices");
  }
  const src = child(el, "source");
  const drv = child(el, "driver");
  return {
    type,
    bus,
    model: attr(el, "model") ?? null,
    driver: drv ? pickAttrs(drv, ["iommu", "ats", "packed", "page_per_vq"]) : null,
    source: src ? pickAttrs(src, ["evdev", "dev", "grab", "grabToggle", "repeat"]) : null,
    info: parseDeviceInfo(el, false),
  };
}

const AUDIO_TYPES = [
  "none",
  "alsa",
  "coreaudio",
  "jack",
  "oss",
  "pulseaudio",
  "sdl",
  "spice",
  "file",
  "dbus",
];

const GRAPHICS_TYPES = ["sdl", "vnc", "rdp", "desktop", "spice", "egl-headless", "dbus"] as const;

function parsePort(el: XmlElement, name: string): number | null {
  const v = attr(el, name);
  if (v === undefined) return null;
  const n = parseCInt(v);
  if (n === null) throw xmlError(`cannot parse ${el.name} ${name} ${v}`);
  return n;
}

function parseGraphics(el: XmlElement): GraphicsDef {
  const type = propEnum(el, "type", GRAPHICS_TYPES)!;
  if (type === undefined) throw xmlError("missing graphics device type");
  const g: GraphicsDef = {
    type,
    port: 0,
    autoport: false,
    tlsPort: 0,
    websocket: 0,
    attrs: {},
    passwd: null,
    listens: [],
    children: [],
  };
  const listenAttr = attr(el, "listen") ?? null;
  const listenEls = children(el, "listen");
  for (const l of listenEls) {
    const lt = propEnum(l, "type", ["address", "network", "socket", "none"]);
    if (lt === null) throw xmlError("graphics listen type must be specified");
    g.listens.push({
      type: lt,
      address: lt === "address" ? attr(l, "address") ?? null : null,
      network: lt === "network" ? attr(l, "network") ?? null : null,
      socket: lt === "socket" ? attr(l, "socket") ?? null : null,
    });
  }
  if (listenAttr !== null && listenEls.length > 0) {
    const first = g.listens[0]!;
    if (first.type === "address" && first.address !== null && first.address !== listenAttr) {
      throw xmlError(
        `graphics 'listen' attribute '${listenAttr}' must match 'address' attribute of first listen element (found '${first.address}')`,
      );
    }
    if (first.type === "address" && first.address === null) first.address = listenAttr;
  }
  const autoportAttr = attr(el, "autoport");
  switch (type) {
    case "vnc": {
      const port = parsePort(el, "port");
      if (port !== null) {
        g.port = port;
        if (port === -1) {
          g.port = 0;
          g.autoport = true;
        }
      } else {
        g.autoport = true;
      }
      if (autoportAttr !== undefined) g.autoport = autoportAttr === "yes";
      if (g.autoport && !parsingStatus) g.port = 0;
      const ws = parsePort(el, "websocket");
      if (ws !== null) g.websocket = ws;
      g.attrs = pickAttrs(el, [
        "keymap",
        "sharePolicy",
        "powerControl",
        "passwdValidTo",
        "connected",
        "wait",
      ]);
      g.passwd = attr(el, "passwd") ?? null;
      const socketAttr = attr(el, "socket");
      if (g.listens.length === 0) {
        if (socketAttr !== undefined) {
          g.listens.push({ type: "socket", address: null, network: null, socket: socketAttr });
        } else {g.listens.push({
            type: "address",
            address: listenAttr,
            network: null,
            socket: null,
          });}
      }
      break;
    }
    case "spice": {
      const port = parsePort(el, "port");
      const tls = parsePort(el, "tlsPort");
      g.port = port ?? 0;
      g.tlsPort = tls ?? 0;
      if (port === -1 || tls === -1) {
        g.autoport = true;
      }
      if (autoportAttr !== undefined) g.autoport = autoportAttr === "yes";
      if (g.autoport && !parsingStatus) {
        g.port = 0;
        g.tlsPort = 0;
      }
      g.attrs = pickAttrs(el, ["keymap", "defaultMode", "passwdValidTo", "connected"]);
      g.passwd = attr(el, "passwd") ?? null;
      if (g.listens.length === 0) {
        if (listenAttr !== null || g.port > 0 || g.tlsPort > 0 || g.autoport) {
          g.listens.push({ type: "address", address: listenAttr, network: null, socket: null });
        } else {
          g.listens.push({ type: "none", address: null, network: null, socket: null });
        }
      }
      for (const c of el.children) if (c.name !== "listen") g.children.push(raw(c));
      break;
    }
    case "rdp": {
      const port = parsePort(el, "port");
      g.port = port ?? 0;
      if (port === null || port === 0) g.autoport = true;
      if (autoportAttr === "yes") {
        g.autoport = true;
        g.port = 0;
      }
      g.attrs = pickAttrs(el, ["replaceUser", "multiUser"]);
      g.passwd = attr(el, "passwd") ?? null;
      if (g.listens.length === 0) {
        g.listens.push({ type: "address", address: listenAttr, network: null, socket: null });
      }
      break;
    }
    case "sdl":
      g.attrs = pickAttrs(el, ["display", "xauth", "fullscreen"]);
      for (const c of el.children) if (c.name === "gl") g.children.push(raw(c));
      break;
    case "desktop":
      g.attrs = pickAttrs(el, ["display"]);
      break;
    case "egl-headless":
      for (const c of el.children) if (c.name === "gl") g.children.push(raw(c));
      break;
    case "dbus":
      g.attrs = pickAttrs(el, ["p2p", "address"]);
      for (const c of el.children) {
        if (c.name === "gl" || c.name === "audio") g.children.push(raw(c));
      }
      break;
  }
  return g;
}

const VIDEO_MODELS = [
  "default",
  "vga",
  "cirrus",
  "vmvga",
  "xen",
  "vbox",
  "qxl",
  "parallels",
  "virtio",
  "gop",
  "none",
  "bochs",
  "ramfb",
] as const;

function parseVideo(el: XmlElement): VideoDef {
  const m = child(el, "model");
  let model = "default";
  const v: VideoDef = {
    model,
    ram: null,
    vram: null,
    vram64: null,
    vgamem: null,
    heads: null,
    primary: false,
    accel: null,
    resolution: null,
    driver: null,
    info: parseDeviceInfo(el, false),
  };
  if (m) {
    const t = attr(m, "type");
    if (t !== undefined) {
      if (!(VIDEO_MODELS as readonly string[]).includes(t)) {
        throw unsupported(`unknown video model '${t}'`);
      }
      model = t;
    }
    const num = (n: string): number | null => {
      const s = attr(m, n);
      if (s === undefined) return null;
      const x = parseUInt(s);
      if (x === null) throw xmlError(`cannot parse video ${n} '${s}'`);
      return x;
    };
    const pow2 = (x: number | null): number | null => {
      if (x === null || x === 0) return x;
      let p = 1;
      while (p < x) p *= 2;
      return p;
    };
    v.ram = pow2(num("ram"));
    v.vram = pow2(num("vram"));
    v.vram64 = num("vram64");
    v.vgamem = num("vgamem");
    v.heads = num("heads");
    v.primary = attr(m, "primary") === "yes";
    const acc = child(m, "acceleration");
    if (acc) v.accel = pickAttrs(acc, ["accel3d", "accel2d", "rendernode"]);
    const res = child(m, "resolution");
    if (res) v.resolution = pickAttrs(res, ["x", "y"]);
  }
  const drv = child(el, "driver");
  if (drv) {
    const d = pickAttrs(drv, ["iommu", "ats", "packed", "page_per_vq", "vgaconf", "name"]);
    if (Object.keys(d).length > 0) v.driver = d;
  }
  v.model = model;
  return v;
}

function parseSound(el: XmlElement): SoundDef {
  const model = attr(el, "model");
  const models = ["sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7", "virtio"];
  if (model === undefined) throw missingAttr(el, "model");
  if (!models.includes(model)) throw badAttr(el, "model", model);
  const codecs: string[] = [];
  for (const c of children(el, "codec")) {
    const t = attr(c, "type");
    if (t === undefined || !["duplex", "micro", "output"].includes(t)) {
      throw unsupported(`unknown codec type '${t ?? "(null)"}'`);
    }
    codecs.push(t);
  }
  const audio = child(el, "audio");
  return {
    model,
    codecs,
    audioId: audio ? propUInt(audio, "id", 10) : null,
    info: parseDeviceInfo(el, false),
  };
}

function normalizePciSource(src: RawElement): RawElement {
  const out: RawElement = { ...src, children: [] };
  for (const c of src.children) {
    if (c.name === "address") {
      const get = (k: string) => c.attrs.find(([n]) => n === k)?.[1];
      const num = (k: string) => {
        const v = get(k);
        return v === undefined ? 0 : parseCInt(v) ?? 0;
      };
      out.children.push({
        name: "address",
        attrs: [
          ["domain", "0x" + num("domain").toString(16).padStart(4, "0")],
          ["bus", "0x" + num("bus").toString(16).padStart(2, "0")],
          ["slot", "0x" + num("slot").toString(16).padStart(2, "0")],
          ["function", "0x" + num("function").toString(16)],
        ],
        children: [],
        text: "",
      });
    } else {
      out.children.push(c);
    }
  }
  return out;
}

function parseHostdev(el: XmlElement): HostdevDef {
  const mode = propEnum(el, "mode", ["subsystem", "capabilities"]) ?? "subsystem";
  const type = attr(el, "type");
  if (type === undefined) throw xmlError("missing type in hostdev");
  const subsysTypes = ["usb", "pci", "scsi", "scsi_host", "mdev"];
  const capsTypes = ["storage", "misc", "net"];
  if (mode === "subsystem" && !subsysTypes.includes(type)) {
    throw unsupported(`unknown host device source address type '${type}'`);
  }
  if (mode === "capabilities" && !capsTypes.includes(type)) {
    throw unsupported(`unknown host device source address type '${type}'`);
  }
  const src = child(el, "source");
  if (!src) throw xmlError("Missing <source> element in hostdev device");
  let source = raw(src);
  if (type === "pci") source = normalizePciSource(source);
  if (type === "usb") {
    source = {
      ...source,
      children: source.children.map((c) => {
        if (c.name !== "vendor" && c.name !== "product") return c;
        const id = c.attrs.find(([k]) => k === "id")?.[1] ?? "0";
        const n = parseCInt(id) ?? 0;
        return { ...c, attrs: [["id", "0x" + n.toString(16).padStart(4, "0")]] };
      }),
    };
  }
  return {
    mode,
    type,
    managed: attr(el, "managed") === "yes",
    attrs: pickAttrs(el, ["sgio", "rawio", "model", "display", "ramfb"]),
    source,
    driver: child(el, "driver") ? raw(child(el, "driver")!) : null,
    readonly: child(el, "readonly") !== undefined,
    shareable: child(el, "shareable") !== undefined,
    info: parseDeviceInfo(el),
  };
}

function parseWatchdog(el: XmlElement): WatchdogDef {
  const model = attr(el, "model");
  const models = ["i6300esb", "ib700", "diag288"];
  if (model === undefined) throw xmlError("watchdog must contain model name");
  if (!models.includes(model)) throw unsupported(`unknown watchdog model '${model}'`);
  const action = attr(el, "action") ?? "reset";
  const actions = ["reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"];
  if (!actions.includes(action)) throw unsupported(`unknown watchdog action '${action}'`);
  return { model, action, info: parseDeviceInfo(el, false) };
}

function parseMemballoon(el: XmlElement): MemballoonDef {
  const model = propEnum(el, "model", [
    "virtio",
    "xen",
    "none",
    "virtio-transitional",
    "virtio-non-transitional",
  ]);
  if (model === null) throw missingAttr(el, "model");
  const stats = child(el, "stats");
  let period: number | null = null;
  if (stats) {
    const p = attr(stats, "period");
    if (p !== undefined) {
      const n = parseCInt(p);
      if (n === null) throw xmlError(`invalid statistics collection period value '${p}'`);
      period = n < 0 ? 0 : n;
    }
  }
  const drv = child(el, "driver");
  return {
    model,
    autodeflate: propEnum(el, "autodeflate", ["on", "off"]),
    freePageReporting: propEnum(el, "freePageReporting", ["on", "off"]),
    statsPeriod: period,
    driver: drv ? pickAttrs(drv, ["iommu", "ats", "packed", "page_per_vq"]) : null,
    info: parseDeviceInfo(el, false),
  };
}

function parseRng(el: XmlElement): RngDef {
  const model = attr(el, "model");
  if (model === undefined) throw xmlError("missing RNG device model");
  if (!["virtio", "virtio-transitional", "virtio-non-transitional"].includes(model)) {
    throw xmlError(`unknown RNG model '${model}'`);
  }
  const backends = children(el, "backend");
  if (backends.length !== 1) throw xmlError("only one RNG backend is supported");
  const backend = backends[0]!;
  const bmodel = attr(backend, "model");
  if (bmodel === undefined) throw xmlError("missing RNG device backend model");
  if (!["random", "egd", "builtin"].includes(bmodel)) {
    throw xmlError(`unknown RNG backend model '${bmodel}'`);
  }
  const rate = child(el, "rate");
  const drv = child(el, "driver");
  const r: RngDef = {
    model,
    rateBytes: rate ? propUInt(rate, "bytes", 10) : null,
    ratePeriod: rate ? propUInt(rate, "period", 10) : null,
    backendModel: bmodel,
    backendFile: null,
    backendChr: null,
    driver: drv ? pickAttrs(drv, ["iommu", "ats", "packed", "page_per_vq"]) : null,
    info: parseDeviceInfo(el, false),
  };
  if (bmodel === "random") r.backendFile = backend.text === "" ? "/dev/random" : backend.text;
  if (bmodel === "egd") {
    if (attr(backend, "type") === undefined) throw xmlError("missing EGD backend type");
    r.backendChr = parseChrSource(backend);
  }
  return r;
}

function parseTpm(el: XmlElement): TpmDef {
  const model = attr(el, "model") ?? null;
  if (model !== null && !["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"].includes(model)) {
    throw badAttr(el, "model", model);
  }
  const backend = child(el, "backend");
  if (!backend) throw xmlError("missing TPM device backend");
  const btype = attr(backend, "type");
  if (btype === undefined) throw xmlError("missing TPM device backend type");
  if (!["passthrough", "emulator", "external"].includes(btype)) {
    throw badAttr(backend, "type", btype);
  }
  let devicePath: string | null = null;
  const backendChildren: RawElement[] = [];
  if (btype === "passthrough") {
    const d = child(backend, "device");
    devicePath = (d ? attr(d, "path") : undefined) ?? "/dev/tpm0";
  } else {
    for (const c of backend.children) backendChildren.push(raw(c));
  }
  return {
    model,
    backendType: btype,
    backendAttrs: pickAttrs(backend, ["version", "persistent_state", "debug"]),
    devicePath,
    backendChildren,
    info: parseDeviceInfo(el, false),
  };
}

// ---- Parsing: the domain -------------------------------------------------------------------

const VIRT_TYPES = [
  "none",
  "qemu",
  "kqemu",
  "kvm",
  "xen",
  "lxc",
  "uml",
  "openvz",
  "test",
  "vmware",
  "hyperv",
  "vbox",
  "phyp",
  "parallels",
  "bhyve",
  "vz",
];
const OS_TYPES = ["hvm", "xen", "linux", "exe", "uml"];
const ARCHES = [
  "none",
  "alpha",
  "armv6l",
  "armv7l",
  "armv7b",
  "aarch64",
  "cris",
  "i686",
  "ia64",
  "lm32",
  "loongarch64",
  "m68k",
  "microblaze",
  "microblazeel",
  "mips",
  "mipsel",
  "mips64",
  "mips64el",
  "openrisc",
  "parisc",
  "parisc64",
  "ppc",
  "ppcle",
  "ppc64",
  "ppc64le",
  "ppcemb",
  "riscv32",
  "riscv64",
  "s390",
  "s390x",
  "sh4",
  "sh4eb",
  "sparc",
  "sparc64",
  "unicore32",
  "x86_64",
  "xtensa",
  "xtensaeb",
];
const LIFECYCLE_ACTIONS = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
];
const BOOT_DEVS = ["fd", "cdrom", "hd", "network"];

/** Features in libvirt 9.0's formatting order, and how each is written. */
const FEATURE_ORDER = [
  "acpi",
  "apic",
  "pae",
  "hap",
  "viridian",
  "privnet",
  "hyperv",
  "kvm",
  "pvspinlock",
  "capabilities",
  "pmu",
  "vmport",
  "gic",
  "smm",
  "ioapic",
  "hpt",
  "vmcoreinfo",
  "htm",
  "nested-hv",
  "msrs",
  "ccf-assist",
  "xen",
  "cfpc",
  "sbbc",
  "ibs",
  "tcg",
];
const FEATURE_BARE = ["acpi", "pae", "viridian", "privnet"];
const FEATURE_STATE = [
  "hap",
  "pmu",
  "vmport",
  "pvspinlock",
  "vmcoreinfo",
  "htm",
  "nested-hv",
  "ccf-assist",
];

const HYPERV_ORDER = [
  "relaxed",
  "vapic",
  "spinlocks",
  "vpindex",
  "runtime",
  "synic",
  "stimer",
  "reset",
  "vendor_id",
  "frequencies",
  "reenlightenment",
  "tlbflush",
  "ipi",
  "evmcs",
  "avic",
];
const KVM_ORDER = ["hidden", "hint-dedicated", "poll-control", "pv-ipi", "dirty-ring"];

function sortByOrder(list: RawElement[], order: string[]): RawElement[] {
  return order.flatMap((n) => list.filter((e) => e.name === n).slice(0, 1));
}

function el0(
  name: string,
  attrs: [string, string][] = [],
  kids: RawElement[] = [],
  t = "",
): RawElement {
  return { name, attrs, children: kids, text: t };
}

function parseFeatures(el: XmlElement): RawElement[] {
  const found = new Map<string, RawElement>();
  for (const f of el.children) {
    const name = f.name;
    if (!FEATURE_ORDER.includes(name)) throw unsupported(`unexpected feature '${name}'`);
    let out: RawElement;
    if (FEATURE_BARE.includes(name)) {
      out = el0(name);
    } else if (FEATURE_STATE.includes(name)) {
      const st = propEnum(f, "state", ["on", "off"]) ?? "on";
      out = el0(name, [["state", st]]);
    } else {
      switch (name) {
        case "apic": {
          const eoi = propEnum(f, "eoi", ["on", "off"]);
          out = el0(name, eoi ? [["eoi", eoi]] : []);
          break;
        }
        case "gic": {
          const v = attr(f, "version");
          out = el0(name, v ? [["version", v]] : []);
          break;
        }
        case "smm": {
          const st = propEnum(f, "state", ["on", "off"]) ?? "on";
          const kids: RawElement[] = [];
          const tseg = child(f, "tseg");
          if (tseg && st === "on") {
            const kib = parseMemoryElement(tseg, "./features/smm/tseg") ?? 0;
            const bytes = BigInt(kib) * 1024n;
            const [v, u] = prettyUnit(bytes);
            kids.push(el0("tseg", [["unit", u]], [], v));
          }
          out = el0(name, [["state", st]], kids);
          break;
        }
        case "ioapic":
          out = el0(name, [["driver", attr(f, "driver") ?? "kvm"]]);
          break;
        case "msrs":
          out = el0(name, [["unknown", attr(f, "unknown") ?? "ignore"]]);
          break;
        case "cfpc":
        case "sbbc":
        case "ibs":
          out = el0(name, [["value", attr(f, "value") ?? ""]]);
          break;
        case "capabilities":
          out = el0(name, [["policy", attr(f, "policy") ?? "default"]], f.children.map(raw));
          break;
        case "hpt": {
          const kids: RawElement[] = [];
          const mp = child(f, "maxpagesize");
          if (mp) {
            kids.push(
              el0(
                "maxpagesize",
                [["unit", "KiB"]],
                [],
                String(parseMemoryElement(mp, "./features/hpt/maxpagesize")),
              ),
            );
          }
          const r = attr(f, "resizing");
          out = el0(name, r ? [["resizing", r]] : [], kids);
          break;
        }
        case "tcg": {
          const kids: RawElement[] = [];
          const tb = child(f, "tb-cache");
          if (tb) {
            kids.push(
              el0(
                "tb-cache",
                [["unit", "KiB"]],
                [],
                String(parseMemoryElement(tb, "./features/tcg/tb-cache")),
              ),
            );
          }
          out = el0(name, [], kids);
          break;
        }
        case "hyperv": {
          const mode = attr(f, "mode") ?? "custom";
          out = el0(name, [["mode", mode]], sortByOrder(f.children.map(raw), HYPERV_ORDER));
          break;
        }
        case "kvm":
          out = el0(name, [], sortByOrder(f.children.map(raw), KVM_ORDER));
          break;
        default:
          out = raw(f);
      }
    }
    found.set(name, out);
  }
  const list: RawElement[] = [];
  for (const n of FEATURE_ORDER) {
    const f = found.get(n);
    if (f) list.push(f);
  }
  return list;
}

/** virFormatIntPretty: the largest unit that divides the value exactly. */
function prettyUnit(bytes: bigint): [string, string] {
  const units: [string, bigint][] = [["EiB", 1n << 60n], ["PiB", 1n << 50n], ["TiB", 1n << 40n], [
    "GiB",
    1n << 30n,
  ], [
    "MiB",
    1n << 20n,
  ], ["KiB", 1n << 10n]];
  for (const [u, s] of units) if (bytes % s === 0n && bytes !== 0n) return [String(bytes / s), u];
  return [String(bytes), "B"];
}

function parseCpu(el: XmlElement): CpuDef {
  const mode = attr(el, "mode") ?? null;
  if (mode !== null && !["custom", "host-model", "host-passthrough", "maximum"].includes(mode)) {
    throw unsupported(`Invalid mode attribute '${mode}'`, VIR_FROM_CPU);
  }
  const modelEl = child(el, "model");
  const model = modelEl ? (modelEl.text === "" ? null : modelEl.text) : null;
  const match = propEnum(el, "match", ["minimum", "exact", "strict"]) ?? null;
  const check = attr(el, "check") ?? null;
  const topo = child(el, "topology");
  let topology: CpuDef["topology"] = null;
  if (topo) {
    const n = (k: string, dflt: number | null): number => {
      const v = attr(topo, k);
      if (v === undefined) {
        if (dflt !== null) return dflt;
        throw xmlError(`Missing '${k}' attribute in CPU topology`, VIR_FROM_CPU);
      }
      const x = parseUInt(v);
      if (x === null) throw xmlError(`Invalid '${k}' attribute in CPU topology`, VIR_FROM_CPU);
      return x;
    };
    topology = {
      sockets: n("sockets", null),
      dies: n("dies", 1),
      cores: n("cores", null),
      threads: n("threads", null),
    };
  }
  const features: CpuDef["features"] = [];
  for (const f of children(el, "feature")) {
    const name = attr(f, "name");
    if (name === undefined) throw xmlError("Invalid CPU feature name", VIR_FROM_CPU);
    const pol = attr(f, "policy") ?? "require";
    if (!["force", "require", "optional", "disable", "forbid"].includes(pol)) {
      throw unsupported(`Invalid CPU feature policy '${pol}'`, VIR_FROM_CPU);
    }
    features.push({ policy: pol, name });
  }
  const effMode = mode ?? "custom";
  let fallback: string | null = null;
  if (modelEl && model !== null) {
    fallback = attr(modelEl, "fallback") ?? (effMode === "custom" ? "allow" : null);
  } else if (modelEl) fallback = attr(modelEl, "fallback") ?? null;
  const cacheEl = child(el, "cache");
  const vendorEl = child(el, "vendor");
  return {
    mode,
    match: model !== null && effMode === "custom" ? match ?? "exact" : match,
    check,
    migratable: attr(el, "migratable") ?? null,
    model,
    modelFallback: fallback,
    modelVendorId: modelEl ? attr(modelEl, "vendor_id") ?? null : null,
    vendor: vendorEl ? vendorEl.text : null,
    topology,
    cache: cacheEl ? pickAttrs(cacheEl, ["level", "mode"]) : null,
    features,
    numa: child(el, "numa") ? raw(child(el, "numa")!) : null,
  };
}

function parseClock(el: XmlElement | undefined): DomainDef["clock"] {
  if (!el) return { offset: "utc", attrs: {}, timers: [] };
  const offset = attr(el, "offset") ?? "utc";
  if (!["utc", "localtime", "variable", "timezone", "absolute"].includes(offset)) {
    throw unsupported(`unknown clock offset '${offset}'`);
  }
  let attrs: AttrMap = {};
  switch (offset) {
    case "utc":
    case "localtime":
      if (attr(el, "adjustment") === "reset") attrs = { adjustment: "reset" };
      break;
    case "variable":
      attrs = { adjustment: attr(el, "adjustment") ?? "0", basis: attr(el, "basis") ?? "utc" };
      break;
    case "timezone": {
      const tz = attr(el, "timezone");
      if (tz === undefined) {
        throw xmlError("missing 'timezone' attribute for clock with offset='timezone'");
      }
      attrs = { timezone: tz };
      break;
    }
    case "absolute": {
      const st = attr(el, "start");
      if (st === undefined) {
        throw xmlError("missing 'start' attribute for clock with offset='absolute'");
      }
      attrs = { start: st };
      break;
    }
  }
  const timers: ClockTimer[] = [];
  for (const t of children(el, "timer")) {
    const name = attr(t, "name");
    if (name === undefined) throw xmlError("missing timer name");
    const names = ["platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"];
    if (!names.includes(name)) throw badAttr(t, "name", name);
    const cu = child(t, "catchup");
    timers.push({
      name,
      present: propTristate(t, "present"),
      tickpolicy: attr(t, "tickpolicy") ?? null,
      track: attr(t, "track") ?? null,
      frequency: name === "tsc" ? attr(t, "frequency") ?? null : null,
      mode: name === "tsc" ? attr(t, "mode") ?? null : null,
      catchup: cu ? pickAttrs(cu, ["threshold", "slew", "limit"]) : null,
    });
  }
  return { offset, attrs, timers };
}

function parseOs(dom: XmlElement, virtType: string): DomainOs {
  const os = child(dom, "os");
  const typeEl = os ? child(os, "type") : undefined;
  if (!typeEl || typeEl.text === "") throw xmlError("an os <type> must be specified");
  let type = typeEl.text;
  if (!OS_TYPES.includes(type)) throw unsupported(`unknown OS type '${type}'`);
  if (type === "linux" && virtType === "xen") type = "xen"; // the legacy name of Xen paravirt guests
  const archAttr = attr(typeEl, "arch");
  if (archAttr !== undefined && !ARCHES.includes(archAttr)) {
    throw unsupported(`Unknown architecture ${archAttr}`);
  }
  const o: DomainOs = {
    type,
    arch: archAttr ?? "i686",
    machine: attr(typeEl, "machine") ?? null,
    firmware: os ? attr(os, "firmware") ?? null : null,
    loader: null,
    nvram: null,
    kernel: null,
    initrd: null,
    cmdline: null,
    dtb: null,
    root: null,
    acpiTables: [],
    init: null,
    initargs: [],
    bootDevs: [],
    bootmenu: null,
    bios: null,
    smbiosMode: null,
    bootloader: childString(dom, "bootloader"),
    bootloaderArgs: childString(dom, "bootloader_args"),
  };
  if (os && (type === "hvm" || type === "xen" || type === "uml")) {
    o.kernel = childString(os, "kernel");
    o.initrd = childString(os, "initrd");
    o.cmdline = childString(os, "cmdline");
    o.dtb = childString(os, "dtb");
    o.root = childString(os, "root");
  }
  if (os && type === "exe") {
    o.init = childString(os, "init");
    o.initargs = children(os, "initarg").map((e) => e.text);
  }
  if (type !== "hvm") o.firmware = null;
  if (o.firmware !== null && !["bios", "efi"].includes(o.firmware)) {
    throw badAttr(os!, "firmware", o.firmware);
  }
  if (type === "exe" && o.init === null) throw xmlError("init binary must be specified");
  if (os && type === "hvm") {
    const acpi = child(os, "acpi");
    if (acpi) {
      for (const t of children(acpi, "table")) {
        const tt = attr(t, "type");
        if (tt === undefined) throw xmlError("Missing required 'type' attribute in ACPI table");
        o.acpiTables.push({ type: tt, path: t.text });
      }
    }
    const loader = child(os, "loader");
    if (loader) {
      const attrs = pickAttrs(loader, ["readonly", "secure", "type", "stateless", "format"]);
      const path = loader.text === "" ? null : loader.text;
      if (path !== null && attrs.type === undefined) attrs.type = "rom";
      o.loader = { path, attrs };
    }
    const nvram = child(os, "nvram");
    if (nvram) {
      o.nvram = {
        path: nvram.text === "" ? null : nvram.text,
        attrs: pickAttrs(nvram, ["template", "format"]),
      };
    }
    {
      for (const b of children(os, "boot")) {
        const dev = attr(b, "dev");
        if (dev === undefined) throw internalError("missing boot device");
        if (!BOOT_DEVS.includes(dev)) throw badAttr(b, "dev", dev);
        if (o.bootDevs.length < 4) o.bootDevs.push(dev);
      }
      const bm = child(os, "bootmenu");
      if (bm) {
        const en = propTristate(bm, "enable");
        if (en !== null) {
          o.bootmenu = { enable: en, timeout: en === "yes" ? attr(bm, "timeout") ?? null : null };
        }
      }
      const bios = child(os, "bios");
      if (bios) {
        o.bios = {
          useserial: propTristate(bios, "useserial"),
          rebootTimeout: attr(bios, "rebootTimeout") ?? null,
        };
      }
      const sm = child(os, "smbios");
      if (sm) o.smbiosMode = attr(sm, "mode") ?? null;
    }
  }
  return o;
}

function parseVcpu(dom: XmlElement, def: DomainDef): void {
  const v = child(dom, "vcpu");
  if (!v) {
    def.vcpus = 1;
    def.vcpusCurrent = 1;
    return;
  }
  let max = 1;
  if (v.text !== "") {
    const n = parseUInt(v.text);
    if (n === null) throw xmlError("maximum vcpus count must be an integer");
    max = n;
  }
  let cur = max;
  const c = attr(v, "current");
  if (c !== undefined) {
    const n = parseUInt(c);
    if (n === null) throw xmlError("current vcpus count must be an integer");
    cur = n;
  }
  const pl = propEnum(v, "placement", ["static", "auto"]);
  def.vcpuPlacement = pl ?? "static";
  const cs = attr(v, "cpuset");
  if (cs !== undefined && cs !== "") {
    const bits = parseBitmap(cs, VIR_DOMAIN_CPUMASK_LEN);
    if (bits === null) {
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `Failed to parse bitmap '${cs}'`);
    }
    def.cpuset = formatBitmap(bits);
    if (pl === null) def.vcpuPlacement = "static";
  }
  def.vcpus = max;
  def.vcpusCurrent = cur;
  if (max === 0) throw internalError("CPU IDs in <numa> exceed the <vcpu> count");
  if (max < cur) throw unsupported("maximum vCPU count must not be less than current vCPU count");
  const vcpusEl = child(dom, "vcpus");
  if (vcpusEl) {
    const list: NonNullable<DomainDef["vcpuList"]> = [];
    for (let i = 0; i < max; i++) {
      list.push({ id: i, enabled: false, hotpluggable: null, order: null });
    }
    for (const e of children(vcpusEl, "vcpu")) {
      const id = propUInt(e, "id", 10);
      if (id === null) throw xmlError("missing vcpu id");
      if (id >= max) throw xmlError(`vcpu id '${id}' is out of range of maximum vcpu count`);
      const item = list[id]!;
      const en = attr(e, "enabled");
      if (en === undefined) throw xmlError("missing vcpu enabled state");
      item.enabled = en === "yes";
      item.hotpluggable = attr(e, "hotpluggable") ?? null;
      const ord = attr(e, "order");
      item.order = ord === undefined ? null : parseUInt(ord);
    }
    for (const item of list) item.hotpluggable ??= item.enabled ? "no" : "yes";
    def.vcpuList = list;
    def.vcpusCurrent = list.filter((x) => x.enabled).length;
  }
}

/** thread_pool_min / thread_pool_max of an element (virXMLPropInt, non-negative), -1 if absent. */
function parsePool(e: XmlElement): IOThreadPool {
  const read = (name: string) => {
    const v = attr(e, name);
    if (v === undefined) return -1;
    const n = propInt(e, name, 10);
    if (n === null || n < 0) {
      throw xmlError(
        `Invalid value for attribute '${name}' in element '${e.name}': '${v}'. ` +
          "Expected non-negative value",
        VIR_FROM_XML,
      );
    }
    return n;
  };
  return { poolMin: read("thread_pool_min"), poolMax: read("thread_pool_max") };
}

/** virDomainDefIOThreadsValidate's checks of one thread pool. */
function validatePool(p: Partial<IOThreadPool>): void {
  const min = p.poolMin ?? -1, max = p.poolMax ?? -1;
  if (max === 0) throw unsupported("thread_pool_max must be a positive integer");
  // (As libvirt compares them: a minimum without a maximum is refused too.)
  if (min > max) {
    throw unsupported("thread_pool_min must be smaller or equal to thread_pool_max");
  }
}

function parseIothreads(dom: XmlElement, def: DomainDef): void {
  const n = child(dom, "iothreads");
  let count = 0;
  if (n) {
    const x = parseUInt(n.text);
    if (x === null) throw xmlError("invalid iothreads count");
    count = x;
  }
  const ids: IOThreadId[] = [];
  const idsEl = child(dom, "iothreadids");
  if (idsEl) {
    for (const e of children(idsEl, "iothread")) {
      const id = propUInt(e, "id", 10);
      if (id === 0) {
        throw xmlError(
          "Invalid value for attribute 'id' in element 'iothread': Zero is not permitted",
          VIR_FROM_XML,
        );
      }
      if (id === null) throw xmlError("invalid iothread 'id' value");
      if (ids.some((x) => x.id === id)) throw xmlError(`duplicate iothread id '${id}' found`);
      const pool = parsePool(e);
      ids.push({ id, autofill: false, ...poolAttrs(pool) });
    }
  }
  if (count < ids.length) count = ids.length;
  let next = 1;
  while (ids.length < count) {
    while (ids.some((x) => x.id === next)) next++;
    ids.push({ id: next, autofill: true });
    next++;
  }
  def.iothreads = count;
  def.iothreadIds = ids;
  const dflt = child(dom, "defaultiothread");
  const pool = dflt ? parsePool(dflt) : null;
  def.defaultIOThread = pool && (pool.poolMin >= 0 || pool.poolMax >= 0) ? pool : null;
  validateIOThreadPools(def);
}

/** The pool values an <iothread> sets (the unset ones left out). */
function poolAttrs(p: IOThreadPool): Partial<IOThreadPool> {
  return {
    ...(p.poolMin >= 0 ? { poolMin: p.poolMin } : {}),
    ...(p.poolMax >= 0 ? { poolMax: p.poolMax } : {}),
  };
}

/** The thread pools' checks at define (virDomainDefIOThreadsValidate). */
function validateIOThreadPools(def: DomainDef): void {
  for (const t of def.iothreadIds) validatePool(t);
  if (def.defaultIOThread) validatePool(def.defaultIOThread);
}

function parseCputune(dom: XmlElement, def: DomainDef): void {
  const ct = child(dom, "cputune");
  if (!ct) return;
  const tune: NonNullable<DomainDef["cputune"]> = {
    shares: null,
    items: [],
    vcpupins: [],
    emulatorpin: null,
    iothreadpins: [],
  };
  const sh = child(ct, "shares");
  if (sh) {
    const n = parseUInt(sh.text);
    if (n === null) throw xmlError("can't parse cputune shares value");
    tune.shares = n;
  }
  for (
    const k of [
      "period",
      "quota",
      "global_period",
      "global_quota",
      "emulator_period",
      "emulator_quota",
      "iothread_period",
      "iothread_quota",
    ]
  ) {
    const c = child(ct, k);
    if (c && c.text !== "" && c.text !== "0") tune.items.push([k, c.text]);
  }
  for (const p of children(ct, "vcpupin")) {
    const vcpu = propUInt(p, "vcpu", 10);
    if (vcpu === null) throw xmlError("missing vcpu id in vcpupin");
    const cs = cpusetAttr(p, "cpuset");
    if (cs === null) throw xmlError("missing cpuset for vcpupin");
    if (vcpu >= def.vcpus) continue; // libvirt ignores pins of missing vcpus (with a warning)
    tune.vcpupins.push({ vcpu, cpuset: cs });
  }
  tune.vcpupins.sort((a, b) => a.vcpu - b.vcpu);
  const ep = child(ct, "emulatorpin");
  if (ep) tune.emulatorpin = cpusetAttr(ep, "cpuset");
  for (const p of children(ct, "iothreadpin")) {
    const id = propUInt(p, "iothread", 10);
    const cs = cpusetAttr(p, "cpuset");
    if (id !== null && cs !== null) tune.iothreadpins.push({ iothread: id, cpuset: cs });
  }
  def.cputune = tune;
}

function parseMemtune(dom: XmlElement, def: DomainDef): void {
  const mt = child(dom, "memtune");
  if (!mt) return;
  const get = (n: string) => {
    const c = child(mt, n);
    return c ? parseMemoryElement(c, `./memtune/${n}[1]`) : null;
  };
  def.memtune = {
    hardLimit: get("hard_limit"),
    softLimit: get("soft_limit"),
    minGuarantee: get("min_guarantee"),
    swapHardLimit: get("swap_hard_limit"),
  };
}

function parseMemoryBacking(dom: XmlElement, def: DomainDef): void {
  const mb = child(dom, "memoryBacking");
  if (!mb) return;
  const hp = child(mb, "hugepages");
  let hugepages: RawElement | null = null;
  if (hp) {
    const pages: RawElement[] = [];
    for (const p of children(hp, "page")) {
      const size = attr(p, "size");
      if (size === undefined) throw xmlError("hugepage size can't be zero");
      const n = parseUInt(size);
      if (n === null) throw xmlError(`unable to parse size attribute '${size}'`);
      const kib = Number((BigInt(n) * unitScale(attr(p, "unit")) + 1023n) / 1024n);
      const attrs: [string, string][] = [["size", String(kib)], ["unit", "KiB"]];
      const ns = attr(p, "nodeset");
      if (ns !== undefined) attrs.push(["nodeset", ns]);
      pages.push(el0("page", attrs));
    }
    hugepages = el0("hugepages", [], pages);
  }
  const src = child(mb, "source");
  const acc = child(mb, "access");
  const alloc = child(mb, "allocation");
  def.memoryBacking = {
    hugepages,
    nosharepages: child(mb, "nosharepages") !== undefined,
    locked: child(mb, "locked") !== undefined,
    source: src ? attr(src, "type") ?? null : null,
    access: acc ? attr(acc, "mode") ?? null : null,
    allocation: alloc ? pickAttrs(alloc, ["mode", "threads"]) : null,
    discard: child(mb, "discard") !== undefined,
  };
}

/**
 * The devices of a device document (what attach-, detach- and update-device
 * take), read as the domain parser reads them inside a minimal domain.
 */
export function parseDeviceXML(xml: string): DomainDef["devices"] {
  const body = xml.replace(/^\s*<\?xml[^>]*>/, "");
  return parseDomainXML(
    `<domain type='qemu'><name>d</name><memory>1024</memory><os><type>hvm</type></os>` +
      `<devices>${body}</devices></domain>`,
  ).devices;
}

/**
 * What a hypervisor driver adds to parsing (libvirt's virDomainXMLOption
 * callbacks): its own defaults before the common ones are filled in, and
 * device addresses once they are.
 */
export interface DomainParseHooks {
  /** The driver's domain post-parse (domainPostParseCallback). */
  postParse?(def: DomainDef): void;
  /** Address assignment (assignAddressesCallback), after the common defaults. */
  assignAddresses?(def: DomainDef): void;
  /**
   * The document is a running domain's status (VIR_DOMAIN_DEF_PARSE_STATUS):
   * every device keeps its alias, not only the user's `ua-` ones, and an
   * autoport display the port it got.
   */
  status?: boolean;
}

/** Set while a status document is parsed (parsing is synchronous). */
let parsingStatus = false;

/** Parses a <domain> document as the test driver's virDomainDefineXML/CreateXML do. */
export function parseDomainXML(xml: string, hooks: DomainParseHooks = {}): DomainDef {
  let dom: XmlElement;
  try {
    dom = parseXml(xml);
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      throw libxmlError(xml, "(domain_definition)", VIR_FROM_DOMAIN, e);
    }
    throw e;
  }
  const outer = parsingStatus;
  parsingStatus = hooks.status ?? false;
  try {
    return parseDomainElement(dom, hooks);
  } finally {
    parsingStatus = outer;
  }
}

function parseDomainElement(dom: XmlElement, hooks: DomainParseHooks): DomainDef {
  if (dom.name !== "domain") {
    throw xmlError(`expecting root element of 'domain', not '${dom.name}'`, VIR_FROM_XML);
  }
  const virtType = attr(dom, "type");
  if (virtType === undefined) throw internalError("missing domain type attribute");
  if (!VIRT_TYPES.includes(virtType) || virtType === "none") {
    throw unsupported(`invalid domain type ${virtType}`);
  }
  const nameEl = child(dom, "name");
  const name = nameEl ? nameEl.text : "";
  if (name === "") throw VirError.of(VIR_ERR_NO_NAME, VIR_FROM_DOMAIN);
  const uuidEl = child(dom, "uuid");
  let uuid: string;
  if (uuidEl && uuidEl.text !== "") {
    const u = parseUUID(uuidEl.text);
    if (u === null) throw internalError("malformed uuid element");
    uuid = u;
  } else {
    uuid = generateUUID();
  }
  let genid: string | null = null;
  const genidEl = child(dom, "genid");
  if (genidEl) {
    if (genidEl.text === "") genid = generateUUID();
    else {
      genid = parseUUID(genidEl.text);
      if (genid === null) throw internalError("malformed genid element");
    }
  }
  const title = nameEl ? childString(dom, "title") : null;
  if (title !== null && /[\n]/.test(title)) throw xmlError("Domain title can't contain newlines");
  const description = childString(dom, "description");
  const metadata = metadataElement(dom);

  const def: DomainDef = {
    type: virtType,
    name,
    uuid,
    genid,
    title,
    description,
    metadata,
    maxMemory: null,
    memory: 0,
    memoryDumpCore: null,
    currentMemory: 0,
    blkiotune: null,
    memtune: null,
    memoryBacking: null,
    vcpus: 1,
    vcpusCurrent: 1,
    vcpuPlacement: "static",
    cpuset: null,
    vcpuList: null,
    iothreads: 0,
    iothreadIds: [],
    defaultIOThread: null,
    cputune: null,
    numatune: null,
    resource: null,
    os: null as unknown as DomainOs,
    features: null,
    cpu: null,
    clock: { offset: "utc", attrs: {}, timers: [] },
    onPoweroff: "destroy",
    onReboot: "restart",
    onCrash: "destroy",
    onLockfailure: null,
    pm: null,
    perf: null,
    devices: {
      emulator: null,
      disks: [],
      controllers: [],
      filesystems: [],
      interfaces: [],
      smartcards: [],
      serials: [],
      parallels: [],
      consoles: [],
      channels: [],
      inputs: [],
      tpms: [],
      graphics: [],
      sounds: [],
      videos: [],
      hostdevs: [],
      redirdevs: [],
      hubs: [],
      watchdogs: [],
      memballoon: null,
      rngs: [],
      panics: [],
      audios: [],
    },
    seclabels: [],
  };

  // memory
  const memEl = child(dom, "memory");
  const mem = memEl ? parseMemoryElement(memEl, "./memory[1]") : null;
  def.memory = mem ?? 0;
  if (memEl) def.memoryDumpCore = propEnum(memEl, "dumpCore", ["on", "off"]);
  const maxEl = child(dom, "maxMemory");
  if (maxEl) {
    const kib = parseMemoryElement(maxEl, "./maxMemory[1]");
    const slotsAttr = attr(maxEl, "slots");
    const slots = slotsAttr === undefined ? null : parseUInt(slotsAttr);
    if (slotsAttr !== undefined && slots === null) {
      throw xmlError(`Failed to parse memory slot count`);
    }
    if (kib !== null && kib > 0 || slots !== null && slots > 0) {
      if (!kib || !slots) {
        throw xmlError("both maximum memory size and memory slot count must be specified");
      }
      def.maxMemory = { kib, slots };
    }
  }
  const curEl = child(dom, "currentMemory");
  def.currentMemory = (curEl ? parseMemoryElement(curEl, "./currentMemory[1]") : null) ?? 0;
  const blk = child(dom, "blkiotune");
  if (blk) def.blkiotune = raw(blk);
  parseMemtune(dom, def);
  parseMemoryBacking(dom, def);
  parseVcpu(dom, def);
  parseIothreads(dom, def);
  parseCputune(dom, def);
  const nt = child(dom, "numatune");
  if (nt) {
    const r = raw(nt);
    const mem = r.children.find((c) => c.name === "memory");
    if (mem) {
      const get = (k: string) => mem.attrs.find(([n]) => n === k)?.[1];
      const nodeset = get("nodeset");
      const placement = get("placement") ?? (nodeset === undefined ? "auto" : undefined);
      mem.attrs = [["mode", get("mode") ?? "strict"]];
      if (nodeset !== undefined) mem.attrs.push(["nodeset", nodeset]);
      if (placement === "auto") mem.attrs.push(["placement", "auto"]);
      const v = child(dom, "vcpu");
      if (placement === "auto" && (!v || attr(v, "placement") === undefined)) {
        def.vcpuPlacement = "auto";
      }
    }
    def.numatune = r;
  }
  const res = child(dom, "resource");
  if (res) def.resource = raw(res);
  def.os = parseOs(dom, virtType);
  const featEl = child(dom, "features");
  if (featEl) def.features = parseFeatures(featEl);
  const cpuEl = child(dom, "cpu");
  if (cpuEl) def.cpu = parseCpu(cpuEl);
  def.clock = parseClock(child(dom, "clock"));
  const lifecycle = (n: string, dflt: string, crash = false): string => {
    const v = childString(dom, n);
    if (v === null) return dflt;
    if (!LIFECYCLE_ACTIONS.includes(v)) throw unsupported(`unknown ${n} action: ${v}`);
    if (!crash && v.startsWith("coredump")) {
      throw unsupported(`Lifecycle event '${n.slice(3)}' doesn't support '${v}' action`);
    }
    return v;
  };
  def.onPoweroff = lifecycle("on_poweroff", "destroy");
  def.onReboot = lifecycle("on_reboot", "restart");
  def.onCrash = lifecycle("on_crash", "destroy", true);
  const lf = childString(dom, "on_lockfailure");
  if (lf !== null) {
    if (!["poweroff", "restart", "pause", "ignore"].includes(lf)) {
      throw unsupported(`unknown lock failure action: ${lf}`);
    }
    def.onLockfailure = lf;
  }
  const pm = child(dom, "pm");
  if (pm) {
    const s3 = child(pm, "suspend-to-mem");
    const s4 = child(pm, "suspend-to-disk");
    def.pm = {
      suspendToMem: s3 ? propTristate(s3, "enabled") : null,
      suspendToDisk: s4 ? propTristate(s4, "enabled") : null,
    };
  }
  const perf = child(dom, "perf");
  if (perf) def.perf = raw(perf);
  for (const s of children(dom, "seclabel")) def.seclabels.push(raw(s));

  parseDevices(dom, def);
  postParse(def, hooks);
  return def;
}

type ParsedDisk = DiskDef & { explicitBus?: boolean };

/** virDomainDiskInsert: keeps disks on the same bus ordered by target index. */
function insertDisk(list: ParsedDisk[], disk: ParsedDisk): void {
  let insertAt = -1;
  const idx = diskNameToIndex(disk.targetDev);
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i]!;
    if (cur.targetBus !== disk.targetBus) continue;
    if (diskNameToIndex(cur.targetDev) > idx) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1) list.push(disk);
  else list.splice(insertAt, 0, disk);
}

/** virDomainControllerInsert: same-type controllers kept in index order. */
function insertController(list: ControllerDef[], c: ControllerDef): void {
  let insertAt = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i]!;
    if (cur.type !== c.type) continue;
    if (c.index === -1) {
      insertAt = i + 1;
      break;
    }
    if (cur.index > c.index) insertAt = i;
    else if (cur.index < c.index && insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1) list.push(c);
  else list.splice(insertAt, 0, c);
}

function newController(type: string, index: number): ControllerDef {
  return {
    type,
    index,
    model: null,
    attrs: {},
    driver: null,
    modelName: null,
    target: null,
    targetNode: null,
    pcihole64: null,
    serial: null,
    info: emptyInfo(),
  };
}

function parseDevices(dom: XmlElement, def: DomainDef): void {
  const devs = child(dom, "devices");
  const d = def.devices;
  if (!devs) return;
  d.emulator = childString(devs, "emulator");
  const osType = def.os.type;
  const disks: ParsedDisk[] = [];
  for (const e of children(devs, "disk")) insertDisk(disks, parseDisk(e));
  for (const disk of disks) delete disk.explicitBus;
  d.disks = disks;
  let usbNone = false;
  let usbOther = false;
  for (const e of children(devs, "controller")) {
    const c = parseController(e);
    if (c.type === "usb") {
      if (c.model === "none") {
        if (usbOther) {
          throw xmlError(
            "Can't add another USB controller: USB is disabled for this domain",
            VIR_FROM_DOMAIN,
          );
        }
        usbNone = true;
      } else {
        if (usbNone) {
          throw VirError.of(
            VIR_ERR_XML_DETAIL,
            VIR_FROM_DOMAIN,
            "Can't add another USB controller: USB is disabled for this domain",
          );
        }
        usbOther = true;
      }
    }
    insertController(d.controllers, c);
  }
  for (const e of children(devs, "filesystem")) d.filesystems.push(parseFilesystem(e));
  for (const e of children(devs, "interface")) d.interfaces.push(parseInterface(e));
  for (const e of children(devs, "parallel")) d.parallels.push(parseChr(e, "parallel"));
  for (const e of children(devs, "serial")) d.serials.push(parseChr(e, "serial"));
  for (const list of [d.parallels, d.serials]) {
    for (const c of list) {
      if (c.targetPort === null) {
        c.targetPort = Math.max(-1, ...list.map((x) => x.targetPort ?? -1)) + 1;
      }
    }
  }
  children(devs, "console").forEach((e, i) => {
    const c = parseChr(e, "console");
    c.targetPort = i;
    d.consoles.push(c);
  });
  for (const e of children(devs, "channel")) d.channels.push(parseChr(e, "channel"));
  for (const e of children(devs, "input")) d.inputs.push(parseInput(e, osType, def.type));
  for (const e of children(devs, "graphics")) d.graphics.push(parseGraphics(e));
  for (const e of children(devs, "sound")) d.sounds.push(parseSound(e));
  for (const e of children(devs, "video")) {
    const v = parseVideo(e);
    if (v.primary) {
      if (d.videos.length > 0 && d.videos[0]!.primary) {
        throw unsupported("Only one primary video device is supported");
      }
      d.videos.unshift(v);
    } else {
      d.videos.push(v);
    }
  }
  for (const e of children(devs, "hostdev")) d.hostdevs.push(parseHostdev(e));
  const wds = children(devs, "watchdog");
  if (wds.length > 1) throw internalError("only a single watchdog device is supported");
  for (const e of wds) d.watchdogs.push(parseWatchdog(e));
  const balloons = children(devs, "memballoon");
  if (balloons.length > 1) throw internalError("only a single memory balloon device is supported");
  if (balloons[0]) d.memballoon = parseMemballoon(balloons[0]);
  for (const e of children(devs, "rng")) d.rngs.push(parseRng(e));
  const tpms = children(devs, "tpm");
  if (tpms.length > 2) {
    throw xmlError(
      "a maximum of two TPM devices is supported, one of them being a TPM Proxy device",
    );
  }
  for (const e of tpms) d.tpms.push(parseTpm(e));
  for (const e of children(devs, "hub")) d.hubs.push(raw(e));
  for (const e of children(devs, "redirdev")) {
    const bus = attr(e, "bus") ?? "usb";
    if (bus !== "usb") throw xmlError(`unknown redirdev bus '${bus}'`);
    d.redirdevs.push({ bus, source: parseChrSource(e), info: parseDeviceInfo(e) });
  }
  for (const e of children(devs, "smartcard")) {
    const mode = attr(e, "mode");
    if (mode === undefined) throw xmlError("missing smartcard device mode");
    if (!["host", "host-certificates", "passthrough"].includes(mode)) {
      throw xmlError(`unknown smartcard device mode: ${mode}`);
    }
    const sc: SmartcardDef = {
      mode,
      certificates: mode === "host-certificates"
        ? children(e, "certificate").map((c) => c.text)
        : [],
      database: mode === "host-certificates" ? childString(e, "database") : null,
      source: mode === "passthrough" ? parseChrSource(e) : null,
      info: parseDeviceInfo(e, false),
    };
    if (mode === "host-certificates" && sc.certificates.length !== 3) {
      throw xmlError("host-certificates mode needs exactly three certificates");
    }
    d.smartcards.push(sc);
  }
  const hasUsb = d.controllers.some((c) => c.type === "usb" && c.model !== "none");
  if (d.redirdevs.length > 0 && !hasUsb) {
    throw unsupported("cannot add redirected USB device: USB is disabled for this domain");
  }
  for (const e of children(devs, "audio")) {
    const id = attr(e, "id");
    if (id === undefined || parseUInt(id) === null || parseUInt(id) === 0) {
      throw xmlError(`Invalid audio 'id' value '${id ?? ""}'`);
    }
    const type = attr(e, "type");
    if (type === undefined) throw xmlError("missing audio 'type' attribute");
    if (!AUDIO_TYPES.includes(type)) throw xmlError(`unknown audio type '${type}'`);
    d.audios.push(raw(e));
  }
  for (const e of children(devs, "panic")) {
    const m = attr(e, "model") ?? null;
    d.panics.push({ model: m, info: parseDeviceInfo(e, false) });
  }
}

function diskSourceLabel(disk: DiskDef): string {
  return disk.source?.path ?? disk.source?.name ?? "<null>";
}

function assignDiskAddress(disk: DiskDef): void {
  if (disk.info.address !== null) return;
  const idx = diskNameToIndex(disk.targetDev);
  if (idx < 0) return;
  switch (disk.targetBus) {
    case "ide":
      disk.info.address = {
        type: "drive",
        controller: Math.floor(idx / 4),
        bus: Math.floor((idx % 4) / 2),
        target: 0,
        unit: idx % 2,
      };
      break;
    case "scsi":
      disk.info.address = {
        type: "drive",
        controller: Math.floor(idx / 7),
        bus: 0,
        target: 0,
        unit: idx % 7,
      };
      break;
    case "fdc":
      disk.info.address = {
        type: "drive",
        controller: Math.floor(idx / 2),
        bus: 0,
        target: 0,
        unit: idx % 2,
      };
      break;
    case "sata":
      disk.info.address = {
        type: "drive",
        controller: Math.floor(idx / 6),
        bus: 0,
        target: 0,
        unit: idx % 6,
      };
      break;
  }
}

function maybeAddController(def: DomainDef, type: string, index: number): void {
  if (def.devices.controllers.some((c) => c.type === type && c.index === index)) return;
  def.devices.controllers.push(newController(type, index));
}

function postParse(def: DomainDef, hooks: DomainParseHooks): void {
  const d = def.devices;
  if (def.memory === 0) {
    throw xmlError("Memory size must be specified via <memory> or in the <numa> configuration");
  }
  if (def.currentMemory === 0 || def.currentMemory > def.memory) def.currentMemory = def.memory;
  if (def.maxMemory && def.maxMemory.kib < def.memory) {
    throw xmlError("maximum memory size must be equal or greater than the actual memory size");
  }

  // disks: bus from the target name, drive addresses
  for (const disk of d.disks) {
    if (disk.targetBus === "") {
      if (disk.device === "floppy") disk.targetBus = "fdc";
      else {
        const bus = defaultDiskBus(disk.targetDev, disk.device, def.os.type);
        if (bus === null || bus === "fdc") {
          throw internalError(`Invalid harddisk device name: ${disk.targetDev}`);
        }
        disk.targetBus = bus;
      }
    }
    if (disk.device === "cdrom" || disk.device === "floppy") {
      // removable media are read-only for cdroms
      if (disk.device === "cdrom") disk.readonly = true;
    }
    assignDiskAddress(disk);
  }

  // controllers without an index get the next free one of their type
  let usbMaster = 0;
  for (const c of d.controllers) {
    if (c.type === "usb" && c.info.masterStartport !== null && c.index === -1) {
      // A USB companion without an index belongs to the master before it.
      c.index = usbMaster;
      continue;
    }
    if (c.index !== -1) {
      if (c.type === "usb" && c.info.masterStartport === null) usbMaster = c.index;
      continue;
    }
    let n = 0;
    while (d.controllers.some((x) => x !== c && x.type === c.type && x.index === n)) n++;
    c.index = n;
    if (c.type === "usb") usbMaster = n;
  }

  // console compatibility with the first serial port (hvm)
  if (def.os.type === "hvm") {
    const con0 = d.consoles[0];
    if (con0 && (con0.targetType === null || con0.targetType === "serial")) {
      if (d.serials.length === 0) {
        d.serials.push({
          ...con0,
          deviceType: "serial",
          source: { ...con0.source },
          targetType: null,
          targetPort: 0,
          info: emptyInfo(),
        });
      }
      con0.targetType = "serial";
      con0.targetPort = d.serials[0]!.targetPort;
    } else if (d.serials.length > 0) {
      const s0 = d.serials[0]!;
      d.consoles.unshift({
        deviceType: "console",
        source: { ...s0.source },
        targetType: "serial",
        targetPort: s0.targetPort,
        targetModel: null,
        targetName: null,
        targetAddress: null,
        targetState: null,
        info: emptyInfo(),
      });
    }
  }
  for (const c of d.consoles) c.targetType ??= "serial";
  d.consoles.forEach((c, i) => {
    if (i > 0 && c.targetType === "serial") {
      throw unsupported("Only the first console can be a serial port");
    }
  });

  hooks.postParse?.(def);

  // implicit controllers
  const addFor = (ctype: string, bus: string) => {
    let max = -1;
    for (const disk of d.disks) {
      if (disk.targetBus !== bus || disk.info.address?.type !== "drive") continue;
      max = Math.max(max, disk.info.address.controller);
    }
    for (let i = 0; i <= max; i++) maybeAddController(def, ctype, i);
  };
  addFor("scsi", "scsi");
  addFor("fdc", "fdc");
  addFor("ide", "ide");
  addFor("sata", "sata");
  addFor("nvme", "nvme");
  for (const ch of d.channels) {
    if (ch.targetType === "virtio") {
      const a = ch.info.address;
      maybeAddController(def, "virtio-serial", a?.type === "virtio-serial" ? a.controller : 0);
    }
  }
  for (const co of d.consoles) {
    if (co.targetType === "virtio") {
      const a = co.info.address;
      maybeAddController(def, "virtio-serial", a?.type === "virtio-serial" ? a.controller : 0);
    }
  }
  for (const sc of d.smartcards) {
    let idx = 0;
    const a = sc.info.address;
    if (a?.type === "ccid") idx = a.controller;
    else if (a === null) {
      let max = -1;
      for (const o of d.smartcards) {
        const oa = o.info.address;
        if (oa?.type === "ccid" && oa.controller === 0 && oa.slot > max) max = oa.slot;
      }
      sc.info.address = { type: "ccid", controller: 0, slot: max + 1 };
    }
    maybeAddController(def, "ccid", idx);
  }
  for (const h of d.hostdevs) {
    if (h.type === "scsi" && h.mode === "subsystem" && h.info.address?.type === "drive") {
      for (let i = 0; i <= h.info.address.controller; i++) maybeAddController(def, "scsi", i);
    }
  }

  // implicit video for graphics
  if (d.graphics.length > 0 && d.videos.length === 0) {
    d.videos.push(parseVideo(element("video")));
  }
  for (const v of d.videos) {
    if (v.model === "default") {
      v.model = def.os.type === "xen" || def.os.type === "linux" ? "xen" : "cirrus";
    }
    const dflt = defaultVideoRam(v.model, def.type);
    if (v.model === "qxl") {
      if (v.ram === null || v.ram === 0) v.ram = 65536;
      if (v.vram === null || v.vram === 0) v.vram = dflt;
    } else if (v.vram === null || v.vram === 0) {
      v.vram = dflt === 0 ? null : dflt;
    }
    if (v.model !== "none" && (v.heads === null || v.heads === 0)) v.heads = 1;
    if (v.model === "none") v.heads = null;
  }
  if (d.videos[0] && d.videos[0].model !== "none") d.videos[0].primary = true;

  // boot order
  const bootDevices = allInfos(def).filter((i) => i.bootOrder !== null);
  if (bootDevices.length > 0) {
    if (def.os.bootDevs.length > 0) {
      throw unsupported("per-device boot elements cannot be used together with os/boot elements");
    }
    const seen = new Set<number>();
    for (const i of bootDevices) {
      if (seen.has(i.bootOrder!)) {
        throw unsupported(`boot order '${i.bootOrder}' used for more than one device`);
      }
      seen.add(i.bootOrder!);
    }
  } else if (def.os.type === "hvm" && def.os.bootDevs.length === 0 && def.os.bootloader === null) {
    def.os.bootDevs = ["hd"];
  }

  validate(def);
  hooks.assignAddresses?.(def);
}

function defaultVideoRam(model: string, virtType: string): number {
  switch (model) {
    case "vga":
    case "cirrus":
    case "vmvga":
      return virtType === "vbox" ? 8192 : virtType === "xen" ? 4096 : 16384;
    case "xen":
      return 4096;
    case "vbox":
      return 8192;
    case "qxl":
      return 65536;
    case "parallels":
    case "bochs":
      return 16384;
    default:
      return 0;
  }
}

function allInfos(def: DomainDef): DeviceInfo[] {
  const d = def.devices;
  const out: DeviceInfo[] = [];
  const lists: { info: DeviceInfo }[][] = [
    d.disks,
    d.controllers,
    d.filesystems,
    d.interfaces,
    d.serials,
    d.parallels,
    d.channels,
    d.inputs,
    d.sounds,
    d.videos,
    d.hostdevs,
    d.watchdogs,
    d.rngs,
    d.tpms,
    d.redirdevs,
    d.smartcards,
  ];
  for (const l of lists) for (const x of l) out.push(x.info);
  if (d.memballoon) out.push(d.memballoon.info);
  return out;
}

function validate(def: DomainDef): void {
  const d = def.devices;
  if (def.name.includes("/")) throw xmlError(`name ${def.name} cannot contain '/'`);
  for (let i = 0; i < d.disks.length; i++) {
    for (let j = 0; j < i; j++) {
      if (d.disks[i]!.targetDev === d.disks[j]!.targetDev) {
        throw xmlError(
          `target '${d.disks[i]!.targetDev}' duplicated for disk sources '${
            diskSourceLabel(d.disks[j]!)
          }' and '${diskSourceLabel(d.disks[i]!)}'`,
        );
      }
    }
  }
  for (let i = 0; i < d.controllers.length; i++) {
    const a = d.controllers[i]!;
    if (a.type === "usb") continue;
    for (let j = 0; j < i; j++) {
      const b = d.controllers[j]!;
      if (a.type === b.type && a.index === b.index) {
        throw xmlError(`Multiple '${a.type}' controllers with index '${a.index}'`);
      }
    }
  }
  const usbMasters = d.controllers.filter((c) =>
    c.type === "usb" && c.info.masterStartport === null
  );
  for (const c of d.controllers) {
    if (c.type !== "usb" || c.info.masterStartport !== null) continue;
    if (usbMasters.filter((m) => m.index === c.index).length > 1) {
      throw VirError.of(
        VIR_ERR_XML_DETAIL,
        VIR_FROM_DOMAIN,
        "Multiple USB controllers with the same index",
      );
    }
  }
  for (const c of d.controllers) {
    if (
      c.type === "usb" && c.info.masterStartport !== null &&
      !usbMasters.some((m) => m.index === c.index)
    ) {
      throw VirError.of(VIR_ERR_XML_DETAIL, VIR_FROM_DOMAIN, "No master USB controller specified");
    }
  }
}

// ---- Formatting ----------------------------------------------------------------------------

interface FmtCtx {
  inactive: boolean;
  secure: boolean;
  migratable: boolean;
}

type Attrs = [string, string | number | null | undefined | false][];

function writeRaw(w: XmlWriter, r: RawElement): void {
  if (r.children.length === 0) {
    if (r.text === "") w.empty(r.name, r.attrs);
    else w.text(r.name, r.text, r.attrs);
    return;
  }
  w.open(r.name, r.attrs);
  for (const c of r.children) writeRaw(w, c);
  w.close(r.name);
}

/** virXMLFormatElement: nothing when there is neither attribute nor child. */
function formatElementIf(
  w: XmlWriter,
  name: string,
  attrs: Attrs,
  kids?: (w: XmlWriter) => void,
): void {
  const sub = new XmlWriter();
  kids?.(sub);
  const body = kids ? sub.toString() : "\n";
  const hasKids = body !== "\n";
  const hasAttrs = attrs.some(([, v]) => v !== null && v !== undefined && v !== false);
  if (!hasKids && !hasAttrs) return;
  if (!hasKids) {
    w.empty(name, attrs);
    return;
  }
  w.open(name, attrs);
  w.raw(body);
  w.close(name);
}

function hex(n: number, width: number): string {
  return "0x" + n.toString(16).padStart(width, "0");
}

function formatAddress(w: XmlWriter, a: DeviceAddress): void {
  switch (a.type) {
    case "pci":
      w.empty("address", [
        ["type", "pci"],
        ["domain", hex(a.domain, 4)],
        ["bus", hex(a.bus, 2)],
        ["slot", hex(a.slot, 2)],
        ["function", "0x" + a.function.toString(16)],
        ["multifunction", a.multifunction],
      ]);
      break;
    case "drive":
      w.empty("address", [["type", "drive"], ["controller", a.controller], ["bus", a.bus], [
        "target",
        a.target,
      ], [
        "unit",
        a.unit,
      ]]);
      break;
    case "virtio-serial":
      w.empty("address", [["type", "virtio-serial"], ["controller", a.controller], ["bus", a.bus], [
        "port",
        a.port,
      ]]);
      break;
    case "ccid":
      w.empty("address", [["type", "ccid"], ["controller", a.controller], ["slot", a.slot]]);
      break;
    case "usb":
      w.empty("address", [["type", "usb"], ["bus", a.bus], ["port", a.port]]);
      break;
    case "other":
      w.empty("address", a.attrs);
      break;
  }
}

function formatInfo(w: XmlWriter, info: DeviceInfo, allowBoot = false, allowRom = false): void {
  if (allowBoot && info.bootOrder !== null) {
    w.empty("boot", [["order", info.bootOrder], ["loadparm", info.bootLoadparm]]);
  }
  if (info.alias !== null) w.empty("alias", [["name", info.alias]]);
  if (info.masterStartport !== null) w.empty("master", [["startport", info.masterStartport]]);
  if (allowRom && info.rom !== null) {
    const r = orderedAttrs(info.rom, ["enabled", "bar", "file"]);
    if (r.length > 0) w.empty("rom", r);
  }
  if (info.acpiIndex !== null) w.empty("acpi", [["index", info.acpiIndex]]);
  if (info.address !== null) formatAddress(w, info.address);
}

function formatDisk(w: XmlWriter, disk: DiskDef, ctx: FmtCtx): void {
  const attrs: Attrs = [["type", disk.type], ["device", disk.device], ["model", disk.model], [
    "rawio",
    disk.rawio,
  ], [
    "sgio",
    disk.sgio,
  ]];
  if (disk.snapshot !== null && !(disk.snapshot === "no" && disk.readonly)) {
    attrs.push(["snapshot", disk.snapshot]);
  }
  w.open("disk", attrs);
  if (disk.driver) {
    const a = orderedAttrs(disk.driver, DISK_DRIVER_ATTRS);
    if (a.length > 0) w.empty("driver", a);
  }
  if (disk.auth) writeRaw(w, disk.auth);
  const s = disk.source;
  if (s) {
    const sa: Attrs = [];
    switch (disk.type) {
      case "file":
        sa.push(["file", s.path]);
        break;
      case "block":
        sa.push(["dev", s.path]);
        break;
      case "dir":
        sa.push(["dir", s.path]);
        break;
      case "network":
        sa.push(["protocol", s.protocol], ["name", s.name], ["query", s.query]);
        break;
      case "volume":
        sa.push(["pool", s.pool], ["volume", s.volume], ["mode", s.mode]);
        break;
    }
    if (s.startupPolicy !== null && disk.type !== "network") {
      sa.push(["startupPolicy", s.startupPolicy]);
    }
    formatElementIf(w, "source", sa, (sub) => {
      for (const h of s.hosts) {
        sub.empty("host", [["name", h.name], ["port", h.port], ["transport", h.transport], [
          "socket",
          h.socket,
        ]]);
      }
      for (const e of s.extra) writeRaw(sub, e);
    });
  }
  if (disk.backingStore) writeRaw(w, disk.backingStore);
  if (disk.geometry && disk.geometry.cyls && disk.geometry.heads && disk.geometry.secs) {
    w.empty("geometry", orderedAttrs(disk.geometry, ["cyls", "heads", "secs", "trans"]));
  }
  if (disk.blockio) {
    const b = orderedAttrs(disk.blockio, [
      "logical_block_size",
      "physical_block_size",
      "discard_granularity",
    ]);
    if (b.length > 0) w.empty("blockio", b);
  }
  const ta: Attrs = [["dev", disk.targetDev], ["bus", disk.targetBus]];
  if (
    (disk.device === "floppy" || disk.device === "cdrom") && disk.targetAttrs.tray &&
    disk.targetAttrs.tray !== "closed"
  ) {
    ta.push(["tray", disk.targetAttrs.tray]);
  }
  if (disk.targetBus === "usb" && disk.targetAttrs.removable) {
    ta.push(["removable", disk.targetAttrs.removable]);
  }
  if (disk.targetAttrs.rotation_rate) ta.push(["rotation_rate", disk.targetAttrs.rotation_rate]);
  if (disk.targetAttrs.dpofua) ta.push(["dpofua", disk.targetAttrs.dpofua]);
  w.empty("target", ta);
  if (disk.iotune.length > 0) {
    w.open("iotune");
    for (const [k, v] of disk.iotune) w.text(k, v);
    w.close("iotune");
  }
  if (disk.readonly) w.empty("readonly");
  if (disk.shareable) w.empty("shareable");
  if (disk.transient) w.empty("transient");
  if (disk.serial !== null) w.text("serial", disk.serial);
  if (disk.wwn !== null) w.text("wwn", disk.wwn);
  if (disk.vendor !== null) w.text("vendor", disk.vendor);
  if (disk.product !== null) w.text("product", disk.product);
  if (disk.encryption) writeRaw(w, disk.encryption);
  formatInfo(w, disk.info, true);
  w.close("disk");
  void ctx;
}

function formatController(w: XmlWriter, c: ControllerDef): void {
  const attrs: Attrs = [["type", c.type], ["index", c.index], ["model", c.model]];
  const names = c.type === "virtio-serial"
    ? ["ports", "vectors"]
    : c.type === "usb"
    ? ["ports"]
    : c.type === "xenbus"
    ? ["maxGrantFrames", "maxEventChannels"]
    : [];
  attrs.push(...orderedAttrs(c.attrs, names));
  formatElementIf(w, "controller", attrs, (sub) => {
    if (c.serial !== null) sub.text("serial", c.serial);
    if (c.type === "pci") {
      if (c.modelName !== null) sub.empty("model", [["name", c.modelName]]);
      formatElementIf(
        sub,
        "target",
        orderedAttrs(c.target, [
          "chassisNr",
          "chassis",
          "port",
          "busNr",
          "index",
          "hotplug",
          "memReserve",
        ]),
        (t) => {
          if (c.targetNode !== null) t.text("node", c.targetNode);
        },
      );
    }
    if (c.driver) {
      const d = orderedAttrs(c.driver, [
        "queues",
        "cmd_per_lun",
        "max_sectors",
        "ioeventfd",
        "iothread",
        "iommu",
        "ats",
        "packed",
        "page_per_vq",
      ]);
      if (d.length > 0) sub.empty("driver", d);
    }
    formatInfo(sub, c.info);
    if (c.pcihole64 !== null) sub.text("pcihole64", c.pcihole64, [["unit", "KiB"]]);
  });
  // virXMLFormatElement always writes the element (type and index are always there)
}

function formatFilesystem(w: XmlWriter, fs: FilesystemDef): void {
  w.open("filesystem", [
    ["type", fs.type],
    ["accessmode", fs.accessmode],
    ["model", fs.model],
    [
      "multidevs",
      fs.multidevs,
    ],
    ["fmode", fs.fmode],
    ["dmode", fs.dmode],
  ]);
  if (fs.driver) {
    const d = orderedAttrs(fs.driver, [
      "type",
      "format",
      "wrpolicy",
      "queue",
      "iommu",
      "ats",
      "packed",
    ]);
    if (d.length > 0) w.empty("driver", d);
  }
  if (fs.binary) writeRaw(w, fs.binary);
  switch (fs.type) {
    case "mount":
    case "bind":
      if (fs.source.socket !== undefined) w.empty("source", [["socket", fs.source.socket]]);
      else w.empty("source", [["dir", fs.source.dir]]);
      break;
    case "block":
      w.empty("source", [["dev", fs.source.dev]]);
      break;
    case "file":
      w.empty("source", [["file", fs.source.file]]);
      break;
    case "template":
      w.empty("source", [["name", fs.source.name]]);
      break;
    case "ram":
      w.empty("source", [["usage", fs.usageKiB ?? 0], ["units", "KiB"]]);
      break;
    case "volume":
      w.empty("source", [["pool", fs.source.pool], ["volume", fs.source.volume]]);
      break;
  }
  w.empty("target", [["dir", fs.targetDir]]);
  if (fs.readonly) w.empty("readonly");
  formatInfo(w, fs.info, true);
  if (fs.spaceHardLimit) w.text("space_hard_limit", fs.spaceHardLimit, [["unit", "bytes"]]);
  if (fs.spaceSoftLimit) w.text("space_soft_limit", fs.spaceSoftLimit, [["unit", "bytes"]]);
  w.close("filesystem");
}

function formatInterface(w: XmlWriter, n: NetDef, ctx: FmtCtx): void {
  w.open("interface", [["type", n.type], ["managed", n.managed ? "yes" : null], [
    "trustGuestRxFilters",
    n.trustGuestRxFilters,
  ]]);
  w.empty("mac", [["address", n.mac], ["type", n.macType], ["check", n.macCheck]]);
  const srcAttrs: Attrs = [];
  switch (n.type) {
    case "network":
      srcAttrs.push(["network", n.source.network], ["portgroup", n.source.portgroup]);
      if (!ctx.inactive) srcAttrs.push(["portid", n.source.portid], ["bridge", n.source.bridge]);
      break;
    case "bridge":
      srcAttrs.push(["bridge", n.source.bridge]);
      break;
    case "direct":
      srcAttrs.push(["dev", n.source.dev], ["mode", n.source.mode]);
      break;
    case "server":
    case "client":
    case "mcast":
    case "udp":
      srcAttrs.push(["address", n.source.address], ["port", n.source.port ?? "0"]);
      break;
    case "vhostuser":
      srcAttrs.push(["type", n.source.type], ["path", n.source.path], ["mode", n.source.mode]);
      break;
    case "internal":
      srcAttrs.push(["name", n.source.name]);
      break;
    case "vdpa":
      srcAttrs.push(["dev", n.source.dev]);
      break;
    case "user":
      break;
  }
  if (n.type === "hostdev") {
    w.open("source");
    for (const c of n.sourceChildren) {
      if (c.name === "address") {
        const get = (k: string) => c.attrs.find(([x]) => x === k)?.[1];
        const num = (k: string) => parseCInt(get(k) ?? "0") ?? 0;
        w.empty("address", [["type", get("type") ?? "pci"], ["domain", hex(num("domain"), 4)], [
          "bus",
          hex(num("bus"), 2),
        ], [
          "slot",
          hex(num("slot"), 2),
        ], ["function", "0x" + num("function").toString(16)]]);
      } else writeRaw(w, c);
    }
    w.close("source");
  } else {
    formatElementIf(w, "source", srcAttrs, (sub) => {
      for (const c of n.sourceChildren) writeRaw(sub, c);
    });
  }
  if (n.vlan) writeRaw(w, n.vlan);
  if (n.virtualport) writeRaw(w, n.virtualport);
  if (n.bandwidth) writeRaw(w, n.bandwidth);
  if (n.portOptions) writeRaw(w, n.portOptions);
  for (const ip of n.ips) {
    const addr = ip.attrs.find(([k]) => k === "address")?.[1] ?? "";
    const family = ip.attrs.find(([k]) => k === "family")?.[1] ??
      (addr.includes(":") ? "ipv6" : "ipv4");
    const prefix = ip.attrs.find(([k]) => k === "prefix")?.[1];
    const peer = ip.attrs.find(([k]) => k === "peer")?.[1];
    w.empty("ip", [["address", addr], ["family", family], ["prefix", prefix], ["peer", peer]]);
  }
  for (const r of n.routes) writeRaw(w, r);
  if (n.script !== null) w.empty("script", [["path", n.script]]);
  if (n.downscript !== null) w.empty("downscript", [["path", n.downscript]]);
  if (n.backendDomain !== null) w.empty("backenddomain", [["name", n.backendDomain]]);
  let dev = n.targetDev;
  if (
    dev !== null && n.targetManaged !== "no" && ctx.inactive && /^(vnet|macvtap|macvlan)/.test(dev)
  ) dev = null;
  formatElementIf(w, "target", [["dev", dev], ["managed", n.targetManaged]]);
  if (n.guest) formatElementIf(w, "guest", orderedAttrs(n.guest, ["dev", "actual"]));
  if (n.model !== null) {
    w.empty("model", [["type", n.model]]);
    if (n.driver && /^virtio/.test(n.model)) writeRaw(w, n.driver);
  }
  if (n.backend) {
    formatElementIf(w, "backend", orderedAttrs(n.backend, ["type", "tap", "vhost", "logFile"]));
  }
  if (n.filterref) writeRaw(w, n.filterref);
  if (n.tune) writeRaw(w, n.tune);
  if (n.teaming && n.teaming.type) {
    w.empty("teaming", orderedAttrs(n.teaming, ["type", "persistent"]));
  }
  if (n.linkState !== null) w.empty("link", [["state", n.linkState]]);
  if (n.mtu) w.empty("mtu", [["size", n.mtu]]);
  if (n.coalesce) writeRaw(w, n.coalesce);
  formatInfo(w, n.info, true, true);
  w.close("interface");
}

function chrSourceLines(s: ChrSource, ctx: FmtCtx): string[] {
  const q = (v: string) => escapeXml(v);
  const out: string[] = [];
  switch (s.type) {
    case "pty":
    case "dev":
    case "file":
    case "pipe":
      if (s.type !== "pty" || (s.path !== null && !ctx.inactive)) {
        if (s.path !== null || s.type !== "pty") {
          let a = s.path !== null ? ` path='${q(s.path)}'` : "";
          if (s.type === "file" && s.append !== null) a += ` append='${q(s.append)}'`;
          if (a !== "") out.push(`<source${a}/>`);
        }
      }
      break;
    case "nmdm":
      out.push(`<source master='${q(s.master ?? "")}' slave='${q(s.slave ?? "")}'/>`);
      break;
    case "udp":
      if (s.bindService !== null || s.bindHost !== null) {
        let a = "<source mode='bind'";
        if (s.bindHost !== null) a += ` host='${q(s.bindHost)}'`;
        if (s.bindService !== null) a += ` service='${q(s.bindService)}'`;
        out.push(a + "/>");
      }
      if (s.connectService !== null || s.connectHost !== null) {
        let a = "<source mode='connect'";
        if (s.connectHost !== null) a += ` host='${q(s.connectHost)}'`;
        if (s.connectService !== null) a += ` service='${q(s.connectService)}'`;
        out.push(a + "/>");
      }
      break;
    case "tcp": {
      let a = ` mode='${s.mode === "bind" ? "bind" : "connect"}' `;
      if (s.host !== null) a += `host='${q(s.host)}' `;
      if (s.service !== null) a += `service='${q(s.service)}'`;
      if (s.tls !== null) a += ` tls='${q(s.tls)}'`;
      if (s.reconnect) {
        out.push(`<source${a}>`);
        out.push(`  ${reconnectLine(s.reconnect)}`);
        out.push(`</source>`);
      } else out.push(`<source${a}/>`);
      out.push(`<protocol type='${q(s.protocol ?? "raw")}'/>`);
      break;
    }
    case "unix":
      if (s.path !== null) {
        const a = ` mode='${s.mode === "bind" ? "bind" : "connect"}' path='${q(s.path)}'`;
        if (s.reconnect) {
          out.push(`<source${a}>`);
          out.push(`  ${reconnectLine(s.reconnect)}`);
          out.push(`</source>`);
        } else out.push(`<source${a}/>`);
      }
      break;
    case "spiceport":
    case "dbus":
      if (s.channel !== null) out.push(`<source channel='${q(s.channel)}'/>`);
      break;
  }
  if (s.logFile !== null) {
    out.push(
      `<log file='${q(s.logFile)}'${s.logAppend !== null ? ` append='${q(s.logAppend)}'` : ""}/>`,
    );
  }
  return out;
}

function reconnectLine(r: AttrMap): string {
  let s = `<reconnect enabled='${escapeXml(r.enabled ?? "no")}'`;
  if (r.enabled === "yes") s += ` timeout='${escapeXml(r.timeout ?? "0")}'`;
  return s + "/>";
}

function formatChr(w: XmlWriter, c: ChrDef, ctx: FmtCtx, elementName = c.deviceType): void {
  // A running domain's first console names its pty in a tty attribute too (libvirt's tty_compat).
  const tty = elementName === "console" && (c.targetPort ?? 0) === 0 &&
      c.source.type === "pty" && !ctx.inactive
    ? c.source.path
    : null;
  w.open(elementName, [["type", c.source.type], ["tty", tty]]);
  w.raw(chrSourceLines(c.source, ctx).join("\n"));
  switch (elementName) {
    case "channel": {
      const a: Attrs = [["type", c.targetType]];
      if (c.targetType === "guestfwd") a.push(["address", c.targetAddress], ["port", c.targetPort]);
      else if (c.targetType === "virtio" || c.targetType === "xen") {
        a.push(["name", c.targetName]);
        if (c.targetType === "virtio" && c.targetState !== null && !ctx.inactive) {
          a.push(["state", c.targetState]);
        }
      }
      w.empty("target", a);
      break;
    }
    case "console":
      w.empty("target", [["type", c.targetType ?? "none"], ["port", c.targetPort ?? 0]]);
      break;
    case "serial": {
      const a: Attrs = [["type", c.targetType], ["port", c.targetPort ?? 0]];
      if (c.targetModel !== null) {
        w.open("target", a);
        w.empty("model", [["name", c.targetModel]]);
        w.close("target");
      } else w.empty("target", a);
      break;
    }
    case "parallel":
      w.empty("target", [["port", c.targetPort ?? 0]]);
      break;
  }
  formatInfo(w, c.info);
  w.close(elementName);
}

function formatInput(w: XmlWriter, i: InputDef, ctx: FmtCtx): void {
  if (ctx.migratable && i.type === "keyboard" && (i.bus === "ps2" || i.bus === "xen")) return;
  const attrs: Attrs = [["type", i.type], ["bus", i.bus === "none" ? null : i.bus], [
    "model",
    i.model,
  ]];
  formatElementIf(w, "input", attrs, (sub) => {
    if (i.driver) {
      formatElementIf(
        sub,
        "driver",
        orderedAttrs(i.driver, ["iommu", "ats", "packed", "page_per_vq"]),
      );
    }
    if (i.source) {
      const sa: Attrs = [];
      if (i.type === "evdev") sa.push(["dev", i.source.dev]);
      else sa.push(["evdev", i.source.evdev]);
      sa.push(["grab", i.source.grab], ["grabToggle", i.source.grabToggle], [
        "repeat",
        i.source.repeat,
      ]);
      formatElementIf(sub, "source", sa);
    }
    formatInfo(sub, i.info);
  });
}

function formatListens(w: XmlWriter, g: GraphicsDef, ctx: FmtCtx): void {
  for (const l of g.listens) {
    if (ctx.migratable && g.type === "spice" && l.type === "none") continue;
    const a: Attrs = [["type", l.type]];
    if (l.address !== null && (l.type === "address" || (l.type === "network" && !ctx.inactive))) {
      a.push(["address", l.address]);
    }
    if (l.type === "network") a.push(["network", l.network]);
    if (l.type === "socket") a.push(["socket", l.socket]);
    w.empty("listen", a);
  }
}

function listenAddrAttr(g: GraphicsDef, ctx: FmtCtx): string | null {
  const l = g.listens[0];
  if (!l) return null;
  if (l.type === "network" && (ctx.inactive || ctx.migratable)) return null;
  return l.address;
}

function formatGraphics(w: XmlWriter, g: GraphicsDef, ctx: FmtCtx): void {
  const attrs: Attrs = [["type", g.type]];
  const l0 = g.listens[0];
  const auth = (): void => {
    if (g.passwd === null) return;
    if (ctx.secure) attrs.push(["passwd", g.passwd]);
    attrs.push(["passwdValidTo", g.attrs.passwdValidTo], ["connected", g.attrs.connected]);
  };
  switch (g.type) {
    case "vnc":
      if (l0 && l0.type === "socket") {
        attrs.push(["socket", l0.socket]);
      } else if (l0 && (l0.type === "address" || l0.type === "network")) {
        if (g.port && (!g.autoport || !ctx.inactive)) attrs.push(["port", g.port]);
        else if (g.autoport) attrs.push(["port", "-1"]);
        attrs.push(["autoport", g.autoport ? "yes" : "no"]);
        if (g.websocket) attrs.push(["websocket", g.websocket]);
        attrs.push(["wait", g.attrs.wait]);
        attrs.push(["listen", listenAddrAttr(g, ctx)]);
      }
      attrs.push(["keymap", g.attrs.keymap], ["sharePolicy", g.attrs.sharePolicy], [
        "powerControl",
        g.attrs.powerControl,
      ]);
      auth();
      formatElementIf(w, "graphics", attrs, (sub) => formatListens(sub, g, ctx));
      return;
    case "spice":
      if (l0 && (l0.type === "address" || l0.type === "network")) {
        if (g.port) attrs.push(["port", g.port]);
        if (g.tlsPort) attrs.push(["tlsPort", g.tlsPort]);
        attrs.push(["autoport", g.autoport ? "yes" : "no"]);
        attrs.push(["listen", listenAddrAttr(g, ctx)]);
      } else if (l0 && l0.type === "none" && ctx.migratable) {
        attrs.push(["autoport", "no"]);
      }
      attrs.push(["keymap", g.attrs.keymap], ["defaultMode", g.attrs.defaultMode]);
      auth();
      formatElementIf(w, "graphics", attrs, (sub) => {
        formatListens(sub, g, ctx);
        for (const c of g.children) writeRaw(sub, c);
      });
      return;
    case "rdp":
      if (g.port) attrs.push(["port", g.port]);
      else if (g.autoport) attrs.push(["port", "0"]);
      if (g.autoport) attrs.push(["autoport", "yes"]);
      attrs.push(["replaceUser", g.attrs.replaceUser], ["multiUser", g.attrs.multiUser]);
      attrs.push(["listen", listenAddrAttr(g, ctx)]);
      auth();
      formatElementIf(w, "graphics", attrs, (sub) => formatListens(sub, g, ctx));
      return;
    case "sdl":
      attrs.push(["display", g.attrs.display], ["xauth", g.attrs.xauth], [
        "fullscreen",
        g.attrs.fullscreen,
      ]);
      break;
    case "desktop":
      attrs.push(["display", g.attrs.display]);
      break;
    case "dbus":
      attrs.push(["p2p", g.attrs.p2p], ["address", g.attrs.address]);
      break;
  }
  formatElementIf(w, "graphics", attrs, (sub) => {
    for (const c of g.children) writeRaw(sub, c);
  });
}

function formatVideo(w: XmlWriter, v: VideoDef): void {
  w.open("video");
  if (v.driver) {
    const d = orderedAttrs(v.driver, ["iommu", "ats", "packed", "page_per_vq", "vgaconf", "name"]);
    if (d.length > 0) w.empty("driver", d);
  }
  const ma: Attrs = [
    ["type", v.model],
    ["ram", v.ram || null],
    ["vram", v.vram || null],
    ["vram64", v.vram64 || null],
    [
      "vgamem",
      v.vgamem || null,
    ],
    ["heads", v.heads || null],
    ["primary", v.primary ? "yes" : null],
  ];
  if (v.accel || v.resolution) {
    w.open("model", ma);
    if (v.accel) {
      w.empty("acceleration", orderedAttrs(v.accel, ["accel3d", "accel2d", "rendernode"]));
    }
    if (v.resolution) {
      w.empty(
        "resolution",
        v.resolution.x && v.resolution.y ? [["x", v.resolution.x], ["y", v.resolution.y]] : [],
      );
    }
    w.close("model");
  } else {
    w.empty("model", ma);
  }
  formatInfo(w, v.info);
  w.close("video");
}

function formatSound(w: XmlWriter, s: SoundDef): void {
  formatElementIf(w, "sound", [["model", s.model]], (sub) => {
    for (const c of s.codecs) sub.empty("codec", [["type", c]]);
    if (s.audioId) sub.empty("audio", [["id", s.audioId]]);
    formatInfo(sub, s.info);
  });
}

function formatHostdev(w: XmlWriter, h: HostdevDef): void {
  const attrs: Attrs = [["mode", h.mode], ["type", h.type]];
  if (h.mode === "subsystem") {
    attrs.push(["managed", h.managed ? "yes" : "no"]);
    attrs.push(...orderedAttrs(h.attrs, ["sgio", "rawio", "model", "display", "ramfb"]));
  }
  w.open("hostdev", attrs);
  if (h.driver) writeRaw(w, h.driver);
  if (h.source) writeRaw(w, h.source);
  if (h.readonly) w.empty("readonly");
  if (h.shareable) w.empty("shareable");
  formatInfo(w, h.info, true, true);
  w.close("hostdev");
}

function formatTpm(w: XmlWriter, t: TpmDef): void {
  w.open("tpm", [["model", t.model]]);
  const ba: Attrs = [["type", t.backendType]];
  ba.push(...orderedAttrs(t.backendAttrs, ["version", "persistent_state", "debug"]));
  formatElementIf(w, "backend", ba, (sub) => {
    if (t.backendType === "passthrough") sub.empty("device", [["path", t.devicePath]]);
    for (const c of t.backendChildren) writeRaw(sub, c);
  });
  formatInfo(w, t.info);
  w.close("tpm");
}

function formatRng(w: XmlWriter, r: RngDef, ctx: FmtCtx): void {
  w.open("rng", [["model", r.model]]);
  if (r.rateBytes) w.empty("rate", [["bytes", r.rateBytes], ["period", r.ratePeriod || null]]);
  if (r.backendModel === "random") {
    w.text("backend", r.backendFile ?? "/dev/random", [["model", "random"]]);
  } else if (r.backendModel === "egd" && r.backendChr) {
    w.open("backend", [["model", "egd"], ["type", r.backendChr.type]]);
    w.raw(chrSourceLines(r.backendChr, ctx).join("\n"));
    w.close("backend");
  } else {
    w.empty("backend", [["model", r.backendModel]]);
  }
  if (r.driver) {
    formatElementIf(w, "driver", orderedAttrs(r.driver, ["iommu", "ats", "packed", "page_per_vq"]));
  }
  formatInfo(w, r.info);
  w.close("rng");
}

function formatCpu(w: XmlWriter, c: CpuDef): void {
  const mode = c.mode ?? "custom";
  const attrs: Attrs = [];
  if (mode !== "custom" || c.model !== null) attrs.push(["mode", mode]);
  if (c.model !== null && (mode === "custom" || mode === "host-model")) {
    attrs.push(["match", c.match]);
  } else if (mode === "custom") attrs.push(["match", c.match]);
  attrs.push(["check", c.check]);
  if (mode === "host-passthrough" || mode === "maximum") attrs.push(["migratable", c.migratable]);
  formatElementIf(w, "cpu", attrs, (sub) => {
    if (c.model !== null) {
      const ma: Attrs = [["fallback", c.modelFallback], ["vendor_id", c.modelVendorId]];
      if (c.model !== null) sub.text("model", c.model, ma);
      else sub.empty("model", ma);
    }
    if (c.vendor !== null) sub.text("vendor", c.vendor);
    if (c.topology) {
      sub.empty("topology", [["sockets", c.topology.sockets], ["dies", c.topology.dies], [
        "cores",
        c.topology.cores,
      ], [
        "threads",
        c.topology.threads,
      ]]);
    }
    if (c.cache) sub.empty("cache", orderedAttrs(c.cache, ["level", "mode"]));
    for (const f of c.features) sub.empty("feature", [["policy", f.policy], ["name", f.name]]);
    if (c.numa) writeRaw(sub, c.numa);
  });
}

const METADATA_MARK = "\u0000metadata\u0000";

/** thread_pool_min / thread_pool_max, where set. */
function poolFormat(p: Partial<IOThreadPool>): [string, number][] {
  const out: [string, number][] = [];
  if ((p.poolMin ?? -1) >= 0) out.push(["thread_pool_min", p.poolMin!]);
  if ((p.poolMax ?? -1) >= 0) out.push(["thread_pool_max", p.poolMax!]);
  return out;
}

/** Formats a definition as virDomainGetXMLDesc does (flags: VIR_DOMAIN_XML_*). */
export function formatDomainXML(
  def: DomainDef,
  opts: { id: number; active: boolean; flags: number },
): string {
  const inactive = !opts.active || opts.id === -1 || (opts.flags & VIR_DOMAIN_XML_INACTIVE) !== 0;
  const ctx: FmtCtx = {
    inactive,
    secure: (opts.flags & VIR_DOMAIN_XML_SECURE) !== 0,
    migratable: (opts.flags & VIR_DOMAIN_XML_MIGRATABLE) !== 0,
  };
  const w = new XmlWriter();
  w.open("domain", [["type", def.type], ["id", inactive ? null : opts.id]]);
  w.text("name", def.name);
  w.text("uuid", def.uuid);
  if (def.genid !== null) w.text("genid", def.genid);
  if (def.title !== null) w.text("title", def.title);
  if (def.description !== null) w.text("description", def.description);
  if (def.metadata !== null) w.raw(METADATA_MARK);
  if (def.maxMemory) {
    w.text("maxMemory", def.maxMemory.kib, [["slots", def.maxMemory.slots], ["unit", "KiB"]]);
  }
  w.text("memory", def.memory, [["dumpCore", def.memoryDumpCore], ["unit", "KiB"]]);
  w.text("currentMemory", def.currentMemory, [["unit", "KiB"]]);
  if (def.blkiotune) writeRaw(w, def.blkiotune);
  if (def.memtune) {
    const m = def.memtune;
    formatElementIf(w, "memtune", [], (sub) => {
      if (m.hardLimit !== null) sub.text("hard_limit", m.hardLimit, [["unit", "KiB"]]);
      if (m.softLimit !== null) sub.text("soft_limit", m.softLimit, [["unit", "KiB"]]);
      if (m.minGuarantee) sub.text("min_guarantee", m.minGuarantee, [["unit", "KiB"]]);
      if (m.swapHardLimit !== null) sub.text("swap_hard_limit", m.swapHardLimit, [["unit", "KiB"]]);
    });
  }
  if (def.memoryBacking) {
    const mb = def.memoryBacking;
    formatElementIf(w, "memoryBacking", [], (sub) => {
      if (mb.hugepages) writeRaw(sub, mb.hugepages);
      if (mb.nosharepages) sub.empty("nosharepages");
      if (mb.locked) sub.empty("locked");
      if (mb.source !== null) sub.empty("source", [["type", mb.source]]);
      if (mb.access !== null) sub.empty("access", [["mode", mb.access]]);
      if (mb.allocation) {
        formatElementIf(sub, "allocation", orderedAttrs(mb.allocation, ["mode", "threads"]));
      }
      if (mb.discard) sub.empty("discard");
    });
  }
  w.text("vcpu", def.vcpus, [["placement", def.vcpuPlacement], ["cpuset", def.cpuset], [
    "current",
    def.vcpusCurrent < def.vcpus ? def.vcpusCurrent : null,
  ]]);
  if (def.vcpuList) {
    w.open("vcpus");
    for (const v of def.vcpuList) {
      w.empty("vcpu", [["id", v.id], ["enabled", v.enabled ? "yes" : "no"], [
        "hotpluggable",
        v.hotpluggable,
      ], [
        "order",
        v.order || null,
      ]]);
    }
    w.close("vcpus");
  }
  if (def.iothreads > 0) w.text("iothreads", def.iothreads);
  if (def.iothreadIds.some((x) => !x.autofill)) {
    w.open("iothreadids");
    for (const t of def.iothreadIds) {
      w.empty("iothread", [["id", t.id], ...poolFormat(t)]);
    }
    w.close("iothreadids");
  }
  if (def.defaultIOThread) w.empty("defaultiothread", poolFormat(def.defaultIOThread));
  if (def.cputune) {
    const t = def.cputune;
    formatElementIf(w, "cputune", [], (sub) => {
      if (t.shares !== null) sub.text("shares", t.shares);
      for (const [k, v] of t.items) sub.text(k, v);
      for (const p of t.vcpupins) sub.empty("vcpupin", [["vcpu", p.vcpu], ["cpuset", p.cpuset]]);
      if (t.emulatorpin !== null) sub.empty("emulatorpin", [["cpuset", t.emulatorpin]]);
      for (const p of t.iothreadpins) {
        sub.empty("iothreadpin", [["iothread", p.iothread], ["cpuset", p.cpuset]]);
      }
    });
  }
  if (def.numatune) writeRaw(w, def.numatune);
  else if (def.vcpuPlacement === "auto") {
    w.open("numatune");
    w.empty("memory", [["mode", "strict"], ["placement", "auto"]]);
    w.close("numatune");
  }
  if (def.resource) writeRaw(w, def.resource);
  if (def.os.bootloader !== null) {
    w.text("bootloader", def.os.bootloader);
    if (def.os.bootloaderArgs !== null) w.text("bootloader_args", def.os.bootloaderArgs);
  }
  formatOs(w, def, ctx);
  if (def.features) {
    formatElementIf(w, "features", [], (sub) => {
      for (const f of def.features!) {
        if (f.name === "hyperv" && f.children.length === 0) {
          sub.open("hyperv", f.attrs);
          sub.close("hyperv");
        } else writeRaw(sub, f);
      }
    });
  }
  if (def.cpu) formatCpu(w, def.cpu);
  const clockAttrs: Attrs = [["offset", def.clock.offset]];
  clockAttrs.push(...orderedAttrs(def.clock.attrs, ["adjustment", "basis", "timezone", "start"]));
  formatElementIf(w, "clock", clockAttrs, (sub) => {
    for (const t of def.clock.timers) {
      const ta: Attrs = [["name", t.name], ["present", t.present], ["tickpolicy", t.tickpolicy], [
        "track",
        t.track,
      ], [
        "frequency",
        t.frequency,
      ], ["mode", t.mode]];
      formatElementIf(sub, "timer", ta, (tw) => {
        if (t.catchup) {
          formatElementIf(tw, "catchup", orderedAttrs(t.catchup, ["threshold", "slew", "limit"]));
        }
      });
    }
  });
  w.text("on_poweroff", def.onPoweroff);
  w.text("on_reboot", def.onReboot);
  w.text("on_crash", def.onCrash);
  if (def.onLockfailure !== null) w.text("on_lockfailure", def.onLockfailure);
  if (def.pm && (def.pm.suspendToMem !== null || def.pm.suspendToDisk !== null)) {
    w.open("pm");
    if (def.pm.suspendToMem !== null) w.empty("suspend-to-mem", [["enabled", def.pm.suspendToMem]]);
    if (def.pm.suspendToDisk !== null) {
      w.empty("suspend-to-disk", [["enabled", def.pm.suspendToDisk]]);
    }
    w.close("pm");
  }
  if (def.perf) writeRaw(w, def.perf);
  formatDevices(w, def, ctx);
  for (const s of def.seclabels) writeRaw(w, s);
  w.close("domain");
  const out = w.toString();
  const md = def.metadata;
  return md === null ? out : out.replace(`  ${METADATA_MARK}`, () => `  ${dumpXml(md, 1)}`);
}

function formatOs(w: XmlWriter, def: DomainDef, _ctx: FmtCtx): void {
  const os = def.os;
  w.open("os", [["firmware", os.firmware]]);
  const typeName = def.type === "xen" && os.type === "xen" ? "linux" : os.type;
  w.text("type", typeName, [["arch", os.arch], ["machine", os.machine]]);
  if (os.init !== null) w.text("init", os.init);
  for (const a of os.initargs) w.text("initarg", a);
  if (os.loader) {
    const la = orderedAttrs(os.loader.attrs, ["readonly", "secure", "type", "stateless", "format"]);
    if (os.loader.path !== null) w.text("loader", os.loader.path, la);
    else if (la.length > 0) w.empty("loader", la);
  }
  if (os.nvram) {
    const na = orderedAttrs(os.nvram.attrs, ["template", "format"]);
    if (os.nvram.path !== null) w.text("nvram", os.nvram.path, na);
    else if (na.length > 0) w.empty("nvram", na);
  }
  if (os.kernel !== null) w.text("kernel", os.kernel);
  if (os.initrd !== null) w.text("initrd", os.initrd);
  if (os.cmdline !== null) w.text("cmdline", os.cmdline);
  if (os.dtb !== null) w.text("dtb", os.dtb);
  if (os.root !== null) w.text("root", os.root);
  if (os.acpiTables.length > 0) {
    w.open("acpi");
    for (const t of os.acpiTables) w.text("table", t.path, [["type", t.type]]);
    w.close("acpi");
  }
  if (os.bootloader === null) {
    for (const b of os.bootDevs) w.empty("boot", [["dev", b]]);
    if (os.bootmenu) {
      w.empty("bootmenu", [["enable", os.bootmenu.enable], ["timeout", os.bootmenu.timeout]]);
    }
    if (os.bios && (os.bios.useserial !== null || os.bios.rebootTimeout !== null)) {
      w.empty("bios", [["useserial", os.bios.useserial], ["rebootTimeout", os.bios.rebootTimeout]]);
    }
  }
  if (os.smbiosMode !== null) w.empty("smbios", [["mode", os.smbiosMode]]);
  w.close("os");
}

function formatDevices(w: XmlWriter, def: DomainDef, ctx: FmtCtx): void {
  const d = def.devices;
  w.open("devices");
  if (d.emulator !== null) w.text("emulator", d.emulator);
  for (const x of d.disks) formatDisk(w, x, ctx);
  for (const x of d.controllers) formatController(w, x);
  for (const x of d.filesystems) formatFilesystem(w, x);
  for (const x of d.interfaces) formatInterface(w, x, ctx);
  for (const x of d.smartcards) {
    const attrs: Attrs = [["mode", x.mode]];
    if (x.source) attrs.push(["type", x.source.type]);
    formatElementIf(w, "smartcard", attrs, (sub) => {
      for (const c of x.certificates) sub.text("certificate", c);
      if (x.database !== null) sub.text("database", x.database);
      if (x.source) sub.raw(chrSourceLines(x.source, ctx).join("\n"));
      formatInfo(sub, x.info);
    });
  }
  for (const x of d.serials) formatChr(w, x, ctx);
  for (const x of d.parallels) formatChr(w, x, ctx);
  d.consoles.forEach((c, n) => {
    if (
      def.os.type === "hvm" && (c.targetType === "serial" || c.targetType === null) &&
      n < d.serials.length
    ) {
      const s = d.serials[n]!;
      formatChr(
        w,
        { ...s, deviceType: "console", targetType: "serial", targetModel: null },
        ctx,
        "console",
      );
    } else {
      formatChr(w, c, ctx, "console");
    }
  });
  for (const x of d.channels) formatChr(w, x, ctx);
  for (const x of d.inputs) formatInput(w, x, ctx);
  for (const x of d.tpms) formatTpm(w, x);
  for (const x of d.graphics) formatGraphics(w, x, ctx);
  for (const x of d.sounds) formatSound(w, x);
  for (const x of d.audios) writeRaw(w, x);
  for (const x of d.videos) formatVideo(w, x);
  for (const x of d.hostdevs) formatHostdev(w, x);
  for (const x of d.redirdevs) {
    w.open("redirdev", [["bus", x.bus], ["type", x.source.type]]);
    w.raw(chrSourceLines(x.source, ctx).join("\n"));
    formatInfo(w, x.info, true);
    w.close("redirdev");
  }
  for (const x of d.hubs) writeRaw(w, x);
  for (const x of d.watchdogs) {
    formatElementIf(
      w,
      "watchdog",
      [["model", x.model], ["action", x.action]],
      (sub) => formatInfo(sub, x.info),
    );
  }
  if (d.memballoon) {
    const m = d.memballoon;
    formatElementIf(w, "memballoon", [["model", m.model], ["autodeflate", m.autodeflate], [
      "freePageReporting",
      m.freePageReporting,
    ]], (sub) => {
      if (m.statsPeriod) sub.empty("stats", [["period", m.statsPeriod]]);
      formatInfo(sub, m.info);
      if (m.driver) {
        formatElementIf(
          sub,
          "driver",
          orderedAttrs(m.driver, ["iommu", "ats", "packed", "page_per_vq"]),
        );
      }
    });
  }
  for (const x of d.rngs) formatRng(w, x, ctx);
  for (const p of d.panics) {
    formatElementIf(w, "panic", [["model", p.model]], (sub) => formatInfo(sub, p.info));
  }
  w.close("devices");
}

/**
 * virDomainDefCopy: a copy made by formatting (secure) and re-parsing, as the
 * test driver makes the persistent definition of a domain it starts. The copy
 * can differ from the original (for instance disk order: disks whose bus was
 * implied are re-sorted once the bus is explicit), and it is what
 * XMLDesc(VIR_DOMAIN_XML_INACTIVE) shows while the domain runs, and what the
 * domain is defined as after it stops.
 */
export function copyDomainDef(def: DomainDef, hooks: DomainParseHooks = {}): DomainDef {
  return parseDomainXML(
    formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
    hooks,
  );
}
