/**
 * The test driver's virtual networks (testNetworkDriver of libvirt 9.0's
 * test_driver.c with virnetworkobj.c's bookkeeping): lookups and lists,
 * define/create/undefine, start/destroy, virNetworkUpdate with its live and
 * persistent definitions, autostart, and network lifecycle events.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NETWORK,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_NETWORK,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import {
  formatNetworkXML,
  type NetworkDef,
  networkDefUpdate,
  parseNetworkXML,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
} from "../../conf/network_xml.ts";
import { FAMILY_EVENT_PROCS } from "../events.ts";
import { type ObjectAccess, on, type TestConn } from "./conn.ts";
import { checkFlags } from "./errors.ts";
import { deregisterAny, registerAny } from "../callbacks.ts";
import type { ActiveEntry, TestDirectory, TestFamily } from "./state.ts";
import { defaultTestNetwork } from "./defaults.ts";

/** One network (virNetworkObj): the running definition, the pending persistent one, its state. */
export interface NetworkObj {
  /** The current definition (the live one while active). */
  def: NetworkDef;
  /** The persistent definition saved aside while the network runs (libvirt's newDef). */
  newDef: NetworkDef | null;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

/** remote_nonnull_network. */
interface WireNet {
  name: string;
  uuid: Uint8Array;
}

// ---- Constants (libvirt-network.h) --------------------------------------------------------------
const VIR_CONNECT_LIST_NETWORKS_INACTIVE = 1 << 0;
const VIR_CONNECT_LIST_NETWORKS_ACTIVE = 1 << 1;
const VIR_CONNECT_LIST_NETWORKS_PERSISTENT = 1 << 2;
const VIR_CONNECT_LIST_NETWORKS_TRANSIENT = 1 << 3;
const VIR_CONNECT_LIST_NETWORKS_AUTOSTART = 1 << 4;
const VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART = 1 << 5;
const VIR_CONNECT_LIST_NETWORKS_FILTERS_ALL = 0x3f;
const VIR_NETWORK_DEFINE_VALIDATE = 1 << 0;
const VIR_NETWORK_CREATE_VALIDATE = 1 << 0;

/** virNetworkEventLifecycleType; every detail is 0. */
export const VIR_NETWORK_EVENT_DEFINED = 0;
export const VIR_NETWORK_EVENT_UNDEFINED = 1;
export const VIR_NETWORK_EVENT_STARTED = 2;
export const VIR_NETWORK_EVENT_STOPPED = 3;
/** VIR_NETWORK_EVENT_ID_LAST in libvirt 9.0: only LIFECYCLE (METADATA_CHANGE came in 9.8). */
const VIR_NETWORK_EVENT_ID_LAST = 1;

/** REMOTE_NETWORK_LIST_MAX of remote_protocol.x. */
const REMOTE_NETWORK_LIST_MAX = 16384;

// ---- Helpers ------------------------------------------------------------------------------------

function wire(e: { name: string; uuid: string }): WireNet {
  return { name: e.name, uuid: uuidFromString(e.uuid)! };
}

/**
 * The test driver's virNetworkUpdate of one definition: its flag check
 * (testNetworkUpdate), then virNetworkDefUpdateSection on a copy of `def`.
 */
export function networkUpdate(
  def: NetworkDef,
  command: number,
  section: number,
  parentIndex: number,
  xml: string,
  flags: number,
): NetworkDef {
  const allowed = VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  checkFlags("testNetworkUpdate", flags, allowed);
  return networkDefUpdate(def, command, section, parentIndex, xml);
}

function noNetworkByName(name: string): VirError {
  return VirError.of(VIR_ERR_NO_NETWORK, VIR_FROM_TEST, `no network with matching name '${name}'`);
}

function noNetworkByUUID(uuid: string): VirError {
  return VirError.of(VIR_ERR_NO_NETWORK, VIR_FROM_TEST, `no network with matching uuid '${uuid}'`);
}

/** virNetworkDefCopy: a format/parse round trip of a definition. */
function copyDef(def: NetworkDef, inactive: boolean): NetworkDef {
  return parseNetworkXML(formatNetworkXML(def, { inactive }));
}

/** Queues a network lifecycle event (detail 0) for the callbacks watching all networks or this one. */
function lifecycle(
  c: TestConn,
  d: TestDirectory,
  net: { name: string; uuid: string },
  event: number,
): void {
  const w = wire(net);
  c.emit(d, "network", 0, net.uuid, (callbackID) => ({
    proc: FAMILY_EVENT_PROCS.network[0]!,
    msg: { callbackID, net: w, event, detail: 0 },
  }));
}

/**
 * Finds a network by the name of the handle (testNetworkObjFindByName), locks it and runs `fn`.
 * With `{ dir: true }` the instance lock stays held (the directory may change).
 */
function byName<T>(
  c: TestConn,
  name: string,
  fn: (o: NetworkObj, a: ObjectAccess<ActiveEntry>) => T,
  opts: { dir?: boolean } = {},
): T {
  return c.object<NetworkObj, ActiveEntry, T>(
    (d) => d.networks,
    (d, l) => (d.networks = l),
    (e) => e.name === name,
    () => noNetworkByName(name),
    fn,
    opts,
  );
}

/** Finds a network by the UUID of the handle (testNetworkObjFindByUUID). */
function byUUID<T>(
  c: TestConn,
  uuidBytes: Uint8Array,
  fn: (o: NetworkObj, a: ObjectAccess<ActiveEntry>) => T,
  opts: { dir?: boolean } = {},
): T {
  const uuid = uuidToString(uuidBytes);
  return c.object<NetworkObj, ActiveEntry, T>(
    (d) => d.networks,
    (d, l) => (d.networks = l),
    (e) => e.uuid === uuid,
    () => noNetworkByUUID(uuid),
    fn,
    opts,
  );
}

function listMaxCheck(maxnames: number): void {
  if (maxnames > REMOTE_NETWORK_LIST_MAX) {
    throw VirError.rpc("maxnames > REMOTE_NETWORK_LIST_MAX");
  }
}

function names(c: TestConn, active: boolean, maxnames: number): string[] {
  listMaxCheck(maxnames);
  return c.dir((d) =>
    d.networks.filter((e) => e.active === active).map((e) => e.name).slice(0, Math.max(0, maxnames))
  );
}

function matches(o: NetworkObj, flags: number): boolean {
  const pair = (a: number, b: number, va: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && !va);
  return pair(VIR_CONNECT_LIST_NETWORKS_ACTIVE, VIR_CONNECT_LIST_NETWORKS_INACTIVE, o.active) &&
    pair(
      VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
      VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
      o.persistent,
    ) &&
    pair(
      VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
      VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART,
      o.autostart,
    );
}

/**
 * virNetworkObjAssignDef: adds a new network from `def`, or replaces the live (`live`) or
 * persistent definition of the network with the same UUID and name. `checkLive` refuses an
 * active one. Call inside `c.dir()`; the directory is changed in place (the caller saves it).
 */
function assignDef(
  c: TestConn,
  d: TestDirectory,
  def: NetworkDef,
  live: boolean,
  checkLive: boolean,
  afterwards: (o: NetworkObj) => void,
): ActiveEntry {
  const sameUuid = d.networks.find((e) => e.uuid === def.uuid);
  if (sameUuid) {
    using _ = c.store.objectLock(sameUuid.handle).lock();
    const o = c.store.readLocked<NetworkObj>(sameUuid.handle);
    if (o.def.name !== def.name) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_NETWORK,
        `network '${o.def.name}' is already defined with uuid ${o.def.uuid}`,
      );
    }
    if (checkLive && o.active) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_NETWORK,
        `network is already active as '${o.def.name}'`,
      );
    }
    // virNetworkObjUpdateAssignDef
    if (live) {
      if (o.persistent && !o.newDef) o.newDef = o.def;
      o.def = def;
    } else {
      if (o.active) {
        o.newDef = def;
      } else {
        o.newDef = null;
        o.def = def;
      }
      o.persistent = true;
    }
    afterwards(o);
    c.store.writeLocked(sameUuid.handle, o);
    sameUuid.active = o.active;
    sameUuid.persistent = o.persistent;
    return sameUuid;
  }
  const sameName = d.networks.find((e) => e.name === def.name);
  if (sameName) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_NETWORK,
      `network '${def.name}' already exists with uuid ${sameName.uuid}`,
    );
  }
  const o: NetworkObj = { def, newDef: null, active: false, persistent: !live, autostart: false };
  afterwards(o);
  const entry: ActiveEntry = {
    name: def.name,
    uuid: def.uuid,
    handle: c.create(o),
    active: o.active,
    persistent: o.persistent,
  };
  d.networks.push(entry);
  return entry;
}

