/**
 * The test driver's storage pools and volumes (testStorageDriver of
 * libvirt 9.0): lists, lookups, define/create/build/undefine/destroy/
 * delete/refresh, info and XML, autostart, source discovery, volumes
 * (create, clone, delete, info, XML, path, lookups by name/key/path) and
 * storage pool events, with the test driver's answers and quirks.
 *
 * A pool is one object holding its volumes, so a volume operation locks its
 * pool, as libvirt does. Pools with an fc_host adapter touch the node devices
 * (the mock vHBA scsi_host12), through nodedev.ts.
 *
 * Not in libvirt 9.0's test driver, so left to the dispatcher's "not
 * supported": volume wipe, wipe-pattern, get-info-flags, upload and
 * download; pool lookup by target path; storage pool capabilities. Resize
 * is not supported either, but libvirt's public API checks its capacity
 * first, so it has a handler that does just that.
 *
 * @module
 */

import { checkFlagsIn } from "../../util/flags.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_STORAGE_POOL,
  VIR_ERR_NO_STORAGE_VOL,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_STORAGE,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import {
  REMOTE_STORAGE_POOL_LIST_MAX,
  REMOTE_STORAGE_VOL_LIST_MAX,
} from "../../protocol/remote_types.ts";
import {
  checkPoolListAdd,
  formatPoolXML,
  formatVolXML,
  parsePoolXML,
  parseVolXML,
  type PoolDef,
  type PoolType,
  TEST_POOL_CAPACITY,
  type VolDef,
  volInfoType,
} from "../../conf/storage_xml.ts";
import { FAMILY_EVENT_PROCS } from "../events.ts";
import { type ObjectAccess, on, type TestConn } from "./conn.ts";
import { deregisterAny, registerAny } from "../callbacks.ts";
import { addMockVport, removeMockVport } from "./nodedev.ts";
import { checkFlags } from "./errors.ts";
import type { ActiveEntry, TestDirectory, TestFamily } from "./state.ts";
import {
  checkVolCreate,
  checkVolCreateFrom,
  findPoolSources,
  poolWithVolumeAdded,
  poolWithVolumeRemoved,
} from "./storage_rules.ts";
import { defaultTestPool } from "./defaults.ts";

/** A storage pool object in the shared store: its definition, state and volumes. */
export interface PoolObj {
  /**
   * The definition. `allocation` holds libvirt's unsigned 64-bit counter as
   * a signed number (it can wrap below zero, see `redefine`); shown unsigned.
   */
  def: PoolDef;
  active: boolean;
  /** libvirt's "has a config file": defined pools are, pools made by create-xml are not. */
  persistent: boolean;
  autostart: boolean;
  /** The volumes, in creation order. */
  volumes: VolDef[];
}

/** A storage pool handle on the wire. */
interface WirePool {
  name: string;
  uuid: Uint8Array;
}

/** A storage volume handle on the wire. */
interface WireVol {
  pool: string;
  name: string;
  key: string;
}

// ---- Constants (libvirt-storage.h) -------------------------------------------------------------

const VIR_STORAGE_POOL_INACTIVE = 0;
const VIR_STORAGE_POOL_RUNNING = 2;

const VIR_STORAGE_POOL_EVENT_DEFINED = 0;
const VIR_STORAGE_POOL_EVENT_UNDEFINED = 1;
const VIR_STORAGE_POOL_EVENT_STARTED = 2;
const VIR_STORAGE_POOL_EVENT_STOPPED = 3;
const VIR_STORAGE_POOL_EVENT_CREATED = 4;
const VIR_STORAGE_POOL_EVENT_DELETED = 5;
/** VIR_STORAGE_POOL_EVENT_ID_LAST (LIFECYCLE 0, REFRESH 1). */
const VIR_STORAGE_POOL_EVENT_ID_LAST = 2;

const VIR_STORAGE_POOL_DEFINE_VALIDATE = 1;

const VIR_STORAGE_VOL_RESIZE_DELTA = 1 << 1;
const VIR_STORAGE_VOL_RESIZE_SHRINK = 1 << 2;

