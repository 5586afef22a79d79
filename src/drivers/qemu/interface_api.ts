/**
 * What users do with a domain's interfaces (libvirt's qemu_driver.c and
 * qemu_hotplug.c for <interface>): domifaddr from the network's DHCP leases
 * or the host's ARP table, domifstat from the tap's counters, attach- and
 * detach-interface live (netdev_add/device_add, device_del) and in the
 * persistent definition, and domif-setlink (set_link) through
 * virDomainUpdateDeviceFlags.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_DEVICE_MISSING,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_HOSTNAME,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_DOMAIN,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import {
  type DomainDef,
  formatDomainXML,
  type NetDef,
  parseDeviceXML,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { leasesForMac } from "../network/driver.ts";
import { exclusiveFlags } from "../flags.ts";
import { agentUnavailable } from "./guest_agent.ts";
import { on, type QemuConn } from "./conn.ts";
import { affectedDefs, checkFlags, configXML, notRunning } from "./domain_common.ts";
import { configPath, writeDurable, writeStatus } from "./files.ts";
import { checkInterface, plugInterfaces, TAP_TYPES, unplugInterfaces } from "./interface.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE = 0;
const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1;
const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP = 2;
const VIR_IP_ADDR_TYPE_IPV4 = 0;
const TRANSIENT_DEVICE = "cannot modify device on transient domain";

const QEMU_NIC_DRIVERS: Record<string, string> = {
  virtio: "virtio-net-pci",
  e1000: "e1000",
  rtl8139: "rtl8139",
  e1000e: "e1000e",
};

/** Whether a device document is an <interface> (the disk code handles the rest). */
export function isInterfaceXML(xml: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?<interface[\s>]/.test(xml);
}

/** The interface a device document describes, read as the domain parser reads it. */
function parseNet(xml: string): NetDef {
  return parseDeviceXML(xml).interfaces[0]!;
}

/** Whether the document named this MAC (a parsed interface without one gets a random MAC). */
const namesMac = (xml: string) => /<mac\s[^>]*address=/.test(xml);

function saveStatus(stateDir: string, e: QemuDomainEntry, o: QemuDomainObj): void {
  writeStatus(stateDir, {
    uuid: e.uuid,
    name: e.name,
    id: o.id,
    pid: o.pid,
    monitor: o.monitor,
    xml: formatDomainXML(o.def, { id: o.id, active: true, flags: VIR_DOMAIN_XML_SECURE }),
    persistent: o.persistent,
    ...(o.diskNodes ? { diskNodes: o.diskNodes } : {}),
    ...(o.nextDiskNode !== undefined ? { nextDiskNode: o.nextDiskNode } : {}),
  });
}

/** virDomainNetFindIdx: the interface a document means (by MAC, else the only one). */
function findNet(def: DomainDef, want: NetDef, macGiven: boolean): number {
  const list = def.devices.interfaces;
  const hits = list.map((n, i) => ({ n, i })).filter(({ n }) =>
    macGiven ? n.mac === want.mac : true
  );
  if (hits.length === 0) {
    throw VirError.of(
      VIR_ERR_DEVICE_MISSING,
      VIR_FROM_DOMAIN,
      macGiven ? `no device matching MAC address ${want.mac} found` : "no device matching found",
    );
  }
  if (hits.length > 1) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_DOMAIN,
      macGiven
        ? `multiple devices matching MAC address ${want.mac} found`
        : "multiple matching devices found",
    );
  }
  return hits[0]!.i;
}

/** The lowest free netN alias of a running domain. */
function freeAlias(def: DomainDef): string {
  const used = new Set(def.devices.interfaces.map((n) => n.info.alias));
  let i = 0;
  while (used.has(`net${i}`)) i++;
  return `net${i}`;
}

function qmp(c: QemuConn, uuid: string, cmd: string, args: Record<string, unknown>): unknown {
  return c.io("qemu.qmp", { uuid, cmd, args });
}

export function attachInterface(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  checkFlags(
    "qemuDomainAttachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  const net = parseNet(xml);
  checkInterface(net);
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  c.job(ref, "remoteDispatchDomainAttachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    const clash = (def: DomainDef) => def.devices.interfaces.some((n) => n.mac === net.mac);
    if ((live && clash(o.def)) || (config && clash(o.newDef ?? o.def))) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_DOMAIN,
        `mac address ${net.mac} is already in use`,
      );
    }
    if (live) {
      const n: NetDef = structuredClone(net);
      n.info.alias = freeAlias(o.def);
      const taken = o.def.devices.interfaces.flatMap((x) => (x.targetDev ? [x.targetDev] : []));
      plugInterfaces(c, entry, [n], taken);
      const netdevId = `host${n.info.alias}`;
      try {
        qmp(
          c,
          entry.uuid,
          "netdev_add",
          n.type === "user"
            ? { type: "user", id: netdevId }
            : { type: "tap", id: netdevId, ifname: n.targetDev, script: "no", downscript: "no" },
        );
        try {
          const dev: Record<string, unknown> = {
            driver: QEMU_NIC_DRIVERS[n.model ?? "rtl8139"],
            netdev: netdevId,
            id: n.info.alias,
            mac: n.mac,
          };
          if (n.info.bootOrder !== null) dev.bootindex = n.info.bootOrder;
          qmp(c, entry.uuid, "device_add", dev);
        } catch (e) {
          qmp(c, entry.uuid, "netdev_del", { id: netdevId });
          throw e;
        }
        if (n.linkState === "down") {
          qmp(c, entry.uuid, "set_link", { name: n.info.alias, up: false });
        }
      } catch (e) {
        unplugInterfaces(c, [n]);
        throw e;
      }
      c.withObj(entry, (x, save) => {
        x.def.devices.interfaces.push(n);
        save();
        saveStatus(stateDir, entry, x);
      });
    }
    if (config) {
      c.withObj(entry, (x, save) => {
        const target = x.newDef ?? x.def;
        target.devices.interfaces.push(structuredClone(net));
        writeDurable(configPath(configDir, target.name), configXML(target));
        save();
      });
    }
  });
}

