/**
 * The test driver's domain snapshots (virDomainSnapshot*): create, redefine,
 * list and walk the tree, revert and delete, with libvirt 9.0's answers,
 * errors and events.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN_SNAPSHOT,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_SNAPSHOT_REVERT_RISKY,
  VIR_FROM_DOMAIN,
  VIR_FROM_DOMAIN_SNAPSHOT,
} from "../../rpc/error_codes.ts";
import { copyDomainDef } from "../../conf/domain_xml.ts";
import {
  alignSnapshotDisks,
  formatSnapshotXML,
  parseSnapshotXML,
  SNAPSHOT_STATES,
  snapshotDomainCopy,
  snapshotIsExternal,
} from "../../conf/snapshot_xml.ts";
import { uuidToString } from "../../util/uuid.ts";
import { on, type TestConn } from "./conn.ts";
import { checkFlags, rpcLimit, testError } from "./errors.ts";
import { exclusiveFlags } from "../flags.ts";
import { isActive, startLocked, stopLocked, wire } from "./domain.ts";
import {
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PAUSED_FROM_SNAPSHOT,
  VIR_DOMAIN_RUNNING_FROM_SNAPSHOT,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT,
} from "./state.ts";
import { stoppedRef } from "./domain_common.ts";
import {
  checkCycles,
  SNAP_LIST_ALLOWED,
  snapshotNames,
  type SnapshotObj,
  Snapshots,
} from "../moments.ts";

const SNAP_CREATE_REDEFINE = 1 << 0;
const SNAP_CREATE_CURRENT = 1 << 1;
const SNAP_CREATE_NO_METADATA = 1 << 2;
const SNAP_CREATE_HALT = 1 << 3;
const SNAP_CREATE_QUIESCE = 1 << 6;
const SNAP_CREATE_ATOMIC = 1 << 7;
const SNAP_CREATE_LIVE = 1 << 8;
const SNAP_CREATE_VALIDATE = 1 << 9;

const SNAP_REVERT_RUNNING = 1 << 0;
const SNAP_REVERT_PAUSED = 1 << 1;
const SNAP_REVERT_FORCE = 1 << 2;

const SNAP_DELETE_CHILDREN = 1 << 0;
const SNAP_DELETE_CHILDREN_ONLY = 1 << 2;

const SNAP_XML_SECURE = 1;

const VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT = 5;

type Snap = { name: string; dom: RemoteDomain };

function snapWire(dom: RemoteDomain, name: string): Snap {
  return { name, dom };
}

function noSnapshot(name: string): VirError {
  return testError(VIR_ERR_NO_DOMAIN_SNAPSHOT, `no domain snapshot with matching name '${name}'`);
}

/** testSnapObjFromName. */
function snapshotOf(m: Snapshots, name: string): SnapshotObj {
  const s = m.find(name);
  if (!s) throw noSnapshot(name);
  return s;
}

function listSnapshots(c: TestConn, dom: RemoteDomain, fn: string, flags: number): string[] {
  checkFlags(fn, flags, SNAP_LIST_ALLOWED);
  return c.domain(dom, (o) => snapshotNames(new Snapshots(o), null, flags, true));
}

function listChildren(c: TestConn, snap: Snap, fn: string, flags: number): string[] {
  checkFlags(fn, flags, SNAP_LIST_ALLOWED);
  return c.domain(snap.dom, (o) => {
    const m = new Snapshots(o);
    return snapshotNames(m, snapshotOf(m, snap.name), flags, true);
  });
}

const SNAP_CREATE_ALLOWED = SNAP_CREATE_REDEFINE | SNAP_CREATE_CURRENT | SNAP_CREATE_HALT |
  SNAP_CREATE_QUIESCE | SNAP_CREATE_ATOMIC | SNAP_CREATE_LIVE | SNAP_CREATE_VALIDATE;

const ONLINE = (st: string | null) => st === "running" || st === "paused";

