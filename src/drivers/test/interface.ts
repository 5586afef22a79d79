/**
 * The test driver's host interfaces (testInterfaceDriver of libvirt 9.0's
 * test_driver.c with virinterfaceobj.c's bookkeeping): lookups by name and
 * MAC, lists, define/undefine, start/stop and the change transaction
 * (virInterfaceChangeBegin/Commit/Rollback). Interfaces raise no events.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_MULTIPLE_INTERFACES,
  VIR_ERR_NO_INTERFACE,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import {
  formatInterfaceXML,
  type InterfaceDef,
  parseInterfaceXML,
} from "../../conf/interface_xml.ts";
import { checkFlags } from "./errors.ts";
import { type ObjectAccess, on, type TestConn } from "./conn.ts";
import type { ActiveEntry, TestDirectory, TestFamily } from "./state.ts";
import { defaultTestInterface } from "./defaults.ts";

/** One host interface (virInterfaceObj). */
export interface InterfaceObj {
  def: InterfaceDef;
  active: boolean;
}

/** What virInterfaceChangeBegin keeps: a copy of every definition (states are not kept). */
interface IfaceTransaction {
  defs: InterfaceDef[];
}

/** remote_nonnull_interface. */
interface WireIface {
  name: string;
  mac: string;
}

const VIR_CONNECT_LIST_INTERFACES_INACTIVE = 1 << 0;
const VIR_CONNECT_LIST_INTERFACES_ACTIVE = 1 << 1;
const VIR_INTERFACE_DEFINE_VALIDATE = 1 << 0;
/** REMOTE_INTERFACE_LIST_MAX of remote_protocol.x. */
const REMOTE_INTERFACE_LIST_MAX = 16384;

/** The directory entry of an interface: `uuid` holds its MAC ("" when it has none). */
function entryOf(def: InterfaceDef, handle: number, active: boolean): ActiveEntry {
  return { name: def.name, uuid: def.mac ?? "", handle, active, persistent: true };
}

/** virGetInterface: a missing MAC travels as "". */
function wire(e: { name: string; uuid: string }): WireIface {
  return { name: e.name, mac: e.uuid };
}

function noInterface(name: string): VirError {
  return VirError.of(
    VIR_ERR_NO_INTERFACE,
    VIR_FROM_TEST,
    `no interface with matching name '${name}'`,
  );
}

/** testInterfaceObjFindByName: locks the interface and runs `fn`. */
function byName<T>(
  c: TestConn,
  name: string,
  fn: (o: InterfaceObj, a: ObjectAccess<ActiveEntry>) => T,
  opts: { dir?: boolean } = {},
): T {
  return c.object<InterfaceObj, ActiveEntry, T>(
    (d) => d.interfaces,
    (d, l) => (d.interfaces = l),
    (e) => e.name === name,
    () => noInterface(name),
    fn,
    opts,
  );
}

function names(c: TestConn, active: boolean, maxnames: number): string[] {
  if (maxnames > REMOTE_INTERFACE_LIST_MAX) {
    throw VirError.rpc("maxnames > REMOTE_INTERFACE_LIST_MAX");
  }
  return c.dir((d) =>
    d.interfaces.filter((e) => e.active === active).map((e) => e.name).slice(
      0,
      Math.max(0, maxnames),
    )
  );
}

/** ASCII case-insensitive equality (g_ascii_strcasecmp). */
function asciiCaseEqual(a: string, b: string): boolean {
  const low = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  return low(a) === low(b);
}

/** Sets an interface's state (testInterfaceCreate/Destroy): refuses a no-op change. */
function setActive(c: TestConn, iface: WireIface, flags: number, active: boolean): void {
  checkFlags(active ? "testInterfaceCreate" : "testInterfaceDestroy", flags, 0);
  byName(c, iface.name, (o, x) => {
    if (o.active === active) throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_TEST);
    o.active = active;
    x.entry.active = active;
    x.save();
    x.saveDir();
  }, { dir: true });
}

function transactionOf(d: TestDirectory): IfaceTransaction | null {
  return d.ifaceTransaction as IfaceTransaction | null;
}

function noTransaction(what: string): VirError {
  return VirError.of(
    VIR_ERR_OPERATION_INVALID,
    VIR_FROM_TEST,
    `no transaction running, nothing to ${what}.`,
  );
}

