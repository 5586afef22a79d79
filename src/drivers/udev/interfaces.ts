/**
 * The host's network interfaces as libvirt 9.0's udev interface backend
 * (interface_backend_udev.c) reports them to qemu:///system clients: every
 * net device except bridge ports and tap devices, active when its operstate
 * is "up", described read-only (ethernet, bridge with its members, bond,
 * vlan) with MTU, link state and speed, and MAC. Defining, starting and
 * stopping host interfaces is netcf's business, which libvirt's udev backend
 * leaves unsupported too.
 *
 * @module
 */

import type {
  InterfaceBondDef,
  InterfaceDef,
  InterfaceLinkState,
  InterfaceType,
} from "../../conf/interface_xml.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_MULTIPLE_INTERFACES,
  VIR_ERR_NO_INTERFACE,
  VIR_FROM_INTERFACE,
} from "../../rpc/error_codes.ts";
import {
  deviceBySysname,
  enumerateDevices,
  hasAttr,
  listDir,
  readAttr,
  type SysDevice,
  type SysRoot,
} from "./sysfs.ts";

/** One listed interface: what virGetInterface needs and its state. */
export interface HostInterface {
  name: string;
  mac: string;
  /** operstate as sysfs says it ("up", "down", "unknown", …). */
  operstate: string | null;
}

const LINK_STATES: readonly InterfaceLinkState[] = [
  "unknown",
  "notpresent",
  "down",
  "lowerlayerdown",
  "testing",
  "dormant",
  "up",
];

const BOND_MODES: readonly NonNullable<InterfaceBondDef["mode"]>[] = [
  "balance-rr",
  "active-backup",
  "balance-xor",
  "broadcast",
  "802.3ad",
  "balance-tlb",
  "balance-alb",
];

const BOND_VALIDATE: readonly InterfaceBondDef["validate"][] = [null, "active", "backup", "all"];

function internal(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_INTERFACE, detail);
}

function noSuchName(name: string): VirError {
  return VirError.of(
    VIR_ERR_NO_INTERFACE,
    VIR_FROM_INTERFACE,
    `couldn't find interface named '${name}'`,
  );
}

/** udevGetDevices(…, ALL): net devices that are neither bridge ports nor taps. */
function listed(root: SysRoot): SysDevice[] {
  return enumerateDevices(root, ["net"]).filter((d) =>
    d.subsystem === "net" && !hasAttr(d.syspath, "brport/state") &&
    !hasAttr(d.syspath, "tun_flags")
  );
}

function summary(d: SysDevice): HostInterface {
  return {
    name: d.sysname,
    mac: readAttr(d.syspath, "address") ?? "",
    operstate: readAttr(d.syspath, "operstate"),
  };
}

/** Every listed interface in udev's order (by syspath). */
export function hostInterfaces(root: SysRoot): HostInterface[] {
  return listed(root).map(summary);
}

/** udevInterfaceLookupByName: any net device of that name (a bridge port too). */
export function interfaceByName(root: SysRoot, name: string): HostInterface {
  const d = deviceBySysname(root, "net", name);
  if (!d) throw noSuchName(name);
  return summary(d);
}

/** udevInterfaceLookupByMACString: exactly one listed interface with that address. */
export function interfaceByMAC(root: SysRoot, mac: string): HostInterface {
  const found = listed(root).filter((d) => readAttr(d.syspath, "address") === mac);
  if (found.length === 0) {
    throw VirError.of(
      VIR_ERR_NO_INTERFACE,
      VIR_FROM_INTERFACE,
      `couldn't find interface with MAC address '${mac}'`,
    );
  }
  if (found.length > 1) {
    throw VirError.of(
      VIR_ERR_MULTIPLE_INTERFACES,
      VIR_FROM_INTERFACE,
      `the MAC address '${mac}' matches multiple interfaces`,
    );
  }
  return summary(found[0]!);
}

/**
 * virNetDevGetLinkInfo: the operstate, and the speed only for a link that is
 * up (drivers report misleading speeds otherwise); an unreadable speed is 0.
 */
export function linkInfo(dir: string): { state: InterfaceLinkState | null; speed: number } {
  const op = readAttr(dir, "operstate");
  if (op === null) return { state: null, speed: 0 };
  const state = LINK_STATES.find((s) => s === op);
  if (!state) throw internal(`Unable to convert '${op}' to interface state`);
  if (state !== "up") return { state, speed: 0 };
  const raw = readAttr(dir, "speed");
  if (raw === null || !/^-?\d+$/.test(raw.trim())) return { state, speed: 0 };
  // virStrToLong_ui wraps a negative value ("-1": unknown) to unsigned.
  const speed = Number(BigInt.asUintN(32, BigInt(raw.trim())));
  return { state, speed };
}