const LIST_INACTIVE = 1 << 0;
const LIST_ACTIVE = 1 << 1;
const LIST_PERSISTENT = 1 << 2;
const LIST_TRANSIENT = 1 << 3;
const LIST_AUTOSTART = 1 << 4;
const LIST_NO_AUTOSTART = 1 << 5;
/** VIR_CONNECT_LIST_STORAGE_POOLS_<TYPE>, in the header's order (bits 6…19). */
const LIST_POOL_TYPES: readonly PoolType[] = [
  "dir",
  "fs",
  "netfs",
  "logical",
  "disk",
  "iscsi",
  "scsi",
  "mpath",
  "rbd",
  "sheepdog",
  "gluster",
  "zfs",
  "vstorage",
  "iscsi-direct",
];
const LIST_TYPE_SHIFT = 6;
const LIST_TYPE_FILTERS = ((1 << LIST_POOL_TYPES.length) - 1) << LIST_TYPE_SHIFT;
/** VIR_CONNECT_LIST_STORAGE_POOLS_FILTERS_ALL. */
const LIST_FILTERS_ALL = (1 << (LIST_TYPE_SHIFT + LIST_POOL_TYPES.length)) - 1;

// ---- Errors ------------------------------------------------------------------------------------

function noPoolByName(name: string): VirError {
  return VirError.of(
    VIR_ERR_NO_STORAGE_POOL,
    VIR_FROM_TEST,
    `no storage pool with matching name '${name}'`,
  );
}

function noPoolByUuid(uuid: string): VirError {
  return VirError.of(
    VIR_ERR_NO_STORAGE_POOL,
    VIR_FROM_TEST,
    `no storage pool with matching uuid '${uuid}'`,
  );
}

function noVol(what: "name" | "key" | "path", value: string): VirError {
  return VirError.of(
    VIR_ERR_NO_STORAGE_VOL,
    VIR_FROM_TEST,
    `no storage vol with matching ${what} '${value}'`,
  );
}

/** testStoragePoolObjFindActiveByName's refusal. */
function checkActive(o: PoolObj, name: string): void {
  if (!o.active) {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_TEST,
      `storage pool '${name}' is not active`,
    );
  }
}

/** testStoragePoolObjFindInactiveByName's refusal. */
function checkInactive(o: PoolObj, name: string): void {
  if (o.active) {
    throw VirError.of(VIR_ERR_OPERATION_INVALID, VIR_FROM_TEST, `storage pool '${name}' is active`);
  }
}

/** libvirtd's generated check of a list call's `maxnames` (before the driver is called). */
function checkMaxnames(maxnames: number, max: number, name: string): void {
  if (maxnames > max) throw VirError.rpc(`maxnames > ${name}`);
  if (maxnames < 0) throw VirError.rpc("maxnames must be non-negative");
}

/**
 * virStorageVolResize as libvirtd runs it for the test driver: the public
 * API's capacity check, then "not supported" (the driver has no resize).
 */
function resize(capacity: bigint, flags: number): never {
  if (
    capacity === 0n && !(flags & (VIR_STORAGE_VOL_RESIZE_DELTA | VIR_STORAGE_VOL_RESIZE_SHRINK))
  ) {
    const e = new VirError({
      code: VIR_ERR_INVALID_ARG,
      domain: VIR_FROM_STORAGE,
      str1: "virStorageVolResize",
      str2: "capacity",
      int1: 0,
      int2: 0,
    });
    e.message =
      "capacity in virStorageVolResize cannot be zero without 'delta' or 'shrink' flags set";
    throw e;
  }
  throw new VirError({
    code: VIR_ERR_NO_SUPPORT,
    domain: VIR_FROM_STORAGE,
    str1: "this function is not supported by the connection driver: %s",
    str2: "virStorageVolResize",
  });
}

// ---- Pool arithmetic (unsigned long long, as in C) ------------------------------------------------

const u64 = (v: number | string): bigint => BigInt.asUintN(64, BigInt(v));

/**
 * The pool as testStorageVolCreateXML's space check sees it: libvirt adds
 * the volume's allocation to the pool's in 64-bit unsigned arithmetic, so
 * the view carries an allocation that makes the model's check wrap the same.
 */
function spaceView(def: PoolDef, vol: VolDef): PoolDef {
  const v = BigInt(vol.allocation);
  return { ...def, allocation: Number(BigInt.asUintN(64, BigInt(def.allocation) + v) - v) };
}

