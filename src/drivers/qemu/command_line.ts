/**
 * The QEMU command line for a domain definition, laid out as libvirt 9.0's
 * qemu_command.c lays it out for QEMU 7.2 (the same options in the same
 * order, devices as JSON -device and -blockdev): machine, accelerator and
 * CPU, memory, vCPUs, clock and power settings, boot, then controllers,
 * disks, network, serial ports, channels, inputs, audio, graphics, video,
 * sound, watchdog, redirected USB, balloon and RNG, each at the address the
 * definition gives it (address.ts). What differs is the daemon's own: the
 * monitor and pty-like serial ports are sockets at the daemon's paths, and
 * QEMU starts paused (-S) and daemonizes so that it outlives the daemon.
 *
 * @module
 */

import type {
  ChrDef,
  ChrSource,
  ControllerDef,
  DeviceAddress,
  DiskDef,
  DomainDef,
  InputDef,
  NetDef,
  RedirdevDef,
  RngDef,
  WatchdogDef,
} from "../../conf/domain_xml.ts";
import { VirError } from "../../rpc/error.ts";
import { CONSOLES_PER_SLOT } from "./files.ts";
import { requireReach } from "../system_error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { isQ35 } from "./probe.ts";
import { featureToQemu } from "./cpu_map.ts";
import { checkInterface, netdevProps, NIC_MODELS } from "./interface.ts";
import { diskDeviceTail, formatNode, storageNode } from "./disk_nodes.ts";
import { iothreadObjectArgs, iothreadProp } from "./iothreads.ts";

export interface LaunchPaths {
  /** The QMP socket QEMU listens on. */
  monitor: string;
  /** Where QEMU writes its pid once daemonized (null: no -daemonize, as for domxml-to-native). */
  pidfile: string | null;
  /** Use KVM (the domain type is kvm). */
  kvm: boolean;
  /** Where serial port `i` of type pty is served (a Unix socket the event loop connects to). */
  console: (i: number) => string;
  /** Where a unix channel without a path listens. */
  channel: (name: string) => string;
  /** The SPICE port of an autoport SPICE display (chosen by the caller). */
  spicePort?: number;
}

function unsupported(what: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, what);
}

/** Values in -chardev/-machine style options may not hold a comma: such a value is refused. */
function noComma(s: string, what: string): string {
  if (s.includes(",")) throw unsupported(`${what} '${s}' contains a comma`);
  return s;
}

const dev = (props: Record<string, unknown>): string[] => ["-device", JSON.stringify(props)];

/**
 * A disk's file as QEMU will open it must be one the daemon may reach: QEMU is
 * not bound by Deno's permissions, so under --sandbox its limit is kept here
 * (under the default the daemon reaches every path, as libvirtd does).
 */
export function requireDiskReach(d: DiskDef): void {
  const path = d.source?.path;
  if (!path) return;
  const write = !(d.readonly || d.device === "cdrom");
  requireReach(VIR_FROM_QEMU, `Cannot access storage file '${path}'`, path, write);
}

/** Every file QEMU opens for this definition (disks, serial-port files) is within the daemon's reach. */
export function requireDeviceReach(def: DomainDef): void {
  def.devices.disks.forEach(requireDiskReach);
  for (const s of serialsOf(def)) {
    const path = s.source.type === "file" ? s.source.path : null;
    if (path) requireReach(VIR_FROM_QEMU, `Failed to open file '${path}'`, path, true);
  }
}

/** The serial ports QEMU gets (a serial <console> stands for serial 0 when there is none). */
export function serialsOf(def: DomainDef): ChrDef[] {
  return def.devices.serials.length > 0
    ? def.devices.serials
    : def.devices.consoles.filter((c) => (c.targetType ?? "serial") === "serial").slice(0, 1);
}

/** libvirt numbers -blockdev nodes from the last disk: disk i of n is node n - i. */
export function diskNodeNumbers(def: DomainDef): Record<string, number> {
  const n = def.devices.disks.length;
  return Object.fromEntries(def.devices.disks.map((d, i) => [d.targetDev, n - i]));
}

/** The name QEMU knows a PCI bus by. */
function pciBusName(def: DomainDef, bus: number): string {
  if (bus === 0) return isQ35(def.os.machine ?? "") ? "pcie.0" : "pci.0";
  return `pci.${bus}`;
}

/** bus/multifunction/addr of a device at a PCI address. */
function pciProps(def: DomainDef, a: DeviceAddress | null): Record<string, unknown> {
  if (a?.type !== "pci") return {};
  const out: Record<string, unknown> = { bus: pciBusName(def, a.bus) };
  if (a.multifunction === "on") out.multifunction = true;
  out.addr = `0x${a.slot.toString(16)}${a.function ? `.0x${a.function.toString(16)}` : ""}`;
  return out;
}