function intAttr(dir: string, attr: string, name: string): number {
  const s = readAttr(dir, attr);
  if (s === null) throw internal(`Could not retrieve '${attr}' for '${name}'`);
  if (!/^-?\d+$/.test(s.trim())) throw internal(`Could not parse '${attr}' '${s}' for '${name}'`);
  return Number(s.trim());
}

/** "balance-rr 0" → 0: the number after the space. */
function numberAfterSpace(dir: string, attr: string, name: string): number {
  const s = readAttr(dir, attr);
  if (s === null) throw internal(`Could not retrieve '${attr}' for '${name}'`);
  const m = / (\d+)/.exec(s);
  if (!m) throw internal(`Invalid format for '${attr}' for '${name}'`);
  return Number(m[1]);
}

function bondOf(root: SysRoot, d: SysDevice, name: string): InterfaceBondDef {
  const dir = d.syspath;
  const downdelay = intAttr(dir, "bonding/downdelay", name);
  const updelay = intAttr(dir, "bonding/updelay", name);
  const frequency = intAttr(dir, "bonding/miimon", name);
  const interval = intAttr(dir, "bonding/arp_interval", name);
  const mode = BOND_MODES[numberAfterSpace(dir, "bonding/mode", name)] ?? null;
  const validate = BOND_VALIDATE[numberAfterSpace(dir, "bonding/arp_validate", name)] ?? null;
  const carrier = intAttr(dir, "bonding/use_carrier", name) === 0 ? "ioctl" : "netif";
  const target = readAttr(dir, "bonding/arp_ip_target");
  if (target === null) throw internal(`Could not retrieve 'bonding/arp_ip_target' for '${name}'`);
  const interfaces = listDir(dir).filter((e) => e.startsWith("slave_")).map((e) =>
    interfaceDef(root, e.slice("slave_".length))
  );
  return {
    mode,
    monitor: interval > 0 ? "arpmon" : frequency > 0 ? "miimon" : null,
    frequency,
    downdelay,
    updelay,
    carrier,
    interval,
    target,
    validate,
    interfaces,
  };
}

/** The VID and real device of a VLAN, from /proc/net/vlan/NAME. */
function vlanOf(name: string): { tag: string; device: string } {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/net/vlan/${name}`);
  } catch (e) {
    throw internal(`Failed to open file '/proc/net/vlan/${name}': ${(e as Error).message}`);
  }
  const vid = /VID: (\d+)\s/.exec(text);
  if (!vid) throw internal(`failed to find the VID for the VLAN device '${name}'`);
  const dev = /\nDevice: ([^\n]+)/.exec(text.slice(vid.index));
  if (!dev) throw internal(`failed to find the real device for the VLAN device '${name}'`);
  return { tag: vid[1]!, device: dev[1]! };
}

/** udevGetIfaceDef: the interface's definition, members included. */
export function interfaceDef(root: SysRoot, name: string): InterfaceDef {
  const d = deviceBySysname(root, "net", name);
  if (!d) throw noSuchName(name);
  const link = linkInfo(d.syspath);
  const mtuText = readAttr(d.syspath, "mtu");
  if (mtuText === null || !/^\d+$/.test(mtuText.trim())) {
    throw internal(`Could not parse MTU value '${mtuText ?? "<null>"}'`);
  }
  const devtype = d.props.get("DEVTYPE");
  let type: InterfaceType = "ethernet";
  if (devtype === "vlan") type = "vlan";
  else if (devtype === "bridge") type = "bridge";
  else if (devtype === "bond") type = "bond";
  if (type === "ethernet") {
    if (name.includes(".")) type = "vlan";
    if (hasAttr(d.syspath, "bonding/mode")) type = "bond";
  }
  const def: InterfaceDef = {
    name,
    type,
    mac: readAttr(d.syspath, "address"),
    startMode: null,
    mtu: Number(mtuText.trim()),
    protocols: [],
    linkSpeed: link.speed,
    linkState: link.state,
    bridge: null,
    bond: null,
    vlan: null,
  };
  if (type === "bridge") {
    const delay = readAttr(d.syspath, "bridge/forward_delay");
    if (delay === null) throw internal(`Could not retrieve 'bridge/forward_delay' for '${name}'`);
    const stp = intAttr(d.syspath, "bridge/stp_state", name);
    if (stp < -1 || stp > 1) {
      throw internal(
        `Invalid STP state value ${stp} received for '${name}'. Must be -1, 0, or 1.`,
      );
    }
    // Guests' taps (vnetN) are left out of a bridge's members.
    const members = listDir(`${d.syspath}/brif`).filter((m) => !/^vnet\d/.test(m));
    def.bridge = {
      stp: stp === -1 ? null : stp === 1,
      delay,
      interfaces: members.map((m) => interfaceDef(root, m)),
    };
  } else if (type === "bond") {
    def.bond = bondOf(root, d, name);
  } else if (type === "vlan") {
    def.vlan = vlanOf(name);
  }
  return def;
}