function createXML(c: TestConn, xml: string, flags: number, func: string): { net: WireNet } {
  checkFlags(func, flags, VIR_NETWORK_CREATE_VALIDATE);
  const def = parseNetworkXML(xml);
  return c.dir((d, save) => {
    const entry = assignDef(c, d, def, true, true, (o) => (o.active = true));
    save();
    lifecycle(c, d, entry, VIR_NETWORK_EVENT_STARTED);
    return { net: wire(entry) };
  });
}

function defineXML(c: TestConn, xml: string, flags: number, func: string): { net: WireNet } {
  checkFlags(func, flags, VIR_NETWORK_DEFINE_VALIDATE);
  const def = parseNetworkXML(xml);
  return c.dir((d, save) => {
    const entry = assignDef(c, d, def, false, false, () => {});
    save();
    lifecycle(c, d, entry, VIR_NETWORK_EVENT_DEFINED);
    return { net: wire(entry) };
  });
}

/** testNetworkUpdate over virNetworkObjUpdate. */
function update(
  c: TestConn,
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
  checkFlags("testNetworkUpdate", a.flags, both);
  byUUID(c, a.net.uuid, (o, x) => {
    let flags = a.flags;
    // VIR_NETWORK_UPDATE_AFFECT_CURRENT: the live definition of an active network, else the config.
    if ((flags & both) === 0) {
      flags |= o.active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    }
    // virNetworkObjConfigChangeSetup
    if (!o.active && (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE)) {
      throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, "network is not running");
    }
    if (flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) {
      if (!o.persistent) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_NETWORK,
          "cannot change persistent config of a transient network",
        );
      }
      // virNetworkObjSetDefTransient: keeps the persistent copy apart even if the update fails.
      if (o.active && !o.newDef) {
        o.newDef = copyDef(o.def, true);
        x.save();
      }
    }
    let liveDef: NetworkDef | null = null;
    let configDef: NetworkDef | null = null;
    if (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE) {
      liveDef = networkUpdate(
        copyDef(o.def, false),
        a.command,
        a.section,
        a.parentIndex,
        a.xml,
        flags,
      );
    }
    if (flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) {
      configDef = networkUpdate(
        copyDef(o.newDef ?? o.def, true),
        a.command,
        a.section,
        a.parentIndex,
        a.xml,
        flags,
      );
    }
    if (configDef) {
      // virNetworkObjReplacePersistentDef
      if (o.active) o.newDef = configDef;
      else o.def = configDef;
    }
    if (liveDef) o.def = liveDef;
    x.save();
  });
}