/** The alias libvirt gives a disk (qemuAssignDeviceDiskAlias). */
export function diskAlias(d: DiskDef): string {
  const a = d.info.address;
  const drive = a?.type === "drive" ? a : { controller: 0, bus: 0, target: 0, unit: 0 };
  switch (d.targetBus) {
    case "virtio":
      return `virtio-disk${diskIndex(d.targetDev)}`;
    case "ide":
      return `ide${drive.controller}-${drive.bus}-${drive.unit}`;
    case "sata":
      return `sata${drive.controller}-${drive.bus}-${drive.unit}`;
    case "scsi":
      return `scsi${drive.controller}-${drive.bus}-${drive.target}-${drive.unit}`;
    default:
      return `${d.targetBus}-disk${diskIndex(d.targetDev)}`;
  }
}

function diskIndex(name: string): number {
  const m = /^[a-z]+?d([a-z]+)$/.exec(name) ?? /([a-z]+)$/.exec(name);
  let n = 0;
  for (const ch of m?.[1] ?? "a") n = n * 26 + (ch.charCodeAt(0) - 96);
  return n - 1;
}

/** The alias libvirt gives a controller. */
export function controllerAlias(c: ControllerDef, q35: boolean): string {
  switch (c.type) {
    case "pci":
      return c.index === 0 ? (q35 ? "pcie.0" : "pci.0") : `pci.${c.index}`;
    case "usb":
      return c.index === 0 ? "usb" : `usb${c.index}`;
    case "ide":
      return c.index === 0 ? "ide" : `ide${c.index}`;
    case "sata":
      return c.index === 0 ? "ide" : `sata${c.index}`;
    default:
      return `${c.type}${c.index}`;
  }
}

/**
 * Gives every device the alias libvirt gives it when it starts the domain
 * (qemuAssignDeviceAliases); the command line names devices by them.
 */
export function assignAliases(def: DomainDef): void {
  const d = def.devices;
  const q35 = isQ35(def.os.machine ?? "");
  for (const disk of d.disks) disk.info.alias ??= diskAlias(disk);
  for (const c of d.controllers) c.info.alias ??= controllerAlias(c, q35);
  d.interfaces.forEach((n, i) => (n.info.alias ??= `net${i}`));
  d.serials.forEach((s, i) => (s.info.alias ??= `serial${i}`));
  d.consoles.forEach((c, i) => {
    if (c.targetType === "serial") c.info.alias ??= `serial${i}`;
    else c.info.alias ??= `console${i}`;
  });
  d.channels.forEach((c, i) => (c.info.alias ??= `channel${i}`));
  d.inputs.forEach((x, i) => (x.info.alias ??= `input${i}`));
  d.sounds.forEach((x, i) => (x.info.alias ??= `sound${i}`));
  d.videos.forEach((x, i) => (x.info.alias ??= `video${i}`));
  d.watchdogs.forEach((x, i) => (x.info.alias ??= `watchdog${i}`));
  d.redirdevs.forEach((x, i) => (x.info.alias ??= `redir${i}`));
  d.rngs.forEach((x, i) => (x.info.alias ??= `rng${i}`));
  if (d.memballoon && d.memballoon.model !== "none") d.memballoon.info.alias ??= "balloon0";
}

function featureOn(def: DomainDef, name: string): string | null {
  const f = def.features?.find((x) => x.name === name);
  if (!f) return null;
  return f.attrs.find(([k]) => k === "state")?.[1] ?? "on";
}

function machineArg(def: DomainDef): string {
  const parts = [noComma(def.os.machine!, "machine"), "usb=off"];
  const vmport = featureOn(def, "vmport");
  if (vmport) parts.push(`vmport=${vmport}`);
  const smm = featureOn(def, "smm");
  if (smm) parts.push(`smm=${smm}`);
  parts.push("dump-guest-core=off", "memory-backend=pc.ram");
  if (def.os.loader?.attrs["type"] === "pflash" && def.os.loader.path) {
    parts.push("pflash0=libvirt-pflash0-format");
    if (def.os.nvram?.path) parts.push("pflash1=libvirt-pflash1-format");
  }
  if (def.os.bios?.useserial === "yes") parts.push("graphics=off");
  return parts.join(",");
}

const HV_PROPS: Record<string, string> = {
  relaxed: "hv-relaxed",
  vapic: "hv-vapic",
  vpindex: "hv-vpindex",
  runtime: "hv-runtime",
  synic: "hv-synic",
  stimer: "hv-stimer",
  reset: "hv-reset",
  frequencies: "hv-frequencies",
  reenlightenment: "hv-reenlightenment",
  tlbflush: "hv-tlbflush",
  ipi: "hv-ipi",
  evmcs: "hv-evmcs",
  avic: "hv-avic",
};

