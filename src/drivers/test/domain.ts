/**
 * The test driver's domain procedures: lookups, lists, lifecycle
 * (define/start/stop/suspend/…), info and settings, with libvirt 9.0's
 * answers, errors and lifecycle events.
 *
 * @module
 */

import { updateModificationImpact } from "../flags.ts";
import { checkFlags } from "./errors.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import { findRedefined } from "../domain_list.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_SYSTEM_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_STREAMS,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { param } from "../../rpc/typed_params.ts";
import { uuidToString } from "../../util/uuid.ts";
import {
  copyDomainDef,
  type DomainDef,
  formatDomainXML,
  parseDomainXML,
} from "../../conf/domain_xml.ts";
import { type ObjectAccess, on, TestConn } from "./conn.ts";
import {
  type DomainEntry,
  type DomainObj,
  type TestDirectory,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_DEFINED_ADDED,
  VIR_DOMAIN_EVENT_DEFINED_UPDATED,
  VIR_DOMAIN_EVENT_RESUMED,
  VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STARTED_BOOTED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
  VIR_DOMAIN_EVENT_STOPPED_SAVED,
  VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_EVENT_UNDEFINED_REMOVED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PAUSED_USER,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_RUNNING_BOOTED,
  VIR_DOMAIN_RUNNING_UNPAUSED,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_SHUTOFF_DESTROYED,
  VIR_DOMAIN_SHUTOFF_SAVED,
  VIR_DOMAIN_SHUTOFF_SHUTDOWN,
} from "./state.ts";
import {
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_MEM_MAXIMUM,
  VIR_DOMAIN_VCPU_MAXIMUM,
} from "../domain_constants.ts";
import { assignTestIfnames } from "./domain_common.ts";

// ---- Flags (libvirt-domain.h) ----------------------------------------------------------------
const VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0;
const VIR_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1;
const VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2;
const VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3;
const VIR_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4;
const VIR_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5;
const VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6;
const VIR_CONNECT_LIST_DOMAINS_OTHER = 1 << 7;
const VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8;
const VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9;
const VIR_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10;
const VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11;
const VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12;
const VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13;
const VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14;
const VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15;
/** VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL: every filter flag above. */
const VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL = (1 << 16) - 1;
const VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0;
const VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1;
const VIR_DOMAIN_START_VALIDATE = 1 << 4;
const VIR_DOMAIN_DEFINE_VALIDATE = 1 << 0;
const VIR_DOMAIN_DESTROY_GRACEFUL = 1 << 0;
/** DEFAULT (0), ACPI_POWER_BTN, GUEST_AGENT, INITCTL, SIGNAL, PARAVIRT. */
const VIR_DOMAIN_REBOOT_ALL = (1 << 5) - 1;
/** BYPASS_CACHE, RUNNING, PAUSED. */
const VIR_DOMAIN_SAVE_MANAGED_FLAGS = (1 << 3) - 1;
/** DEPRECATION, TAINTING. */
const VIR_DOMAIN_MESSAGE_ALL = (1 << 2) - 1;
/** The test driver's vCPU ceiling (testConnectGetMaxVcpus). */
const TEST_MAX_VCPUS = 32;

const VIR_DOMAIN_XML_SECURE = 1;
const VIR_DOMAIN_XML_INACTIVE = 2;
const VIR_DOMAIN_XML_MIGRATABLE = 8;

export function wire(e: { name: string; uuid: string; id: number }): RemoteDomain {
  return TestConn.wire(e);
}

/**
 * The documents this Worker last formatted, per definition and view.
 * GET_XML_DESC is what tools repeat most, and formatting is most of its
 * cost. A definition object is never changed after it was formatted here:
 * the store hands out a freshly decoded object for every version, and a
 * call that changes one writes it back (a new version) or, failing, has the
 * store forget it — so a stale document is never found under a new version.
 */
const formatted = new WeakMap<DomainDef, Map<number, string>>();