const handlers: HandlerEntry[] = [
  // Lookups and lists
  on(P.REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME, (c, a) =>
    c.dir((d) => {
      const e = d.interfaces.find((i) => i.name === a.name);
      if (!e) throw noInterface(a.name);
      return { iface: wire(e) };
    })),
  on(P.REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING, (c, a) =>
    c.dir((d) => {
      // libvirt compares with g_ascii_strcasecmp, which finds an interface without a MAC
      // (a bridge, a bond…) equal to anything; it stops at two matches.
      const found = d.interfaces.filter((e) => e.uuid === "" || asciiCaseEqual(e.uuid, a.mac))
        .slice(0, 2);
      if (found.length === 0) {
        throw VirError.of(
          VIR_ERR_NO_INTERFACE,
          VIR_FROM_TEST,
          `no interface with matching mac '${a.mac}'`,
        );
      }
      if (found.length > 1) throw VirError.of(VIR_ERR_MULTIPLE_INTERFACES, VIR_FROM_TEST);
      // The handle carries the MAC as the caller spelled it.
      return { iface: { name: found[0]!.name, mac: a.mac } };
    })),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_INTERFACES,
    (c) => ({ num: c.dir((d) => d.interfaces.filter((e) => e.active).length) }),
  ),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES,
    (c) => ({ num: c.dir((d) => d.interfaces.filter((e) => !e.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_INTERFACES, (c, a) => ({ names: names(c, true, a.maxnames) })),
  on(
    P.REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES,
    (c, a) => ({ names: names(c, false, a.maxnames) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, (c, a) => {
    const both = VIR_CONNECT_LIST_INTERFACES_ACTIVE | VIR_CONNECT_LIST_INTERFACES_INACTIVE;
    checkFlags("testConnectListAllInterfaces", a.flags, both);
    return c.dir((d) => {
      const ifaces = d.interfaces.filter((e) =>
        !(a.flags & both) ||
        ((a.flags & VIR_CONNECT_LIST_INTERFACES_ACTIVE) !== 0 && e.active) ||
        ((a.flags & VIR_CONNECT_LIST_INTERFACES_INACTIVE) !== 0 && !e.active)
      ).map(wire);
      return { ifaces: a.need_results ? ifaces : [], ret: ifaces.length };
    });
  }),

  // Definitions
  on(P.REMOTE_PROC_INTERFACE_GET_XML_DESC, (c, a) => {
    checkFlags("testInterfaceGetXMLDesc", a.flags, 0);
    return byName(c, a.iface.name, (o) => ({
      xml: formatInterfaceXML(o.def, { inactive: false }),
    }));
  }),
  on(P.REMOTE_PROC_INTERFACE_DEFINE_XML, (c, a) => {
    checkFlags("testInterfaceDefineXML", a.flags, VIR_INTERFACE_DEFINE_VALIDATE);
    return c.dir((d, save) => {
      const def = parseInterfaceXML(a.xml);
      // virInterfaceObjListAssignDef: a definition with a known name replaces the old one and
      // keeps the interface's state.
      const i = d.interfaces.findIndex((e) => e.name === def.name);
      let entry: ActiveEntry;
      if (i >= 0) {
        const old = d.interfaces[i]!;
        const o = c.update<InterfaceObj>(old.handle, (o) => (o.def = def));
        entry = entryOf(def, old.handle, o.active);
        d.interfaces[i] = entry;
      } else {
        entry = entryOf(def, c.create({ def, active: false } satisfies InterfaceObj), false);
        d.interfaces.push(entry);
      }
      save();
      return { iface: wire(entry) };
    });
  }),
  on(
    P.REMOTE_PROC_INTERFACE_UNDEFINE,
    (c, a) => byName(c, a.iface.name, (_o, x) => x.remove(), { dir: true }),
  ),

  // State
  on(P.REMOTE_PROC_INTERFACE_CREATE, (c, a) => setActive(c, a.iface, a.flags, true)),
  on(P.REMOTE_PROC_INTERFACE_DESTROY, (c, a) => setActive(c, a.iface, a.flags, false)),
  on(
    P.REMOTE_PROC_INTERFACE_IS_ACTIVE,
    (c, a) => byName(c, a.iface.name, (o) => ({ active: o.active ? 1 : 0 })),
  ),

  // Transactions
  on(P.REMOTE_PROC_INTERFACE_CHANGE_BEGIN, (c, a) => {
    checkFlags("testInterfaceChangeBegin", a.flags, 0);
    c.dir((d, save) => {
      if (transactionOf(d)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "there is another transaction running.",
        );
      }
      // virInterfaceObjListClone: each definition through a format/parse round trip.
      const defs = c.readAll<InterfaceObj, ActiveEntry>(d.interfaces).map(({ obj }) =>
        parseInterfaceXML(formatInterfaceXML(obj.def, { inactive: false }))
      );
      d.ifaceTransaction = { defs } satisfies IfaceTransaction;
      save();
    });
  }),
  on(P.REMOTE_PROC_INTERFACE_CHANGE_COMMIT, (c, a) => {
    checkFlags("testInterfaceChangeCommit", a.flags, 0);
    c.dir((d, save) => {
      if (!transactionOf(d)) throw noTransaction("be committed");
      d.ifaceTransaction = null;
      save();
    });
  }),
  on(P.REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK, (c, a) => {
    checkFlags("testInterfaceChangeRollback", a.flags, 0);
    c.dir((d, save) => {
      const t = transactionOf(d);
      if (!t) throw noTransaction("rollback");
      // The saved copies come back inactive: the clone kept no states.
      for (const e of d.interfaces) c.store.destroyObject(e.handle);
      d.interfaces = t.defs.map((def) =>
        entryOf(def, c.create({ def, active: false } satisfies InterfaceObj), false)
      );
      d.ifaceTransaction = null;
      save();
    });
  }),
];

export const interfaceFamily: TestFamily = {
  handlers,
  populate(d, create) {
    // test:///default's eth1, active (testParseInterfaces).
    const def = defaultTestInterface();
    d.interfaces.push(entryOf(def, create({ def, active: true } satisfies InterfaceObj), true));
  },
};