function cpuArg(def: DomainDef, kvm: boolean): string {
  const cpu = def.cpu;
  const mode = cpu?.mode ?? "custom";
  const parts: string[] = [];
  if (mode === "host-passthrough") {
    if (!kvm) {
      throw unsupported(
        "CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor",
      );
    }
    parts.push("host", `migratable=${cpu?.migratable ?? "on"}`);
  } else if (mode === "maximum") {
    parts.push("max", `migratable=${cpu?.migratable ?? "on"}`);
  } else if (mode === "host-model") {
    // liveDefinition and nativeCommandLine expand it to the host's model first.
    throw unsupported("CPU mode 'host-model' left unexpanded");
  } else {
    parts.push(noComma(cpu?.model ?? "qemu64", "CPU model"));
  }
  for (const f of cpu?.features ?? []) {
    const name = featureToQemu(f.name);
    if (f.policy === "require" || f.policy === "force") parts.push(`${name}=on`);
    else if (f.policy === "disable" || f.policy === "forbid") parts.push(`${name}=off`);
  }
  if (def.clock.timers.some((t) => t.name === "hypervclock" && t.present === "yes")) {
    parts.push("hv-time=on");
  }
  const hv = def.features?.find((f) => f.name === "hyperv");
  for (const h of hv?.children ?? []) {
    const state = h.attrs.find(([k]) => k === "state")?.[1];
    if (state !== "on") continue;
    if (h.name === "spinlocks") {
      const retries = Number(h.attrs.find(([k]) => k === "retries")?.[1] ?? 4095);
      parts.push(`hv-spinlocks=0x${retries.toString(16)}`);
    } else if (h.name === "vendor_id") {
      parts.push(`hv-vendor-id=${h.attrs.find(([k]) => k === "value")?.[1] ?? ""}`);
    } else if (HV_PROPS[h.name]) {
      parts.push(`${HV_PROPS[h.name]}=on`);
    } else {
      throw unsupported(`hyperv feature '${h.name}'`);
    }
  }
  return parts.join(",");
}

function smpArg(def: DomainDef): string {
  const t = def.cpu?.topology;
  const max = def.vcpus;
  const parts = [String(def.vcpusCurrent)];
  if (def.vcpusCurrent !== max) parts.push(`maxcpus=${max}`);
  if (t) parts.push(`sockets=${t.sockets}`, ...(t.dies > 1 ? [`dies=${t.dies}`] : []));
  else parts.push(`sockets=${max}`);
  parts.push(`cores=${t?.cores ?? 1}`, `threads=${t?.threads ?? 1}`);
  return parts.join(",");
}

function timer(def: DomainDef, name: string) {
  return def.clock.timers.find((t) => t.name === name) ?? null;
}

/** -chardev for a character device's source. */
function chardevArg(id: string, s: ChrSource): string {
  switch (s.type) {
    case "file":
      return `file,id=${id},path=${noComma(s.path ?? "", "file path")}${
        s.append === "on" ? ",append=on" : ""
      }`;
    case "null":
      return `null,id=${id}`;
    case "unix": {
      const server = s.mode !== "connect";
      return `socket,id=${id},path=${noComma(s.path ?? "", "socket path")}${
        server ? ",server=on,wait=off" : ""
      }`;
    }
    case "tcp": {
      const server = s.mode === "bind";
      return `socket,id=${id},host=${noComma(s.host ?? "", "host")},port=${s.service ?? ""}${
        s.protocol === "telnet" ? ",telnet=on" : ""
      }${server ? ",server=on,wait=off" : ""}`;
    }
    case "spicevmc":
      return `spicevmc,id=${id},name=${s.channel === "usbredir" ? "usbredir" : "vdagent"}`;
    default:
      throw unsupported(`character device type '${s.type}'`);
  }
}

/**
 * chardev-add's backend for a character device's source: the QMP form of
 * -chardev, as libvirt sends it when it hotplugs one (paths rather than the
 * file descriptors libvirt passes).
 */
export function chardevBackend(s: ChrSource): Record<string, unknown> {
  switch (s.type) {
    case "file":
      return {
        type: "file",
        data: { out: s.path ?? "", ...(s.append === "on" ? { append: true } : {}) },
      };
    case "null":
    case "pty":
      return { type: s.type, data: {} };
    case "unix": {
      const addr = { type: "unix", data: { path: s.path ?? "" } };
      return {
        type: "socket",
        data: s.mode === "connect" ? { addr, server: false } : { addr, wait: false, server: true },
      };
    }
    case "tcp": {
      const addr = { type: "inet", data: { host: s.host ?? "", port: s.service ?? "" } };
      const telnet = s.protocol === "telnet";
      return {
        type: "socket",
        data: s.mode === "bind"
          ? { addr, wait: false, telnet, server: true }
          : { addr, telnet, server: false },
      };
    }
    case "spicevmc":
      return {
        type: "spicevmc",
        data: { type: s.channel === "usbredir" ? "usbredir" : "vdagent" },
      };
    default:
      throw unsupported(`character device type '${s.type}'`);
  }
}