function formatDomainXMLCached(
  def: DomainDef,
  opts: { id: number; active: boolean; flags: number },
): string {
  // id ≥ -1 and the three view flags: one number per view.
  const view = ((opts.id + 1) * 2 + (opts.active ? 1 : 0)) * 16 + opts.flags;
  let views = formatted.get(def);
  if (!views) formatted.set(def, views = new Map());
  let xml = views.get(view);
  if (xml === undefined) views.set(view, xml = formatDomainXML(def, opts));
  return xml;
}

export function isActive(o: DomainObj): boolean {
  return o.state !== VIR_DOMAIN_SHUTOFF;
}

// ---- Definitions: live and persistent ---------------------------------------------------------------

/** virDomainObjUpdateModificationImpact. */
function modificationImpact(o: DomainObj, flags: number): number {
  const active = isActive(o);
  // A running persistent domain has its persistent definition apart from the live one
  // (testDomainStartState); make it before anything changes the live one.
  if (active && o.persistent) persistentDef(o);
  return updateModificationImpact(flags, {
    active,
    persistent: o.persistent,
    notActive,
    domain: VIR_FROM_DOMAIN,
  });
}

/** The persistent definition of a running domain, made on first use (libvirt's newDef). */
function persistentDef(o: DomainObj): DomainDef {
  if (!o.newDef) o.newDef = copyDomainDef(o.def);
  return o.newDef;
}

/** virDomainObjGetOneDefState: the one definition `flags` designate, and whether it is the live one. */
export function oneDef(o: DomainObj, flags: number): { def: DomainDef; live: boolean } {
  if ((flags & VIR_DOMAIN_AFFECT_LIVE) && (flags & VIR_DOMAIN_AFFECT_CONFIG)) {
    throw VirError.argument(
      VIR_FROM_DOMAIN,
      "virDomainObjGetOneDefState",
      "flags",
      "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
    );
  }
  flags = modificationImpact(o, flags);
  const live = (flags & VIR_DOMAIN_AFFECT_LIVE) !== 0;
  if (isActive(o) && (flags & VIR_DOMAIN_AFFECT_CONFIG)) return { def: persistentDef(o), live };
  return { def: o.def, live };
}

/** virDomainObjGetDefs: the live and/or persistent definitions `flags` designate. */
export function bothDefs(
  o: DomainObj,
  flags: number,
): { live: DomainDef | null; config: DomainDef | null } {
  flags = modificationImpact(o, flags);
  if (isActive(o)) {
    return {
      live: flags & VIR_DOMAIN_AFFECT_LIVE ? o.def : null,
      config: flags & VIR_DOMAIN_AFFECT_CONFIG ? persistentDef(o) : null,
    };
  }
  return { live: null, config: o.def };
}

export function notRunning(name: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_TEST, `domain '${name}' not running`);
}

export function notActive(): VirError {
  return VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not running");
}

/** Moves a domain to running with a new id (testDomainStartState). */
export function startLocked(
  o: DomainObj,
  a: { entry: DomainEntry; dir: TestDirectory },
  reason: number,
): void {
  // A persistent domain keeps its config apart from the live definition while it runs.
  if (o.persistent && !o.newDef) o.newDef = copyDomainDef(o.def);
  o.id = a.dir.nextDomId++;
  o.state = VIR_DOMAIN_RUNNING;
  o.reason = reason;
  a.entry.id = o.id;
  a.entry.active = true;
}

/**
 * The domain a STOPPED event names, taken before `stopLocked`: libvirt's
 * event carries the definition's id, which stopping resets only where a
 * pending config takes over (a persistent domain); a transient one keeps
 * its last id.
 */
function stoppedEventRef(
  o: DomainObj,
  e: DomainEntry,
): { name: string; uuid: string; id: number } {
  return { name: e.name, uuid: e.uuid, id: o.newDef ? -1 : e.id };
}

