/**
 * A domain's network interfaces on the host (libvirt's qemu_interface.c and
 * the network driver's port allocation): before QEMU starts, each interface
 * of type network, bridge or ethernet gets a tap the daemon creates —
 * `vnetN` unless <target dev> names one — with the guest's MAC (first byte
 * 0xfe), the bridge's MTU, plugged into its bridge and up; an interface on a
 * network takes a port of it. QEMU opens the tap by name (libvirt passes
 * file descriptors). When the domain stops, the taps go and the ports are
 * released. Also the -netdev/-device arguments of an interface.
 *
 * @module
 */

import type { DomainDef, NetDef } from "../../conf/domain_xml.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_SYSTEM_ERROR,
  VIR_FROM_NETWORK,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import { generateUUID } from "../../util/uuid.ts";
import { findNetworkByName, withNetJob } from "../network/driver.ts";
import type { HostStep, LinkInfo } from "../network/host.ts";
import type { NetConn, NetworkDirectory } from "../network/state.ts";
import { networkStatusPath } from "../network/state.ts";
import { formatNetworkXML } from "../../conf/network_xml.ts";
import { writeDurable } from "./files.ts";
import { bandwidthOf, bandwidthSteps } from "./bandwidth.ts";
import { attr, child, children, parseXml, path, type XmlElement } from "../../util/xml.ts";

export const NIC_MODELS: Record<string, string> = {
  virtio: "virtio-net-pci",
  e1000: "e1000",
  rtl8139: "rtl8139",
  e1000e: "e1000e",
};

/** Interface types whose traffic goes through a tap the daemon makes. */
export const TAP_TYPES = ["network", "bridge", "ethernet"];

function unsupported(what: string): VirError {
  return VirError.of(VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_QEMU, what);
}

/**
 * The -netdev of an interface: user-mode networking, or the tap the daemon
 * made, opened by name (libvirt hands QEMU the tap's file descriptor).
 */
export function netdevProps(n: NetDef, id: string): Record<string, unknown> {
  if (n.type === "user") return { type: "user", id };
  if (!n.targetDev) throw unsupported(`interface ${n.mac} has no tap`);
  return { type: "tap", ifname: n.targetDev, script: "no", downscript: "no", id };
}

/** What is refused before anything is made: what this driver cannot do with an interface. */
export function checkInterface(n: NetDef): void {
  if (n.type !== "user" && !TAP_TYPES.includes(n.type)) {
    throw unsupported(
      `interface type '${n.type}' (only network, bridge, ethernet and user are supported)`,
    );
  }
  if (!NIC_MODELS[n.model ?? "rtl8139"]) throw unsupported(`interface model '${n.model}'`);
  for (
    const [what, v] of [
      ["<virtualport>", n.virtualport],
      ["<vlan>", n.vlan],
      ["<filterref>", n.filterref],
    ] as const
  ) {
    if (v) throw unsupported(`${what} on interface ${n.mac}`);
  }
  bandwidthOf(n);
}

/** The tap's MAC: the guest's with 0xfe first, so the bridge never takes the guest's address. */
function tapMac(mac: string): string {
  return "fe" + mac.slice(2);
}

function hostLinks(c: NetConn): LinkInfo[] {
  return (c.io("net.links", {}) as { links: LinkInfo[] }).links;
}

/** A device that is not there, as virNetDevGetMTU reports it. */
function noDevice(dev: string): VirError {
  return new VirError({
    code: VIR_ERR_SYSTEM_ERROR,
    domain: VIR_FROM_QEMU,
    str1: "%s",
    str2: `Cannot get interface MTU on '${dev}': No such device`,
    int1: 19,
  });
}

/** Which bridge an interface's tap goes on (null: none), and the network port it takes. */
function bridgeOf(
  d: NetworkDirectory,
  n: NetDef,
): { bridge: string | null; network: string | null } {
  if (n.type === "bridge") return { bridge: n.source.bridge ?? null, network: null };
  if (n.type !== "network") return { bridge: null, network: null };
  const name = n.source.network ?? "";
  const net = findNetworkByName(d, name);
  if (!net.active) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_NETWORK,
      `network '${name}' is not active`,
    );
  }
  if (!net.def.bridge) {
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_NETWORK,
      `unsupported configuration: network '${name}' uses forward mode '${net.def.forward.mode}' without a bridge, which denovirt does not support`,
    );
  }
  return { bridge: net.def.bridge, network: name };
}

/** Writes a running network's status (its ports changed). Caller holds the instance lock. */
function saveNetworkStatus(d: NetworkDirectory, name: string): void {
  const n = d.networks.find((x) => x.def.name === name);
  if (!n || !n.active) return;
  writeDurable(
    networkStatusPath(d.stateDir, name),
    JSON.stringify({
      xml: formatNetworkXML(n.def, { inactive: false }),
      persistentXml: n.newDef ? formatNetworkXML(n.newDef, { inactive: true }) : null,
      dnsmasqPid: n.dnsmasqPid,
      ports: n.ports,
    }),
  );
}

/**
 * Makes the taps of `nets` (changed in place: target dev, alias, the port
 * and bridge of a network interface) for domain `owner`. On failure what was
 * made is undone and libvirt's error thrown.
 */
