/**
 * Device addresses as libvirt's qemu_domain_address.c assigns them for x86
 * `pc` (i440fx) and `q35` machines, so a guest sees the same hardware as under
 * libvirtd and across restarts (assigned addresses are kept in the
 * persistent definition). PCI: the chipset's fixed functions first (PIIX3's
 * IDE and UHCI in slot 1 of a pc, ICH9's SATA at 1f.2 and HDA at 1b of a
 * q35, the primary video in slot 2 or 1), then pcie-root-ports packed eight
 * to a slot (as many as the devices need, and one spare for hotplug), then
 * every other device in libvirt's order, a q35 endpoint each on a root port
 * of its own. Then USB ports and virtio-serial ports.
 *
 * @module
 */

import type { ControllerDef, DeviceAddress, DeviceInfo, DomainDef } from "../../conf/domain_xml.ts";
import { insertController, newController, unsupported } from "./devices.ts";
import { isQ35 } from "./probe.ts";

type PciAddr = Extract<DeviceAddress, { type: "pci" }>;

const pci = (bus: number, slot: number, fn: number, mf: string | null = null): PciAddr => ({
  type: "pci",
  domain: 0,
  bus,
  slot,
  function: fn,
  multifunction: mf,
});

class PciSpace {
  readonly #used = new Map<string, Set<number>>();
  /** Slots kept for a device that may come (a pc's slot 2 for its video). */
  readonly #reserved = new Set<string>();

  use(a: PciAddr): void {
    const k = `${a.bus}:${a.slot}`;
    let s = this.#used.get(k);
    if (!s) this.#used.set(k, s = new Set());
    s.add(a.function);
  }

  reserveSlot(bus: number, slot: number): void {
    this.#reserved.add(`${bus}:${slot}`);
  }

  free(bus: number, slot: number): boolean {
    const k = `${bus}:${slot}`;
    return !this.#used.has(k) && !this.#reserved.has(k);
  }

  fnFree(bus: number, slot: number, fn: number): boolean {
    return !this.#reserved.has(`${bus}:${slot}`) && !this.#used.get(`${bus}:${slot}`)?.has(fn);
  }

  /** The first wholly free slot of a bus from `first` to 31, or -1. */
  nextSlot(bus: number, first = 1): number {
    for (let s = first; s <= 31; s++) if (this.free(bus, s)) return s;
    return -1;
  }
}

function pciAddrOf(info: DeviceInfo): PciAddr | null {
  return info.address?.type === "pci" ? info.address : null;
}

/** Every device's info with the kind of PCI slot it needs, in libvirt's assignment order. */
interface PciDevice {
  info: DeviceInfo;
  pcie: boolean;
  /** An ich9 EHCI controller and its companions, placed together. */
  set?: ControllerDef[];
}

function pciDevices(def: DomainDef): PciDevice[] {
  const d = def.devices;
  const out: PciDevice[] = [];
  const sets = new Map<number, ControllerDef[]>();
  for (const n of d.interfaces) {
    if (
      n.model === null || n.model === "virtio" || n.model === "e1000e" || n.model === "rtl8139" ||
      n.model === "e1000"
    ) {
      out.push({ info: n.info, pcie: n.model === "virtio" || n.model === "e1000e" });
    }
  }
  for (const s of d.sounds) {
    if (s.model === "ich9" || s.model === "ich6" || s.model === "ac97") {
      out.push({ info: s.info, pcie: false });
    }
  }
  for (const c of d.controllers) {
    if (["pci", "ide", "sata", "fdc", "ccid"].includes(c.type)) continue;
    if (c.type === "usb" && c.model === "none") continue;
    if (c.type === "usb" && c.model?.startsWith("ich9-")) {
      // The set takes the turn of its first member.
      const set = sets.get(c.index);
      if (set) set.push(c);
      else {
        sets.set(c.index, [c]);
        out.push({ info: c.info, pcie: false, set: sets.get(c.index)! });
      }
      continue;
    }
    const pcie = c.type === "usb" ? c.model === "qemu-xhci" || c.model === "nec-xhci" : true;
    out.push({ info: c.info, pcie: c.type === "scsi" && c.model === "lsilogic" ? false : pcie });
  }
  for (const disk of d.disks) {
    if (disk.targetBus === "virtio") out.push({ info: disk.info, pcie: true });
  }
  if (d.memballoon && d.memballoon.model === "virtio") {
    out.push({ info: d.memballoon.info, pcie: true });
  }
  for (const r of d.rngs) if (r.model === "virtio") out.push({ info: r.info, pcie: true });
  for (const w of d.watchdogs) if (w.model === "i6300esb") out.push({ info: w.info, pcie: false });
  d.videos.forEach((v, i) => {
    if (i > 0 && v.model !== "none") out.push({ info: v.info, pcie: v.model === "virtio" });
  });
  for (const i of d.inputs) if (i.bus === "virtio") out.push({ info: i.info, pcie: true });
  return out;
}

