/**
 * libvirt 9.0's network driver (src/network/bridge_driver.c) on qemu:///
 * connections: networks defined in `qemu_config_dir/networks` (autostart
 * links beside), started as real bridges with dnsmasq and firewall rules in
 * the daemon's network namespace, their status in `qemu_state_dir/network`
 * so a restarted daemon adopts them; lifecycle events; virNetworkUpdate;
 * DHCP leases from dnsmasq; network ports as guests' interfaces plug in.
 *
 * @module
 */

import type { CallContext } from "../../dispatch/context.ts";
import { type HandlerEntry, handlersWith } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { REMOTE_PROGRAM_DEF } from "../../protocol/remote.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NETWORK,
  VIR_ERR_NO_NETWORK_PORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_TIMEOUT,
  VIR_ERR_XML_DETAIL,
  VIR_FROM_NETWORK,
} from "../../rpc/error_codes.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import { generateMAC } from "../../util/mac.ts";
import {
  formatNetworkXML,
  type NetworkDef,
  networkDefUpdate,
  parseNetworkXML,
  VIR_NETWORK_SECTION_DNS_HOST,
  VIR_NETWORK_SECTION_DNS_SRV,
  VIR_NETWORK_SECTION_DNS_TXT,
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_SECTION_IP_DHCP_RANGE,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
} from "../../conf/network_xml.ts";
import { deregisterAny, registerAny, type RegistryAccess } from "../callbacks.ts";
import { removeDurable, writeDurable } from "../qemu/files.ts";
import { log } from "../../log.ts";
import { alive } from "../qemu/proc.ts";
import { bridgeDownPlan, bridgeUpPlan, checkRouteCollision, isVirtual } from "./bridge.ts";
import {
  addnHostsFile,
  dnsmasqArgs,
  dnsmasqConf,
  dnsmasqPaths,
  hostsFile,
  needsDnsmasq,
  parseLeases,
} from "./dnsmasq.ts";
import type { HostStep, LinkInfo } from "./host.ts";
import {
  dnsmasqDir,
  type NetConn,
  networkAutostartPath,
  networkConfigPath,
  type NetworkDirectory,
  type NetworkObj,
  networkRunDir,
  networksDir,
  networkStatusPath,
  VIR_NETWORK_EVENT_DEFINED,
  VIR_NETWORK_EVENT_STARTED,
  VIR_NETWORK_EVENT_STOPPED,
  VIR_NETWORK_EVENT_UNDEFINED,
} from "./state.ts";

const logger = log("network");

const VIR_CONNECT_LIST_NETWORKS_INACTIVE = 1 << 0;
const VIR_CONNECT_LIST_NETWORKS_ACTIVE = 1 << 1;
const VIR_CONNECT_LIST_NETWORKS_PERSISTENT = 1 << 2;
const VIR_CONNECT_LIST_NETWORKS_TRANSIENT = 1 << 3;
const VIR_CONNECT_LIST_NETWORKS_AUTOSTART = 1 << 4;
const VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART = 1 << 5;
const VIR_NETWORK_XML_INACTIVE = 1;
const VIR_NETWORK_DEFINE_VALIDATE = 1;
const VIR_NETWORK_CREATE_VALIDATE = 1;
/** VIR_NETWORK_EVENT_ID_LAST in libvirt 9.0 (only LIFECYCLE). */
const VIR_NETWORK_EVENT_ID_LAST = 1;
const REMOTE_NETWORK_LIST_MAX = 16384;
/** The bridge name template and how far libvirt counts (networkFindUnusedBridgeName). */
const BRIDGE_TEMPLATE = "virbr%d";
const MAX_BRIDGE_ID = 256;