// ---- Procedures ---------------------------------------------------------------------------------

const handlers: HandlerEntry[] = [
  // Lookups and lists
  on(P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, (c, a) =>
    c.dir((d) => {
      const e = d.networks.find((n) => n.name === a.name);
      if (!e) throw noNetworkByName(a.name);
      return { net: wire(e) };
    })),
  on(P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, (c, a) => {
    const uuid = uuidToString(a.uuid);
    return c.dir((d) => {
      const e = d.networks.find((n) => n.uuid === uuid);
      if (!e) throw noNetworkByUUID(uuid);
      return { net: wire(e) };
    });
  }),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS,
    (c) => ({ num: c.dir((d) => d.networks.filter((e) => e.active).length) }),
  ),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS,
    (c) => ({ num: c.dir((d) => d.networks.filter((e) => !e.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_NETWORKS, (c, a) => ({ names: names(c, true, a.maxnames) })),
  on(
    P.REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS,
    (c, a) => ({ names: names(c, false, a.maxnames) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, (c, a) => {
    checkFlags("testConnectListAllNetworks", a.flags, VIR_CONNECT_LIST_NETWORKS_FILTERS_ALL);
    return c.dir((d) => {
      const nets = c.readAll<NetworkObj, ActiveEntry>(d.networks)
        .filter(({ obj }) => matches(obj, a.flags))
        .map(({ entry }) => wire(entry));
      return { nets: a.need_results ? nets : [], ret: nets.length };
    });
  }),

  // Definition
  on(
    P.REMOTE_PROC_NETWORK_CREATE_XML,
    (c, a) => createXML(c, a.xml, 0, "testNetworkCreateXMLFlags"),
  ),
  on(
    P.REMOTE_PROC_NETWORK_CREATE_XML_FLAGS,
    (c, a) => createXML(c, a.xml, a.flags, "testNetworkCreateXMLFlags"),
  ),
  on(
    P.REMOTE_PROC_NETWORK_DEFINE_XML,
    (c, a) => defineXML(c, a.xml, 0, "testNetworkDefineXMLFlags"),
  ),
  on(
    P.REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS,
    (c, a) => defineXML(c, a.xml, a.flags, "testNetworkDefineXMLFlags"),
  ),
  on(P.REMOTE_PROC_NETWORK_UNDEFINE, (c, a) =>
    byName(c, a.net.name, (o, x) => {
      if (o.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          `Network '${a.net.name}' is still running`,
        );
      }
      // The event names the network as the caller's handle does.
      lifecycle(
        c,
        x.dir,
        { name: a.net.name, uuid: uuidToString(a.net.uuid) },
        VIR_NETWORK_EVENT_UNDEFINED,
      );
      x.remove();
    }, { dir: true })),
  on(P.REMOTE_PROC_NETWORK_UPDATE, (
    c,
    a,
  ) => update(c, a)),

  // Lifecycle
  on(P.REMOTE_PROC_NETWORK_CREATE, (c, a) =>
    byName(c, a.net.name, (o, x) => {
      if (o.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          `Network '${a.net.name}' is already running`,
        );
      }
      o.active = true;
      x.entry.active = true;
      x.save();
      x.saveDir();
      lifecycle(c, x.dir, o.def, VIR_NETWORK_EVENT_STARTED);
    }, { dir: true })),
  on(P.REMOTE_PROC_NETWORK_DESTROY, (c, a) =>
    byName(c, a.net.name, (o, x) => {
      o.active = false;
      x.entry.active = false;
      lifecycle(c, x.dir, o.def, VIR_NETWORK_EVENT_STOPPED);
      if (!o.persistent) {
        x.remove();
        return;
      }
      x.save();
      x.saveDir();
    }, { dir: true })),

  // Information
  on(P.REMOTE_PROC_NETWORK_GET_XML_DESC, (c, a) => {
    checkFlags("testNetworkGetXMLDesc", a.flags, 0);
    return byName(c, a.net.name, (o) => ({ xml: formatNetworkXML(o.def, { inactive: false }) }));
  }),
  on(P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, (c, a) =>
    byName(c, a.net.name, (o) => {
      if (!o.def.bridge) {
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_TEST,
          `network '${o.def.name}' does not have a bridge name.`,
        );
      }
      return { name: o.def.bridge };
    })),
  on(
    P.REMOTE_PROC_NETWORK_GET_AUTOSTART,
    (c, a) => byName(c, a.net.name, (o) => ({ autostart: o.autostart ? 1 : 0 })),
  ),
  on(P.REMOTE_PROC_NETWORK_SET_AUTOSTART, (c, a) =>
    byName(c, a.net.name, (o, x) => {
      o.autostart = a.autostart !== 0;
      x.save();
    })),
  on(
    P.REMOTE_PROC_NETWORK_IS_ACTIVE,
    (c, a) => byUUID(c, a.net.uuid, (o) => ({ active: o.active ? 1 : 0 })),
  ),
  on(
    P.REMOTE_PROC_NETWORK_IS_PERSISTENT,
    (c, a) => byUUID(c, a.net.uuid, (o) => ({ persistent: o.persistent ? 1 : 0 })),
  ),
  on(P.REMOTE_PROC_NETWORK_GET_DHCP_LEASES, () => {
    throw VirError.of(VIR_ERR_NO_SUPPORT, VIR_FROM_NETWORK, "virNetworkGetDHCPLeases");
  }),

  // Events
  on(P.REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, (c, a) => ({
    callbackID: registerAny(
      c,
      "network",
      a.eventID,
      VIR_NETWORK_EVENT_ID_LAST,
      "network",
      a.net ? uuidToString(a.net.uuid) : null,
    ),
  })),
  on(P.REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, (c, a) => {
    deregisterAny(c, "network", a.callbackID, "network");
  }),
];

export const networkFamily: TestFamily = {
  handlers,
  populate(d, create) {
    // test:///default's `default`: active and persistent, autostart off (testParseNetworks).
    const def = defaultTestNetwork();
    const o: NetworkObj = { def, newDef: null, active: true, persistent: true, autostart: false };
    d.networks.push({
      name: def.name,
      uuid: def.uuid,
      handle: create(o),
      active: true,
      persistent: true,
    });
  },
};