/** bootindex of each disk and NIC: per-device <boot order>, else from <os><boot dev>. */
function bootIndexes(def: DomainDef): Map<object, number> {
  const out = new Map<object, number>();
  const d = def.devices;
  const all = [...d.disks, ...d.interfaces];
  if (all.some((x) => x.info.bootOrder !== null)) {
    for (const x of all) if (x.info.bootOrder !== null) out.set(x, x.info.bootOrder);
    return out;
  }
  let n = 1;
  for (const b of def.os.bootDevs) {
    let x: object | undefined;
    if (b === "hd") x = d.disks.find((k) => k.device === "disk");
    else if (b === "cdrom") x = d.disks.find((k) => k.device === "cdrom");
    else if (b === "network") x = d.interfaces[0];
    if (x && !out.has(x)) out.set(x, n++);
  }
  return out;
}

function diskArgs(def: DomainDef, d: DiskDef, node: number, boot: number | undefined): string[] {
  const out: string[] = [];
  const path = d.source?.path ?? null;
  const readOnly = d.readonly || d.device === "cdrom";
  if (path !== null) {
    out.push(
      "-blockdev",
      JSON.stringify(storageNode(d, node)),
      "-blockdev",
      JSON.stringify(formatNode(d, node, readOnly)),
    );
  } else if (d.device !== "cdrom") {
    throw unsupported(`disk '${d.targetDev}' has no source`);
  }
  const drive = path !== null ? { drive: `libvirt-${node}-format` } : {};
  const id = d.info.alias ?? diskAlias(d);
  const bootindex = boot !== undefined ? { bootindex: boot } : {};
  const tail = diskDeviceTail(d);
  const a = d.info.address;
  switch (d.targetBus) {
    case "virtio":
      if (d.device === "cdrom") throw unsupported("a virtio cdrom");
      out.push(...dev({
        driver: "virtio-blk-pci",
        ...iothreadProp(d.driver),
        ...pciProps(def, a),
        ...drive,
        id,
        ...bootindex,
        ...tail,
      }));
      break;
    case "ide":
    case "sata": {
      if (a?.type !== "drive") throw unsupported(`disk '${d.targetDev}' has no drive address`);
      const driver = d.device === "cdrom" ? "ide-cd" : "ide-hd";
      const bus = d.targetBus === "ide"
        ? { bus: `ide.${a.bus}`, unit: a.unit }
        : { bus: `${a.controller === 0 ? "ide" : `sata${a.controller}`}.${a.unit}` };
      out.push(...dev({ driver, ...bus, ...drive, id, ...bootindex, ...tail }));
      break;
    }
    case "scsi": {
      if (a?.type !== "drive") throw unsupported(`disk '${d.targetDev}' has no drive address`);
      out.push(...dev({
        driver: d.device === "cdrom" ? "scsi-cd" : "scsi-hd",
        bus: `scsi${a.controller}.0`,
        channel: a.bus,
        "scsi-id": a.target,
        lun: a.unit,
        // A SCSI disk identifies itself by its serial where it has one.
        "device_id": d.serial ?? `drive-${id}`,
        ...drive,
        id,
        ...bootindex,
        ...tail,
      }));
      break;
    }
    default:
      throw unsupported(`disk bus '${d.targetBus}'`);
  }
  return out;
}

function netArgs(def: DomainDef, n: NetDef, index: number, boot: number | undefined): string[] {
  checkInterface(n);
  const model = NIC_MODELS[n.model ?? "rtl8139"]!;
  const id = n.info.alias ?? `net${index}`;
  const netdev = `host${id}`;
  return [
    "-netdev",
    JSON.stringify(netdevProps(n, netdev)),
    ...dev({
      driver: model,
      ...(n.mtu && model === "virtio-net-pci" ? { "host_mtu": n.mtu } : {}),
      netdev,
      id,
      mac: n.mac,
      ...pciProps(def, n.info.address),
      ...(boot !== undefined ? { bootindex: boot } : {}),
    }),
  ];
}

/** The -device (and device_add) properties of a serial port on its chardev. */
export function serialDevice(s: ChrDef, i: number, chardev: string): Record<string, unknown> {
  return {
    driver: "isa-serial",
    chardev,
    id: s.info.alias ?? `serial${i}`,
    index: s.targetPort ?? i,
  };
}

/** A virtio-serial channel's port, on the chardev named after its alias. */
export function channelDevice(ch: ChrDef, i: number): Record<string, unknown> {
  const alias = ch.info.alias ?? `channel${i}`;
  const a = ch.info.address;
  const port = a?.type === "virtio-serial" && a.port !== null
    ? a
    : { controller: 0, bus: 0, port: i + 1 };
  return {
    driver: "virtserialport",
    bus: `virtio-serial${port.controller}.${port.bus}`,
    nr: port.port,
    chardev: `char${alias}`,
    id: alias,
    ...(ch.targetName ? { name: ch.targetName } : {}),
  };
}