export function plugInterfaces(
  c: NetConn,
  owner: { name: string; uuid: string },
  nets: NetDef[],
  taken: string[] = [],
): void {
  nets.forEach(checkInterface);
  if (!nets.some((n) => TAP_TYPES.includes(n.type))) return;
  withNetJob(c, "qemuInterfaceStart", () => {
    const links = hostLinks(c);
    const made: NetDef[] = [];
    try {
      for (const n of nets) {
        if (!TAP_TYPES.includes(n.type)) continue;
        const { bridge, network } = c.dir((d) => bridgeOf(d, n));
        const br = bridge ? links.find((l) => l.ifname === bridge) : null;
        if (bridge && !br) throw noDevice(bridge);
        if (!n.targetDev) {
          n.targetDev = c.dir((d, save) => {
            let name: string;
            do name = `vnet${d.nextTap++}`; while (
              links.some((l) => l.ifname === name) || taken.includes(name)
            );
            save();
            return name;
          });
        }
        const dev = n.targetDev;
        const mtu = n.mtu ?? br?.mtu ?? null;
        const steps: HostStep[] = [
          {
            cmd: "ip",
            args: ["tuntap", "add", "dev", dev, "mode", "tap"],
            error: `Unable to create tap device ${dev}`,
            undo: [{ cmd: "ip", args: ["link", "del", dev], ignoreFailure: true }],
          },
          { cmd: "ip", args: ["link", "set", "dev", dev, "address", tapMac(n.mac)] },
        ];
        if (mtu) steps.push({ cmd: "ip", args: ["link", "set", "dev", dev, "mtu", String(mtu)] });
        if (bridge) {
          steps.push({
            cmd: "ip",
            args: ["link", "set", "dev", dev, "master", bridge],
            error: `Unable to add bridge ${bridge} port ${dev}`,
          });
        }
        steps.push({ cmd: "ip", args: ["link", "set", "dev", dev, "up"] });
        // A tap on a bridge sees the guest's traffic from the other side.
        const bw = bandwidthOf(n);
        if (bw) steps.push(...bandwidthSteps(dev, bw, n.type !== "ethernet"));
        c.io("net.run", { steps });
        made.push(n);
        if (network) {
          const port = generateUUID();
          c.dir((d, save) => {
            const net = findNetworkByName(d, network);
            net.ports.push({
              uuid: port,
              ownerName: owner.name,
              ownerUUID: owner.uuid,
              mac: n.mac,
              dev,
            });
            saveNetworkStatus(d, network);
            save();
          });
          n.source = { ...n.source, portid: port, bridge: bridge! };
        } else if (n.type === "bridge") n.source = { ...n.source };
      }
    } catch (e) {
      unplugInterfaces(c, made);
      throw e;
    }
  });
}

/** Removes the taps of `nets` and releases their network ports (each may be gone already). */
export function unplugInterfaces(c: NetConn, nets: NetDef[]): void {
  const taps = nets.filter((n) => TAP_TYPES.includes(n.type) && n.targetDev);
  if (taps.length === 0) return;
  withNetJob(c, "qemuInterfaceStop", () => {
    c.io("net.run", {
      steps: taps.map((n) => ({
        cmd: "ip",
        args: ["link", "del", n.targetDev!],
        ignoreFailure: true,
      })),
    });
    c.dir((d, save) => {
      for (const n of taps) {
        const network = n.type === "network" ? n.source.network : undefined;
        const net = network ? d.networks.find((x) => x.def.name === network) : undefined;
        if (!net) continue;
        const before = net.ports.length;
        net.ports = net.ports.filter((p) =>
          p.uuid !== n.source.portid && !(p.mac === n.mac && p.dev === n.targetDev)
        );
        if (net.ports.length !== before) saveNetworkStatus(d, net.def.name);
      }
      save();
    });
  });
}

/** Names the interfaces of a starting domain as its command line does (alias netN). */
export function nameInterfaces(def: DomainDef): void {
  def.devices.interfaces.forEach((n, i) => (n.info.alias ??= `net${i}`));
}

/** Tells QEMU each interface whose link is down (libvirt's qemuProcessSetLinkStates). */
export function applyLinkStates(c: NetConn, uuid: string, def: DomainDef): void {
  for (const n of def.devices.interfaces) {
    if (n.linkState === "down" && n.info.alias) {
      c.io("qemu.qmp", { uuid, cmd: "set_link", args: { name: n.info.alias, up: false } });
    }
  }
}

/**
 * What a running domain's status XML says of its interfaces that the domain
 * parser leaves out, in interface order: the taps (it drops generated names,
 * vnetN, as libvirt does for an inactive definition) and the bridge a
 * network's port is on (libvirt keeps it in the status XML's actual network).
 * A restarted daemon must know both.
 */
export function restoreTapNames(def: DomainDef, statusXml: string): void {
  const devices = path(parseXml(statusXml), "devices");
  const els = devices ? children(devices, "interface") : [];
  def.devices.interfaces.forEach((n, i) => {
    const el = els[i];
    if (!el) return;
    const dev = attrOf(child(el, "target"), "dev");
    if (dev && !n.targetDev) n.targetDev = dev;
    const bridge = attrOf(child(el, "source"), "bridge");
    if (n.type === "network" && bridge) n.source.bridge = bridge;
  });
}

function attrOf(el: XmlElement | undefined, name: string): string | undefined {
  return el ? attr(el, name) : undefined;
}