/** libvirt's qemuDomainAssignAddresses for pc and q35 machines. */
export function assignAddresses(def: DomainDef): void {
  const q35 = isQ35(def.os.machine ?? "");
  const d = def.devices;
  const space = new PciSpace();
  const all: DeviceInfo[] = [
    ...d.disks,
    ...d.controllers,
    ...d.interfaces,
    ...d.sounds,
    ...d.videos,
    ...d.watchdogs,
    ...d.rngs,
    ...d.inputs,
    ...(d.memballoon ? [d.memballoon] : []),
  ].map((x) => x.info);
  for (const i of all) {
    const a = pciAddrOf(i);
    if (a) space.use(a);
  }
  const place = (info: DeviceInfo, a: PciAddr) => {
    info.address = a;
    space.use(a);
  };

  // The chipset's own functions.
  const primary = d.videos[0] && d.videos[0].model !== "none" ? d.videos[0] : null;
  const usb0 = d.controllers.filter((c) => c.type === "usb" && c.index === 0);
  if (!q35) {
    space.use(pci(0, 1, 0));
    space.use(pci(0, 1, 3));
    space.reserveSlot(0, 1);
    for (const c of d.controllers) {
      if (c.type === "ide" && c.index === 0 && !c.info.address) c.info.address = pci(0, 1, 1);
      if (c.type === "usb" && c.index === 0 && c.model === "piix3-uhci" && !c.info.address) {
        c.info.address = pci(0, 1, 2);
      }
    }
    if (primary && !primary.info.address && space.free(0, 2)) place(primary.info, pci(0, 2, 0));
  } else {
    space.reserveSlot(0, 0x1f);
    for (const c of d.controllers) {
      if (c.type === "sata" && c.index === 0 && !c.info.address) c.info.address = pci(0, 0x1f, 2);
    }
    if (primary && !primary.info.address && space.free(0, 1)) place(primary.info, pci(0, 1, 0));
    const ich9 = d.sounds.find((s) => s.model === "ich9");
    if (ich9 && !ich9.info.address && space.free(0, 0x1b)) place(ich9.info, pci(0, 0x1b, 0));
    if (usb0.some((c) => c.model === "ich9-ehci1") && space.free(0, 0x1d)) {
      placeUsbSet(usb0, 0, 0x1d, place);
    }
  }
  space.use(pci(0, 0, 0));

  const devices = pciDevices(def).filter((x) =>
    x.set ? x.set.some((c) => !c.info.address) : !x.info.address
  );

  if (!q35) {
    for (const x of devices) {
      const slot = space.nextSlot(0);
      if (slot < 0) throw unsupported("No more available PCI slots");
      if (x.set) placeUsbSet(x.set, 0, slot, place);
      else place(x.info, pci(0, slot, 0));
    }
    return finishAddresses(def);
  }

  // q35: PCIe endpoints on root ports, conventional PCI behind a pcie-to-pci-bridge.
  for (const x of devices) {
    if (!x.set) continue;
    const s = space.nextSlot(0);
    if (s < 0) throw unsupported("No more available PCI slots");
    placeUsbSet(x.set, 0, s, place);
  }
  const legacy = devices.filter((x) => !x.pcie && !x.set);
  let bridge = d.controllers.find((c) => c.type === "pci" && c.model === "pcie-to-pci-bridge");
  const ports = () => d.controllers.filter((c) => c.type === "pci" && c.model === "pcie-root-port");
  const portTaken = (c: ControllerDef) => !space.fnFree(c.index, 0, 0);
  let needed = devices.filter((x) => x.pcie).length + (legacy.length > 0 && !bridge ? 1 : 0);
  const freePorts = ports().filter((c) => !portTaken(c)).length;
  let add = Math.max(0, needed - freePorts);
  if (add > 0) add++; // one spare for hotplug
  const nextIndex = () =>
    Math.max(...d.controllers.filter((c) => c.type === "pci").map((c) => c.index)) + 1;
  for (let i = 0; i < add; i++) {
    insertController(def, newController("pci", nextIndex(), "pcie-root-port"));
  }
  if (legacy.length > 0 && !bridge) {
    bridge = newController("pci", nextIndex(), "pcie-to-pci-bridge");
    insertController(def, bridge);
    devices.unshift({ info: bridge.info, pcie: true });
    needed--;
  }
  // Root ports without an address, eight to a slot.
  let slot = -1;
  let fn = 8;
  const group: DeviceInfo[] = [];
  for (const c of ports()) {
    if (!c.info.address) {
      if (fn >= 8 || !space.fnFree(0, slot, fn)) {
        slot = space.nextSlot(0);
        if (slot < 0) throw unsupported("No more available PCI slots");
        fn = 0;
        if (group.length > 1) {
          group[0]!.address = { ...(group[0]!.address as PciAddr), multifunction: "on" };
        }
        group.length = 0;
      }
      place(c.info, pci(0, slot, fn++));
      group.push(c.info);
    }
  }
  if (group.length > 1) {
    group[0]!.address = { ...(group[0]!.address as PciAddr), multifunction: "on" };
  }
  for (const c of d.controllers) {
    if (c.type === "pci" && c.index > 0) {
      c.modelName ??= c.model === "pcie-root-port" ? "pcie-root-port" : c.model;
      if (c.model === "pcie-root-port") {
        const a = c.info.address as PciAddr | null;
        c.target ??= a
          ? { chassis: String(c.index), port: `0x${((a.slot << 3) | a.function).toString(16)}` }
          : null;
      }
      if (c.model === "pcie-to-pci-bridge" && c.modelName === "pcie-to-pci-bridge") {
        c.modelName = "pcie-pci-bridge";
      }
    }
  }
  for (const x of devices) {
    if (x.info.address) continue;
    if (x.pcie) {
      const port = ports().find((c) => !portTaken(c));
      if (!port) throw unsupported("No more available PCI slots");
      place(x.info, pci(port.index, 0, 0));
    } else {
      const s = space.nextSlot(bridge!.index);
      if (s < 0) throw unsupported("No more available PCI slots");
      place(x.info, pci(bridge!.index, s, 0));
    }
  }
  finishAddresses(def);
}