const USB_INPUTS: Record<string, string> = {
  tablet: "usb-tablet",
  mouse: "usb-mouse",
  keyboard: "usb-kbd",
};
const VIRTIO_INPUTS: Record<string, string> = {
  tablet: "virtio-tablet-pci",
  mouse: "virtio-mouse-pci",
  keyboard: "virtio-keyboard-pci",
};

/** A USB or virtio input device (null for the machine's own PS/2 ones). */
export function inputDevice(
  def: DomainDef,
  x: InputDef,
  i: number,
): Record<string, unknown> | null {
  if (x.bus === "ps2") return null;
  const id = x.info.alias ?? `input${i}`;
  if (x.bus === "usb") {
    const a = x.info.address;
    return {
      driver: USB_INPUTS[x.type],
      id,
      bus: "usb.0",
      ...(a?.type === "usb" && a.port !== null ? { port: a.port } : {}),
    };
  }
  return { driver: VIRTIO_INPUTS[x.type], id, ...pciProps(def, x.info.address) };
}

/** An i6300esb watchdog. */
export function watchdogDevice(def: DomainDef, w: WatchdogDef, i: number): Record<string, unknown> {
  if (w.model !== "i6300esb") throw unsupported(`watchdog model '${w.model}'`);
  return {
    driver: "i6300esb",
    id: w.info.alias ?? `watchdog${i}`,
    ...pciProps(def, w.info.address),
  };
}

/** A USB redirection device on its spicevmc chardev. */
export function redirdevDevice(r: RedirdevDef, i: number): Record<string, unknown> {
  const id = r.info.alias ?? `redir${i}`;
  const a = r.info.address;
  return {
    driver: "usb-redir",
    chardev: `char${id}`,
    id,
    bus: "usb.0",
    ...(a?.type === "usb" && a.port !== null ? { port: a.port } : {}),
  };
}

/** The backend object of a virtio RNG (its id is the device's alias after "obj"). */
export function rngObject(r: RngDef, i: number): Record<string, unknown> {
  if (r.model !== "virtio" || (r.backendModel !== "random" && r.backendModel !== "builtin")) {
    throw unsupported(`rng model '${r.model}' with backend '${r.backendModel}'`);
  }
  if (r.backendModel === "builtin") {
    return { "qom-type": "rng-builtin", id: `obj${r.info.alias ?? `rng${i}`}` };
  }
  return {
    "qom-type": "rng-random",
    id: `obj${r.info.alias ?? `rng${i}`}`,
    filename: r.backendFile ?? "/dev/urandom",
  };
}

/** A virtio RNG on its backend object. */
export function rngDevice(def: DomainDef, r: RngDef, i: number): Record<string, unknown> {
  const id = r.info.alias ?? `rng${i}`;
  return {
    driver: "virtio-rng-pci",
    rng: `obj${id}`,
    id,
    ...(r.rateBytes !== null ? { "max-bytes": r.rateBytes } : {}),
    ...(r.ratePeriod !== null ? { period: r.ratePeriod } : {}),
    ...pciProps(def, r.info.address),
  };
}

const CONTROLLER_ORDER = ["pci", "usb", "scsi", "ide", "sata", "fdc", "virtio-serial", "ccid"];

function controllerArgs(def: DomainDef, c: ControllerDef): string[] {
  const props = controllerDevice(def, c);
  return props ? dev(props) : [];
}

/** A virtio-scsi controller's <driver> queue settings as -device properties. */
function virtioScsiProps(driver: Record<string, string> | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (
    const [attr, prop] of [["queues", "num_queues"], ["cmd_per_lun", "cmd_per_lun"], [
      "max_sectors",
      "max_sectors",
    ]]
  ) {
    const v = driver?.[attr!];
    if (v !== undefined) out[prop!] = Number(v);
  }
  return out;
}