function snapshotCreate(c: TestConn, a: { dom: RemoteDomain; xml_desc: string; flags: number }) {
  const fn = "virDomainSnapshotCreateXML";
  const flags = a.flags;
  if ((flags & SNAP_CREATE_CURRENT) && !(flags & SNAP_CREATE_REDEFINE)) {
    throw VirError.argument(
      VIR_FROM_DOMAIN_SNAPSHOT,
      fn,
      "ctl",
      "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
    );
  }
  exclusiveFlags(
    fn,
    VIR_FROM_DOMAIN_SNAPSHOT,
    flags,
    SNAP_CREATE_REDEFINE,
    SNAP_CREATE_NO_METADATA,
    [
      "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
      "VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA",
    ],
  );
  exclusiveFlags(fn, VIR_FROM_DOMAIN_SNAPSHOT, flags, SNAP_CREATE_REDEFINE, SNAP_CREATE_HALT, [
    "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
    "VIR_DOMAIN_SNAPSHOT_CREATE_HALT",
  ]);
  checkFlags("testDomainSnapshotCreateXML", flags, SNAP_CREATE_ALLOWED);
  const redefine = (flags & SNAP_CREATE_REDEFINE) !== 0;
  const updateCurrent = !redefine || (flags & SNAP_CREATE_CURRENT) !== 0;
  return c.domain(a.dom, (o, x) => {
    if (o.checkpoints?.length) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "cannot create snapshot while checkpoint exists",
      );
    }
    if (!o.persistent && (flags & SNAP_CREATE_HALT)) {
      throw testError(VIR_ERR_OPERATION_INVALID, "cannot halt after transient domain snapshot");
    }
    const def = parseSnapshotXML(a.xml_desc, { redefine });
    const m = new Snapshots(o);
    let snap: SnapshotObj;
    let stopped = false;
    if (redefine) {
      checkCycles(m, def);
      const other = m.find(def.name) ?? null;
      if (def.dom && def.dom.uuid !== o.def.uuid) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN_SNAPSHOT,
          `definition for snapshot ${def.name} must use uuid ${o.def.uuid}`,
        );
      }
      if (other) {
        if (ONLINE(other.def.state) !== ONLINE(def.state)) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN_SNAPSHOT,
            `cannot change between online and offline snapshot state in snapshot ${def.name}`,
          );
        }
        if ((other.def.state === "disk-snapshot") !== (def.state === "disk-snapshot")) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN_SNAPSHOT,
            `cannot change between disk only and full system in snapshot ${def.name}`,
          );
        }
      }
      const location = def.state === "disk-snapshot" || snapshotIsExternal(def)
        ? "external"
        : "internal";
      alignSnapshotDisks(def, other?.def.dom ?? null, location, true);
      if (other) {
        // virDomainSnapshotReplaceDef: keep the children, take the domain if none was given.
        def.dom ??= other.def.dom;
        m.dropParent(other);
        other.def = def;
        snap = other;
      } else {
        snap = { def, children: [], link: null };
        m.list.push(snap);
      }
    } else {
      def.dom = snapshotDomainCopy(o.def);
      // testDomainSnapshotAlignDisks
      if (def.disks.some((d) => d.snapshot === "manual")) {
        throw testError(
          VIR_ERR_OPERATION_UNSUPPORTED,
          "'manual' snapshot mode is not supported by the test driver",
        );
      }
      def.state = SNAPSHOT_STATES[o.state] ?? "nostate";
      let location = "internal";
      if (def.memory === "external") location = "external";
      else def.memory = o.state === VIR_DOMAIN_SHUTOFF ? "no" : "internal";
      alignSnapshotDisks(def, null, location, true);
      if (m.find(def.name)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_DOMAIN,
          `domain moment ${def.name} already exists`,
        );
      }
      snap = { def, children: [], link: null };
      m.list.push(snap);
      def.parent = m.current;
      if ((flags & SNAP_CREATE_HALT) && isActive(o)) {
        stopLocked(o, x.entry, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        stopped = true;
      }
    }
    if (updateCurrent) m.current = snap.def.name;
    m.linkParent(snap);
    x.save();
    if (stopped) {
      x.saveDir();
      c.lifecycle(
        x.dir,
        stoppedRef(x.entry),
        VIR_DOMAIN_EVENT_STOPPED,
        VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
      );
    }
    return { snap: snapWire(wire(x.entry), snap.def.name) };
  }, { dir: true });
}