export function detachInterface(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  checkFlags(
    "qemuDomainDetachDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  const want = parseNet(xml);
  const macGiven = namesMac(xml);
  const configDir = c.dir((d) => d.configDir);
  c.job(ref, "remoteDispatchDomainDetachDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    if (config) findNet(o.newDef ?? o.def, want, macGiven);
    if (live) {
      const n = o.def.devices.interfaces[findNet(o.def, want, macGiven)]!;
      if (!n.info.alias) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          `interface ${n.mac} cannot be hot unplugged`,
        );
      }
      // The guest is asked to let go; QEMU's DEVICE_DELETED finishes the removal.
      qmp(c, entry.uuid, "device_del", { id: n.info.alias });
    }
    if (config) {
      c.withObj(entry, (x, save) => {
        const target = x.newDef ?? x.def;
        target.devices.interfaces.splice(findNet(target, want, macGiven), 1);
        writeDurable(configPath(configDir, target.name), configXML(target));
        save();
      });
    }
  });
}

/**
 * QEMU's DEVICE_DELETED for an interface: its netdev goes, its tap and port
 * are released, it leaves the live definition. Answers whether it was one.
 * Caller holds the job.
 */
export function interfaceDeleted(c: QemuConn, entry: QemuDomainEntry, alias: string): boolean {
  const stateDir = c.dir((d) => d.stateDir);
  const n = c.withObj(entry, (x) => x.def.devices.interfaces.find((y) => y.info.alias === alias));
  if (!n) return false;
  try {
    qmp(c, entry.uuid, "netdev_del", { id: `host${alias}` });
  } catch {
    // Gone with the device.
  }
  unplugInterfaces(c, [n]);
  c.withObj(entry, (x, save) => {
    x.def.devices.interfaces = x.def.devices.interfaces.filter((y) => y.info.alias !== alias);
    save();
    saveStatus(stateDir, entry, x);
  });
  return true;
}

/** virDomainUpdateDeviceFlags for an interface: its link state, live and persistent. */
export function updateInterface(c: QemuConn, ref: RemoteDomain, xml: string, flags: number): void {
  if (!isInterfaceXML(xml)) {
    const name = /^\s*<([A-Za-z]+)/.exec(xml)?.[1] ?? "?";
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      `device type '${name}' cannot be updated by this driver`,
    );
  }
  checkFlags(
    "qemuDomainUpdateDeviceFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4, // VIR_DOMAIN_DEVICE_MODIFY_FORCE
  );
  const want = parseNet(xml);
  const macGiven = namesMac(xml);
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  c.job(ref, "remoteDispatchDomainUpdateDeviceFlags", (entry) => {
    const o = c.withObj(entry, (x) => x);
    const { live, config } = affectedDefs(flags, o, TRANSIENT_DEVICE);
    const check = (def: DomainDef) => {
      const cur = def.devices.interfaces[findNet(def, want, macGiven)]!;
      if (cur.type !== want.type || (cur.model ?? null) !== (want.model ?? cur.model ?? null)) {
        throw VirError.of(
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_FROM_QEMU,
          "cannot modify network device configuration",
        );
      }
      return cur;
    };
    if (live) {
      const cur = check(o.def);
      if ((cur.linkState ?? "up") !== (want.linkState ?? "up") && cur.info.alias) {
        qmp(c, entry.uuid, "set_link", { name: cur.info.alias, up: want.linkState !== "down" });
      }
      c.withObj(entry, (x, save) => {
        const n = x.def.devices.interfaces[findNet(x.def, want, macGiven)]!;
        n.linkState = want.linkState;
        save();
        saveStatus(stateDir, entry, x);
      });
    }
    if (config) {
      check(o.newDef ?? o.def);
      c.withObj(entry, (x, save) => {
        const target = x.newDef ?? x.def;
        target.devices.interfaces[findNet(target, want, macGiven)]!.linkState = want.linkState;
        writeDurable(configPath(configDir, target.name), configXML(target));
        save();
      });
    }
  });
}