/** A controller's -device properties (null for those built into the machine). */
export function controllerDevice(def: DomainDef, c: ControllerDef): Record<string, unknown> | null {
  const q35 = isQ35(def.os.machine ?? "");
  const id = c.info.alias ?? controllerAlias(c, q35);
  const at = pciProps(def, c.info.address);
  switch (c.type) {
    case "pci": {
      if (c.index === 0) return null;
      if (c.model === "pcie-root-port") {
        return {
          driver: "pcie-root-port",
          port: Number(c.target?.["port"] ?? 0),
          chassis: Number(c.target?.["chassis"] ?? c.index),
          id,
          ...at,
        };
      }
      if (c.model === "pcie-to-pci-bridge") return { driver: "pcie-pci-bridge", id, ...at };
      if (c.model === "pci-bridge") {
        return { driver: "pci-bridge", "chassis_nr": c.index, id, ...at };
      }
      throw unsupported(`PCI controller model '${c.model}'`);
    }
    case "usb": {
      if (c.model === "none") return null;
      const drivers: Record<string, string> = {
        "piix3-uhci": "piix3-usb-uhci",
        "ich9-ehci1": "ich9-usb-ehci1",
        "ich9-uhci1": "ich9-usb-uhci1",
        "ich9-uhci2": "ich9-usb-uhci2",
        "ich9-uhci3": "ich9-usb-uhci3",
        "qemu-xhci": "qemu-xhci",
        "nec-xhci": "nec-usb-xhci",
      };
      const driver = drivers[c.model ?? ""];
      if (!driver) throw unsupported(`USB controller model '${c.model}'`);
      if (c.info.masterStartport !== null) {
        return {
          driver,
          masterbus: `${controllerAlias({ ...c, info: { ...c.info } }, q35)}.0`,
          firstport: c.info.masterStartport,
          ...at,
        };
      }
      const ports = c.attrs["ports"] && c.model?.endsWith("xhci")
        ? { p2: Number(c.attrs["ports"]), p3: Number(c.attrs["ports"]) }
        : {};
      return { driver, ...ports, id, ...at };
    }
    case "scsi":
      return {
        driver: c.model === "lsilogic" ? "lsi" : "virtio-scsi-pci",
        ...iothreadProp(c.driver),
        id,
        ...(c.model === "lsilogic" ? {} : virtioScsiProps(c.driver)),
        ...at,
      };
    case "virtio-serial":
      return { driver: "virtio-serial-pci", id, ...at };
    case "ide":
    case "sata":
      // Built into the chipset (PIIX3 IDE, ICH9 AHCI); a pc's SATA controller is an ahci device.
      if (c.type === "sata" && !q35) return { driver: "ahci", id, ...at };
      return null;
    default:
      throw unsupported(`controller type '${c.type}'`);
  }
}

const VIDEO_DRIVERS: Record<string, [string, string]> = {
  vga: ["VGA", "VGA"],
  cirrus: ["cirrus-vga", "cirrus-vga"],
  virtio: ["virtio-vga", "virtio-gpu-pci"],
  qxl: ["qxl-vga", "qxl"],
  bochs: ["bochs-display", "bochs-display"],
};

/** Picks the SPICE port of an autoport display: the first free one from 5900 (libvirt's range). */
export function freeSpicePort(taken: Set<number> = new Set()): number {
  for (let p = 5900; p < 65536; p++) {
    if (taken.has(p)) continue;
    try {
      const l = Deno.listen({ hostname: "127.0.0.1", port: p });
      l.close();
      return p;
    } catch {
      // In use.
    }
  }
  throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU, "Unable to find an unused port");
}