/** The pool after adding (sign 1) or removing (sign -1) a volume, wrapping as libvirt does. */
function withVolume(def: PoolDef, vol: VolDef, sign: 1n | -1n): PoolDef {
  const next = sign > 0n ? poolWithVolumeAdded(def, vol) : poolWithVolumeRemoved(def, vol);
  const allocation = BigInt.asIntN(64, BigInt(def.allocation) + sign * BigInt(vol.allocation));
  return {
    ...next,
    allocation: Number(allocation),
    available: Number(BigInt.asUintN(64, BigInt(def.capacity) - allocation)),
  };
}

/** testStoragePoolObjSetDefaults: 100 GiB, nothing allocated. */
function setDefaults(def: PoolDef): void {
  def.capacity = TEST_POOL_CAPACITY;
  def.allocation = 0;
  def.available = TEST_POOL_CAPACITY;
}

/** The definition as virStoragePoolDefFormat prints it (allocation unsigned). */
function shownDef(def: PoolDef): PoolDef {
  if (def.allocation >= 0) return def;
  return { ...def, allocation: String(u64(def.allocation)) as unknown as number };
}

// ---- Lookups -----------------------------------------------------------------------------------

function wirePool(e: { name: string; uuid: string }): WirePool {
  return { name: e.name, uuid: uuidFromString(e.uuid)! };
}

function wireVol(def: PoolDef, vol: VolDef): WireVol {
  return { pool: def.name, name: vol.name, key: vol.key ?? "" };
}

/** testStoragePoolObjFindByName: locks the pool named `name` and runs `fn`. */
function byName<T>(
  c: TestConn,
  name: string,
  fn: (o: PoolObj, a: ObjectAccess<ActiveEntry>) => T,
  opts: { dir?: boolean } = {},
): T {
  return c.object<PoolObj, ActiveEntry, T>(
    (d) => d.pools,
    (d, l) => (d.pools = l),
    (e) => e.name === name,
    () => noPoolByName(name),
    fn,
    opts,
  );
}

/** testStoragePoolObjFindByUUID. */
function byUuid<T>(c: TestConn, uuid: Uint8Array, fn: (o: PoolObj) => T): T {
  const u = uuidToString(uuid);
  return c.object<PoolObj, ActiveEntry, T>(
    (d) => d.pools,
    (d, l) => (d.pools = l),
    (e) => e.uuid === u,
    () => noPoolByUuid(u),
    (o) => fn(o),
  );
}

/** testStorageVolDefFindByName. */
function findVol(o: PoolObj, name: string): VolDef {
  const v = o.volumes.find((x) => x.name === name);
  if (!v) throw noVol("name", name);
  return v;
}

/** Searches the active pools for a volume (virStoragePoolObjListSearch), first match wins. */
function searchVol(c: TestConn, pred: (v: VolDef) => boolean): WireVol | null {
  return c.dir((d) => {
    for (const { obj } of c.readAll<PoolObj, ActiveEntry>(d.pools)) {
      if (!obj.active) continue;
      const v = obj.volumes.find(pred);
      if (v) return wireVol(obj.def, v);
    }
    return null;
  });
}

// ---- Events ------------------------------------------------------------------------------------

function poolLifecycle(c: TestConn, d: TestDirectory, pool: WirePool, event: number): void {
  c.emit(d, "storage_pool", 0, uuidToString(pool.uuid), (callbackID) => ({
    proc: FAMILY_EVENT_PROCS.storage_pool[0]!,
    msg: { callbackID, pool: { name: pool.name, uuid: pool.uuid }, event, detail: 0 },
  }));
}

function poolRefresh(c: TestConn, d: TestDirectory, pool: WirePool): void {
  c.emit(d, "storage_pool", 1, uuidToString(pool.uuid), (callbackID) => ({
    proc: FAMILY_EVENT_PROCS.storage_pool[1]!,
    msg: { callbackID, pool: { name: pool.name, uuid: pool.uuid } },
  }));
}

// ---- Operations --------------------------------------------------------------------------------

/** Every pool as virStoragePoolObjListAdd's checks see it (inside `c.dir`). */
function poolList(c: TestConn, d: TestDirectory) {
  return c.readAll<PoolObj, ActiveEntry>(d.pools);
}