function addresses(c: QemuConn, ref: RemoteDomain, source: number, flags: number) {
  checkFlags("qemuDomainInterfaceAddresses", flags, 0);
  const o = c.withObj(c.entry(ref), (x) => x);
  if (o.pid === 0) throw notRunning();
  const nets = o.def.devices.interfaces;
  switch (source) {
    case VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE: {
      const out = [];
      for (const n of nets) {
        if (n.type !== "network") continue;
        const leases = c.dir((d) => leasesForMac(d, n.source.network ?? "", n.mac));
        if (leases.length === 0) continue;
        out.push({
          name: n.targetDev ?? "",
          hwaddr: n.mac,
          addrs: leases.map((l) => ({ type: l.type, addr: l.ipaddr, prefix: l.prefix })),
        });
      }
      return { ifaces: out };
    }
    case VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP: {
      const neigh = (c.io("net.neigh", {}) as { neigh: { dst: string; lladdr?: string }[] })
        .neigh;
      const out = [];
      for (const n of nets) {
        const hits = neigh.filter((e) => e.lladdr?.toLowerCase() === n.mac);
        if (hits.length === 0) continue;
        out.push({
          name: n.targetDev ?? "",
          hwaddr: n.mac,
          addrs: hits.map((h) => ({ type: VIR_IP_ADDR_TYPE_IPV4, addr: h.dst, prefix: 0 })),
        });
      }
      return { ifaces: out };
    }
    case VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT:
      throw VirError.of(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        VIR_FROM_QEMU,
        "QEMU guest agent is not configured",
      );
    default:
      throw VirError.of(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        VIR_FROM_QEMU,
        `Unknown IP address data source ${source}`,
      );
  }
}

function interfaceStats(c: QemuConn, ref: RemoteDomain, device: string) {
  const o = c.withObj(c.entry(ref), (x) => x);
  if (o.pid === 0) throw notRunning();
  const n = o.def.devices.interfaces.find((x) => x.targetDev === device || x.mac === device);
  if (!n) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `'${device}' is not a known interface`,
    );
  }
  if (!TAP_TYPES.includes(n.type) || !n.targetDev) {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      "interface statistics are not available for user-mode networking",
    );
  }
  return tapStats(c, n);
}

/** The guest-side counters of a NIC with a tap (virNetDevTapInterfaceStats). */
export function tapStats(c: QemuConn, n: NetDef) {
  const s = (c.io("net.stats", { dev: n.targetDev }) as { stats: Record<string, number> }).stats;
  // A tap's transmit is the guest's receive (virNetDevTapInterfaceStats, swapped).
  const swap = n.type !== "ethernet";
  const get = (k: string) => BigInt(s[k] ?? 0);
  const [rx, tx] = swap ? ["tx", "rx"] : ["rx", "tx"];
  return {
    rx_bytes: get(`${rx}_bytes`),
    rx_packets: get(`${rx}_packets`),
    rx_errs: get(`${rx}_errors`),
    rx_drop: get(`${rx}_dropped`),
    tx_bytes: get(`${tx}_bytes`),
    tx_packets: get(`${tx}_packets`),
    tx_errs: get(`${tx}_errors`),
    tx_drop: get(`${tx}_dropped`),
  };
}

/** VIR_DOMAIN_GET_HOSTNAME_LEASE and _AGENT. */
const HOSTNAME_LEASE = 1;
const HOSTNAME_AGENT = 2;

/**
 * virsh domhostname: the host name a guest's NIC on a virtual network asked
 * its DHCP lease under (the first such lease, as qemuDomainGetHostnameLease
 * looks), or the agent's answer, which denovirt cannot get.
 */
function hostname(c: QemuConn, ref: RemoteDomain, flags: number): { hostname: string } {
  exclusiveFlags("virDomainGetHostname", VIR_FROM_DOMAIN, flags, HOSTNAME_LEASE, HOSTNAME_AGENT, [
    "VIR_DOMAIN_GET_HOSTNAME_LEASE",
    "VIR_DOMAIN_GET_HOSTNAME_AGENT",
  ]);
  checkFlags("qemuDomainGetHostname", flags, HOSTNAME_LEASE | HOSTNAME_AGENT);
  const o = c.withObj(c.entry(ref), (x) => x);
  if (!(flags & HOSTNAME_LEASE)) throw agentUnavailable(o);
  if (o.pid === 0) throw notRunning();
  for (const n of o.def.devices.interfaces) {
    if (n.type !== "network") continue;
    const leases = c.dir((d) => leasesForMac(d, n.source.network ?? "", n.mac));
    const named = leases.find((l) => l.hostname);
    if (named?.hostname) return { hostname: named.hostname };
  }
  throw VirError.of(
    VIR_ERR_NO_HOSTNAME,
    VIR_FROM_QEMU,
    `no hostname found for domain ${o.def.name}`,
  );
}

export const interfaceHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_GET_HOSTNAME, (c, a) => hostname(c, a.dom, a.flags)),
  on(
    P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
    (c, a) => addresses(c, a.dom, a.source, a.flags),
  ),
  on(P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, (c, a) => interfaceStats(c, a.dom, a.device)),
];