/** An ich9 EHCI controller and its UHCI companions share one slot: EHCI at 7, UHCI 1–3 at 0–2. */
function placeUsbSet(
  set: ControllerDef[],
  bus: number,
  slot: number,
  place: (info: DeviceInfo, a: PciAddr) => void,
): void {
  for (const c of set) {
    if (c.info.address) continue;
    const fn = c.model === "ich9-ehci1" ? 7 : Number(c.model!.slice(-1)) - 1;
    place(c.info, pci(bus, slot, fn, fn === 0 ? "on" : null));
  }
}

/** USB ports of the first USB bus (libvirt's order: inputs, then redirected devices). */
function usbPorts(def: DomainDef): number {
  const c = def.devices.controllers.find((x) =>
    x.type === "usb" && x.index === 0 && x.info.masterStartport === null
  );
  if (!c || c.model === "none") return 0;
  if (c.attrs["ports"]) return Number(c.attrs["ports"]);
  switch (c.model) {
    case "piix3-uhci":
      return 2;
    case "ich9-ehci1":
      return 6;
    case "nec-xhci":
      return 4;
    default:
      return 15;
  }
}

function finishAddresses(def: DomainDef): void {
  const d = def.devices;
  // USB
  const usbInfos: DeviceInfo[] = [
    ...d.inputs.filter((i) => i.bus === "usb").map((i) => i.info),
    ...d.redirdevs.map((r) => r.info),
  ];
  const max = usbPorts(def);
  const used = new Set<string>();
  for (const i of usbInfos) {
    if (i.address?.type === "usb") used.add(String(i.address.port));
  }
  let port = 1;
  for (const i of usbInfos) {
    if (i.address) continue;
    if (max === 0) {
      throw unsupported("cannot add a USB device: USB is disabled for this domain");
    }
    while (used.has(String(port))) port++;
    if (port > max) throw unsupported("No free USB ports");
    i.address = { type: "usb", bus: 0, port: String(port) };
    used.add(String(port++));
  }
  // virtio-serial: port 0 of each controller is kept for a console.
  const vsUsed = new Map<number, Set<number>>();
  for (const ch of d.channels) {
    const a = ch.info.address;
    if (a?.type === "virtio-serial" && a.port !== null) {
      const s = vsUsed.get(a.controller) ?? new Set();
      s.add(a.port);
      vsUsed.set(a.controller, s);
    }
  }
  for (const ch of d.channels) {
    if (ch.targetType !== "virtio") continue;
    const a = ch.info.address;
    if (a && a.type === "virtio-serial" && a.port !== null) continue;
    const controller = a?.type === "virtio-serial" ? a.controller : 0;
    const s = vsUsed.get(controller) ?? new Set();
    let p = 1;
    while (s.has(p)) p++;
    if (p > 30) throw unsupported("Unable to find a free virtio-serial port");
    s.add(p);
    vsUsed.set(controller, s);
    ch.info.address = { type: "virtio-serial", controller, bus: 0, port: p };
  }
}