/** testStoragePoolDefineXML. */
function defineXML(c: TestConn, xml: string, flags: number): { pool: WirePool } {
  checkFlags("testStoragePoolDefineXML", flags, VIR_STORAGE_POOL_DEFINE_VALIDATE);
  // VALIDATE asks for a RelaxNG check of storagepool.rng, which is not done here.
  const def = parsePoolXML(xml);
  return c.dir((d, save) => {
    const all = poolList(c, d);
    const idx = checkPoolListAdd(
      all.map(({ obj }) => ({ def: obj.def, active: obj.active })),
      def,
      false,
    );
    let entry: ActiveEntry;
    if (idx >= 0) {
      entry = all[idx]!.entry;
      c.update<PoolObj>(entry.handle, (o) => {
        // An active pool keeps its definition (libvirt parks the new one as
        // newDef, which the test driver never applies) but its figures are
        // reset all the same, volumes or not.
        if (!o.active) o.def = def;
        setDefaults(o.def);
        o.persistent = true;
      });
      entry.persistent = true;
    } else {
      setDefaults(def);
      const obj: PoolObj = { def, active: false, persistent: true, autostart: false, volumes: [] };
      entry = {
        name: def.name,
        uuid: def.uuid,
        handle: c.create(obj),
        active: false,
        persistent: true,
      };
      d.pools.push(entry);
    }
    save();
    poolLifecycle(c, d, wirePool(entry), VIR_STORAGE_POOL_EVENT_DEFINED);
    return { pool: wirePool(entry) };
  });
}

/** testStoragePoolCreateXML: a transient, running pool. */
function createXML(c: TestConn, xml: string, flags: number): { pool: WirePool } {
  checkFlags("testStoragePoolCreateXML", flags, 0);
  const def = parsePoolXML(xml);
  return c.dir((d, save) => {
    const all = poolList(c, d);
    const idx = checkPoolListAdd(
      all.map(({ obj }) => ({ def: obj.def, active: obj.active })),
      def,
      true,
    );
    const existing = idx >= 0 ? all[idx]!.entry : null;
    const adapter = def.source.adapter;
    if (adapter?.type === "fc_host") {
      try {
        addMockVport(c, d, adapter.wwnn ?? "", adapter.wwpn ?? "");
      } catch (e) {
        // libvirt drops the pool it had just added, or whose definition it had just replaced.
        if (existing) {
          d.pools = d.pools.filter((x) => x !== existing);
          save();
          c.store.destroyObject(existing.handle);
        }
        throw e;
      }
    }
    setDefaults(def);
    let entry: ActiveEntry;
    if (existing) {
      // An inactive pool of that name and UUID takes the new definition and,
      // with it, becomes transient.
      c.update<PoolObj>(existing.handle, (o) => {
        o.def = def;
        o.active = true;
        o.persistent = false;
      });
      existing.active = true;
      existing.persistent = false;
      entry = existing;
    } else {
      const obj: PoolObj = { def, active: true, persistent: false, autostart: false, volumes: [] };
      entry = {
        name: def.name,
        uuid: def.uuid,
        handle: c.create(obj),
        active: true,
        persistent: false,
      };
      d.pools.push(entry);
    }
    save();
    poolLifecycle(c, d, wirePool(entry), VIR_STORAGE_POOL_EVENT_STARTED);
    return { pool: wirePool(entry) };
  });
}

/**
 * testStoragePoolDestroy. A pool with an fc_host adapter also loses the mock
 * vHBA; when scsi_host12 is gone that fails, leaving the pool inactive all
 * the same. A transient pool disappears.
 */
function destroy(c: TestConn, pool: WirePool): void {
  c.dir((d, save) => {
    const entry = d.pools.find((e) => e.name === pool.name);
    if (!entry) throw noPoolByName(pool.name);
    // The pool's lock is released before the node devices are touched (one object lock at a time).
    const o = c.update<PoolObj>(entry.handle, (o) => {
      checkActive(o, pool.name);
      o.active = false;
    });
    entry.active = false;
    save();
    if (o.def.source.adapter?.type === "fc_host") {
      removeMockVport(c, d);
      save();
    }
    poolLifecycle(c, d, wirePool(o.def), VIR_STORAGE_POOL_EVENT_STOPPED);
    if (!o.persistent) {
      d.pools = d.pools.filter((e) => e !== entry);
      save();
      c.store.destroyObject(entry.handle);
    }
  });
}