/** Moves a domain to shut off (testDomainShutdownState): the pending persistent config takes over. */
export function stopLocked(o: DomainObj, entry: DomainEntry, reason: number): void {
  o.state = VIR_DOMAIN_SHUTOFF;
  o.reason = reason;
  o.id = -1;
  entry.id = -1;
  entry.active = false;
  if (o.newDef) {
    o.def = o.newDef;
    o.newDef = null;
  }
}

/** Finds a domain entry by a predicate, or raises libvirt's plain "Domain not found". */
export function lookup(c: TestConn, pred: (e: DomainEntry) => boolean): RemoteDomain {
  return c.dir((d) => {
    const e = d.domains.find(pred);
    if (!e) throw VirError.of(VIR_ERR_NO_DOMAIN, VIR_FROM_TEST);
    return wire(e);
  });
}

/** Adds a new domain object from a parsed definition, or replaces the config of an existing one. */
function addOrUpdate(
  c: TestConn,
  d: TestDirectory,
  def: DomainDef,
  persistent: boolean,
  live: boolean,
): { entry: DomainEntry; updated: boolean; obj: DomainObj } {
  const existing = findRedefined(d.domains, def);
  if (existing) {
    using _ = c.store.objectLock(existing.handle).lock();
    const o = c.store.readLocked<DomainObj>(existing.handle);
    // virDomainObjAssignDef hands back the definition replaced: the pending
    // config of a running domain (none for a transient one), else the
    // definition itself — "updated" means there was one.
    const replaced = isActive(o) ? o.newDef !== null : true;
    if (live) {
      if (isActive(o)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain '${def.name}' is already active`,
        );
      }
      o.def = def;
    } else if (isActive(o)) {
      o.newDef = def;
    } else {
      o.def = def;
    }
    if (persistent) o.persistent = true;
    existing.persistent = o.persistent;
    c.store.writeLocked(existing.handle, o);
    return { entry: existing, updated: replaced, obj: o };
  }
  const obj: DomainObj = {
    def,
    newDef: null,
    id: -1,
    state: VIR_DOMAIN_SHUTOFF,
    reason: 0,
    persistent,
    autostart: false,
    hasManagedSave: false,
    schedWeight: 50,
  };
  const entry: DomainEntry = {
    name: def.name,
    uuid: def.uuid,
    handle: c.store.createObject(obj),
    id: -1,
    active: false,
    persistent,
  };
  d.domains.push(entry);
  return { entry, updated: false, obj };
}

function listFilter(o: DomainObj, flags: number): boolean {
  const active = isActive(o);
  const f = (a: number, b: number, va: boolean, vb: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && vb);
  if (!f(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE, active, !active)) {
    return false;
  }
  if (
    !f(
      VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
      VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
      o.persistent,
      !o.persistent,
    )
  ) {
    return false;
  }
  const states = VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER;
  if (flags & states) {
    const ok = ((flags & VIR_CONNECT_LIST_DOMAINS_RUNNING) && o.state === VIR_DOMAIN_RUNNING) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_PAUSED) && o.state === VIR_DOMAIN_PAUSED) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF) && o.state === VIR_DOMAIN_SHUTOFF) ||
      ((flags & VIR_CONNECT_LIST_DOMAINS_OTHER) &&
        ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].includes(o.state));
    if (!ok) return false;
  }
  if (
    !f(
      VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
      VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
      o.hasManagedSave,
      !o.hasManagedSave,
    )
  ) {
    return false;
  }
  if (
    !f(
      VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
      VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
      o.autostart,
      !o.autostart,
    )
  ) {
    return false;
  }
  const snaps = (o.snapshots?.length ?? 0) > 0;
  if (
    !f(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, snaps, !snaps)
  ) return false;
  const checkpoints = (o.checkpoints?.length ?? 0) > 0;
  return f(
    VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
    checkpoints,
    !checkpoints,
  );
}

/** Every domain object of the instance, read one by one under its own lock (list order = definition order). */
function eachDomain(c: TestConn, d: TestDirectory): { entry: DomainEntry; obj: DomainObj }[] {
  return c.readAll<DomainObj, DomainEntry>(d.domains);
}

export const domainHandlers: HandlerEntry[] = [
  // ---- Lookups and lists -----------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, (c, a) => ({ dom: lookup(c, (e) => e.name === a.name) })),
  on(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, (c, a) => {
    const u = uuidToString(a.uuid);
    return { dom: lookup(c, (e) => e.uuid === u) };
  }),
  on(
    P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
    (c, a) => ({ dom: lookup(c, (e) => e.active && e.id === a.id) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, (c, a) => {
    checkFlags("testConnectListAllDomains", a.flags, VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL);
    return c.dir((d) => {
      const doms = eachDomain(c, d).filter(({ obj }) => listFilter(obj, a.flags)).map((
        { entry },
      ) => wire(entry));
      return { domains: a.need_results ? doms : [], ret: doms.length };
    });
  }),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS,
    (c) => ({ num: c.dir((d) => d.domains.filter((e) => e.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_DOMAINS, (c, a) => ({
    ids: c.dir((d) => d.domains.filter((e) => e.active).map((e) => e.id).slice(0, a.maxids)),
  })),
  on(P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, (c) => ({
    num: c.dir((d) => d.domains.filter((e) => !e.active).length),
  })),
  on(P.REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, (c, a) => ({
    names: c.dir((d) => d.domains.filter((e) => !e.active).map((e) => e.name).slice(0, a.maxnames)),
  })),

  // ---- Info ---------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_GET_INFO, (c, a) =>
    c.domain(a.dom, (o) => ({
      state: o.state,
      maxMem: BigInt(o.def.memory),
      memory: BigInt(o.def.currentMemory),
      nrVirtCpu: o.def.vcpusCurrent,
      // The test driver reports the wall clock as CPU time.
      cpuTime: BigInt(Date.now()) * 1_000_000n,
    }))),
  on(P.REMOTE_PROC_DOMAIN_GET_STATE, (c, a) => {
    checkFlags("testDomainGetState", a.flags, 0);
    return c.domain(a.dom, (o) => ({ state: o.state, reason: o.reason }));
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_OS_TYPE, (c, a) => c.domain(a.dom, () => ({ type: "linux" }))),
  on(
    P.REMOTE_PROC_DOMAIN_GET_MAX_MEMORY,
    (c, a) => c.domain(a.dom, (o) => ({ memory: BigInt(o.def.memory) })),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_IS_ACTIVE,
    (c, a) => c.domain(a.dom, (o) => ({ active: isActive(o) ? 1 : 0 })),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_IS_PERSISTENT,
    (c, a) => c.domain(a.dom, (o) => ({ persistent: o.persistent ? 1 : 0 })),
  ),
  on(P.REMOTE_PROC_DOMAIN_IS_UPDATED, (c, a) => c.domain(a.dom, () => ({ updated: 0 }))),
  on(
    P.REMOTE_PROC_DOMAIN_GET_AUTOSTART,
    (c, a) => c.domain(a.dom, (o) => ({ autostart: o.autostart ? 1 : 0 })),
  ),
  on(P.REMOTE_PROC_DOMAIN_SET_AUTOSTART, (c, a) =>
    // libvirt 9.0's test driver sets it on a transient domain too.
    c.domain(a.dom, (o, x) => {
      o.autostart = a.autostart !== 0;
      x.save();
    })),
  on(P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, (c, a) => {
    checkFlags("testDomainHasManagedSaveImage", a.flags, 0);
    return c.domain(a.dom, (o) => ({ result: o.hasManagedSave ? 1 : 0 }));
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, (c, a) =>
    c.domain(a.dom, (o) => {
      checkFlags(
        "testDomainGetXMLDesc",
        a.flags,
        VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE,
      );
      // While running, the inactive view is the persistent config kept aside at start.
      const def = o.newDef && (a.flags & VIR_DOMAIN_XML_INACTIVE) ? o.newDef : o.def;
      return {
        xml: formatDomainXMLCached(def, { id: o.id, active: isActive(o), flags: a.flags }),
      };
    })),
  on(P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, (c, a) =>
    c.domain(a.dom, (o) =>
      // Only a running domain has a label.
      isActive(o)
        ? { label: [..."libvirt-test"].map((ch) => ch.charCodeAt(0)).concat(0), enforcing: 1 }
        : { label: [0], enforcing: 0 })),
  on(P.REMOTE_PROC_NODE_GET_SECURITY_MODEL, () => ({
    model: [..."testSecurity"].map((ch) => ch.charCodeAt(0)).concat(0),
    doi: [0],
  })),
  on(P.REMOTE_PROC_DOMAIN_GET_HOSTNAME, (c, a) => {
    checkFlags("testDomainGetHostname", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      // libvirt names the host after the name in the caller's handle.
      return { hostname: `${a.dom.name}host` };
    });
  }),
  on(
    P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE,
    (c, a) => c.domain(a.dom, () => ({ type: "fair", nparams: 1 })),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS, (c, a) =>
    c.domain(
      a.dom,
      () => ({ params: a.nparams >= 1 ? [param.uint("weight", 50)] : [] }),
    )),
  on(P.REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, (c, a) => {
    checkFlags("testDomainGetSchedulerParametersFlags", a.flags, 0);
    return c.domain(
      a.dom,
      () => ({ params: a.nparams >= 1 ? [param.uint("weight", 50)] : [] }),
    );
  }),

  // ---- Definition ----------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_DEFINE_XML, (c, a) => defineXML(c, a.xml)),
  on(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, (c, a) => {
    // VALIDATE would check the document against libvirt's schema: not done (README).
    checkFlags("testDomainDefineXMLFlags", a.flags, VIR_DOMAIN_DEFINE_VALIDATE);
    return defineXML(c, a.xml);
  }),
  on(P.REMOTE_PROC_DOMAIN_UNDEFINE, (c, a) => undefine(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, (c, a) => undefine(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_CREATE_XML, (c, a) => createXML(c, a.xml_desc, a.flags)),

  // ---- Lifecycle -------------------------------------------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_CREATE, (c, a) => {
    create(c, a.dom, 0);
  }),
  on(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, (c, a) => ({ dom: create(c, a.dom, a.flags) })),
  on(P.REMOTE_PROC_DOMAIN_DESTROY, (c, a) => destroy(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, (c, a) => destroy(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_SHUTDOWN, (c, a) => shutdown(c, a.dom, 0)),
  on(P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, (c, a) => shutdown(c, a.dom, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_REBOOT, (c, a) => {
    checkFlags("testDomainReboot", a.flags, VIR_DOMAIN_REBOOT_ALL);
    lifecycleAction(c, a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      return o.def.onReboot;
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_RESET, (c, a) => {
    checkFlags("testDomainReset", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SUSPEND, (c, a) =>
    c.domain(a.dom, (o, x) => {
      if (o.state !== VIR_DOMAIN_RUNNING) throw notRunning(o.def.name);
      o.state = VIR_DOMAIN_PAUSED;
      o.reason = VIR_DOMAIN_PAUSED_USER;
      x.save();
      c.lifecycle(x.dir, x.entry, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    })),
  on(P.REMOTE_PROC_DOMAIN_RESUME, (c, a) =>
    c.domain(a.dom, (o, x) => {
      if (o.state !== VIR_DOMAIN_PAUSED) {
        throw VirError.of(
          VIR_ERR_INTERNAL_ERROR,
          VIR_FROM_TEST,
          `domain '${o.def.name}' not paused`,
        );
      }
      o.state = VIR_DOMAIN_RUNNING;
      o.reason = VIR_DOMAIN_RUNNING_UNPAUSED;
      x.save();
      c.lifecycle(x.dir, x.entry, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    })),
  on(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE, (c, a) => {
    checkFlags("testDomainManagedSave", a.flags, VIR_DOMAIN_SAVE_MANAGED_FLAGS);
    return c.domain(a.dom, (o, x) => {
      if (!isActive(o)) throw notActive();
      if (!o.persistent) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "cannot do managed save for transient domain",
        );
      }
      o.hasManagedSave = true;
      stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
    }, { dir: true });
  }),
  on(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, (c, a) => {
    checkFlags("testDomainManagedSaveRemove", a.flags, 0);
    c.domain(a.dom, (o, x) => {
      o.hasManagedSave = false;
      x.save();
    });
  }),

  // ---- Memory and vCPUs ---------------------------------------------------------------------------
  on(
    P.REMOTE_PROC_DOMAIN_SET_MEMORY,
    (c, a) => setMemory(c, a.dom, a.memory, VIR_DOMAIN_AFFECT_LIVE),
  ),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, (c, a) => setMemory(c, a.dom, a.memory, a.flags)),
  on(
    P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY,
    (c, a) => setMemory(c, a.dom, a.memory, VIR_DOMAIN_MEM_MAXIMUM),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_MAX_VCPUS,
    (c, a) => c.domain(a.dom, (o) => ({ num: oneDef(o, VIR_DOMAIN_AFFECT_LIVE).def.vcpus })),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, (c, a) => {
    checkFlags(
      "testDomainGetVcpusFlags",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM,
    );
    return c.domain(a.dom, (o) => {
      const { def } = oneDef(o, a.flags);
      return { num: a.flags & VIR_DOMAIN_VCPU_MAXIMUM ? def.vcpus : def.vcpusCurrent };
    });
  }),
  on(
    P.REMOTE_PROC_DOMAIN_SET_VCPUS,
    (c, a) => setVcpus(c, a.dom, a.nvcpus, VIR_DOMAIN_AFFECT_LIVE),
  ),
  on(P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, (c, a) => setVcpus(c, a.dom, a.nvcpus, a.flags)),

  // The test driver has no security label list: libvirtd then answers success with ret -1.
  on(
    P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST,
    (c, a) => c.domain(a.dom, () => ({ labels: [], ret: -1 })),
  ),

  // The test driver keeps no messages (tainting, deprecations) for its domains.
  on(P.REMOTE_PROC_DOMAIN_GET_MESSAGES, (c, a) => {
    checkFlags("testDomainGetMessages", a.flags, VIR_DOMAIN_MESSAGE_ALL);
    return c.domain(a.dom, () => ({ msgs: [] }));
  }),

  // ---- Screenshot: libvirt's test image, as a stream ---------------------------------------------
  on(P.REMOTE_PROC_DOMAIN_SCREENSHOT, (c, a) =>
    c.domain(a.dom, () => {
      checkFlags("testDomainScreenshot", a.flags, 0);
      let png: Uint8Array;
      try {
        png = Deno.readFileSync(TEST_SCREENSHOT);
      } catch {
        throw VirError.of(
          VIR_ERR_SYSTEM_ERROR,
          VIR_FROM_STREAMS,
          `Unable to open stream for '${TEST_SCREENSHOT}': No such file or directory`,
        );
      }
      c.ctx.streamOut(png);
      return { mime: "image/png" };
    })),
];

/** The picture libvirt's test driver serves as every screenshot (shipped with libvirt's data files). */
const TEST_SCREENSHOT = "/usr/share/libvirt/test-screenshot.png";

function defineXML(c: TestConn, xml: string): { dom: RemoteDomain } {
  const def = assignTestIfnames(parseDomainXML(xml));
  return c.dir((d, saveDir) => {
    const { entry, updated } = addOrUpdate(c, d, def, true, false);
    entry.persistent = true;
    saveDir();
    c.lifecycle(
      d,
      entry,
      VIR_DOMAIN_EVENT_DEFINED,
      updated ? VIR_DOMAIN_EVENT_DEFINED_UPDATED : VIR_DOMAIN_EVENT_DEFINED_ADDED,
    );
    return { dom: wire(entry) };
  });
}

function undefine(c: TestConn, dom: RemoteDomain, flags: number): void {
  checkFlags(
    "testDomainUndefineFlags",
    flags,
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
  );
  c.domain(dom, (o, x) => {
    if (o.hasManagedSave && !(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_TEST,
        "Refusing to undefine while domain managed save image exists",
      );
    }
    const nsnapshots = o.snapshots?.length ?? 0;
    if (!isActive(o) && nsnapshots > 0 && !(flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
      throw VirError.of(
        VIR_ERR_OPERATION_INVALID,
        VIR_FROM_TEST,
        `cannot delete inactive domain with ${nsnapshots} snapshots`,
      );
    }
    // A transient domain is "undefined" too (it stays while it runs).
    o.hasManagedSave = false;
    c.lifecycle(x.dir, x.entry, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    if (isActive(o)) {
      // A running domain stays, as a transient one (its pending config
      // stays too, shown as the inactive XML until it stops).
      o.persistent = false;
      x.entry.persistent = false;
      x.save();
      x.saveDir();
    } else {
      x.remove();
    }
  }, { dir: true });
}

/** testDomainCreateXML: defines a transient domain and starts it. */
export function createXML(c: TestConn, xml: string, flags: number): { dom: RemoteDomain } {
  // libvirt 9.0's test driver starts nothing paused: VALIDATE is its only flag.
  checkFlags("testDomainCreateXML", flags, VIR_DOMAIN_START_VALIDATE);
  const def = assignTestIfnames(parseDomainXML(xml));
  return c.dir((d, saveDir) => {
    const { entry } = addOrUpdate(c, d, def, false, true);
    using _ = c.store.objectLock(entry.handle).lock();
    const o = c.store.readLocked<DomainObj>(entry.handle);
    startLocked(o, { entry, dir: d }, VIR_DOMAIN_RUNNING_BOOTED);
    c.store.writeLocked(entry.handle, o);
    saveDir();
    c.lifecycle(d, entry, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    return { dom: wire(entry) };
  });
}

export function create(c: TestConn, dom: RemoteDomain, flags: number): RemoteDomain {
  checkFlags("testDomainCreateWithFlags", flags, 0);
  return c.domain(dom, (o, x) => {
    if (isActive(o)) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_TEST,
        `Domain '${o.def.name}' is already running`,
      );
    }
    o.hasManagedSave = false;
    startLocked(o, x, VIR_DOMAIN_RUNNING_BOOTED);
    x.save();
    x.saveDir();
    c.lifecycle(x.dir, x.entry, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    return wire(x.entry);
  }, { dir: true });
}

/** Stops a running domain with `reason`, raising STOPPED/`detail`; a transient domain disappears. */
export function stopWithEvent(
  c: TestConn,
  o: DomainObj,
  x: ObjectAccess<DomainEntry>,
  reason: number,
  detail: number,
): void {
  const ref = stoppedEventRef(o, x.entry);
  stopLocked(o, x.entry, reason);
  c.lifecycle(x.dir, ref, VIR_DOMAIN_EVENT_STOPPED, detail);
  if (!o.persistent) {
    x.remove();
    return;
  }
  x.save();
  x.saveDir();
}

function destroy(c: TestConn, dom: RemoteDomain, flags: number): void {
  checkFlags("testDomainDestroyFlags", flags, VIR_DOMAIN_DESTROY_GRACEFUL);
  c.domain(dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_DESTROYED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
  }, { dir: true });
}

function shutdown(c: TestConn, dom: RemoteDomain, flags: number): void {
  checkFlags("testDomainShutdownFlags", flags, 0);
  lifecycleAction(c, dom, (o) => {
    if (o.state === VIR_DOMAIN_SHUTOFF) throw notRunning(dom.name);
    return o.def.onPoweroff;
  });
}

/**
 * A guest's own shutdown or reboot (testDomainActionSetState): the
 * lifecycle action `check` returns decides — "restart" (or
 * "rename-restart") leaves it running, freshly booted; anything else stops
 * it, as a shutdown.
 */
function lifecycleAction(
  c: TestConn,
  dom: RemoteDomain,
  check: (o: DomainObj) => string,
): void {
  c.domain(dom, (o, x) => {
    const action = check(o);
    if (action === "restart" || action === "rename-restart") {
      o.state = VIR_DOMAIN_RUNNING;
      o.reason = VIR_DOMAIN_RUNNING_BOOTED;
      x.save();
      return;
    }
    stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_SHUTDOWN, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
  }, { dir: true });
}

/** testDomainSetMemoryFlags: the current (balloon) or, with MEM_MAXIMUM, the initial memory. */
function setMemory(c: TestConn, dom: RemoteDomain, memory: bigint, flags: number): void {
  checkFlags(
    "testDomainSetMemoryFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM,
  );
  c.domain(dom, (o, x) => {
    const kib = Number(memory);
    const { def, live } = oneDef(o, flags);
    if (flags & VIR_DOMAIN_MEM_MAXIMUM) {
      if (live) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "cannot resize the maximum memory on an active domain",
        );
      }
      if (def.cpu?.numa?.children.some((e) => e.name === "cell")) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "initial memory size of a domain with NUMA nodes cannot be modified with this API",
        );
      }
      if (def.maxMemory && def.maxMemory.kib < kib) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "cannot set initial memory size greater than the maximum memory size",
        );
      }
      def.memory = kib;
      if (def.currentMemory > kib) def.currentMemory = kib;
    } else {
      if (kib > def.memory) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_TEST,
          "cannot set memory higher than max memory",
        );
      }
      def.currentMemory = kib;
    }
    x.save();
  });
}

/** virDomainDefSetVcpus: the first `n` vCPUs online, the others offline. */
function setVcpusOnline(def: DomainDef, n: number): void {
  def.vcpusCurrent = n;
  def.vcpuList?.forEach((v, i) => (v.enabled = i < n));
}

/** virDomainDefSetVcpusMax: vCPUs added come offline; those beyond `n` go. */
function setVcpusMax(def: DomainDef, n: number): void {
  if (def.vcpuList) {
    const list = def.vcpuList.slice(0, n);
    for (let id = list.length; id < n; id++) {
      list.push({ id, enabled: false, hotpluggable: "yes", order: null });
    }
    def.vcpuList = list;
    def.vcpusCurrent = list.filter((v) => v.enabled).length;
  } else {
    // Without a <vcpus> list the online vCPUs are the first ones.
    def.vcpusCurrent = Math.min(def.vcpusCurrent, n);
  }
  def.vcpus = n;
}

/** testDomainSetVcpusFlags: the live and/or persistent vCPU count, or the persistent maximum. */
function setVcpus(c: TestConn, dom: RemoteDomain, n: number, flags: number): void {
  checkFlags(
    "testDomainSetVcpusFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM,
  );
  if (n > TEST_MAX_VCPUS) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_TEST,
      `requested cpu amount exceeds maximum supported amount (${n} > ${TEST_MAX_VCPUS})`,
    );
  }
  c.domain(dom, (o, x) => {
    const { live, config } = bothDefs(o, flags);
    const tooMany = (max: number) =>
      VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_TEST,
        `requested cpu amount exceeds maximum (${n} > ${max})`,
      );
    if (live && live.vcpus < n) throw tooMany(live.vcpus);
    if (config && !(flags & VIR_DOMAIN_VCPU_MAXIMUM) && config.vcpus < n) {
      throw tooMany(config.vcpus);
    }
    if (live) setVcpusOnline(live, n);
    if (config) {
      if (flags & VIR_DOMAIN_VCPU_MAXIMUM) setVcpusMax(config, n);
      else setVcpusOnline(config, n);
    }
    x.save();
  });
}

/** The default domain object of test:///default: running with id 1, reason unknown. */
export function defaultDomainObj(def: DomainDef): DomainObj {
  return {
    def,
    // libvirt starts the default domain with its config kept apart.
    newDef: copyDomainDef(def),
    id: 1,
    state: VIR_DOMAIN_RUNNING,
    reason: 0,
    persistent: true,
    autostart: false,
    hasManagedSave: false,
    schedWeight: 50,
  };
}