/** libvirt's `default` network (src/network/default.xml.in), defined on a first start. */
export const DEFAULT_NETWORK_XML = `<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;

interface WireNet {
  name: string;
  uuid: Uint8Array;
}

const wire = (n: { name: string; uuid: string }): WireNet => ({
  name: n.name,
  uuid: uuidFromString(n.uuid)!,
});

function checkFlags(fn: string, flags: number, allowed: number): void {
  checkFlagsIn(VIR_FROM_NETWORK, fn, flags, allowed);
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// ---- Finding networks ---------------------------------------------------------------------------

function noNetwork(detail: string): VirError {
  return VirError.of(VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, detail);
}

/** The network a handle names (by UUID, as networkObjFromNetwork). */
function byHandle(d: NetworkDirectory, net: WireNet): NetworkObj {
  const uuid = uuidToString(net.uuid);
  const n = d.networks.find((x) => x.def.uuid === uuid);
  if (!n) throw noNetwork(`no network with matching uuid '${uuid}' (${net.name})`);
  return n;
}

export function findNetworkByName(d: NetworkDirectory, name: string): NetworkObj {
  const n = d.networks.find((x) => x.def.name === name);
  if (!n) throw noNetwork(`no network with matching name '${name}'`);
  return n;
}

const notActive = (name: string) =>
  VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, `network '${name}' is not active`);

// ---- The network job ----------------------------------------------------------------------------

/**
 * Runs `fn` holding the network job: state changes that do host work (start,
 * destroy, update, plugging a guest) go one at a time, without the instance
 * lock across their I/O. A job whose holder died is free; a nested call runs.
 */
export function withNetJob<T>(c: NetConn, owner: string, fn: () => T): T {
  const me = c.store.threadId;
  const waitMs = c.dir((d) => d.jobWaitMs);
  const deadline = Date.now() + waitMs;
  let nested = false;
  for (;;) {
    const held = c.dir((d, save) => {
      const j = d.netJob;
      if (j && j.thread === me && c.store.deaths(me) === j.deaths) {
        nested = true;
        return null;
      }
      if (j && c.store.deaths(j.thread) === j.deaths) return j.owner;
      d.netJob = { owner, thread: me, deaths: c.store.deaths(me) };
      save();
      return null;
    });
    if (held === null) break;
    if (Date.now() >= deadline) {
      throw VirError.of(
        VIR_ERR_OPERATION_TIMEOUT,
        VIR_FROM_NETWORK,
        `cannot acquire state change lock (held by ${held})`,
      );
    }
    pause(20);
  }
  try {
    return fn();
  } finally {
    if (!nested) {
      c.dir((d, save) => {
        d.netJob = null;
        save();
      });
    }
  }
}

// ---- Files --------------------------------------------------------------------------------------

/** Whether a network's files hold its persistent definition and autostart link. */
function saveConfig(d: NetworkDirectory, def: NetworkDef): void {
  writeDurable(networkConfigPath(d.configDir, def.name), formatNetworkXML(def, { inactive: true }));
}

function setAutostartLink(d: NetworkDirectory, name: string, on: boolean): void {
  const link = networkAutostartPath(d.configDir, name);
  if (!on) return removeDurable(link);
  Deno.mkdirSync(`${networksDir(d.configDir)}/autostart`, { recursive: true, mode: 0o700 });
  try {
    Deno.removeSync(link);
  } catch {
    // Not there.
  }
  Deno.symlinkSync(`../${name}.xml`, link);
}

/** What a running network's status file holds (libvirt's /run/libvirt/network/NAME.xml). */
interface NetworkStatus {
  xml: string;
  persistentXml: string | null;
  dnsmasqPid: number;
  ports: NetworkObj["ports"];
}

function saveStatus(d: NetworkDirectory, n: NetworkObj): void {
  const st: NetworkStatus = {
    xml: formatNetworkXML(n.def, { inactive: false }),
    persistentXml: n.newDef ? formatNetworkXML(n.newDef, { inactive: true }) : null,
    dnsmasqPid: n.dnsmasqPid,
    ports: n.ports,
  };
  writeDurable(networkStatusPath(d.stateDir, n.def.name), JSON.stringify(st));
}

function dnsmasqFiles(d: NetworkDirectory, name: string) {
  return dnsmasqPaths(dnsmasqDir(d.stateDir), networkRunDir(d.stateDir), name);
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Not there.
  }
}

// ---- Definitions ------------------------------------------------------------------------------

/** The host's network devices (virNetDevExists), through the event loop. */
function hostLinks(c: NetConn): LinkInfo[] {
  return (c.io("net.links", {}) as { links: LinkInfo[] }).links;
}

/** Whether another network has (or will have) this bridge (virNetworkObjBridgeInUse). */
function bridgeInUse(d: NetworkDirectory, bridge: string, skip: string): boolean {
  return d.networks.some((n) =>
    n.def.name !== skip && (n.def.bridge === bridge || n.newDef?.bridge === bridge)
  );
}

/**
 * What the bridge driver checks and fills in of a new definition
 * (networkValidate): a bridge name for the virtual modes (virbrN, the first
 * free one), a MAC address for the bridge.
 */
function completeDef(d: NetworkDirectory, def: NetworkDef, links: LinkInfo[]): void {
  if (isVirtual(def)) {
    if (def.bridge && !def.bridge.includes("%d")) {
      if (bridgeInUse(d, def.bridge, def.name)) {
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_NETWORK,
          `bridge name '${def.bridge}' already in use.`,
        );
      }
    } else {
      const template = def.bridge ?? BRIDGE_TEMPLATE;
      let found: string | null = null;
      // The bridge a network of the same name already has is kept.
      const same = d.networks.find((n) => n.def.name === def.name);
      if (same?.def.bridge && !def.bridge) found = same.def.bridge;
      for (let id = 0; found === null && id <= MAX_BRIDGE_ID; id++) {
        const name = template.replace("%d", String(id));
        if (!bridgeInUse(d, name, def.name) && !links.some((l) => l.ifname === name)) {
          found = name;
        }
      }
      if (found === null) {
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_NETWORK,
          `Bridge generation exceeded max id ${MAX_BRIDGE_ID}`,
        );
      }
      def.bridge = found;
    }
    if (!def.mac) {
      const same = d.networks.find((n) => n.def.name === def.name);
      def.mac = same?.def.mac ?? generateMAC();
    }
  }
  if (def.forward.mode === "bridge" && !def.bridge && def.forward.ifs.length === 0) {
    throw VirError.of(
      VIR_ERR_XML_DETAIL,
      VIR_FROM_NETWORK,
      `network '${def.name}' has forward mode 'bridge'  but no forward dev and no bridge name specified`,
    );
  }
}

/**
 * virNetworkObjAssignDef for the bridge driver: a new network, or a new
 * definition of the one of the same name and UUID (live or persistent).
 */
function assignDef(
  d: NetworkDirectory,
  def: NetworkDef,
  live: boolean,
): NetworkObj {
  const sameUuid = d.networks.find((n) => n.def.uuid === def.uuid);
  if (sameUuid) {
    if (sameUuid.def.name !== def.name) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_NETWORK,
        `network '${sameUuid.def.name}' is already defined with uuid ${sameUuid.def.uuid}`,
      );
    }
    if (live && sameUuid.active) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_NETWORK,
        `network is already active as '${sameUuid.def.name}'`,
      );
    }
    if (live) {
      if (sameUuid.persistent && !sameUuid.newDef) sameUuid.newDef = sameUuid.def;
      sameUuid.def = def;
    } else {
      if (sameUuid.active) sameUuid.newDef = def;
      else sameUuid.def = def;
      sameUuid.persistent = true;
    }
    return sameUuid;
  }
  const sameName = d.networks.find((n) => n.def.name === def.name);
  if (sameName) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_NETWORK,
      `network '${def.name}' already exists with uuid ${sameName.def.uuid}`,
    );
  }
  const n: NetworkObj = {
    def,
    newDef: null,
    active: false,
    persistent: !live,
    autostart: false,
    dnsmasqPid: 0,
    ports: [],
  };
  d.networks.push(n);
  return n;
}

function defineXML(c: NetConn, xml: string, flags: number): { net: WireNet } {
  checkFlags("networkDefineXMLFlags", flags, VIR_NETWORK_DEFINE_VALIDATE);
  const def = parseNetworkXML(xml);
  const links = hostLinks(c);
  return withNetJob(c, "networkDefineXML", () =>
    c.dir((d, save) => {
      completeDef(d, def, links);
      const existed = d.networks.some((n) => n.def.uuid === def.uuid);
      saveConfig(d, def);
      const n = assignDef(d, def, false);
      save();
      c.emitNetwork(n.def, VIR_NETWORK_EVENT_DEFINED);
      logger.debug("network {name} defined ({how})", {
        name: def.name,
        how: existed ? "updated" : "new",
      });
      return { net: wire(def) };
    }));
}

function createXML(c: NetConn, xml: string, flags: number): { net: WireNet } {
  checkFlags("networkCreateXMLFlags", flags, VIR_NETWORK_CREATE_VALIDATE);
  const def = parseNetworkXML(xml);
  const links = hostLinks(c);
  return withNetJob(c, "networkCreateXML", () => {
    c.dir((d, save) => {
      completeDef(d, def, links);
      assignDef(d, def, true);
      save();
    });
    try {
      startNetwork(c, def.name);
    } catch (e) {
      // A transient network that did not start does not stay.
      c.dir((d, save) => {
        d.networks = d.networks.filter((n) => !(n.def.uuid === def.uuid && !n.persistent));
        save();
      });
      throw e;
    }
    return { net: wire(def) };
  });
}

// ---- Starting and stopping ----------------------------------------------------------------------

/** virNetworkDefCopy: a round trip through XML. */
function copyDef(def: NetworkDef, inactive: boolean): NetworkDef {
  return parseNetworkXML(formatNetworkXML(def, { inactive }));
}

function unsupportedMode(def: NetworkDef): VirError {
  return VirError.of(
    VIR_ERR_CONFIG_UNSUPPORTED,
    VIR_FROM_NETWORK,
    `unsupported configuration: forward mode '${def.forward.mode}' of network '${def.name}' is not supported by denovirt`,
  );
}

/** Starts dnsmasq for a running network's definition; answers its pid (0: not needed). */
function startDnsmasq(c: NetConn, d: NetworkDirectory, def: NetworkDef): number {
  if (!needsDnsmasq(def)) return 0;
  const paths = dnsmasqFiles(d, def.name);
  const conf = dnsmasqConf(def, paths);
  // dnsmasq drops to `nobody`: its directories must be open to it.
  for (const dir of [dnsmasqDir(d.stateDir), networkRunDir(d.stateDir)]) {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.chmodSync(dir, 0o755);
  }
  Deno.writeTextFileSync(paths.conf, conf, { mode: 0o600 });
  Deno.writeTextFileSync(paths.hostsfile, hostsFile(def), { mode: 0o644 });
  Deno.writeTextFileSync(paths.addnhosts, addnHostsFile(def), { mode: 0o644 });
  removeQuietly(paths.pidfile);
  c.io("net.run", {
    steps: [
      {
        cmd: "dnsmasq",
        args: dnsmasqArgs(paths),
        error: `failed to start dnsmasq for network '${def.name}'`,
      } satisfies HostStep,
    ],
  });
  // dnsmasq's leader waits for its daemon to write the pid file before it exits.
  const text = Deno.readTextFileSync(paths.pidfile).trim();
  return Number(text) || 0;
}

function stopDnsmasq(c: NetConn, pid: number): void {
  if (pid > 0) c.io("net.signal", { pid, signal: "SIGTERM" });
}

/** What starting adds to a running network's definition: the NAT port range in use. */
export function fillLiveDefinition(def: NetworkDef): void {
  if (def.forward.mode === "nat" && !def.forward.natPortStart && !def.forward.natPortEnd) {
    def.forward.natPortStart = 1024;
    def.forward.natPortEnd = 65535;
  }
}

/** networkStartNetwork: the host side, then the network is active. Caller holds the job. */
export function startNetwork(c: NetConn, name: string): void {
  const { def, d } = c.dir((d) => {
    const n = findNetworkByName(d, name);
    if (n.active) {
      throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, "network is already active");
    }
    return { def: copyDef(n.def, false), d: { ...d, networks: [] } as NetworkDirectory };
  });
  fillLiveDefinition(def);
  if (def.bandwidth || def.portGroups.some((pg) => pg.bandwidth)) {
    // The network's QoS classes on its bridge (virNetDevBandwidthSet with floors) are not built.
    throw VirError.of(
      VIR_ERR_CONFIG_UNSUPPORTED,
      VIR_FROM_NETWORK,
      `unsupported configuration: <bandwidth> of network '${def.name}' is not supported by denovirt`,
    );
  }
  let dnsmasqPid = 0;
  if (isVirtual(def)) {
    if (def.macTableManager === "libvirt") throw unsupportedMode(def);
    const routes = (c.io("net.routes", {}) as { routes: { dst: string; dev?: string }[] }).routes;
    checkRouteCollision(def, routes);
    c.io("net.run", { steps: bridgeUpPlan(def) });
    try {
      dnsmasqPid = startDnsmasq(c, d, def);
    } catch (e) {
      c.io("net.run", { steps: bridgeDownPlan(def) });
      throw e;
    }
  } else if (def.forward.mode !== "bridge") {
    throw unsupportedMode(def);
  }
  c.dir((x, save) => {
    const n = findNetworkByName(x, name);
    if (n.persistent && !n.newDef) n.newDef = n.def;
    n.def = def;
    n.active = true;
    n.dnsmasqPid = dnsmasqPid;
    n.ports = [];
    saveStatus(x, n);
    save();
  });
  c.emitNetwork(def, VIR_NETWORK_EVENT_STARTED);
  logger.info("network {name} started on {bridge}", { name, bridge: def.bridge });
}

/** networkShutdownNetwork: dnsmasq, rules and bridge go; a transient network goes too. */
export function stopNetwork(c: NetConn, name: string): void {
  const { n, d } = c.dir((d) => {
    const n = findNetworkByName(d, name);
    if (!n.active) throw notActive(name);
    return { n: structuredClone(n), d: { ...d, networks: [] } as NetworkDirectory };
  });
  stopDnsmasq(c, n.dnsmasqPid);
  if (isVirtual(n.def)) c.io("net.run", { steps: bridgeDownPlan(n.def) });
  removeQuietly(networkStatusPath(d.stateDir, name));
  c.dir((x, save) => {
    const cur = findNetworkByName(x, name);
    cur.active = false;
    cur.dnsmasqPid = 0;
    cur.ports = [];
    if (cur.newDef) {
      cur.def = cur.newDef;
      cur.newDef = null;
    }
    if (!cur.persistent) {
      x.networks = x.networks.filter((y) => y !== cur);
      removeDnsmasqFiles(x, name);
    }
    save();
  });
  c.emitNetwork(n.def, VIR_NETWORK_EVENT_STOPPED);
}

function removeDnsmasqFiles(d: NetworkDirectory, name: string): void {
  const p = dnsmasqFiles(d, name);
  for (const f of [p.conf, p.hostsfile, p.addnhosts, p.leases]) removeQuietly(f);
}

// ---- virNetworkUpdate -----------------------------------------------------------------------

/** Sections whose live change dnsmasq takes by SIGHUP (hosts files); others need a restart. */
const HUP_SECTIONS = [
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_SECTION_DNS_HOST,
];
const RESTART_SECTIONS = [
  VIR_NETWORK_SECTION_IP_DHCP_RANGE,
  VIR_NETWORK_SECTION_DNS_TXT,
  VIR_NETWORK_SECTION_DNS_SRV,
];

function update(
  c: NetConn,
  a: {
    net: WireNet;
    command: number;
    section: number;
    parentIndex: number;
    xml: string;
    flags: number;
  },
): void {
  const both = VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  checkFlags("networkUpdate", a.flags, both);
  withNetJob(c, "networkUpdate", () => {
    const { n, d } = c.dir((d) => ({
      n: structuredClone(byHandle(d, a.net)),
      d: { ...d, networks: [] } as NetworkDirectory,
    }));
    let flags = a.flags;
    if ((flags & both) === 0) {
      flags |= n.active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    }
    if (!n.active && (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE)) {
      throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, "network is not running");
    }
    if ((flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) && !n.persistent) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_NETWORK,
        "cannot change persistent config of a transient network",
      );
    }
    const live = flags & VIR_NETWORK_UPDATE_AFFECT_LIVE
      ? networkDefUpdate(copyDef(n.def, false), a.command, a.section, a.parentIndex, a.xml)
      : null;
    const config = flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG
      ? networkDefUpdate(
        copyDef(n.newDef ?? n.def, true),
        a.command,
        a.section,
        a.parentIndex,
        a.xml,
      )
      : null;
    if (config) saveConfig(d, config);
    let pid = n.dnsmasqPid;
    if (live && isVirtual(live)) {
      const paths = dnsmasqFiles(d, live.name);
      if (HUP_SECTIONS.includes(a.section) && pid > 0) {
        Deno.writeTextFileSync(paths.hostsfile, hostsFile(live));
        Deno.writeTextFileSync(paths.addnhosts, addnHostsFile(live));
        c.io("net.signal", { pid, signal: "SIGHUP" });
      } else if (HUP_SECTIONS.includes(a.section) || RESTART_SECTIONS.includes(a.section)) {
        stopDnsmasq(c, pid);
        pid = startDnsmasq(c, d, live);
      }
    }
    c.dir((x, save) => {
      const cur = byHandle(x, a.net);
      if (config) {
        if (cur.active) cur.newDef = config;
        else cur.def = config;
      }
      if (live) {
        cur.def = live;
        cur.dnsmasqPid = pid;
        saveStatus(x, cur);
      }
      save();
    });
  });
}

// ---- Leases -------------------------------------------------------------------------------------

function leases(
  c: NetConn,
  a: { net: WireNet; mac: string | null; need_results: number; flags: number },
) {
  checkFlags("networkGetDHCPLeases", a.flags, 0);
  const { def, leasesPath } = c.dir((d) => {
    const n = byHandle(d, a.net);
    return { def: n.def, leasesPath: dnsmasqFiles(d, n.def.name).leases };
  });
  let text = "";
  try {
    text = Deno.readTextFileSync(leasesPath);
  } catch {
    // No lease yet.
  }
  const mac = a.mac?.toLowerCase() ?? null;
  const list = parseLeases(text, def)
    .filter((l) => mac === null || l.mac?.toLowerCase() === mac)
    .map((l) => ({
      iface: def.bridge ?? "",
      expirytime: BigInt(l.expirytime),
      type: l.type,
      mac: l.mac,
      iaid: l.iaid,
      ipaddr: l.ipaddr,
      prefix: l.prefix,
      hostname: l.hostname,
      clientid: l.clientid,
    }));
  return { leases: a.need_results ? list : [], ret: list.length };
}

/** The leases of every network for one MAC (domifaddr --source lease). */
export function leasesForMac(
  d: NetworkDirectory,
  network: string,
  mac: string,
): ReturnType<typeof parseLeases> {
  const n = d.networks.find((x) => x.def.name === network);
  if (!n || !n.active) return [];
  let text = "";
  try {
    text = Deno.readTextFileSync(dnsmasqFiles(d, network).leases);
  } catch {
    return [];
  }
  return parseLeases(text, n.def).filter((l) => l.mac?.toLowerCase() === mac.toLowerCase());
}

// ---- Lists ------------------------------------------------------------------------------------

function matches(n: NetworkObj, flags: number): boolean {
  const pair = (a: number, b: number, v: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && v) || ((flags & b) !== 0 && !v);
  return pair(VIR_CONNECT_LIST_NETWORKS_ACTIVE, VIR_CONNECT_LIST_NETWORKS_INACTIVE, n.active) &&
    pair(
      VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
      VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
      n.persistent,
    ) &&
    pair(
      VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
      VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART,
      n.autostart,
    );
}

function names(c: NetConn, active: boolean, maxnames: number): string[] {
  if (maxnames > REMOTE_NETWORK_LIST_MAX) {
    throw VirError.rpc("maxnames > REMOTE_NETWORK_LIST_MAX");
  }
  return c.dir((d) =>
    d.networks.filter((n) => n.active === active).map((n) => n.def.name).slice(
      0,
      Math.max(0, maxnames),
    )
  );
}

// ---- Ports ------------------------------------------------------------------------------------

function portXML(net: NetworkObj, p: NetworkObj["ports"][number]): string {
  const bridge = net.def.bridge ?? "";
  // A virtual network's port plugs into its own bridge; a bridge-mode one into a host bridge.
  const type = isVirtual(net.def) ? "network" : "bridge";
  return `<networkport>
  <uuid>${p.uuid}</uuid>
  <owner>
    <name>${p.ownerName}</name>
    <uuid>${p.ownerUUID}</uuid>
  </owner>
  <mac address='${p.mac}'/>
  <plug type='${type}' bridge='${bridge}'/>