/** The pool operations that only raise an event on an inactive (or active) pool. */
function eventOnly(
  c: TestConn,
  pool: WirePool,
  wantActive: boolean,
  raise: (d: TestDirectory) => void,
): void {
  byName(c, pool.name, (o, x) => {
    if (wantActive) checkActive(o, pool.name);
    else checkInactive(o, pool.name);
    raise(x.dir);
  });
}

/** virStoragePoolMatch for virConnectListAllStoragePools. */
function listFilter(o: PoolObj, flags: number): boolean {
  const pair = (a: number, b: number, va: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && !va);
  if (!pair(LIST_ACTIVE, LIST_INACTIVE, o.active)) return false;
  if (!pair(LIST_PERSISTENT, LIST_TRANSIENT, o.persistent)) return false;
  if (!pair(LIST_AUTOSTART, LIST_NO_AUTOSTART, o.autostart)) return false;
  if (flags & LIST_TYPE_FILTERS) {
    const bit = LIST_POOL_TYPES.indexOf(o.def.type);
    if (bit < 0 || !(flags & (1 << (LIST_TYPE_SHIFT + bit)))) return false;
  }
  return true;
}

/** Names of the active (or inactive) pools. */
function poolNames(c: TestConn, active: boolean): string[] {
  return c.dir((d) => d.pools.filter((e) => e.active === active).map((e) => e.name));
}

/** VIR_STORAGE_VOL_CREATE_VALIDATE: check the document against libvirt's schema. */
const VIR_STORAGE_VOL_CREATE_VALIDATE = 1 << 2;

/**
 * testStorageVolCreateXML / testStorageVolCreateXMLFrom. libvirt 9.0 hands
 * VALIDATE on to the volume parser, which accepts none of its callers' flags:
 * a document that passed the schema is then refused for that flag.
 */
function createVol(
  c: TestConn,
  pool: WirePool,
  xml: string,
  flags: number,
  check: (view: PoolDef, vols: VolDef[], vol: VolDef) => void,
): { vol: WireVol } {
  return byName(c, pool.name, (o, x) => {
    checkActive(o, pool.name);
    checkFlagsIn(VIR_FROM_STORAGE, "virStorageVolDefParseXML", flags, 0);
    const vol = parseVolXML(xml, o.def);
    check(spaceView(o.def, vol), o.volumes, vol);
    o.volumes.push(vol);
    o.def = withVolume(o.def, vol, 1n);
    x.save();
    return { vol: wireVol(o.def, vol) };
  });
}

/** Runs `fn` on volume `vol` of its (active) pool. */
function withVol<T>(c: TestConn, vol: WireVol, fn: (v: VolDef, o: PoolObj) => T): T {
  return byName(c, vol.pool, (o) => {
    checkActive(o, vol.pool);
    return fn(findVol(o, vol.name), o);
  });
}