function snapshotDelete(c: TestConn, a: { snap: Snap; flags: number }): void {
  exclusiveFlags(
    "virDomainSnapshotDelete",
    VIR_FROM_DOMAIN_SNAPSHOT,
    a.flags,
    SNAP_DELETE_CHILDREN,
    SNAP_DELETE_CHILDREN_ONLY,
    ["VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN", "VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY"],
  );
  checkFlags(
    "testDomainSnapshotDelete",
    a.flags,
    SNAP_DELETE_CHILDREN | SNAP_DELETE_CHILDREN_ONLY,
  );
  c.domain(a.snap.dom, (o, x) => {
    const m = new Snapshots(o);
    m.delete(snapshotOf(m, a.snap.name), a.flags);
    x.save();
  });
}

function snapshotRevert(c: TestConn, a: { snap: Snap; flags: number }): void {
  const flags = a.flags;
  exclusiveFlags(
    "virDomainRevertToSnapshot",
    VIR_FROM_DOMAIN_SNAPSHOT,
    flags,
    SNAP_REVERT_RUNNING,
    SNAP_REVERT_PAUSED,
    ["VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING", "VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED"],
  );
  checkFlags(
    "testDomainRevertToSnapshot",
    flags,
    SNAP_REVERT_RUNNING | SNAP_REVERT_PAUSED | SNAP_REVERT_FORCE,
  );
  c.domain(a.snap.dom, (o, x) => {
    const m = new Snapshots(o);
    const snap = snapshotOf(m, a.snap.name);
    const state = snap.def.state;
    if (!o.persistent && !ONLINE(state) && !(flags & (SNAP_REVERT_RUNNING | SNAP_REVERT_PAUSED))) {
      throw testError(
        VIR_ERR_OPERATION_INVALID,
        "transient domain needs to request run or pause to revert to inactive snapshot",
      );
    }
    if (!snap.def.dom) {
      throw testError(
        VIR_ERR_SNAPSHOT_REVERT_RISKY,
        `snapshot '${snap.def.name}' lacks domain '${o.def.name}' rollback info`,
      );
    }
    m.current = null;
    const config = copyDomainDef(snap.def.dom);
    const events: [{ name: string; uuid: string; id: number }, number, number][] = [];
    if (ONLINE(state)) {
      // Transitions 2, 3, 5, 6, 8, 9: (stop,) load, start, (pause).
      if (isActive(o) && o.newDef === null) {
        // A running domain without a pending config (a transient one) has
        // nothing to fall back to: libvirt's stop leaves its live definition
        // (and id) in place, so it still counts as running, the snapshot's
        // definition becomes its pending config and the live one runs on
        // under a new id.
        events.push([
          { ...x.entry },
          VIR_DOMAIN_EVENT_STOPPED,
          VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
        ]);
        o.newDef = config;
      } else {
        if (isActive(o)) {
          stopLocked(o, x.entry, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
          events.push([
            stoppedRef(x.entry),
            VIR_DOMAIN_EVENT_STOPPED,
            VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
          ]);
        }
        o.def = config;
      }
      o.hasManagedSave = false;
      startLocked(o, x, VIR_DOMAIN_RUNNING_FROM_SNAPSHOT);
      events.push([
        { ...x.entry },
        VIR_DOMAIN_EVENT_STARTED,
        VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
      ]);
      if (!(flags & SNAP_REVERT_RUNNING) && (state === "paused" || (flags & SNAP_REVERT_PAUSED))) {
        o.state = VIR_DOMAIN_PAUSED;
        o.reason = VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
        events.push([
          { ...x.entry },
          VIR_DOMAIN_EVENT_SUSPENDED,
          VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT,
        ]);
      }
    } else {
      // Transitions 1, 4, 7: load, (stop); the start events of RUNNING/PAUSED come without a start.
      if (isActive(o)) {
        o.newDef = config;
        stopLocked(o, x.entry, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        events.push([
          stoppedRef(x.entry),
          VIR_DOMAIN_EVENT_STOPPED,
          VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
        ]);
      } else {
        o.def = config;
      }
      if (flags & (SNAP_REVERT_RUNNING | SNAP_REVERT_PAUSED)) {
        events.push([
          stoppedRef(x.entry),
          VIR_DOMAIN_EVENT_STARTED,
          VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
        ]);
        if (flags & SNAP_REVERT_PAUSED) {
          events.push([
            stoppedRef(x.entry),
            VIR_DOMAIN_EVENT_SUSPENDED,
            VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT,
          ]);
        }
      }
    }
    m.current = snap.def.name;
    x.save();
    x.saveDir();
    for (const [ref, ev, detail] of events) c.lifecycle(x.dir, ref, ev, detail);
  }, { dir: true });
}

export const snapshotHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, snapshotCreate),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, (c, a) => {
    checkFlags("testDomainSnapshotNum", a.flags, SNAP_LIST_ALLOWED);
    return {
      num: c.domain(a.dom, (o) => snapshotNames(new Snapshots(o), null, a.flags, false).length),
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, (c, a) => {
    if (a.maxnames > 16384) throw rpcLimit("maxnames > REMOTE_DOMAIN_SNAPSHOT_LIST_MAX");
    const names = listSnapshots(c, a.dom, "testDomainSnapshotListNames", a.flags);
    return { names: names.slice(0, Math.max(0, a.maxnames)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, (c, a) => {
    const names = listSnapshots(c, a.dom, "testDomainListAllSnapshots", a.flags);
    return {
      snapshots: a.need_results ? names.map((n) => snapWire(a.dom, n)) : [],
      ret: names.length,
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, (c, a) => {
    checkFlags("testDomainSnapshotNumChildren", a.flags, SNAP_LIST_ALLOWED);
    return {
      num: c.domain(a.snap.dom, (o) => {
        const m = new Snapshots(o);
        return snapshotNames(m, snapshotOf(m, a.snap.name), a.flags, false).length;
      }),
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, (c, a) => {
    if (a.maxnames > 16384) throw rpcLimit("maxnames > REMOTE_DOMAIN_SNAPSHOT_LIST_MAX");
    const names = listChildren(c, a.snap, "testDomainSnapshotListChildrenNames", a.flags);
    return { names: names.slice(0, Math.max(0, a.maxnames)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, (c, a) => {
    const names = listChildren(c, a.snapshot, "testDomainSnapshotListAllChildren", a.flags);
    return {
      snapshots: a.need_results ? names.map((n) => snapWire(a.snapshot.dom, n)) : [],
      ret: names.length,
    };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, (c, a) => {
    checkFlags("testDomainSnapshotLookupByName", a.flags, 0);
    return c.domain(a.dom, (o, x) => {
      const s = snapshotOf(new Snapshots(o), a.name);
      return { snap: snapWire(wire(x.entry), s.def.name) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, (c, a) => {
    checkFlags("testDomainHasCurrentSnapshot", a.flags, 0);
    return { result: c.domain(a.dom, (o) => (o.currentSnapshot ? 1 : 0)) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, (c, a) => {
    checkFlags("testDomainSnapshotGetParent", a.flags, 0);
    return c.domain(a.snap.dom, (o) => {
      const s = snapshotOf(new Snapshots(o), a.snap.name);
      if (s.def.parent === null) {
        throw testError(
          VIR_ERR_NO_DOMAIN_SNAPSHOT,
          `snapshot '${s.def.name}' does not have a parent`,
        );
      }
      return { snap: snapWire(a.snap.dom, s.def.parent) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, (c, a) => {
    checkFlags("testDomainSnapshotCurrent", a.flags, 0);
    return c.domain(a.dom, (o, x) => {
      const cur = o.currentSnapshot ?? null;
      if (cur === null) {
        throw testError(
          VIR_ERR_NO_DOMAIN_SNAPSHOT,
          "the domain does not have a current snapshot",
        );
      }
      return { snap: snapWire(wire(x.entry), cur) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, (c, a) => {
    checkFlags("testDomainSnapshotGetXMLDesc", a.flags, SNAP_XML_SECURE);
    return c.domain(a.snap.dom, (o) => {
      const s = snapshotOf(new Snapshots(o), a.snap.name);
      return {
        xml: formatSnapshotXML(s.def, {
          secure: (a.flags & SNAP_XML_SECURE) !== 0,
          domainUuid: uuidToString(a.snap.dom.uuid),
        }),
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT, (c, a) => {
    checkFlags("testDomainSnapshotIsCurrent", a.flags, 0);
    return c.domain(a.snap.dom, (o) => {
      const s = snapshotOf(new Snapshots(o), a.snap.name);
      return { current: o.currentSnapshot === s.def.name ? 1 : 0 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA, (c, a) => {
    checkFlags("testDomainSnapshotHasMetadata", a.flags, 0);
    return c.domain(a.snap.dom, (o) => {
      snapshotOf(new Snapshots(o), a.snap.name);
      return { metadata: 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, snapshotRevert),
  on(P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, snapshotDelete),
];