</networkport>
`;
}

function findPort(d: NetworkDirectory, net: WireNet, uuid: Uint8Array) {
  const n = byHandle(d, net);
  const u = uuidToString(uuid);
  const p = n.ports.find((x) => x.uuid === u);
  if (!p) {
    throw VirError.of(
      VIR_ERR_NO_NETWORK_PORT,
      VIR_FROM_NETWORK,
      `network port with uuid ${u} not found`,
    );
  }
  return { n, p };
}

// ---- Procedures -------------------------------------------------------------------------------

/** The network procedures, over a driver's connection type. */
export function networkHandlers(connOf: (ctx: CallContext) => NetConn): HandlerEntry[] {
  const on = handlersWith(REMOTE_PROGRAM_DEF, connOf);
  return [
    on(
      P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
      (c, a) => c.dir((d) => ({ net: wire(findNetworkByName(d, a.name).def) })),
    ),
    on(P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, (c, a) => {
      const uuid = uuidToString(a.uuid);
      return c.dir((d) => {
        const n = d.networks.find((x) => x.def.uuid === uuid);
        if (!n) throw noNetwork(`no network with matching uuid '${uuid}'`);
        return { net: wire(n.def) };
      });
    }),
    on(P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, (c) => ({
      num: c.dir((d) => d.networks.filter((n) => n.active).length),
    })),
    on(P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS, (c) => ({
      num: c.dir((d) => d.networks.filter((n) => !n.active).length),
    })),
    on(P.REMOTE_PROC_CONNECT_LIST_NETWORKS, (c, a) => ({ names: names(c, true, a.maxnames) })),
    on(
      P.REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS,
      (c, a) => ({ names: names(c, false, a.maxnames) }),
    ),
    on(P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, (c, a) => {
      checkFlags("networkConnectListAllNetworks", a.flags, 0x3f);
      return c.dir((d) => {
        const nets = d.networks.filter((n) => matches(n, a.flags)).map((n) => wire(n.def));
        return { nets: a.need_results ? nets : [], ret: nets.length };
      });
    }),
    on(P.REMOTE_PROC_NETWORK_DEFINE_XML, (c, a) => defineXML(c, a.xml, 0)),
    on(P.REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS, (c, a) => defineXML(c, a.xml, a.flags)),
    on(P.REMOTE_PROC_NETWORK_CREATE_XML, (c, a) => createXML(c, a.xml, 0)),
    on(P.REMOTE_PROC_NETWORK_CREATE_XML_FLAGS, (c, a) => createXML(c, a.xml, a.flags)),
    on(P.REMOTE_PROC_NETWORK_CREATE, (c, a) =>
      withNetJob(c, "networkCreate", () => {
        const name = c.dir((d) => byHandle(d, a.net).def.name);
        startNetwork(c, name);
      })),
    on(P.REMOTE_PROC_NETWORK_DESTROY, (c, a) =>
      withNetJob(c, "networkDestroy", () => {
        const name = c.dir((d) => byHandle(d, a.net).def.name);
        stopNetwork(c, name);
      })),
    on(
      P.REMOTE_PROC_NETWORK_UNDEFINE,
      (c, a) =>
        withNetJob(c, "networkUndefine", () =>
          c.dir((d, save) => {
            const n = byHandle(d, a.net);
            if (!n.persistent) {
              throw VirError.of(
                VIR_ERR_OPERATION_INVALID,
                VIR_FROM_NETWORK,
                "can't undefine transient network",
              );
            }
            removeDurable(networkConfigPath(d.configDir, n.def.name));
            removeDurable(networkAutostartPath(d.configDir, n.def.name));
            c.emitNetwork(n.def, VIR_NETWORK_EVENT_UNDEFINED);
            if (n.active) {
              // A running network becomes transient (virNetworkObjUpdateAssignDef).
              n.persistent = false;
              n.autostart = false;
              n.newDef = null;
              saveStatus(d, n);
            } else {
              d.networks = d.networks.filter((x) => x !== n);
              removeDnsmasqFiles(d, n.def.name);
            }
            save();
          })),
    ),
    on(P.REMOTE_PROC_NETWORK_UPDATE, (c, a) => update(c, a)),
    on(P.REMOTE_PROC_NETWORK_GET_XML_DESC, (c, a) => {
      checkFlags("networkGetXMLDesc", a.flags, VIR_NETWORK_XML_INACTIVE);
      return c.dir((d) => {
        const n = byHandle(d, a.net);
        const inactive = (a.flags & VIR_NETWORK_XML_INACTIVE) !== 0;
        const def = inactive && n.newDef ? n.newDef : n.def;
        const out = { ...def, connections: n.active ? n.ports.length : 0 };
        return { xml: formatNetworkXML(out, { inactive }) };
      });
    }),
    on(P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, (c, a) =>
      c.dir((d) => {
        const n = byHandle(d, a.net);
        if (!n.def.bridge) {
          throw VirError.of(
            VIR_ERR_INTERNAL_ERROR,
            VIR_FROM_NETWORK,
            `network '${n.def.name}' does not have a bridge name.`,
          );
        }
        return { name: n.def.bridge };
      })),
    on(
      P.REMOTE_PROC_NETWORK_GET_AUTOSTART,
      (c, a) => c.dir((d) => ({ autostart: byHandle(d, a.net).autostart ? 1 : 0 })),
    ),
    on(P.REMOTE_PROC_NETWORK_SET_AUTOSTART, (c, a) =>
      c.dir((d, save) => {
        const n = byHandle(d, a.net);
        if (!n.persistent) {
          throw VirError.of(
            VIR_ERR_OPERATION_INVALID,
            VIR_FROM_NETWORK,
            "cannot set autostart for transient network",
          );
        }
        const on = a.autostart !== 0;
        if (on !== n.autostart) setAutostartLink(d, n.def.name, on);
        n.autostart = on;
        save();
      })),
    on(
      P.REMOTE_PROC_NETWORK_IS_ACTIVE,
      (c, a) => c.dir((d) => ({ active: byHandle(d, a.net).active ? 1 : 0 })),
    ),
    on(
      P.REMOTE_PROC_NETWORK_IS_PERSISTENT,
      (c, a) => c.dir((d) => ({ persistent: byHandle(d, a.net).persistent ? 1 : 0 })),
    ),
    on(P.REMOTE_PROC_NETWORK_GET_DHCP_LEASES, (c, a) => leases(c, a)),
    on(P.REMOTE_PROC_NETWORK_LIST_ALL_PORTS, (c, a) => {
      checkFlags("networkListAllPorts", a.flags, 0);
      return c.dir((d) => {
        const n = byHandle(d, a.network);
        const ports = n.ports.map((p) => ({ net: wire(n.def), uuid: uuidFromString(p.uuid)! }));
        return { ports: a.need_results ? ports : [], ret: ports.length };
      });
    }),
    on(P.REMOTE_PROC_NETWORK_PORT_LOOKUP_BY_UUID, (c, a) =>
      c.dir((d) => {
        const { n, p } = findPort(d, a.network, a.uuid);
        return { port: { net: wire(n.def), uuid: uuidFromString(p.uuid)! } };
      })),
    on(P.REMOTE_PROC_NETWORK_PORT_GET_XML_DESC, (c, a) => {
      checkFlags("networkPortGetXMLDesc", a.flags, 0);
      return c.dir((d) => {
        const { n, p } = findPort(d, a.port.net, a.port.uuid);
        return { xml: portXML(n, p) };
      });
    }),
    on(P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, (c, a) => ({
      callbackID: registerAny(
        c as unknown as RegistryAccess,
        "network",
        a.eventID,
        VIR_NETWORK_EVENT_ID_LAST,
        "network",
        a.net ? uuidToString(a.net.uuid) : null,
      ),
    })),
    on(P.REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, (c, a) => {
      deregisterAny(c as unknown as RegistryAccess, "network", a.callbackID, "network");
    }),
  ];
}

// ---- Start-up ---------------------------------------------------------------------------------

/**
 * Start-up (networkStateInitialize): the definitions, the `default` network
 * on a first start (no networks directory yet), running networks adopted from
 * their status files — a network whose bridge is gone is shut off, a dead
 * dnsmasq restarted, the firewall rules put back — then autostart.
 */
export function initNetworks(c: NetConn): void {
  const { configDir, stateDir } = c.dir((d) => ({ configDir: d.configDir, stateDir: d.stateDir }));
  const dir = networksDir(configDir);
  let first = false;
  try {
    Deno.statSync(dir);
  } catch {
    first = true;
  }
  if (first) {
    try {
      const def = parseNetworkXML(DEFAULT_NETWORK_XML);
      c.dir((d, save) => {
        completeDef(d, def, []);
        saveConfig(d, def);
        assignDef(d, def, false);
        save();
      });
    } catch (e) {
      logger.error("cannot define the default network: {error}", { error: e });
    }
  }
  loadNetworkConfigs(c);
  const links = hostLinks(c);
  const statuses = c.dir((d) =>
    d.networks.map((n) => n.def.name).map((name) => {
      try {
        return {
          name,
          st: JSON.parse(
            Deno.readTextFileSync(networkStatusPath(stateDir, name)),
          ) as NetworkStatus,
        };
      } catch {
        return null;
      }
    }).filter((x) => x !== null)
  );
  // Transient running networks have only their status file.
  try {
    for (const e of Deno.readDirSync(networkRunDir(stateDir))) {
      if (!e.name.endsWith(".status")) continue;
      const name = e.name.slice(0, -7);
      if (statuses.some((s) => s.name === name)) continue;
      try {
        const st = JSON.parse(
          Deno.readTextFileSync(`${networkRunDir(stateDir)}/${e.name}`),
        ) as NetworkStatus;
        c.dir((d, save) => {
          const def = parseNetworkXML(st.xml);
          assignDef(d, def, true);
          save();
        });
        statuses.push({ name, st });
      } catch {
        // A torn status file: ignore it.
      }
    }
  } catch {
    // No status directory yet.
  }
  for (const { name, st } of statuses) adoptNetwork(c, name, st, links);
  const auto = c.dir((d) =>
    d.networks.filter((n) => n.autostart && !n.active).map((n) => n.def.name)
  );
  for (const name of auto) {
    try {
      withNetJob(c, "networkAutostart", () => startNetwork(c, name));
    } catch (e) {
      logger.error("autostart of network {name} failed: {error}", { name, error: e });
    }
  }
}

function adoptNetwork(c: NetConn, name: string, st: NetworkStatus, links: LinkInfo[]): void {
  const live = parseNetworkXML(st.xml);
  const stateDir = c.dir((d) => d.stateDir);
  if (isVirtual(live) && !links.some((l) => l.ifname === live.bridge)) {
    logger.info("network {name} lost its bridge while the daemon was down", { name });
    removeQuietly(networkStatusPath(stateDir, name));
    if (st.dnsmasqPid > 0) c.io("net.signal", { pid: st.dnsmasqPid, signal: "SIGTERM" });
    c.dir((d, save) => {
      const n = d.networks.find((x) => x.def.name === name);
      if (n && !n.persistent) d.networks = d.networks.filter((x) => x !== n);
      save();
    });
    return;
  }
  let pid = alive(st.dnsmasqPid) ? st.dnsmasqPid : 0;
  if (isVirtual(live)) {
    // The rules may have been flushed meanwhile: put back what is missing.
    try {
      c.io("net.run", {
        steps: bridgeUpPlan(live).filter((s) => s.cmd.startsWith("ip") && s.cmd !== "ip")
          .map((s) => ({
            ...s,
            undo: [],
            unless: s.args.includes("-I")
              ? { cmd: s.cmd, args: s.args.map((x) => (x === "-I" ? "-C" : x)) }
              : s.unless,
          })),
      });
    } catch (e) {
      logger.warn("cannot restore the firewall rules of {name}: {error}", { name, error: e });
    }
    if (pid === 0 && needsDnsmasq(live)) {
      try {
        const d = c.dir((x) => ({ ...x, networks: [] }) as NetworkDirectory);
        pid = startDnsmasq(c, d, live);
      } catch (e) {
        logger.error("cannot restart dnsmasq of {name}: {error}", { name, error: e });
      }
    }
  }
  c.dir((d, save) => {
    const n = d.networks.find((x) => x.def.name === name);
    if (!n) return;
    if (n.persistent) n.newDef = n.def;
    n.def = live;
    n.active = true;
    n.dnsmasqPid = pid;
    n.ports = st.ports ?? [];
    saveStatus(d, n);
    save();
  });
  logger.info("adopted running network {name}", { name });
}

/** Reads the persistent definitions (start-up and SIGHUP); known networks stay as they are. */
export function loadNetworkConfigs(c: NetConn): void {
  const configDir = c.dir((d) => d.configDir);
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(networksDir(configDir))];
  } catch {
    return;
  }
  for (
    const e of entries.filter((x) => x.isFile && x.name.endsWith(".xml")).sort((a, b) =>
      a.name.localeCompare(b.name)
    )
  ) {
    try {
      const def = parseNetworkXML(Deno.readTextFileSync(`${networksDir(configDir)}/${e.name}`));
      let autostart = false;
      try {
        Deno.statSync(networkAutostartPath(configDir, def.name));
        autostart = true;
      } catch {
        // No link.
      }
      c.dir((d, save) => {
        if (d.networks.some((n) => n.def.name === def.name || n.def.uuid === def.uuid)) return;
        const n = assignDef(d, def, false);
        n.autostart = autostart;
        save();
      });
    } catch (err) {
      logger.error("cannot load network definition {file}: {error}", {
        file: e.name,
        error: err,
      });
    }
  }
}