const handlers: HandlerEntry[] = [
  // ---- Pool lists and lookups ------------------------------------------------------------------
  on(P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS, (c) => ({ num: poolNames(c, true).length })),
  on(P.REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, (c, a) => {
    checkMaxnames(a.maxnames, REMOTE_STORAGE_POOL_LIST_MAX, "REMOTE_STORAGE_POOL_LIST_MAX");
    return { names: poolNames(c, true).slice(0, Math.max(0, a.maxnames)) };
  }),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS,
    (c) => ({ num: poolNames(c, false).length }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, (c, a) => {
    checkMaxnames(a.maxnames, REMOTE_STORAGE_POOL_LIST_MAX, "REMOTE_STORAGE_POOL_LIST_MAX");
    return { names: poolNames(c, false).slice(0, Math.max(0, a.maxnames)) };
  }),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, (c, a) => {
    checkFlags("testConnectListAllStoragePools", a.flags, LIST_FILTERS_ALL);
    const pools = c.dir((d) =>
      poolList(c, d).filter(({ obj }) => listFilter(obj, a.flags)).map(({ entry }) =>
        wirePool(entry)
      )
    );
    return { pools: a.need_results ? pools : [], ret: pools.length };
  }),
  on(
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
    (c, a) => ({ pool: byName(c, a.name, (o) => wirePool(o.def)) }),
  ),
  on(
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID,
    (c, a) => ({ pool: byUuid(c, a.uuid, (o) => wirePool(o.def)) }),
  ),
  on(
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
    (c, a) => ({ pool: byName(c, a.vol.pool, (o) => wirePool(o.def)) }),
  ),
  on(P.REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES, (_c, a) => {
    checkFlags("testConnectFindStoragePoolSources", a.flags, 0);
    return { xml: findPoolSources(a.type, a.srcSpec) };
  }),

  // ---- Pool lifecycle --------------------------------------------------------------------------
  on(P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, (c, a) => defineXML(c, a.xml, a.flags)),
  on(P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, (c, a) => createXML(c, a.xml, a.flags)),
  on(P.REMOTE_PROC_STORAGE_POOL_UNDEFINE, (c, a) => {
    byName(c, a.pool.name, (o, x) => {
      checkInactive(o, a.pool.name);
      poolLifecycle(c, x.dir, a.pool, VIR_STORAGE_POOL_EVENT_UNDEFINED);
      x.remove();
    }, { dir: true });
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_CREATE, (c, a) => {
    checkFlags("testStoragePoolCreate", a.flags, 0);
    byName(c, a.pool.name, (o, x) => {
      checkInactive(o, a.pool.name);
      o.active = true;
      x.entry.active = true;
      x.save();
      x.saveDir();
      poolLifecycle(c, x.dir, a.pool, VIR_STORAGE_POOL_EVENT_STARTED);
    }, { dir: true });
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_BUILD, (c, a) => {
    checkFlags("testStoragePoolBuild", a.flags, 0);
    eventOnly(
      c,
      a.pool,
      false,
      (d) => poolLifecycle(c, d, a.pool, VIR_STORAGE_POOL_EVENT_CREATED),
    );
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_DESTROY, (c, a) => destroy(c, a.pool)),
  on(P.REMOTE_PROC_STORAGE_POOL_DELETE, (c, a) => {
    checkFlags("testStoragePoolDelete", a.flags, 0);
    eventOnly(
      c,
      a.pool,
      false,
      (d) => poolLifecycle(c, d, a.pool, VIR_STORAGE_POOL_EVENT_DELETED),
    );
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_REFRESH, (c, a) => {
    checkFlags("testStoragePoolRefresh", a.flags, 0);
    eventOnly(c, a.pool, true, (d) => poolRefresh(c, d, a.pool));
  }),

  // ---- Pool info and settings ------------------------------------------------------------------
  on(P.REMOTE_PROC_STORAGE_POOL_GET_INFO, (c, a) =>
    byName(c, a.pool.name, (o) => ({
      state: o.active ? VIR_STORAGE_POOL_RUNNING : VIR_STORAGE_POOL_INACTIVE,
      capacity: u64(o.def.capacity),
      allocation: u64(o.def.allocation),
      available: u64(o.def.available),
    }))),
  on(P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, (c, a) => {
    checkFlags("testStoragePoolGetXMLDesc", a.flags, 0);
    return { xml: byName(c, a.pool.name, (o) => formatPoolXML(shownDef(o.def))) };
  }),
  on(
    P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART,
    (c, a) => byName(c, a.pool.name, (o) => ({ autostart: o.persistent && o.autostart ? 1 : 0 })),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, (c, a) => {
    byName(c, a.pool.name, (o, x) => {
      if (!o.persistent) {
        throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_TEST, "pool has no config file");
      }
      o.autostart = a.autostart !== 0;
      x.save();
    });
  }),
  on(
    P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE,
    (c, a) => ({ active: byUuid(c, a.pool.uuid, (o) => (o.active ? 1 : 0)) }),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, (c, a) => ({
    persistent: byUuid(c, a.pool.uuid, (o) => (o.persistent ? 1 : 0)),
  })),

  // ---- Volume lists --------------------------------------------------------------------------------
  on(P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, (c, a) =>
    byName(c, a.pool.name, (o) => {
      checkActive(o, a.pool.name);
      return { num: o.volumes.length };
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, (c, a) => {
    checkMaxnames(a.maxnames, REMOTE_STORAGE_VOL_LIST_MAX, "REMOTE_STORAGE_VOL_LIST_MAX");
    return byName(c, a.pool.name, (o) => {
      checkActive(o, a.pool.name);
      return { names: o.volumes.map((v) => v.name).slice(0, Math.max(0, a.maxnames)) };
    });
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, (c, a) => {
    checkFlags("testStoragePoolListAllVolumes", a.flags, 0);
    const vols = byUuid(c, a.pool.uuid, (o) => {
      if (!o.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_TEST,
          "storage pool is not active",
        );
      }
      return o.volumes.map((v) => wireVol(o.def, v));
    });
    return { vols: a.need_results ? vols : [], ret: vols.length };
  }),

  // ---- Volume lookups --------------------------------------------------------------------------
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, (c, a) => ({
    vol: byName(c, a.pool.name, (o) => {
      checkActive(o, a.pool.name);
      return wireVol(o.def, findVol(o, a.name));
    }),
  })),
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, (c, a) => {
    const vol = searchVol(c, (v) => v.key === a.key);
    if (!vol) throw noVol("key", a.key);
    return { vol };
  }),
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, (c, a) => {
    const vol = searchVol(c, (v) => v.target.path === a.path);
    if (!vol) throw noVol("path", a.path);
    return { vol };
  }),

  // ---- Volume operations -----------------------------------------------------------------------
  on(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, (c, a) => {
    checkFlags("testStorageVolCreateXML", a.flags, VIR_STORAGE_VOL_CREATE_VALIDATE);
    return createVol(c, a.pool, a.xml, a.flags, checkVolCreate);
  }),
  on(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, (c, a) => {
    checkFlags("testStorageVolCreateXMLFrom", a.flags, VIR_STORAGE_VOL_CREATE_VALIDATE);
    // libvirt looks the volume to clone up by name in the target pool.
    return createVol(
      c,
      a.pool,
      a.xml,
      a.flags,
      (view, vols, vol) => checkVolCreateFrom(view, vols, vol, a.clonevol.name),
    );
  }),
  on(P.REMOTE_PROC_STORAGE_VOL_DELETE, (c, a) => {
    checkFlags("testStorageVolDelete", a.flags, 0);
    byName(c, a.vol.pool, (o, x) => {
      checkActive(o, a.vol.pool);
      const vol = findVol(o, a.vol.name);
      o.def = withVolume(o.def, vol, -1n);
      o.volumes = o.volumes.filter((v) => v !== vol);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_STORAGE_VOL_GET_INFO, (c, a) =>
    withVol(c, a.vol, (v, o) => ({
      type: volInfoType(o.def),
      capacity: u64(v.capacity),
      allocation: u64(v.allocation),
    }))),
  on(P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, (c, a) => {
    checkFlags("testStorageVolGetXMLDesc", a.flags, 0);
    return { xml: withVol(c, a.vol, (v, o) => formatVolXML(v, o.def)) };
  }),
  on(P.REMOTE_PROC_STORAGE_VOL_RESIZE, (_c, a) => resize(a.capacity, a.flags)),
  on(
    P.REMOTE_PROC_STORAGE_VOL_GET_PATH,
    (c, a) => ({ name: withVol(c, a.vol, (v) => v.target.path ?? "") }),
  ),

  // ---- Events ----------------------------------------------------------------------------------
  on(P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, (c, a) => ({
    callbackID: registerAny(
      c,
      "storage_pool",
      a.eventID,
      VIR_STORAGE_POOL_EVENT_ID_LAST,
      "storage pool",
      a.pool ? uuidToString(a.pool.uuid) : null,
    ),
  })),
  on(P.REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, (c, a) => {
    deregisterAny(c, "storage_pool", a.callbackID, "storage pool");
  }),
];

export const storageFamily: TestFamily = {
  handlers,
  populate(d, create) {
    const def = defaultTestPool();
    setDefaults(def);
    const obj: PoolObj = { def, active: true, persistent: true, autostart: false, volumes: [] };
    d.pools.push({
      name: def.name,
      uuid: def.uuid,
      handle: create(obj),
      active: true,
      persistent: true,
    });
  },
};