/** The arguments after the emulator's path. */
export function buildCommandLine(def: DomainDef, p: LaunchPaths): string[] {
  if (!/^[^,]+$/.test(def.name)) throw unsupported(`domain name '${def.name}' with a comma`);
  const d = def.devices;
  const q35 = isQ35(def.os.machine ?? "");
  const args: string[] = ["-name", `guest=${def.name},debug-threads=on`, "-S"];
  // Firmware in flash: its code read-only, its variables the domain's own.
  const loader = def.os.loader;
  if (loader?.path && loader.attrs["type"] === "pflash") {
    args.push(
      "-blockdev",
      JSON.stringify({
        driver: "file",
        filename: loader.path,
        "node-name": "libvirt-pflash0-storage",
        "auto-read-only": true,
        discard: "unmap",
      }),
      "-blockdev",
      JSON.stringify({
        "node-name": "libvirt-pflash0-format",
        "read-only": loader.attrs["readonly"] === "yes",
        driver: "raw",
        file: "libvirt-pflash0-storage",
      }),
    );
    if (def.os.nvram?.path) {
      args.push(
        "-blockdev",
        JSON.stringify({
          driver: "file",
          filename: def.os.nvram.path,
          "node-name": "libvirt-pflash1-storage",
          "auto-read-only": true,
          discard: "unmap",
        }),
        "-blockdev",
        JSON.stringify({
          "node-name": "libvirt-pflash1-format",
          "read-only": false,
          driver: "raw",
          file: "libvirt-pflash1-storage",
        }),
      );
    }
  } else if (loader?.path) {
    args.push("-bios", noComma(loader.path, "loader path"));
  }
  args.push(
    "-machine",
    machineArg(def),
    "-accel",
    p.kvm ? "kvm" : "tcg",
    "-cpu",
    cpuArg(def, p.kvm),
  );
  if (loader?.attrs["secure"] === "yes") {
    args.push("-global", "driver=cfi.pflash01,property=secure,value=on");
  }
  const mib = Math.ceil(def.memory / 1024);
  args.push(
    "-m",
    String(mib),
    "-object",
    JSON.stringify({ "qom-type": "memory-backend-ram", id: "pc.ram", size: mib * 1024 * 1024 }),
    "-overcommit",
    "mem-lock=off",
    "-smp",
    smpArg(def),
    ...iothreadObjectArgs(def),
    "-uuid",
    def.uuid,
  );
  if (d.graphics.length === 0) args.push("-display", "none");
  args.push(
    "-no-user-config",
    "-nodefaults",
    "-chardev",
    `socket,id=charmonitor,path=${noComma(p.monitor, "monitor path")},server=on,wait=off`,
    "-mon",
    "chardev=charmonitor,id=monitor,mode=control",
  );
  const rtc = [def.clock.offset === "localtime" ? "base=localtime" : "base=utc"];
  if (timer(def, "rtc")?.tickpolicy === "catchup") rtc.push("driftfix=slew");
  args.push("-rtc", rtc.join(","));
  if (timer(def, "pit")?.tickpolicy === "delay") {
    args.push("-global", "kvm-pit.lost_tick_policy=delay");
  }
  if (timer(def, "hpet")?.present === "no") args.push("-no-hpet");
  // Always -no-shutdown: QEMU 7.2 has set-action, so <on_reboot>destroy</on_reboot> is
  // set over QMP when the domain starts, not with -no-reboot, as libvirt 9.0 does.
  args.push("-no-shutdown");
  if (!def.features?.some((f) => f.name === "acpi")) args.push("-no-acpi");
  const pm = q35 ? "ICH9-LPC" : "PIIX4_PM";
  if (def.pm?.suspendToMem === "no") args.push("-global", `${pm}.disable_s3=1`);
  else if (def.pm?.suspendToMem === "yes") args.push("-global", `${pm}.disable_s3=0`);
  if (def.pm?.suspendToDisk === "no") args.push("-global", `${pm}.disable_s4=1`);
  else if (def.pm?.suspendToDisk === "yes") args.push("-global", `${pm}.disable_s4=0`);
  const menu = def.os.bootmenu?.enable === "yes"
    ? `menu=on${def.os.bootmenu.timeout ? `,splash-time=${def.os.bootmenu.timeout}` : ""},`
    : "";
  args.push("-boot", `${menu}strict=on`);
  if (def.os.kernel) args.push("-kernel", def.os.kernel);
  if (def.os.initrd) args.push("-initrd", def.os.initrd);
  if (def.os.cmdline) args.push("-append", def.os.cmdline);

  for (const type of CONTROLLER_ORDER) {
    for (const c of d.controllers) if (c.type === type) args.push(...controllerArgs(def, c));
  }
  const boots = bootIndexes(def);
  const nodes = diskNodeNumbers(def);
  for (const disk of d.disks) {
    args.push(...diskArgs(def, disk, nodes[disk.targetDev]!, boots.get(disk)));
  }
  d.interfaces.forEach((n, i) => args.push(...netArgs(def, n, i, boots.get(n))));
  // Serial ports (a <console> of target type serial is serial 0, as in libvirt).
  serialsOf(def).forEach((s, i) => {
    const id = `charserial${i}`;
    if (s.source.type === "pty") {
      // The console reaches the serial port through a socket the daemon owns.
      if (i >= CONSOLES_PER_SLOT) throw unsupported(`pty serial port ${i} (at most 4)`);
      args.push(
        "-chardev",
        `socket,id=${id},path=${noComma(p.console(i), "console path")},server=on,wait=off`,
      );
    } else {
      args.push("-chardev", chardevArg(id, s.source));
    }
    args.push(...dev(serialDevice(s, i, id)));
  });
  d.channels.forEach((ch, i) => {
    const alias = ch.info.alias ?? `channel${i}`;
    const src = ch.source.type === "unix" && !ch.source.path
      ? { ...ch.source, path: p.channel(ch.targetName ?? alias) }
      : ch.source;
    args.push("-chardev", chardevArg(`char${alias}`, src));
    args.push(...dev(channelDevice(ch, i)));
  });
  d.inputs.forEach((x, i) => {
    const props = inputDevice(def, x, i);
    if (props) args.push(...dev(props));
  });
  const audio = d.audios[0];
  const audioId = audio ? `audio${audio.attrs.find(([k]) => k === "id")?.[1] ?? "1"}` : null;
  for (const a of d.audios) {
    const id = a.attrs.find(([k]) => k === "id")?.[1] ?? "1";
    const type = a.attrs.find(([k]) => k === "type")?.[1] ?? "none";
    if (type !== "none" && type !== "spice") throw unsupported(`audio type '${type}'`);
    args.push("-audiodev", JSON.stringify({ id: `audio${id}`, driver: type }));
  }
  for (const g of d.graphics) {
    const listen = g.listens[0];
    if (listen && listen.type !== "address" && listen.type !== "none") {
      throw unsupported(`graphics listen type '${listen.type}'`);
    }
    const addr = listen?.address ?? g.attrs["listen"] ?? "127.0.0.1";
    if (g.type === "vnc") {
      // autoport: QEMU takes the first free display from :0 (port 5900) on.
      const display = g.autoport || g.port < 5900 ? "0,to=99" : String(g.port - 5900);
      const audiodev = audioId ? `,audiodev=${audioId}` : "";
      if (listen?.type === "none") args.push("-vnc", `none${audiodev}`);
      else args.push("-vnc", `${noComma(addr, "listen address")}:${display}${audiodev}`);
    } else {
      const parts: string[] = [];
      if (listen?.type === "none") parts.push("port=0");
      else {
        const port = g.port > 0 ? g.port : p.spicePort ?? 5900;
        parts.push(`port=${port}`, `addr=${noComma(addr, "listen address")}`);
      }
      parts.push("disable-ticketing=on");
      const image = g.children.find((c) => c.name === "image");
      const compression = image?.attrs.find(([k]) => k === "compression")?.[1];
      if (compression) parts.push(`image-compression=${compression}`);
      parts.push("seamless-migration=on");
      args.push("-spice", parts.join(","));
    }
  }
  d.videos.forEach((v, i) => {
    if (v.model === "none") return;
    const names = VIDEO_DRIVERS[v.model];
    if (!names) throw unsupported(`video model '${v.model}'`);
    const driver = i === 0 ? names[0] : names[1];
    const props: Record<string, unknown> = { driver, id: v.info.alias ?? `video${i}` };
    if (v.model === "qxl") {
      Object.assign(props, {
        "max_outputs": v.heads ?? 1,
        "ram_size": (v.ram ?? 65536) * 1024,
        "vram_size": (v.vram ?? 65536) * 1024,
        "vram64_size_mb": Math.floor((v.vram64 ?? 0) / 1024),
        "vgamem_mb": Math.floor((v.vgamem ?? 16384) / 1024),
      });
    } else if (v.model === "virtio") {
      props["max_outputs"] = v.heads ?? 1;
    } else if (v.model === "vga" || v.model === "bochs") {
      const kib = v.vram ?? 16384;
      if (v.model === "vga") props["vgamem_mb"] = Math.floor(kib / 1024);
      else props["vgamem"] = kib * 1024;
    }
    args.push(...dev({ ...props, ...pciProps(def, v.info.address) }));
  });
  d.sounds.forEach((s, i) => {
    const id = s.info.alias ?? `sound${i}`;
    if (s.model === "ac97") {
      args.push(...dev({
        driver: "AC97",
        id,
        ...(audioId ? { audiodev: audioId } : {}),
        ...pciProps(def, s.info.address),
      }));
      return;
    }
    args.push(...dev({
      driver: s.model === "ich9" ? "ich9-intel-hda" : "intel-hda",
      id,
      ...pciProps(def, s.info.address),
    }));
    args.push(...dev({
      driver: "hda-duplex",
      id: `${id}-codec0`,
      bus: `${id}.0`,
      cad: 0,
      ...(audioId ? { audiodev: audioId } : {}),
    }));
  });
  d.watchdogs.forEach((w, i) => {
    args.push(...dev(watchdogDevice(def, w, i)));
    const action = w.action === "shutdown" ? "poweroff" : w.action;
    args.push("-watchdog-action", action === "dump" ? "pause" : action);
  });
  d.redirdevs.forEach((r, i) => {
    args.push("-chardev", `spicevmc,id=char${r.info.alias ?? `redir${i}`},name=usbredir`);
    args.push(...dev(redirdevDevice(r, i)));
  });
  const balloon = d.memballoon;
  if (balloon && balloon.model === "virtio") {
    args.push(...dev({
      driver: "virtio-balloon-pci",
      id: "balloon0",
      ...(balloon.autodeflate ? { "deflate-on-oom": balloon.autodeflate === "on" } : {}),
      ...(balloon.freePageReporting
        ? { "free-page-reporting": balloon.freePageReporting === "on" }
        : {}),
      ...pciProps(def, balloon.info.address),
    }));
  } else if (balloon && balloon.model !== "none") {
    throw unsupported(`memballoon model '${balloon.model}'`);
  }
  d.rngs.forEach((r, i) => {
    args.push("-object", JSON.stringify(rngObject(r, i)));
    args.push(...dev(rngDevice(def, r, i)));
  });
  if (p.pidfile !== null) args.push("-daemonize", "-pidfile", p.pidfile);
  return args;
}

/** A command line as a shell reads it (libvirt's virCommandToString quoting). */
export function shellQuote(args: string[]): string {
  return args.map((a) => /^[A-Za-z0-9_.,:/=@+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
}
