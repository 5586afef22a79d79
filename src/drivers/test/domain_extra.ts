// The test driver's remaining domain procedures, with libvirt 9.0's
// answers, errors and events: snapshots, save/restore and core dumps,
// tuning parameters (memory, blkio, NUMA, perf, interface bandwidth, block
// I/O), statistics and guest-agent stand-ins (block/interface/memory/CPU
// stats, addresses, time, filesystems), vCPU/emulator/IOThread pinning,
// metadata, rename, and CONNECT_GET_ALL_DOMAIN_STATS. Procedures libvirt
// 9.0's test driver does not implement have no handler here.

import { findRedefined } from "../domain_list.ts";
import { errnoOf, systemError } from "../system_error.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_ARGUMENT_UNSUPPORTED,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN_CHECKPOINT,
  VIR_ERR_NO_DOMAIN_METADATA,
  VIR_ERR_NO_DOMAIN_SNAPSHOT,
  VIR_ERR_NO_NETWORK,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_SNAPSHOT_REVERT_RISKY,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_DOMAIN_CHECKPOINT,
  VIR_FROM_DOMAIN_SNAPSHOT,
  VIR_FROM_NONE,
  VIR_FROM_RPC,
  VIR_FROM_TEST,
  VIR_FROM_XML,
} from "../../rpc/error_codes.ts";
import {
  param,
  type TypedParam,
  validateTypedParams,
  VIR_TYPED_PARAM_BOOLEAN,
  VIR_TYPED_PARAM_INT,
  VIR_TYPED_PARAM_STRING,
  VIR_TYPED_PARAM_UINT,
  VIR_TYPED_PARAM_ULLONG,
} from "../../rpc/typed_params.ts";
import {
  assignTestIfnames,
  copyDomainDef,
  type DomainDef,
  formatDomainXML,
  type NetDef,
  parseDomainXML,
  type RawElement,
  VIR_DOMAIN_XML_SECURE,
} from "../../conf/domain_xml.ts";
import {
  alignCheckpointDisks,
  alignSnapshotDisks,
  assignBitmapNames,
  diskIndexByName,
  diskIsEmpty,
  formatCheckpointXML,
  formatSnapshotXML,
  parseCheckpointXML,
  parseSnapshotXML,
  SNAPSHOT_STATES,
  snapshotDomainCopy,
  snapshotIsExternal,
} from "../../conf/snapshot_xml.ts";
import { parseXml, XmlSyntaxError } from "../../conf/xml.ts";
import { uuidToString } from "../../conf/uuid.ts";
import { DOMAIN_EVENT_CALLBACK_PROCS } from "../events.ts";
import type { NetworkObj } from "./network.ts";
import { on, type TestConn } from "./conn.ts";
import {
  bothDefs,
  checkFlags,
  create,
  createXML,
  isActive,
  notActive,
  oneDef,
  startLocked,
  stopLocked,
  stopWithEvent,
  wire,
} from "./domain.ts";
import {
  type CheckpointObj,
  type DomainEntry,
  type DomainObj,
  type SnapshotObj,
  type TestDirectory,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
  VIR_DOMAIN_EVENT_STARTED_RESTORED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT,
  VIR_DOMAIN_EVENT_STOPPED_SAVED,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PAUSED_FROM_SNAPSHOT,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_RUNNING_FROM_SNAPSHOT,
  VIR_DOMAIN_RUNNING_RESTORED,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT,
  VIR_DOMAIN_SHUTOFF_SAVED,
} from "./state.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";

// ---- Constants (libvirt-domain.h, libvirt-domain-snapshot.h) --------------------------------------

const TYPED_PARAM_STRING_OKAY = 4;

const SNAP_CREATE_REDEFINE = 1 << 0;
const SNAP_CREATE_CURRENT = 1 << 1;
const SNAP_CREATE_NO_METADATA = 1 << 2;
const SNAP_CREATE_HALT = 1 << 3;
const SNAP_CREATE_QUIESCE = 1 << 6;
const SNAP_CREATE_ATOMIC = 1 << 7;
const SNAP_CREATE_LIVE = 1 << 8;
const SNAP_CREATE_VALIDATE = 1 << 9;

const SNAP_LIST_ROOTS = 1 << 0; // also DESCENDANTS for children listings
const SNAP_LIST_METADATA = 1 << 1;
const SNAP_LIST_LEAVES = 1 << 2;
const SNAP_LIST_NO_LEAVES = 1 << 3;
const SNAP_LIST_NO_METADATA = 1 << 4;
const SNAP_LIST_INACTIVE = 1 << 5;
const SNAP_LIST_ACTIVE = 1 << 6;
const SNAP_LIST_DISK_ONLY = 1 << 7;
const SNAP_LIST_INTERNAL = 1 << 8;
const SNAP_LIST_EXTERNAL = 1 << 9;
const SNAP_LIST_TOPOLOGICAL = 1 << 10;
const SNAP_FILTERS_LEAVES = SNAP_LIST_LEAVES | SNAP_LIST_NO_LEAVES;
const SNAP_FILTERS_METADATA = SNAP_LIST_METADATA | SNAP_LIST_NO_METADATA;
const SNAP_FILTERS_STATUS = SNAP_LIST_INACTIVE | SNAP_LIST_ACTIVE | SNAP_LIST_DISK_ONLY;
const SNAP_FILTERS_LOCATION = SNAP_LIST_INTERNAL | SNAP_LIST_EXTERNAL;
const SNAP_FILTERS_ALL = SNAP_FILTERS_LEAVES | SNAP_FILTERS_METADATA | SNAP_FILTERS_STATUS |
  SNAP_FILTERS_LOCATION;

const SNAP_REVERT_RUNNING = 1 << 0;
const SNAP_REVERT_PAUSED = 1 << 1;
const SNAP_REVERT_FORCE = 1 << 2;

const SNAP_DELETE_CHILDREN = 1 << 0;
const SNAP_DELETE_CHILDREN_ONLY = 1 << 2;

const SNAP_XML_SECURE = 1;

const SAVE_RUNNING = 2;
const SAVE_PAUSED = 4;
const DUMP_CRASH = 1;
const VIR_DOMAIN_SHUTOFF_CRASHED = 3;
const VIR_DOMAIN_EVENT_STOPPED_CRASHED = 2;
const VIR_DOMAIN_EVENT_UNDEFINED_RENAMED = 1;
const VIR_DOMAIN_EVENT_DEFINED_RENAMED = 2;
const VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT = 5;

/** The test driver's node: 2 nodes × 2 sockets × 2 cores × 2 threads (VIR_NODEINFO_MAXCPUS). */
const HOST_CPUS = 16;
/** nodeInfo.cores, the CPU count of per-CPU statistics. */
const STATS_CPUS = 2;
/** testDomainObjPrivateAlloc's initial guest time. */
const DEFAULT_GUEST_SECONDS = "627319920";
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED. */
const MEMORY_UNLIMITED = 9007199254740991n;
const TEST_SAVE_MAGIC = new TextEncoder().encode("TestGuestMagic\0");
const TEST_TOTAL_CPUTIME = 48772617035n;
const TEST_BLOCK_IOTUNE_MAX = 1000000000000000n;
const METADATA_CHANGE_EVENT = 23;

// ---- Errors ------------------------------------------------------------------------------------------

/** The public API's VIR_EXCLUSIVE_FLAGS check (it runs in the daemon too). */
function exclusiveFlags(
  fn: string,
  domain: number,
  flags: number,
  a: number,
  b: number,
  names: [string, string],
): void {
  if ((flags & a) && (flags & b)) {
    throw VirError.argument(
      domain,
      fn,
      "ctl",
      `Flags '${names[0]}' and '${names[1]}' are mutually exclusive`,
    );
  }
}

function exclusiveAffect(fn: string, flags: number): void {
  exclusiveFlags(fn, VIR_FROM_DOMAIN, flags, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG, [
    "VIR_DOMAIN_AFFECT_LIVE",
    "VIR_DOMAIN_AFFECT_CONFIG",
  ]);
}

function testError(code: number, detail: string): VirError {
  return VirError.of(code, VIR_FROM_TEST, detail);
}

/** virReportSystemError in the test driver. */
function testSystemError(message: string, errno: number, strerror: string): VirError {
  return systemError(VIR_FROM_TEST, message, errno, strerror);
}

/** The error libvirt raises when a driver fails without setting one (virErrorGenericFailure). */
function unknownError(): VirError {
  const e = new VirError({
    code: VIR_ERR_INTERNAL_ERROR,
    domain: VIR_FROM_NONE,
    str1: "%s",
    int1: 0,
    int2: 0,
  });
  e.message = "An error occurred, but the cause is unknown";
  Object.assign(e, { str1: null });
  return e;
}

/** An RPC-layer limit the remote dispatcher enforces (VIR_ERR_INTERNAL_ERROR in VIR_FROM_RPC). */
function rpcLimit(detail: string): VirError {
  return VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, detail);
}

// ---- Definitions: live and persistent ---------------------------------------------------------------

/** Entry fields for an event on a stopped domain (its id is gone). */
function stoppedRef(e: DomainEntry): { name: string; uuid: string; id: number } {
  return { name: e.name, uuid: e.uuid, id: -1 };
}

// ---- Typed parameters ----------------------------------------------------------------------------

function paramNum(p: TypedParam): number {
  return Number(p.value.value as number | bigint);
}

function paramBig(p: TypedParam): bigint {
  return BigInt(p.value.value as number | bigint);
}

/** The first parameter named `field` (virTypedParamsGet*). */
function findParam(params: TypedParam[], field: string): TypedParam | undefined {
  return params.find((p) => p.field === field);
}

/**
 * A getter's reply over the wire: with nparams 0 the count only; otherwise
 * the first `nparams` values, strings left out unless the caller accepts
 * them (virTypedParamsSerialize with the caller's flags).
 */
function paramsReply(
  all: TypedParam[],
  nparams: number,
  flags: number,
  max: number,
): { params: TypedParam[]; nparams: number } {
  if (nparams > max) throw rpcLimit("nparams too large");
  if (nparams === 0) return { params: [], nparams: all.length };
  return { params: stringsFor(all.slice(0, nparams), flags), nparams: 0 };
}

function stringsFor(params: TypedParam[], flags: number): TypedParam[] {
  if (flags & TYPED_PARAM_STRING_OKAY) return params;
  return params.filter((p) => p.value.tag !== VIR_TYPED_PARAM_STRING);
}

// ---- Bitmaps ------------------------------------------------------------------------------------

/** virBitmapParse: "0-3,^2,5" → sorted bits, or null when malformed or beyond `size`. */
function parseBitmap(s: string, size = 16384): number[] | null {
  const bits = new Set<number>();
  let i = 0;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const num = (): number | null => {
    const m = /^[+-]?\d+/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    const n = Number(m[0]);
    return Number.isSafeInteger(n) && n <= 0x7fffffff ? n : null;
  };
  skip();
  if (i >= s.length) return null;
  while (i < s.length) {
    let neg = false;
    if (s[i] === "^") {
      i++;
      neg = true;
    }
    if (!/\d/.test(s[i] ?? "")) return null;
    const start = num();
    if (start === null || start < 0) return null;
    skip();
    if (i >= s.length || s[i] === ",") {
      if (neg) bits.delete(start);
      else {
        if (start >= size) return null;
        bits.add(start);
      }
    } else if (s[i] === "-") {
      if (neg) return null;
      i++;
      skip();
      const last = num();
      if (last === null || last < start) return null;
      for (let b = start; b <= last; b++) {
        if (b >= size) return null;
        bits.add(b);
      }
      skip();
    }
    if (s[i] === ",") {
      i++;
      skip();
    } else if (i >= s.length) break;
    else return null;
  }
  return [...bits].sort((a, b) => a - b);
}

/** virBitmapFormat: ranges of consecutive bits, "" for none. */
function formatBitmap(bits: number[]): string {
  const sorted = [...new Set(bits)].sort((a, b) => a - b);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** virBitmapNewData: the set bits of a CPU map. */
function bitsFromBytes(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3]! & (1 << (i & 7))) out.push(i);
  return out;
}

/** virBitmapToDataBuf: a CPU map of `len` bytes. */
function writeBits(out: Uint8Array, offset: number, len: number, bits: number[]): void {
  for (const bit of bits) if (bit < len * 8) out[offset + (bit >> 3)]! |= 1 << (bit & 7);
}

function allCpus(n = HOST_CPUS): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function bitsOf(cpuset: string | null): number[] | null {
  return cpuset === null ? null : parseBitmap(cpuset) ?? [];
}

// ---- Snapshot tree (virDomainMomentObjList) ------------------------------------------------------------

interface MomentObj {
  def: { name: string; parent: string | null };
  children: string[];
  link: string | null;
}

/** virDomainMomentObjList over a domain's snapshots or checkpoints. */
class Moments<M extends MomentObj> {
  readonly list: M[];
  readonly roots: string[];
  readonly #getCurrent: () => string | null;
  readonly #setCurrent: (name: string | null) => void;
  constructor(
    list: M[],
    roots: string[],
    getCurrent: () => string | null,
    setCurrent: (name: string | null) => void,
  ) {
    this.list = list;
    this.roots = roots;
    this.#getCurrent = getCurrent;
    this.#setCurrent = setCurrent;
  }
  get current(): string | null {
    return this.#getCurrent();
  }
  set current(name: string | null) {
    this.#setCurrent(name);
  }
  find(name: string | null): M | undefined {
    return name === null ? undefined : this.list.find((s) => s.def.name === name);
  }
  /** The child list of a moment, or of the meta-root. */
  children(of: M | null): string[] {
    return of ? of.children : this.roots;
  }
  /** virDomainMomentSetParent: newest first. */
  setParent(s: M, parent: M | null): void {
    s.link = parent ? parent.def.name : null;
    this.children(parent).unshift(s.def.name);
  }
  /** virDomainMomentLinkParent: under the moment named by def.parent, or the meta-root. */
  linkParent(s: M): void {
    this.setParent(s, this.find(s.def.parent) ?? null);
  }
  /** virDomainMomentDropParent. */
  dropParent(s: M): void {
    const list = this.children(this.find(s.link) ?? null);
    const i = list.indexOf(s.def.name);
    if (i >= 0) list.splice(i, 1);
    s.link = null;
  }
  /** virDomainMomentMoveChildren: `from`'s children go ahead of `to`'s. */
  moveChildren(from: M, to: M | null): void {
    for (const n of from.children) {
      const c = this.find(n);
      if (c) c.link = to ? to.def.name : null;
    }
    this.children(to).unshift(...from.children);
    from.children = [];
  }
  /** virDomainMomentObjListRemove: true if it was current. */
  remove(s: M): boolean {
    const wasCurrent = this.current === s.def.name;
    const i = this.list.indexOf(s);
    if (i >= 0) this.list.splice(i, 1);
    if (wasCurrent) this.current = null;
    return wasCurrent;
  }
  /** virDomainMomentForEachDescendant: pre-order, in child-list order. */
  descendants(of: M | null): M[] {
    const out: M[] = [];
    const walk = (names: string[]) => {
      for (const n of [...names]) {
        const c = this.find(n);
        if (!c) continue;
        out.push(c);
        walk(c.children);
      }
    };
    walk(this.children(of));
    return out;
  }
  /** The delete logic shared by snapshots and checkpoints (CHILDREN = 1, CHILDREN_ONLY = 4). */
  delete(m: M, flags: number): void {
    if (flags & (1 | 4)) {
      let wasCurrent = false;
      for (const d of this.descendants(m)) wasCurrent = this.remove(d) || wasCurrent;
      if (wasCurrent) this.current = m.def.name;
    } else if (m.children.length) {
      const parent = this.find(m.link) ?? null;
      for (const n of m.children) {
        const child = this.find(n);
        if (child) child.def.parent = parent ? parent.def.name : null;
      }
      this.moveChildren(m, parent);
    }
    if (flags & 4) {
      m.children = [];
    } else {
      this.dropParent(m);
      if (this.current === m.def.name) this.current = this.find(m.def.parent)?.def.name ?? null;
      this.remove(m);
    }
  }
}

class Snapshots extends Moments<SnapshotObj> {
  constructor(o: DomainObj) {
    super(
      o.snapshots ??= [],
      o.snapshotRoots ??= [],
      () => o.currentSnapshot ?? null,
      (n) => (o.currentSnapshot = n),
    );
  }
}

class Checkpoints extends Moments<CheckpointObj> {
  constructor(o: DomainObj) {
    super(
      o.checkpoints ??= [],
      o.checkpointRoots ??= [],
      () => o.currentCheckpoint ?? null,
      (n) => (o.currentCheckpoint = n),
    );
  }
}

/** virDomainSnapshotObjListGetNames: the names `flags` select, from the meta-root or a snapshot. */
function snapshotNames(
  m: Snapshots,
  from: SnapshotObj | null,
  flags: number,
  withNames: boolean,
): string[] {
  let descendants = (flags & SNAP_LIST_ROOTS) !== 0;
  const topological = (flags & SNAP_LIST_TOPOLOGICAL) !== 0;
  if (!from) descendants = !descendants;
  let filter = flags & ~(SNAP_LIST_ROOTS | SNAP_LIST_TOPOLOGICAL);
  if ((filter & SNAP_FILTERS_METADATA) === SNAP_LIST_NO_METADATA) return [];
  filter &= ~SNAP_FILTERS_METADATA;
  if ((filter & SNAP_FILTERS_LEAVES) === SNAP_FILTERS_LEAVES) filter &= ~SNAP_FILTERS_LEAVES;
  if ((filter & SNAP_FILTERS_STATUS) === SNAP_FILTERS_STATUS) filter &= ~SNAP_FILTERS_STATUS;
  if ((filter & SNAP_FILTERS_LOCATION) === SNAP_FILTERS_LOCATION) filter &= ~SNAP_FILTERS_LOCATION;
  let candidates: SnapshotObj[];
  if (descendants) {
    candidates = from || (withNames && topological) ? m.descendants(from) : [...m.list];
  } else {
    candidates = m.children(from).map((n) => m.find(n)!).filter((s) => s);
  }
  return candidates.filter((s) => {
    if ((filter & SNAP_LIST_LEAVES) && s.children.length) return false;
    if ((filter & SNAP_LIST_NO_LEAVES) && !s.children.length) return false;
    const st = s.def.state;
    if (filter & SNAP_FILTERS_STATUS) {
      if (!(filter & SNAP_LIST_INACTIVE) && st === "shutoff") return false;
      if (!(filter & SNAP_LIST_DISK_ONLY) && st === "disk-snapshot") return false;
      if (!(filter & SNAP_LIST_ACTIVE) && st !== "shutoff" && st !== "disk-snapshot") return false;
    }
    if ((filter & SNAP_LIST_INTERNAL) && snapshotIsExternal(s.def)) return false;
    if ((filter & SNAP_LIST_EXTERNAL) && !snapshotIsExternal(s.def)) return false;
    return true;
  }).map((s) => s.def.name);
}

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

const SNAP_LIST_ALLOWED = SNAP_LIST_ROOTS | SNAP_LIST_TOPOLOGICAL | SNAP_FILTERS_ALL;

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

/** virDomainMomentCheckCycles (errors in VIR_FROM_DOMAIN). */
function checkCycles<M extends MomentObj>(
  m: Moments<M>,
  def: { name: string; parent: string | null },
): void {
  if (def.parent === null) return;
  if (def.parent === def.name) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `cannot set moment ${def.name} as its own parent`,
    );
  }
  let other = m.find(def.parent);
  if (!other) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `parent ${def.parent} for moment ${def.name} not found`,
    );
  }
  while (other.def.parent !== null) {
    if (other.def.parent === def.name) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN,
        `parent ${other.def.name} would create cycle to ${def.name}`,
      );
    }
    const next = m.find(other.def.parent);
    if (!next) break;
    other = next;
  }
}

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

const snapshotHandlers: HandlerEntry[] = [
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

// ---- Checkpoints --------------------------------------------------------------------------------

/** virDomainCheckpointObjListGetNames (ROOTS/DESCENDANTS 1, TOPOLOGICAL 2, LEAVES 4, NO_LEAVES 8). */
function checkpointNames(m: Checkpoints, from: CheckpointObj | null, flags: number): string[] {
  let descendants = (flags & 1) !== 0;
  if (!from) descendants = !descendants;
  let filter = flags & (4 | 8);
  if (filter === (4 | 8)) filter = 0;
  const candidates = descendants
    ? (from || (flags & 2) ? m.descendants(from) : [...m.list])
    : m.children(from).map((n) => m.find(n)!).filter((s) => s);
  return candidates.filter((s) =>
    !((filter & 4) && s.children.length) && !((filter & 8) && !s.children.length)
  ).map((s) => s.def.name);
}

function checkpointOf(m: Checkpoints, name: string): CheckpointObj {
  const chk = m.find(name);
  if (!chk) {
    throw testError(
      VIR_ERR_NO_DOMAIN_CHECKPOINT,
      `no domain checkpoint with matching name '${name}'`,
    );
  }
  return chk;
}

function checkpointCreate(c: TestConn, a: { dom: RemoteDomain; xml_desc: string; flags: number }) {
  checkFlags("testDomainCheckpointCreateXML", a.flags, 1 | 2);
  const redefine = (a.flags & 1) !== 0;
  let updateCurrent = !redefine;
  return c.domain(a.dom, (o, x) => {
    if (o.snapshots?.length) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "cannot create checkpoint while snapshot exists",
      );
    }
    if (!isActive(o)) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "cannot create checkpoint for inactive domain",
      );
    }
    const def = parseCheckpointXML(a.xml_desc, { redefine });
    const m = new Checkpoints(o);
    let chk: CheckpointObj;
    if (redefine) {
      checkCycles(m, def);
      if (def.dom) {
        if (def.dom.uuid !== o.def.uuid) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN_CHECKPOINT,
            `definition for checkpoint ${def.name} must use uuid ${o.def.uuid}`,
          );
        }
        alignCheckpointDisks(def);
      } else {
        assignBitmapNames(def);
      }
      if (def.parent !== null && m.find(def.parent) && def.parent === m.current) {
        updateCurrent = true;
      }
      if (m.current === null) updateCurrent = true;
      const other = m.find(def.name);
      if (other) {
        m.dropParent(other);
        other.def = def;
        chk = other;
      } else {
        chk = { def, children: [], link: null };
        m.list.push(chk);
      }
    } else {
      def.dom = snapshotDomainCopy(o.def);
      alignCheckpointDisks(def);
      if (m.find(def.name)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_DOMAIN,
          `domain moment ${def.name} already exists`,
        );
      }
      chk = { def, children: [], link: null };
      m.list.push(chk);
    }
    const current = m.find(m.current);
    if (current && current !== chk) {
      if (!redefine) chk.def.parent = current.def.name;
      if (updateCurrent) m.current = null;
    }
    if (updateCurrent) m.current = chk.def.name;
    m.linkParent(chk);
    x.save();
    return { checkpoint: { name: chk.def.name, dom: wire(x.entry) } };
  });
}

const checkpointHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, checkpointCreate),
  on(P.REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS, (c, a) => {
    checkFlags("testDomainListAllCheckpoints", a.flags, 0xf);
    return c.domain(a.dom, (o) => {
      const names = checkpointNames(new Checkpoints(o), null, a.flags);
      return {
        checkpoints: a.need_results ? names.map((name) => ({ name, dom: a.dom })) : [],
        ret: names.length,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, (c, a) => {
    checkFlags("testDomainCheckpointListAllChildren", a.flags, 0xf);
    return c.domain(a.checkpoint.dom, (o) => {
      const m = new Checkpoints(o);
      const names = checkpointNames(m, checkpointOf(m, a.checkpoint.name), a.flags);
      return {
        checkpoints: a.need_results ? names.map((name) => ({ name, dom: a.checkpoint.dom })) : [],
        ret: names.length,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, (c, a) => {
    checkFlags("testDomainCheckpointLookupByName", a.flags, 0);
    return c.domain(a.dom, (o, x) => ({
      checkpoint: { name: checkpointOf(new Checkpoints(o), a.name).def.name, dom: wire(x.entry) },
    }));
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT, (c, a) => {
    checkFlags("testDomainCheckpointGetParent", a.flags, 0);
    return c.domain(a.checkpoint.dom, (o) => {
      const chk = checkpointOf(new Checkpoints(o), a.checkpoint.name);
      if (chk.def.parent === null) {
        throw testError(
          VIR_ERR_NO_DOMAIN_CHECKPOINT,
          `checkpoint '${chk.def.name}' does not have a parent`,
        );
      }
      return { parent: { name: chk.def.parent, dom: a.checkpoint.dom } };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC, (c, a) => {
    checkFlags("testDomainCheckpointGetXMLDesc", a.flags, 1 | 2 | 4);
    return c.domain(a.checkpoint.dom, (o) => {
      const chk = checkpointOf(new Checkpoints(o), a.checkpoint.name);
      if ((a.flags & 4) && !isActive(o)) throw notActive();
      return { xml: formatCheckpointXML(chk.def, a.flags) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, (c, a) => {
    exclusiveFlags("virDomainCheckpointDelete", VIR_FROM_DOMAIN_CHECKPOINT, a.flags, 1, 4, [
      "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN",
      "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY",
    ]);
    checkFlags("testDomainCheckpointDelete", a.flags, 1 | 2 | 4);
    c.domain(a.checkpoint.dom, (o, x) => {
      const m = new Checkpoints(o);
      m.delete(checkpointOf(m, a.checkpoint.name), a.flags & ~2);
      x.save();
    });
  }),
];

// ---- Save, restore, core dump -----------------------------------------------------------------

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** testDomainSaveImageWrite: magic, native int length, the definition (secure). */
function writeSaveImage(path: string, name: string, xml: string): void {
  const body = new TextEncoder().encode(xml);
  const data = new Uint8Array(TEST_SAVE_MAGIC.length + 4 + body.length);
  data.set(TEST_SAVE_MAGIC, 0);
  data.set(le32(body.length), TEST_SAVE_MAGIC.length);
  data.set(body, TEST_SAVE_MAGIC.length + 4);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, create: true, truncate: true, mode: 0o600 });
  } catch (e) {
    const [errno, text] = errnoOf(e, path);
    throw testSystemError(`saving domain '${name}' to '${path}': open failed`, errno, text);
  }
  try {
    let off = 0;
    while (off < data.length) off += file.writeSync(data.subarray(off));
  } catch (e) {
    file.close();
    try {
      Deno.removeSync(path);
    } catch {
      // Already failing.
    }
    const [errno, text] = errnoOf(e, path);
    throw testSystemError(`saving domain '${name}' to '${path}': write failed`, errno, text);
  }
  file.close();
}

/** testDomainSaveImageOpen: the definition stored in a save image. */
function readSaveImage(path: string): DomainDef {
  let data: Uint8Array;
  try {
    data = Deno.readFileSync(path);
  } catch (e) {
    const [errno, text] = errnoOf(e, path);
    if (errno === 21) throw testSystemError(`incomplete save header in '${path}'`, errno, text);
    throw testSystemError(`cannot read domain image '${path}'`, errno, text);
  }
  if (data.length < TEST_SAVE_MAGIC.length) {
    throw testSystemError(`incomplete save header in '${path}'`, 0, "Success");
  }
  for (let i = 0; i < TEST_SAVE_MAGIC.length; i++) {
    if (data[i] !== TEST_SAVE_MAGIC[i]) {
      throw testError(VIR_ERR_INTERNAL_ERROR, "mismatched header magic");
    }
  }
  if (data.length < TEST_SAVE_MAGIC.length + 4) {
    throw testSystemError(`failed to read metadata length in '${path}'`, 0, "Success");
  }
  const len = new DataView(data.buffer, data.byteOffset).getInt32(TEST_SAVE_MAGIC.length, true);
  if (len < 1 || len > 8192) {
    throw testError(VIR_ERR_INTERNAL_ERROR, "length of metadata out of range");
  }
  const start = TEST_SAVE_MAGIC.length + 4;
  if (data.length < start + len) {
    throw testSystemError(`incomplete metadata in '${path}'`, 0, "Success");
  }
  const xml = new TextDecoder().decode(data.subarray(start, start + len));
  return parseDomainXML(xml.replace(/\0[\s\S]*$/, ""));
}

function saveDomain(
  c: TestConn,
  a: { dom: RemoteDomain; to: string; dxml: string | null; flags: number },
): void {
  checkFlags("testDomainSaveFlags", a.flags, 0);
  if (a.dxml !== null) {
    throw testError(VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
  }
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    writeSaveImage(
      a.to,
      o.def.name,
      formatDomainXML(o.def, { id: o.id, active: true, flags: VIR_DOMAIN_XML_SECURE }),
    );
    stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
  }, { dir: true });
}

/** virDomainObjListAdd with LIVE | CHECK_LIVE, then testDomainStartState(RESTORED). */
function restoreDomain(c: TestConn, a: { from: string; dxml: string | null; flags: number }) {
  checkFlags("testDomainRestoreFlags", a.flags, 0);
  if (a.dxml !== null) {
    throw testError(VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
  }
  const def = assignTestIfnames(readSaveImage(a.from));
  c.dir((d, saveDir) => {
    let entry = findRedefined(d.domains, def);
    const start = (o: DomainObj, e: DomainEntry) => {
      startLocked(o, { entry: e, dir: d }, VIR_DOMAIN_RUNNING_RESTORED);
      o.hasManagedSave = false;
    };
    if (entry) {
      const e = entry;
      using _ = c.store.objectLock(e.handle).lock();
      const o = c.store.readLocked<DomainObj>(e.handle);
      if (isActive(o)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain '${def.name}' is already active`,
        );
      }
      // The saved definition runs; the persistent one waits for the next shutdown.
      if (o.persistent && !o.newDef) o.newDef = o.def;
      o.def = def;
      start(o, e);
      c.store.writeLocked(e.handle, o);
    } else {
      const o: DomainObj = {
        def,
        newDef: null,
        id: -1,
        state: VIR_DOMAIN_SHUTOFF,
        reason: 0,
        persistent: false,
        autostart: false,
        hasManagedSave: false,
        schedWeight: 50,
      };
      entry = {
        name: def.name,
        uuid: def.uuid,
        handle: 0,
        id: -1,
        active: false,
        persistent: false,
      };
      start(o, entry);
      entry.handle = c.create(o);
      d.domains.push(entry);
    }
    saveDir();
    c.lifecycle(d, entry, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_RESTORED);
  });
}

function coreDump(
  c: TestConn,
  a: { dom: RemoteDomain; to: string; dumpformat: number; flags: number },
): void {
  checkFlags("testDomainCoreDumpWithFormat", a.flags, DUMP_CRASH);
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    try {
      Deno.writeFileSync(a.to, TEST_SAVE_MAGIC, { create: true, mode: 0o600 });
    } catch (e) {
      const [errno, text] = errnoOf(e, a.to);
      throw testSystemError(`domain '${o.def.name}' coredump: failed to open ${a.to}`, errno, text);
    }
    if (a.dumpformat !== 0) {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "kdump-compressed format is not supported here",
      );
    }
    if (a.flags & DUMP_CRASH) {
      stopWithEvent(c, o, x, VIR_DOMAIN_SHUTOFF_CRASHED, VIR_DOMAIN_EVENT_STOPPED_CRASHED);
    }
  }, { dir: true });
}

const saveHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_SAVE,
    (c, a) => saveDomain(c, { dom: a.dom, to: a.to, dxml: null, flags: 0 }),
  ),
  on(P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, saveDomain),
  on(
    P.REMOTE_PROC_DOMAIN_RESTORE,
    (c, a) => restoreDomain(c, { from: a.from, dxml: null, flags: 0 }),
  ),
  on(P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS, restoreDomain),
  on(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, (_c, a) => {
    checkFlags("testDomainSaveImageGetXMLDesc", a.flags, 1);
    const def = readSaveImage(a.file);
    return { xml: formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }) };
  }),
  on(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, (_c, a) => {
    checkFlags("testDomainSaveImageDefineXML", a.flags, SAVE_RUNNING | SAVE_PAUSED);
    readSaveImage(a.file);
    const def = parseDomainXML(a.dxml);
    writeSaveImage(
      a.file,
      def.name,
      formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
    );
  }),
  on(
    P.REMOTE_PROC_DOMAIN_CORE_DUMP,
    (c, a) => coreDump(c, { dom: a.dom, to: a.to, dumpformat: 0, flags: a.flags }),
  ),
  on(P.REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT, coreDump),
];

// ---- Tuning parameters ---------------------------------------------------------------------------

function memLimit(v: number | null): bigint {
  return v === null ? MEMORY_UNLIMITED : BigInt(v);
}

function limitValue(v: bigint): number | null {
  return v >= MEMORY_UNLIMITED ? null : Number(v);
}

interface BlkioDevice {
  path: string;
  weight: number;
  riops: number;
  wiops: number;
  rbps: bigint;
  wbps: bigint;
}

const BLKIO_FIELDS: [string, keyof BlkioDevice, string][] = [
  ["device_weight", "weight", "weight"],
  ["device_read_iops_sec", "riops", "read_iops_sec"],
  ["device_write_iops_sec", "wiops", "write_iops_sec"],
  ["device_read_bytes_sec", "rbps", "read_bytes_sec"],
  ["device_write_bytes_sec", "wbps", "write_bytes_sec"],
];

function rawChildText(r: RawElement, name: string): string | null {
  const c = r.children.find((x) => x.name === name);
  return c ? c.text : null;
}

/** The <blkiotune> element as libvirt's blkio settings: weight and per-device values. */
function readBlkio(def: DomainDef): { weight: number; devices: BlkioDevice[] } {
  const r = def.blkiotune;
  if (!r) return { weight: 0, devices: [] };
  const devices: BlkioDevice[] = [];
  for (const d of r.children.filter((x) => x.name === "device")) {
    devices.push({
      path: rawChildText(d, "path") ?? "",
      weight: Number(rawChildText(d, "weight") ?? 0),
      riops: Number(rawChildText(d, "read_iops_sec") ?? 0),
      wiops: Number(rawChildText(d, "write_iops_sec") ?? 0),
      rbps: BigInt(rawChildText(d, "read_bytes_sec") ?? 0),
      wbps: BigInt(rawChildText(d, "write_bytes_sec") ?? 0),
    });
  }
  return { weight: Number(rawChildText(r, "weight") ?? 0), devices };
}

function rawText(name: string, text: string): RawElement {
  return { name, attrs: [], children: [], text };
}

/** virDomainDefBlkiotuneFormat's element: nothing when nothing is set. */
function writeBlkio(def: DomainDef, b: { weight: number; devices: BlkioDevice[] }): void {
  const children: RawElement[] = [];
  if (b.weight) children.push(rawText("weight", String(b.weight)));
  for (const d of b.devices) {
    if (!d.weight && !d.riops && !d.wiops && !d.rbps && !d.wbps) continue;
    const kids = [rawText("path", d.path)];
    for (const [, key, el] of BLKIO_FIELDS) {
      const v = d[key];
      if (v) kids.push(rawText(el, String(v)));
    }
    children.push({ name: "device", attrs: [], children: kids, text: "" });
  }
  def.blkiotune = children.length ? { name: "blkiotune", attrs: [], children, text: "" } : null;
}

/** virDomainDriverParseBlkioDeviceStr. */
function parseBlkioDevices(str: string, type: string, key: keyof BlkioDevice): BlkioDevice[] {
  if (str === "") return [];
  const parseError = () =>
    VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_DOMAIN,
      `unable to parse blkio device '${type}' '${str}'`,
    );
  const nsep = str.split(",").length - 1;
  if (!(nsep & 1)) throw parseError();
  const out: BlkioDevice[] = [];
  let rest = str;
  for (;;) {
    const comma = rest.indexOf(",");
    if (comma < 0) throw parseError();
    const path = rest.slice(0, comma);
    rest = rest.slice(comma + 1);
    const m = /^\s*\+?(\d+)/.exec(rest);
    const big = key === "rbps" || key === "wbps";
    if (!m || (!big && BigInt(m[1]!) > 0xffffffffn) || BigInt(m[1]!) > 0xffffffffffffffffn) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_DOMAIN,
        `invalid value '${rest}' for parameter '${type}' of device '${path}'`,
      );
    }
    const dev: BlkioDevice = { path, weight: 0, riops: 0, wiops: 0, rbps: 0n, wbps: 0n };
    if (big) (dev[key] as bigint) = BigInt(m[1]!);
    else (dev[key] as number) = Number(m[1]);
    out.push(dev);
    rest = rest.slice(m[0].length);
    if (rest === "") break;
    if (rest[0] !== ",") throw parseError();
    rest = rest.slice(1);
  }
  return out;
}

const NUMA_MODES = ["strict", "preferred", "interleave", "restrictive"];

interface Numatune {
  specified: boolean;
  mode: number;
  /** 0 default, 1 static, 2 auto. */
  placement: number;
  nodeset: number[] | null;
}

function readNumatune(def: DomainDef): Numatune {
  const mem = def.numatune?.children.find((c) => c.name === "memory");
  if (!mem) return { specified: false, mode: 0, placement: 0, nodeset: null };
  const get = (k: string) => mem.attrs.find(([n]) => n === k)?.[1];
  const nodeset = get("nodeset");
  return {
    specified: true,
    mode: Math.max(0, NUMA_MODES.indexOf(get("mode") ?? "strict")),
    placement: get("placement") === "auto" ? 2 : 1,
    nodeset: nodeset === undefined ? null : parseBitmap(nodeset),
  };
}

function writeNumatune(def: DomainDef, n: Numatune): void {
  const others = def.numatune?.children.filter((c) => c.name !== "memory") ?? [];
  const children: RawElement[] = [];
  if (n.specified) {
    const attrs: [string, string][] = [["mode", NUMA_MODES[n.mode]!]];
    if (n.placement === 1) attrs.push(["nodeset", formatBitmap(n.nodeset ?? [])]);
    else if (n.placement === 2) attrs.push(["placement", "auto"]);
    children.push({ name: "memory", attrs, children: [], text: "" });
  }
  children.push(...others);
  def.numatune = children.length ? { name: "numatune", attrs: [], children, text: "" } : null;
}

const PERF_EVENTS = [
  "cmt",
  "mbmt",
  "mbml",
  "cpu_cycles",
  "instructions",
  "cache_references",
  "cache_misses",
  "branch_instructions",
  "branch_misses",
  "bus_cycles",
  "stalled_cycles_frontend",
  "stalled_cycles_backend",
  "ref_cpu_cycles",
  "cpu_clock",
  "task_clock",
  "page_faults",
  "context_switches",
  "cpu_migrations",
  "page_faults_min",
  "page_faults_maj",
  "alignment_faults",
  "emulation_faults",
];

function readPerf(def: DomainDef): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const e of def.perf?.children ?? []) {
    const name = e.attrs.find(([k]) => k === "name")?.[1];
    const enabled = e.attrs.find(([k]) => k === "enabled")?.[1];
    if (name !== undefined) m.set(name, enabled === "yes");
  }
  return m;
}

function writePerf(def: DomainDef, m: Map<string, boolean>): void {
  const children: RawElement[] = [];
  for (const name of PERF_EVENTS) {
    const v = m.get(name);
    if (v === undefined) continue;
    children.push({
      name: "event",
      attrs: [["name", name], ["enabled", v ? "yes" : "no"]],
      children: [],
      text: "",
    });
  }
  def.perf = children.length ? { name: "perf", attrs: [], children, text: "" } : null;
}

/** virDomainNetFind: by MAC address or by interface name. */
function findNet(def: DomainDef, device: string): NetDef {
  const mac = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(device)
    ? device.split(":").map((x) => parseInt(x, 16))
    : null;
  const net = def.devices.interfaces.find((n) =>
    mac
      ? n.mac.split(":").map((x) => parseInt(x, 16)).every((v, i) => v === mac[i])
      : n.targetDev === device
  );
  if (!net) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, `'${device}' is not a known interface`);
  }
  return net;
}

interface Rate {
  average: number;
  peak: number;
  burst: number;
  floor: number;
}

function readRate(r: RawElement | undefined): Rate | null {
  if (!r) return null;
  const get = (k: string) => Number(r.attrs.find(([n]) => n === k)?.[1] ?? 0);
  return { average: get("average"), peak: get("peak"), burst: get("burst"), floor: get("floor") };
}

function rateElement(name: string, r: Rate | null): RawElement[] {
  if (!r || !(r.average || r.floor)) return [];
  const attrs: [string, string][] = [];
  if (r.average) attrs.push(["average", String(r.average)]);
  if (r.peak) attrs.push(["peak", String(r.peak)]);
  if (r.floor) attrs.push(["floor", String(r.floor)]);
  if (r.burst) attrs.push(["burst", String(r.burst)]);
  return [{ name, attrs, children: [], text: "" }];
}

const IOTUNE_FIELDS = [
  "total_bytes_sec",
  "read_bytes_sec",
  "write_bytes_sec",
  "total_iops_sec",
  "read_iops_sec",
  "write_iops_sec",
  "total_bytes_sec_max",
  "read_bytes_sec_max",
  "write_bytes_sec_max",
  "total_iops_sec_max",
  "read_iops_sec_max",
  "write_iops_sec_max",
  "size_iops_sec",
  "group_name",
  "total_bytes_sec_max_length",
  "read_bytes_sec_max_length",
  "write_bytes_sec_max_length",
  "total_iops_sec_max_length",
  "read_iops_sec_max_length",
  "write_iops_sec_max_length",
];

function paramsHandlerSet(
  fn: string,
  spec: Record<string, number>,
  apply: (o: DomainObj, params: TypedParam[], flags: number) => void,
) {
  return (c: TestConn, a: { dom: RemoteDomain; params: TypedParam[]; flags: number }): void => {
    checkFlags(fn, a.flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
    validateTypedParams(a.params, spec);
    c.domain(a.dom, (o, x) => {
      apply(o, a.params, a.flags);
      x.save();
    });
  };
}

/** testDomainSetSchedulerParameters[Flags]: no flag, the weight (an uint) only. */
function setSchedulerParams(withFlags: boolean) {
  return (c: TestConn, a: { dom: RemoteDomain; params: TypedParam[]; flags?: number }): void => {
    checkFlags("testDomainSetSchedulerParametersFlags", withFlags ? a.flags! : 0, 0);
    validateTypedParams(a.params, { weight: VIR_TYPED_PARAM_UINT });
    c.domain(a.dom, () => {});
  };
}

function paramsHandlerGet(
  api: string,
  fn: string,
  max: number,
  count: number,
  get: (def: DomainDef) => TypedParam[],
  /** Whether the public API refuses LIVE with CONFIG (virDomainGetNumaParameters does not). */
  exclusive = true,
) {
  return (
    c: TestConn,
    a: { dom: RemoteDomain; nparams: number; flags: number },
  ): { params: TypedParam[]; nparams: number } => {
    if (a.nparams > max) throw rpcLimit("nparams too large");
    if (exclusive) exclusiveAffect(api, a.flags);
    checkFlags(
      fn,
      a.flags | TYPED_PARAM_STRING_OKAY,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: count };
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const r = paramsReply(get(def), a.nparams, a.flags, max);
      if (o.newDef) x.save();
      return r;
    });
  };
}

const paramHandlers: HandlerEntry[] = [
  on(
    P.REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS,
    paramsHandlerSet("testDomainSetMemoryParameters", {
      hard_limit: VIR_TYPED_PARAM_ULLONG,
      soft_limit: VIR_TYPED_PARAM_ULLONG,
      swap_hard_limit: VIR_TYPED_PARAM_ULLONG,
    }, (o, params, flags) => {
      const { def } = oneDef(o, flags);
      const hard = findParam(params, "hard_limit");
      const soft = findParam(params, "soft_limit");
      const swap = findParam(params, "swap_hard_limit");
      if (hard || swap) {
        // The test driver compares against the live definition's values.
        const mem = hard ? paramBig(hard) : memLimit(o.def.memtune?.hardLimit ?? null);
        const sw = swap ? paramBig(swap) : memLimit(o.def.memtune?.swapHardLimit ?? null);
        if (mem > sw) {
          throw testError(
            VIR_ERR_INVALID_ARG,
            "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
          );
        }
      }
      def.memtune ??= { hardLimit: null, softLimit: null, minGuarantee: null, swapHardLimit: null };
      if (soft) def.memtune.softLimit = limitValue(paramBig(soft));
      if (hard) def.memtune.hardLimit = limitValue(paramBig(hard));
      if (swap) def.memtune.swapHardLimit = limitValue(paramBig(swap));
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS,
    paramsHandlerGet(
      "virDomainGetMemoryParameters",
      "testDomainGetMemoryParameters",
      16,
      3,
      (d) => [
        param.ullong("hard_limit", memLimit(d.memtune?.hardLimit ?? null)),
        param.ullong("soft_limit", memLimit(d.memtune?.softLimit ?? null)),
        param.ullong("swap_hard_limit", memLimit(d.memtune?.swapHardLimit ?? null)),
      ],
    ),
  ),
  // libvirt's test driver validates the weight, then drops it: it keeps reporting 50.
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, setSchedulerParams(false)),
  on(P.REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, setSchedulerParams(true)),
  on(
    P.REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS,
    paramsHandlerSet("testDomainSetBlkioParameters", {
      weight: VIR_TYPED_PARAM_UINT,
      device_weight: VIR_TYPED_PARAM_STRING,
      device_read_iops_sec: VIR_TYPED_PARAM_STRING,
      device_write_iops_sec: VIR_TYPED_PARAM_STRING,
      device_read_bytes_sec: VIR_TYPED_PARAM_STRING,
      device_write_bytes_sec: VIR_TYPED_PARAM_STRING,
    }, (o, params, flags) => {
      const { def } = oneDef(o, flags);
      const b = readBlkio(def);
      let failure: VirError | null = null;
      for (const p of params) {
        if (p.field === "weight") {
          b.weight = paramNum(p);
          continue;
        }
        const f = BLKIO_FIELDS.find(([n]) => n === p.field)!;
        try {
          for (const src of parseBlkioDevices(p.value.value as string, f[0], f[1])) {
            const dest = b.devices.find((d) => d.path === src.path);
            if (dest) Object.assign(dest, { [f[1]]: src[f[1]] });
            else if (src[f[1]]) b.devices.push(src);
          }
        } catch (e) {
          failure ??= e as VirError;
        }
      }
      writeBlkio(def, b);
      if (failure) throw failure;
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS,
    paramsHandlerGet("virDomainGetBlkioParameters", "testDomainGetBlkioParameters", 16, 6, (d) => {
      const b = readBlkio(d);
      return [
        param.uint("weight", b.weight),
        ...BLKIO_FIELDS.map(([name, key]) =>
          param.string(
            name,
            b.devices.filter((x) => x[key]).map((x) => `${x.path},${x[key]}`).join(","),
          )
        ),
      ];
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS,
    paramsHandlerSet("testDomainSetNumaParameters", {
      numa_mode: VIR_TYPED_PARAM_INT,
      numa_nodeset: VIR_TYPED_PARAM_STRING,
    }, (o, params, flags) => {
      const { def, live } = oneDef(o, flags);
      let mode = -1;
      let nodeset: number[] | null = null;
      for (const p of params) {
        if (p.field === "numa_mode") {
          mode = paramNum(p);
          if (mode < 0 || mode >= NUMA_MODES.length) {
            throw testError(VIR_ERR_INVALID_ARG, `unsupported numatune mode: '${mode}'`);
          }
        } else if (p.field === "numa_nodeset") {
          const s = p.value.value as string;
          nodeset = parseBitmap(s, 16384);
          if (nodeset === null) {
            throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_NONE, `Failed to parse bitmap '${s}'`);
          }
          if (nodeset.length === 0) {
            throw testError(VIR_ERR_OPERATION_INVALID, `Invalid nodeset of 'numatune': ${s}`);
          }
        }
      }
      const n = readNumatune(def);
      if (live && mode !== -1 && n.specified && n.mode !== mode) {
        throw testError(VIR_ERR_OPERATION_INVALID, "can't change numatune mode for running domain");
      }
      // virDomainNumatuneSet
      if (mode === -1 && nodeset === null) return;
      let placement = -1;
      if (!n.specified) {
        if (mode === -1) mode = 0;
        placement = 0;
      }
      if (mode !== -1) n.mode = mode;
      if (nodeset !== null) {
        n.nodeset = nodeset;
        if (placement === -1) placement = 1;
      }
      if (placement === 0) placement = n.nodeset || def.vcpuPlacement === "static" ? 1 : 2;
      if (placement === 1 && !n.nodeset) {
        throw VirError.of(
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_FROM_DOMAIN,
          "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
        );
      }
      if (placement === 2) n.nodeset = null;
      if (placement !== -1) n.placement = placement;
      n.specified = true;
      writeNumatune(def, n);
    }),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS,
    paramsHandlerGet("virDomainGetNumaParameters", "testDomainGetNumaParameters", 16, 2, (d) => {
      const n = readNumatune(d);
      return [
        param.int("numa_mode", n.specified ? n.mode : 0),
        param.string("numa_nodeset", n.placement === 1 ? formatBitmap(n.nodeset ?? []) : ""),
      ];
    }, false),
  ),
  on(
    P.REMOTE_PROC_DOMAIN_SET_PERF_EVENTS,
    paramsHandlerSet(
      "testDomainSetPerfEvents",
      Object.fromEntries(PERF_EVENTS.map((e) => [e, VIR_TYPED_PARAM_BOOLEAN])),
      (o, params, flags) => {
        const { def } = oneDef(o, flags);
        const m = readPerf(def);
        for (const p of params) m.set(p.field, paramNum(p) !== 0);
        writePerf(def, m);
      },
    ),
  ),
  on(P.REMOTE_PROC_DOMAIN_GET_PERF_EVENTS, (c, a) => {
    exclusiveAffect("virDomainGetPerfEvents", a.flags);
    checkFlags(
      "testDomainGetPerfEvents",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    return c.domain(a.dom, (o, x) => {
      const m = readPerf(oneDef(o, a.flags).def);
      if (o.newDef) x.save();
      return { params: PERF_EVENTS.map((e) => param.boolean(e, m.get(e) === true)) };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS, (
    c,
    a,
  ) => {
    checkFlags(
      "testDomainSetInterfaceParameters",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    validateTypedParams(a.params, {
      "inbound.average": VIR_TYPED_PARAM_UINT,
      "inbound.peak": VIR_TYPED_PARAM_UINT,
      "inbound.burst": VIR_TYPED_PARAM_UINT,
      "inbound.floor": VIR_TYPED_PARAM_UINT,
      "outbound.average": VIR_TYPED_PARAM_UINT,
      "outbound.peak": VIR_TYPED_PARAM_UINT,
      "outbound.burst": VIR_TYPED_PARAM_UINT,
    });
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const net = findNet(def, a.device);
      const inb: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      const outb: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      let inSpecified = false;
      let outSpecified = false;
      for (const p of a.params) {
        const [dir, key] = p.field.split(".") as [string, keyof Rate];
        const r = dir === "inbound" ? inb : outb;
        r[key] = paramNum(p);
        if (dir === "inbound" && (key === "average" || key === "floor")) inSpecified = true;
        if (dir === "outbound" && key === "average") outSpecified = true;
      }
      const newIn = inb.average || inb.floor ? inb : null;
      const newOut = outb.average ? outb : null;
      let curIn: Rate | null = null;
      let curOut: Rate | null = null;
      if (net.bandwidth) {
        curIn = readRate(net.bandwidth.children.find((e) => e.name === "inbound"));
        curOut = readRate(net.bandwidth.children.find((e) => e.name === "outbound"));
        if (newIn) curIn = newIn;
        else if (inSpecified) curIn = null;
        if (newOut) curOut = newOut;
        else if (outSpecified) curOut = null;
      } else {
        curIn = newIn;
        curOut = newOut;
      }
      const children = [...rateElement("inbound", curIn), ...rateElement("outbound", curOut)];
      // libvirt keeps an empty bandwidth and prints it open and closed, on two lines
      // (an interface sits three levels deep).
      net.bandwidth = {
        name: "bandwidth",
        attrs: [],
        children,
        text: children.length ? "" : "\n      ",
      };
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS, (c, a) => {
    // virDomainGetInterfaceParameters has no LIVE/CONFIG exclusion of its own.
    if (a.nparams > 16) throw rpcLimit("nparams too large");
    checkFlags(
      "testDomainGetInterfaceParameters",
      a.flags | 4,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: 7 };
    return c.domain(a.dom, (o, x) => {
      const net = findNet(oneDef(o, a.flags).def, a.device);
      const z: Rate = { average: 0, peak: 0, burst: 0, floor: 0 };
      const inb = readRate(net.bandwidth?.children.find((e) => e.name === "inbound")) ?? z;
      const outb = readRate(net.bandwidth?.children.find((e) => e.name === "outbound")) ?? z;
      if (o.newDef) x.save();
      return paramsReply(
        [
          param.uint("inbound.average", inb.average),
          param.uint("inbound.peak", inb.peak),
          param.uint("inbound.burst", inb.burst),
          param.uint("inbound.floor", inb.floor),
          param.uint("outbound.average", outb.average),
          param.uint("outbound.peak", outb.peak),
          param.uint("outbound.burst", outb.burst),
        ],
        a.nparams,
        a.flags,
        16,
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, (c, a) => {
    checkFlags(
      "testDomainSetBlockIoTune",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    validateTypedParams(
      a.params,
      Object.fromEntries(
        IOTUNE_FIELDS.map((
          f,
        ) => [f, f === "group_name" ? VIR_TYPED_PARAM_STRING : VIR_TYPED_PARAM_ULLONG]),
      ),
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const idx = diskIndexByName(def, a.disk, true);
      if (idx < 0) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `missing persistent configuration for disk '${a.disk}'`,
        );
      }
      const disk = def.devices.disks[idx]!;
      const info = new Map<string, string>(disk.iotune);
      for (const p of a.params) {
        if (p.value.tag === VIR_TYPED_PARAM_STRING) {
          info.set(p.field, p.value.value as string);
          continue;
        }
        const v = paramBig(p);
        if (v > TEST_BLOCK_IOTUNE_MAX) {
          throw testError(
            VIR_ERR_ARGUMENT_UNSUPPORTED,
            `block I/O throttle limit value must be no more than ${TEST_BLOCK_IOTUNE_MAX}`,
          );
        }
        info.set(p.field, String(v));
      }
      const n = (k: string) => BigInt(info.get(k) ?? 0);
      for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"]) {
        if (n(`total_${kind}`) && (n(`read_${kind}`) || n(`write_${kind}`))) {
          throw testError(
            VIR_ERR_INVALID_ARG,
            `total and read/write of ${kind} cannot be set at the same time`,
          );
        }
      }
      for (const f of ["total", "read", "write"]) {
        for (const kind of ["bytes_sec", "iops_sec"]) {
          if (n(`${f}_${kind}`) > n(`${f}_${kind}_max`)) {
            throw testError(
              VIR_ERR_INVALID_ARG,
              `${f}_${kind} cannot be set higher than ${f}_${kind}_max `,
            );
          }
        }
      }
      disk.iotune = IOTUNE_FIELDS.filter((f) => {
        const v = info.get(f);
        return v !== undefined && v !== "" && v !== "0";
      }).map((f) => [f, info.get(f)!]);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE, (c, a) => {
    if (a.nparams > 32) throw rpcLimit("nparams too large");
    exclusiveAffect("virDomainGetBlockIoTune", a.flags);
    checkFlags(
      "testDomainGetBlockIoTune",
      a.flags | 4,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | 4,
    );
    if (a.nparams === 0) return { params: [], nparams: 20 };
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags & ~4);
      const path = a.disk ?? "";
      const idx = diskIndexByName(def, path, true);
      if (idx < 0) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `disk '${path}' was not found in the domain config`,
        );
      }
      const info = new Map<string, string>(def.devices.disks[idx]!.iotune);
      if (o.newDef) x.save();
      return paramsReply(
        IOTUNE_FIELDS.map((f) =>
          f === "group_name"
            ? param.string(f, info.get(f) ?? "")
            : param.ullong(f, BigInt(info.get(f) ?? 0))
        ),
        a.nparams,
        a.flags,
        32,
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO, (_c, a) => {
    // The daemon's public API adds VIR_TYPED_PARAM_STRING_OKAY, which the test driver refuses.
    checkFlags("testDomainGetLaunchSecurityInfo", a.flags | TYPED_PARAM_STRING_OKAY, 0);
    return { params: [] };
  }),
];

// ---- Statistics and guest stand-ins ------------------------------------------------------------------

/** g_get_real_time(): microseconds. */
function realTime(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

interface NetInfo {
  ips: {
    family: string | null;
    address: string;
    netmask: string | null;
    prefix: number;
    start: string | null;
  }[];
}

/** The networks' addresses, read before any domain is locked (one object lock at a time). */
function networkInfo(c: TestConn): Map<string, NetInfo> {
  return c.dir((d) => {
    const m = new Map<string, NetInfo>();
    for (
      const { entry, obj } of c.readAll<NetworkObj, TestDirectory["networks"][number]>(d.networks)
    ) {
      m.set(entry.name, {
        ips: obj.def.ips.map((ip) => ({
          family: ip.family,
          address: ip.address,
          netmask: ip.netmask,
          prefix: ip.prefix,
          start: ip.ranges[0]?.start ?? null,
        })),
      });
    }
    return m;
  });
}

function ipv4ToInt(s: string): number {
  return s.split(".").reduce((a, p) => a * 256 + Number(p), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** virSocketAddrGetIPPrefix for IPv4. */
function ipv4Prefix(address: string, netmask: string | null, prefix: number): number {
  if (prefix > 0) return prefix;
  if (netmask) {
    let n = ipv4ToInt(netmask);
    let bits = 0;
    while (n & 0x80000000) {
      bits++;
      n = (n << 1) >>> 0;
    }
    return bits;
  }
  const first = Number(address.split(".")[0]);
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return -1;
}

/** IPv6 text with its last byte increased by `offset` (as the test driver does). */
function ipv6Bump(addr: string, offset: number): string {
  const [head, tail] = addr.includes("::") ? addr.split("::") : [addr, null];
  const h = head ? head.split(":").filter((x) => x !== "") : [];
  const t = tail ? tail.split(":").filter((x) => x !== "") : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const words = groups.map((g) => parseInt(g, 16));
  words[7] = (words[7]! & 0xff00) | ((words[7]! + offset) & 0xff);
  // RFC 5952 text: the longest run of zero words (two or more) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function timeOf(o: DomainObj): { seconds: bigint; nseconds: number } {
  const t = o.guestTime ?? { seconds: DEFAULT_GUEST_SECONDS, nseconds: 0 };
  return { seconds: BigInt(t.seconds), nseconds: t.nseconds };
}

const KEYCODE_SETS = [
  "linux",
  "xt",
  "atset1",
  "atset2",
  "atset3",
  "os_x",
  "xt_kbd",
  "usb",
  "win32",
  "qnum",
];

/** The key codes each code set knows (libvirt's keymaps, as ranges). */
const KEYCODES: [number, number][][] = [
  [
    [0, 265],
    [272, 279],
    [288, 299],
    [303, 318],
    [320, 327],
    [330, 337],
    [352, 439],
    [448, 451],
    [
      464,
      484,
    ],
    [497, 506],
    [512, 524],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [57345, 57356],
    [57358, 57360],
    [
      57362,
      57385,
    ],
    [57387, 57398],
    [57400, 57439],
    [57443, 57453],
    [57455, 57465],
    [57467, 57467],
    [
      57469,
      57469,
    ],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [57345, 57356],
    [57358, 57360],
    [
      57362,
      57385,
    ],
    [57387, 57398],
    [57400, 57439],
    [57443, 57453],
    [57455, 57465],
    [57467, 57467],
    [
      57469,
      57469,
    ],
  ],
  [
    [0, 1],
    [3, 7],
    [9, 15],
    [17, 22],
    [26, 30],
    [33, 39],
    [41, 47],
    [49, 55],
    [58, 63],
    [65, 70],
    [
      73,
      78,
    ],
    [81, 82],
    [84, 85],
    [88, 91],
    [93, 93],
    [95, 95],
    [97, 100],
    [102, 103],
    [105, 109],
    [
      112,
      127,
    ],
    [131, 131],
    [57360, 57362],
    [57364, 57365],
    [57368, 57368],
    [57375, 57377],
    [57379, 57379],
    [
      57383,
      57384,
    ],
    [57387, 57387],
    [57391, 57392],
    [57394, 57394],
    [57396, 57396],
    [57399, 57400],
    [
      57402,
      57403,
    ],
    [57407, 57408],
    [57416, 57416],
    [57418, 57418],
    [57421, 57421],
    [57424, 57424],
    [
      57434,
      57434,
    ],
    [57438, 57438],
    [57449, 57449],
    [57451, 57452],
    [57455, 57458],
    [57460, 57461],
    [
      57463,
      57463,
    ],
    [57465, 57466],
    [57469, 57469],
  ],
  [
    [0, 0],
    [7, 63],
    [65, 71],
    [73, 79],
    [82, 82],
    [84, 103],
    [105, 118],
    [121, 122],
    [124, 131],
    [
      133,
      135,
    ],
    [139, 142],
    [145, 145],
    [147, 152],
    [154, 163],
  ],
  [[0, 51], [53, 65], [67, 67], [69, 69], [71, 76], [78, 107], [109, 111], [113, 126], [255, 255]],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [257, 268],
    [270, 272],
    [274, 297],
    [
      299,
      310,
    ],
    [312, 351],
    [355, 365],
    [367, 377],
    [379, 379],
    [381, 381],
  ],
  [[0, 0], [4, 48], [50, 119], [121, 125], [133, 133], [135, 140], [144, 148], [182, 183], [
    224,
    251,
  ]],
  [
    [0, 2],
    [4, 6],
    [8, 9],
    [13, 13],
    [17, 22],
    [26, 29],
    [32, 42],
    [44, 57],
    [65, 93],
    [95, 135],
    [
      144,
      145,
    ],
    [160, 161],
    [163, 163],
    [165, 180],
    [186, 192],
    [219, 222],
    [226, 226],
    [242, 242],
    [
      250,
      251,
    ],
  ],
  [
    [0, 95],
    [99, 109],
    [111, 121],
    [123, 123],
    [125, 126],
    [129, 140],
    [142, 144],
    [146, 169],
    [
      171,
      182,
    ],
    [184, 223],
    [227, 237],
    [239, 249],
    [251, 251],
    [253, 253],
  ],
];

/** The CPUs a vCPU may run on: its pin, else the domain's cpuset, else every host CPU. */
function vcpuMask(def: DomainDef, i: number): number[] {
  const pin = def.cputune?.vcpupins.find((p) => p.vcpu === i);
  return bitsOf(pin?.cpuset ?? null) ?? bitsOf(def.cpuset) ?? allCpus();
}

function vcpuOnline(def: DomainDef, i: number): boolean {
  if (def.vcpuList) return def.vcpuList.find((v) => v.id === i)?.enabled ?? false;
  return i < def.vcpusCurrent;
}

function ensureCputune(def: DomainDef): NonNullable<DomainDef["cputune"]> {
  def.cputune ??= { shares: null, items: [], vcpupins: [], emulatorpin: null, iothreadpins: [] };
  return def.cputune;
}

function mountpointError(mp: string): VirError {
  return testError(VIR_ERR_OPERATION_INVALID, `mount point not found: ${mp}`);
}

function fsFreezeThaw(
  c: TestConn,
  a: { dom: RemoteDomain; mountpoints: string[]; flags: number },
  freeze: boolean,
): { filesystems: number } {
  checkFlags(freeze ? "testDomainFSFreeze" : "testDomainFSThaw", a.flags, 0);
  return c.domain(a.dom, (o, x) => {
    if (!isActive(o)) throw notActive();
    const frozen: [boolean, boolean] = o.frozen ? [...o.frozen] : [false, false];
    let n = 0;
    if (a.mountpoints.length === 0) {
      n = freeze ? 2 - (+frozen[0] + +frozen[1]) : +frozen[0] + +frozen[1];
      frozen[0] = frozen[1] = freeze;
    } else {
      for (const mp of a.mountpoints) {
        if (mp !== "/" && mp !== "/boot") throw mountpointError(mp);
        const i = mp === "/" ? 0 : 1;
        if (frozen[i] !== freeze) {
          frozen[i] = freeze;
          n++;
        }
      }
    }
    o.frozen = frozen;
    x.save();
    return { filesystems: n };
  });
}

function statsRecord(o: DomainObj, stats: number): TypedParam[] {
  const out: TypedParam[] = [];
  if (stats & 1) {
    out.push(param.int("state.state", o.state), param.int("state.reason", o.reason));
  }
  if ((stats & 0x80) && isActive(o) && o.iothreadParams?.length) {
    out.push(param.uint("iothread.count", o.iothreadParams.length));
    for (const t of o.iothreadParams) {
      out.push(
        param.ullong(`iothread.${t.id}.poll-max-ns`, BigInt(t.pollMaxNs)),
        param.uint(`iothread.${t.id}.poll-grow`, t.pollGrow),
        param.uint(`iothread.${t.id}.poll-shrink`, t.pollShrink),
      );
    }
  }
  return out;
}

/** virDomainObjListFilter's flags (active/persistent/state groups) for GET_ALL_DOMAIN_STATS. */
function statsFilter(o: DomainObj, flags: number): boolean {
  const active = isActive(o);
  const pick = (a: number, b: number, va: boolean, vb: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && va) || ((flags & b) !== 0 && vb);
  if (!pick(1, 2, active, !active)) return false;
  if (!pick(4, 8, o.persistent, !o.persistent)) return false;
  const states = 0x10 | 0x20 | 0x40 | 0x80;
  if (flags & states) {
    return ((flags & 0x10) !== 0 && o.state === VIR_DOMAIN_RUNNING) ||
      ((flags & 0x20) !== 0 && o.state === VIR_DOMAIN_PAUSED) ||
      ((flags & 0x40) !== 0 && o.state === VIR_DOMAIN_SHUTOFF) ||
      ((flags & 0x80) !== 0 &&
        ![VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF].includes(o.state));
  }
  return true;
}

const statsHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_BLOCK_STATS, (c, a) => {
    if (a.path === "") {
      throw testError(
        VIR_ERR_OPERATION_UNSUPPORTED,
        "summary statistics are not supported yet",
      );
    }
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      if (diskIndexByName(o.def, a.path, false) < 0) {
        throw testError(VIR_ERR_INVALID_ARG, `invalid path: ${a.path}`);
      }
      const s = realTime();
      return {
        rd_req: s / 10n,
        rd_bytes: s / 20n,
        wr_req: s / 30n,
        wr_bytes: s / 40n,
        errs: s / 2_000_000n,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, (c, a) =>
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      findNet(o.def, a.device);
      const s = realTime();
      return {
        rx_bytes: s / 10n,
        rx_packets: s / 100n,
        rx_errs: s / 1_000_000n,
        rx_drop: s / 2_000_000n,
        tx_bytes: s / 20n,
        tx_packets: s / 110n,
        tx_errs: s / 3_000_000n,
        tx_drop: s / 4_000_000n,
      };
    })),
  on(P.REMOTE_PROC_DOMAIN_MEMORY_STATS, (c, a) => {
    if (a.maxStats > 1024) throw rpcLimit("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX");
    if (a.maxStats === 0) return { stats: [] };
    checkFlags("testDomainMemoryStats", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const cur = BigInt(o.def.currentMemory | 0);
      const mb = o.def.devices.memballoon;
      if (!mb || mb.model === "none") return { stats: [] };
      const all: [number, bigint][] = [
        [6, cur],
        [0, 0n],
        [1, 0n],
        [2, 0n],
        [3, 0n],
        [4, cur / 2n],
        [5, cur],
        [8, cur / 2n],
        [9, 627319920n],
        [10, cur / 8n],
        [11, 0n],
        [12, 0n],
        [7, cur / 2n],
      ];
      return {
        stats: all.slice(0, Math.min(a.maxStats, 13)).map(([tag, val]) => ({ tag, val })),
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_CPU_STATS, (
    c,
    a,
  ) => {
    if (a.nparams > 16) throw rpcLimit("nparams too large");
    if (a.ncpus > 128) throw rpcLimit("ncpus too large");
    checkFlags("testDomainGetCPUStats", a.flags | 4, 4);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      if (a.start_cpu === -1) {
        if (a.nparams === 0) return { params: [], nparams: 3 };
        const all = [
          param.ullong("cpu_time", TEST_TOTAL_CPUTIME),
          param.ullong("user_time", 5540000000n),
          param.ullong("system_time", 6460000000n),
        ];
        const n = Math.min(a.nparams, 3);
        return { params: all.slice(0, n), nparams: n };
      }
      if (a.nparams === 0 && a.ncpus !== 0) return { params: [], nparams: 2 };
      if (a.ncpus === 0) return { params: [], nparams: STATS_CPUS };
      if (a.start_cpu >= STATS_CPUS) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `start_cpu ${a.start_cpu} larger than maximum of ${STATS_CPUS - 1}`,
        );
      }
      const per = TEST_TOTAL_CPUTIME / BigInt(STATS_CPUS);
      const need = Math.min(STATS_CPUS, a.start_cpu + a.ncpus);
      const out: TypedParam[] = [];
      for (let i = a.start_cpu; i < need; i++) {
        out.push(param.ullong("cpu_time", per + BigInt(i)));
        if (a.nparams > 1) out.push(param.ullong("vcpu_time", per + BigInt(i) - 1234567890n));
      }
      return { params: out, nparams: a.nparams > 1 ? 2 : 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, (c, a) => {
    checkFlags("testDomainInterfaceAddresses", a.flags, 0);
    if (a.source >= 3) {
      throw testError(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        `Unknown IP address data source ${a.source}`,
      );
    }
    const nets = networkInfo(c);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const ifaces = o.def.devices.interfaces.map((n, i) => {
        let addr: { type: number; addr: string; prefix: number };
        if (n.type === "network") {
          const name = n.source["network"] ?? "";
          const net = nets.get(name);
          if (!net) {
            throw testError(VIR_ERR_NO_NETWORK, `no network with matching name '${name}'`);
          }
          const ip = net.ips[0];
          if (!ip) throw unknownError();
          const offset = 20 * (o.id - 1) + i + 1;
          const base = ip.start ?? ip.address;
          if (ip.family === "ipv6") {
            addr = { type: 1, addr: ipv6Bump(base, offset), prefix: ip.prefix };
          } else {
            addr = {
              type: 0,
              addr: intToIpv4((ipv4ToInt(base) + offset) >>> 0),
              prefix: ipv4Prefix(ip.address, ip.netmask, ip.prefix),
            };
          }
        } else {
          addr = { type: 0, addr: `192.168.0.${1 + i}`, prefix: 24 };
        }
        return { name: n.targetDev ?? "", hwaddr: n.mac.toLowerCase(), addrs: [addr] };
      });
      return { ifaces };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_TIME, (c, a) => {
    checkFlags("testDomainGetTime", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (o.state !== VIR_DOMAIN_RUNNING) {
        throw testError(VIR_ERR_OPERATION_INVALID, "domain is not running");
      }
      return timeOf(o);
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_TIME, (c, a) => {
    checkFlags("testDomainSetTime", a.flags, 1);
    c.domain(a.dom, (o, x) => {
      if (!isActive(o)) throw notActive();
      o.guestTime = { seconds: String(a.seconds), nseconds: a.nseconds };
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, (c, a) => {
    checkFlags("testDomainGetControlInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const s = timeOf(o).seconds;
      if (s > 0n && s < 10000n) return { state: 1, details: 0, stateTime: s };
      if (s >= 10000n && s < 30000n) return { state: 2, details: 0, stateTime: s - 10000n };
      if (s >= 30000n && s < 60000n) {
        return { state: 3, details: Number(s % 4n), stateTime: s - 30000n };
      }
      return { state: 0, details: 0, stateTime: 0n };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, (c, a) => {
    checkFlags("testDomainGetBlockInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      const idx = diskIndexByName(o.def, a.path, false);
      if (idx < 0) {
        throw testError(VIR_ERR_INVALID_ARG, `invalid path ${a.path} not assigned to domain`);
      }
      if (diskIsEmpty(o.def.devices.disks[idx]!)) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `disk '${a.path}' does not currently have a source assigned`,
        );
      }
      return {
        allocation: 1099511627776n,
        capacity: 1099506450432n,
        physical: 1099511627776n,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, (c, a) => {
    if (a.maxerrors > 256) throw rpcLimit("maxerrors too large");
    checkFlags("testDomainGetDiskErrors", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const disks = o.def.devices.disks;
      if (a.maxerrors === 0) return { errors: [], nerrors: disks.length };
      const n = Math.min(disks.length, a.maxerrors);
      const errors = disks.slice(0, n).map((d, i) => ({ disk: d.targetDev, error: (i % 2) + 1 }));
      return { errors, nerrors: n };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_FSFREEZE, (c, a) => fsFreezeThaw(c, a, true)),
  on(P.REMOTE_PROC_DOMAIN_FSTHAW, (c, a) => fsFreezeThaw(c, a, false)),
  on(P.REMOTE_PROC_DOMAIN_FSTRIM, (c, a) => {
    checkFlags("testDomainFSTrim", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const mp = a.mountPoint;
      if (mp !== null && mp !== "/" && mp !== "/boot") throw mountpointError(mp);
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_FSINFO, (c, a) => {
    checkFlags("testDomainGetFSInfo", a.flags, 0);
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const disk = o.def.devices.disks.find((d) => d.device === "disk");
      if (!disk) return { info: [], ret: 0 };
      const n = disk.targetDev;
      return {
        info: [
          { mountpoint: "/", name: `${n}1`, fstype: "ext4", dev_aliases: [n] },
          { mountpoint: "/boot", name: `${n}2`, fstype: "ext4", dev_aliases: [n] },
        ],
        ret: 2,
      };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_VCPUS, (c, a) => {
    if (a.maxinfo > 16384) throw rpcLimit("maxinfo > REMOTE_VCPUINFO_MAX");
    if (a.maxinfo * a.maplen > 8388608) throw rpcLimit("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) {
        throw testError(VIR_ERR_OPERATION_INVALID, "cannot list vcpus for an inactive domain");
      }
      const def = o.def;
      const s = realTime();
      const n = Math.min(a.maxinfo, def.vcpusCurrent);
      const cpumaps = new Uint8Array(Math.max(0, a.maxinfo * a.maplen));
      const info = [];
      for (let i = 0; i < n; i++) {
        if (!vcpuOnline(def, i)) {
          info.push({ number: 0, state: 0, cpu_time: 0n, cpu: 0 });
          continue;
        }
        const mask = vcpuMask(def, i);
        writeBits(cpumaps, i * a.maplen, a.maplen, mask);
        info.push({
          number: i,
          state: 1,
          cpu_time: s / 10n,
          cpu: mask.length ? mask[mask.length - 1]! : -1,
        });
      }
      return { info, cpumaps };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_PIN_VCPU, (c, a) => pinVcpu(c, { ...a, flags: 0 })),
  on(P.REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS, pinVcpu),
  on(P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, (c, a) => {
    if (a.ncpumaps > 16384) throw rpcLimit("ncpumaps > REMOTE_VCPUINFO_MAX");
    if (a.ncpumaps * a.maplen > 8388608) {
      throw rpcLimit("maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    }
    exclusiveAffect("virDomainGetVcpuPinInfo", a.flags);
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const cpumaps = new Uint8Array(Math.max(0, a.ncpumaps * a.maplen));
      let i = 0;
      for (; i < def.vcpus && i < a.ncpumaps; i++) {
        writeBits(cpumaps, i * a.maplen, a.maplen, vcpuMask(def, i));
      }
      if (o.newDef) x.save();
      return { cpumaps, num: i };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_PIN_EMULATOR, (c, a) => {
    checkFlags(
      "testDomainPinEmulator",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const bits = bitsFromBytes(a.cpumap);
      if (bits.length === 0) throw testError(VIR_ERR_INVALID_ARG, "Empty cpu list for pinning");
      ensureCputune(def).emulatorpin = formatBitmap(bits);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, (c, a) => {
    exclusiveAffect("virDomainGetEmulatorPinInfo", a.flags);
    checkFlags(
      "testDomainGetEmulatorPinInfo",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const mask = bitsOf(def.cputune?.emulatorpin ?? null) ?? bitsOf(def.cpuset) ?? allCpus();
      const cpumaps = new Uint8Array(Math.max(0, a.maplen));
      writeBits(cpumaps, 0, a.maplen, mask);
      if (o.newDef) x.save();
      return { cpumaps, ret: 1 };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, (c, a) => {
    exclusiveAffect("virDomainGetIOThreadInfo", a.flags);
    checkFlags(
      "testDomainGetIOThreadInfo",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const size = def.vcpusCurrent;
      const info = def.iothreadIds.map((t) => {
        const pin = def.cputune?.iothreadpins.find((p) => p.iothread === t.id);
        const mask = bitsOf(pin?.cpuset ?? null);
        let bits: number[];
        let bytes: number;
        if (mask) {
          bits = mask;
          bytes = mask.length ? (mask[mask.length - 1]! >> 3) + 1 : 0;
        } else if (def.cpuset !== null) {
          bits = bitsOf(def.cpuset) ?? [];
          bytes = bits.length ? (bits[bits.length - 1]! >> 3) + 1 : 0;
        } else {
          bits = allCpus(size);
          bytes = (size + 7) >> 3;
        }
        const cpumap = new Uint8Array(bytes);
        writeBits(cpumap, 0, bytes, bits);
        return { iothread_id: t.id, cpumap };
      });
      if (o.newDef) x.save();
      return { info, ret: info.length };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_ADD_IOTHREAD, (c, a) => changeIOThread(c, a, "add")),
  on(P.REMOTE_PROC_DOMAIN_DEL_IOTHREAD, (c, a) => changeIOThread(c, a, "del")),
  on(P.REMOTE_PROC_DOMAIN_PIN_IOTHREAD, (c, a) => {
    checkFlags(
      "testDomainPinIOThread",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const bits = bitsFromBytes(a.cpumap);
      if (bits.length === 0) {
        throw testError(VIR_ERR_INVALID_ARG, "Empty iothread cpumap list for pinning");
      }
      const t = def.iothreadIds.find((t) => t.id === a.iothreads_id);
      if (!t) throw testError(VIR_ERR_INVALID_ARG, `iothreadid ${a.iothreads_id} not found`);
      t.autofill = false;
      setIOThreadPin(def, t.id, formatBitmap(bits));
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, (c, a) => {
    checkFlags("testDomainSetIOThreadParams", a.flags, VIR_DOMAIN_AFFECT_LIVE);
    if (a.iothread_id === 0) {
      throw testError(VIR_ERR_INVALID_ARG, "invalid value of 0 for iothread_id");
    }
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      if (!def.iothreadIds.some((t) => t.id === a.iothread_id)) {
        throw testError(
          VIR_ERR_INVALID_ARG,
          `cannot find IOThread '${a.iothread_id}' in iothreadids`,
        );
      }
      const t = o.iothreadParams?.find((p) => p.id === a.iothread_id);
      if (!t) throw unknownError();
      validateTypedParams(a.params, {
        poll_max_ns: VIR_TYPED_PARAM_ULLONG,
        poll_grow: VIR_TYPED_PARAM_UINT,
        poll_shrink: VIR_TYPED_PARAM_UINT,
      });
      const max = findParam(a.params, "poll_max_ns");
      const grow = findParam(a.params, "poll_grow");
      const shrink = findParam(a.params, "poll_shrink");
      if (max) t.pollMaxNs = String(paramBig(max));
      if (grow) t.pollGrow = paramNum(grow);
      if (shrink) t.pollShrink = paramNum(shrink);
      x.save();
    });
  }),
  on(P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, (c, a) => {
    const filters = 0x3 | 0xc | 0xf0;
    checkFlags(
      "testConnectGetAllDomainStats",
      a.flags,
      filters | 0x20000000 | 0x40000000 | 0x80000000,
    );
    const supported = 1 | 0x80;
    let stats = a.stats;
    if (!stats) stats = supported;
    else if ((a.flags & 0x80000000) && (stats & ~supported)) {
      throw testError(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        `Stats types bits 0x${
          ((stats & ~supported) >>> 0).toString(16)
        } are not supported by this daemon`,
      );
    }
    const lflags = a.flags & filters;
    return c.dir((d) => {
      const all = c.readAll<DomainObj, DomainEntry>(d.domains);
      let chosen: { entry: DomainEntry; obj: DomainObj }[];
      if (a.doms.length) {
        chosen = [];
        for (const ref of a.doms) {
          const u = uuidToString(ref.uuid);
          const f = all.find((x) => x.entry.uuid === u);
          // virDomainObjListConvert skips domains that are gone.
          if (f && statsFilter(f.obj, lflags)) chosen.push(f);
        }
      } else {
        chosen = all.filter((x) => statsFilter(x.obj, lflags));
      }
      return {
        retStats: chosen.map((x) => ({ dom: wire(x.entry), params: statsRecord(x.obj, stats) })),
      };
    });
  }),
];

function pinVcpu(
  c: TestConn,
  a: { dom: RemoteDomain; vcpu: number; cpumap: Uint8Array; flags: number },
): void {
  checkFlags("testDomainPinVcpuFlags", a.flags, 0);
  c.domain(a.dom, (o, x) => {
    if (!isActive(o)) {
      throw testError(VIR_ERR_OPERATION_INVALID, "cannot pin vcpus on an inactive domain");
    }
    const def = o.def;
    if (a.vcpu >= def.vcpus || !vcpuOnline(def, a.vcpu)) {
      throw testError(
        VIR_ERR_INVALID_ARG,
        `requested vcpu '${a.vcpu}' is not present in the domain`,
      );
    }
    const t = ensureCputune(def);
    const cpuset = formatBitmap(bitsFromBytes(a.cpumap));
    const pin = t.vcpupins.find((p) => p.vcpu === a.vcpu);
    if (pin) pin.cpuset = cpuset;
    else {
      t.vcpupins.push({ vcpu: a.vcpu, cpuset });
      t.vcpupins.sort((p, q) => p.vcpu - q.vcpu);
    }
    x.save();
  });
}

function setIOThreadPin(def: DomainDef, id: number, cpuset: string | null): void {
  const t = ensureCputune(def);
  t.iothreadpins = t.iothreadpins.filter((p) => p.iothread !== id);
  if (cpuset !== null) t.iothreadpins.push({ iothread: id, cpuset });
  const order = def.iothreadIds.map((x) => x.id);
  t.iothreadpins.sort((p, q) => order.indexOf(p.iothread) - order.indexOf(q.iothread));
}

function changeIOThread(
  c: TestConn,
  a: { dom: RemoteDomain; iothread_id: number; flags: number },
  action: "add" | "del",
): void {
  checkFlags(
    action === "add" ? "testDomainAddIOThread" : "testDomainDelIOThread",
    a.flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
  );
  if (a.iothread_id === 0) {
    throw testError(VIR_ERR_INVALID_ARG, "invalid value of 0 for iothread_id");
  }
  c.domain(a.dom, (o, x) => {
    const { def } = oneDef(o, a.flags);
    const id = a.iothread_id;
    const idx = def.iothreadIds.findIndex((t) => t.id === id);
    if (action === "add") {
      if (idx >= 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `an IOThread is already using iothread_id '${id}'`,
        );
      }
      def.iothreadIds.push({ id, autofill: false });
      (o.iothreadParams ??= []).push({ id, pollMaxNs: "32768", pollGrow: 0, pollShrink: 0 });
    } else {
      if (idx < 0) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `cannot find IOThread '${id}' in iothreadids list`,
        );
      }
      for (const d of def.devices.disks) {
        const drv = d.driver?.["iothread"];
        if (drv !== undefined && Number(drv) === id) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN,
            `cannot remove IOThread ${id} since it is being used by disk '${d.targetDev}'`,
          );
        }
      }
      for (const ctl of def.devices.controllers) {
        const drv = ctl.driver?.["iothread"];
        if (drv !== undefined && Number(drv) === id) {
          throw VirError.of(
            VIR_ERR_INVALID_ARG,
            VIR_FROM_DOMAIN,
            `cannot remove IOThread '${id}' since it is being used by controller`,
          );
        }
      }
      for (let j = idx + 1; j < def.iothreadIds.length; j++) def.iothreadIds[j]!.autofill = false;
      def.iothreadIds.splice(idx, 1);
      setIOThreadPin(def, id, null);
      const params = o.iothreadParams ?? [];
      const pi = params.findIndex((p) => p.id === id);
      if (pi >= 0) params.splice(pi, 1);
    }
    def.iothreads = def.iothreadIds.length;
    x.save();
  });
}

// ---- Metadata ------------------------------------------------------------------------------------

const META_DESCRIPTION = 0;
const META_TITLE = 1;
const META_ELEMENT = 2;

interface MetaNode {
  kind: "el" | "text";
  name: string;
  attrs: [string, string][];
  children: MetaNode[];
  value: string;
}

/** Parses an XML fragment keeping mixed content (for <metadata> children). */
function parseMeta(xml: string): MetaNode | null {
  let root: MetaNode | null = null;
  try {
    const el = parseXml(xml);
    const conv = (e: typeof el): MetaNode => ({
      kind: "el",
      name: e.name,
      attrs: e.attrs.map(([k, v]) => [k, v] as [string, string]),
      children: e.children.map(conv),
      value: e.children.length === 0 ? e.text : "",
    });
    root = conv(el);
  } catch (e) {
    if (e instanceof XmlSyntaxError) return null;
    throw e;
  }
  return root;
}

function escText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /\r/g,
    "&#13;",
  );
}

function escAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  )
    .replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

/** xmlNodeDump(format=1) of an element tree at `depth`. */
function dumpMeta(n: MetaNode, depth: number): string {
  let s = `<${n.name}`;
  for (const [k, v] of n.attrs) s += ` ${k}="${escAttr(v)}"`;
  if (n.children.length === 0) {
    if (n.value === "") return s + "/>";
    return `${s}>${escText(n.value)}</${n.name}>`;
  }
  s += ">";
  for (const c of n.children) s += "\n" + "  ".repeat(depth + 1) + dumpMeta(c, depth + 1);
  return s + "\n" + "  ".repeat(depth) + `</${n.name}>`;
}

/** The <metadata> element's children, with their namespace URIs. */
function metadataChildren(def: DomainDef): { uri: string; node: MetaNode }[] {
  if (!def.metadata) return [];
  const root = parseMeta(def.metadata);
  if (!root) return [];
  const out: { uri: string; node: MetaNode }[] = [];
  for (const c of root.children) {
    const p = c.name.includes(":") ? c.name.slice(0, c.name.indexOf(":")) : "";
    const key = p === "" ? "xmlns" : `xmlns:${p}`;
    const uri = c.attrs.find(([k]) => k === key)?.[1] ??
      root.attrs.find(([k]) => k === key)?.[1] ?? "";
    out.push({ uri, node: c });
  }
  return out;
}

function writeMetadata(def: DomainDef, items: MetaNode[]): void {
  if (items.length === 0) {
    // libvirt keeps the <metadata> element it once made, empty.
    if (def.metadata !== null) def.metadata = "<metadata/>";
    return;
  }
  def.metadata = `<metadata>\n${
    items.map((n) => "    " + dumpMeta(n, 2)).join("\n")
  }\n  </metadata>`;
}

function prefixOf(name: string): string {
  return name.includes(":") ? name.slice(0, name.indexOf(":")) : "";
}

function localOf(name: string): string {
  return name.includes(":") ? name.slice(name.indexOf(":") + 1) : name;
}

function isNsDecl(k: string): boolean {
  return k === "xmlns" || k.startsWith("xmlns:");
}

/**
 * virXMLInjectNamespace: the element and its un-prefixed descendants move
 * into namespace `key`; its own declarations stay, the new one comes last.
 */
function namespaced(n: MetaNode, key: string, uri: string, top: boolean): MetaNode {
  const decls = n.attrs.filter(([k]) => isNsDecl(k));
  const attrs = n.attrs.filter(([k]) => !isNsDecl(k));
  return {
    kind: "el",
    name: prefixOf(n.name) === "" ? `${key}:${n.name}` : n.name,
    attrs: top ? [...decls, [`xmlns:${key}`, uri], ...attrs] : n.attrs,
    children: n.children.map((c) => namespaced(c, key, uri, false)),
    value: n.value,
  };
}

/** virXMLExtractNamespaceXML: the element with the namespace of `uri` taken off. */
function unnamespaced(n: MetaNode, uri: string): MetaNode {
  const decl = n.attrs.find(([k, v]) => k.startsWith("xmlns:") && v === uri);
  const key = decl ? decl[0].slice(6) : null;
  const strip = (m: MetaNode, top: boolean): MetaNode => ({
    kind: "el",
    name: key !== null && prefixOf(m.name) === key ? localOf(m.name) : m.name,
    attrs: top ? m.attrs.filter(([k]) => k !== `xmlns:${key}`) : m.attrs,
    children: m.children.map((c) => strip(c, false)),
    value: m.value,
  });
  return strip(n, true);
}

/** A malformed metadata fragment, worded as libxml2 words it (via the domain parser). */
function metadataSyntaxError(xml: string): VirError {
  try {
    parseDomainXML(xml);
  } catch (e) {
    if (e instanceof VirError && e.str2?.startsWith("(domain_definition)")) {
      return new VirError({
        code: e.code,
        domain: VIR_FROM_DOMAIN,
        str1: e.str1,
        str2: e.str2.replace(/^\(domain_definition\)/, "(metadata_xml)"),
      });
    }
  }
  return VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN, "(metadata_xml): malformed XML");
}

function noMetadata(): VirError {
  return VirError.of(
    VIR_ERR_NO_DOMAIN_METADATA,
    VIR_FROM_DOMAIN,
    "Requested metadata element is not present",
  );
}

function setMetadata(
  def: DomainDef,
  type: number,
  metadata: string | null,
  key: string | null,
  uri: string | null,
): void {
  switch (type) {
    case META_DESCRIPTION:
      def.description = metadata ? metadata : null;
      return;
    case META_TITLE:
      if (metadata && metadata.includes("\n")) {
        throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "title can't contain newlines");
      }
      def.title = metadata ? metadata : null;
      return;
    case META_ELEMENT: {
      let items = metadataChildren(def);
      let fresh: MetaNode | null = null;
      if (metadata) {
        fresh = parseMeta(metadata);
        if (!fresh) throw metadataSyntaxError(metadata);
        if (!/^[\p{L}_][\p{L}\p{N}._\-]*$/u.test(key ?? "")) {
          throw VirError.of(
            VIR_ERR_INTERNAL_ERROR,
            VIR_FROM_XML,
            "failed to validate prefix for a new XML namespace",
          );
        }
        fresh = namespaced(fresh, key ?? "", uri ?? "", true);
      }
      items = items.filter((i) => i.uri !== uri);
      const nodes = items.map((i) => i.node);
      if (fresh) nodes.push(fresh);
      writeMetadata(def, nodes);
      return;
    }
    default:
      // virDomainDefSetMetadata: a type past ELEMENT is refused, a negative one changes nothing.
      if (type < 0) return;
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, `unknown metadata type '${type}'`);
  }
}

function getMetadata(def: DomainDef, type: number, uri: string | null): string {
  switch (type) {
    case META_DESCRIPTION:
      if (def.description === null) throw noMetadata();
      return def.description;
    case META_TITLE:
      if (def.title === null) throw noMetadata();
      return def.title;
    case META_ELEMENT: {
      const item = metadataChildren(def).find((i) => i.uri === uri);
      if (!item) throw noMetadata();
      return dumpMeta(unnamespaced(item.node, uri ?? ""), 0);
    }
    default:
      // A negative type passes virDomainObjGetMetadata's range check and finds nothing.
      throw noMetadata();
  }
}

function apiInvalidArg(fn: string, arg: string, message: string): VirError {
  return VirError.argument(VIR_FROM_DOMAIN, fn, arg, message);
}

const metadataHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_METADATA, (
    c,
    a,
  ) => {
    const fn = "virDomainSetMetadata";
    if (a.type === META_TITLE || a.type === META_DESCRIPTION) {
      if (a.uri !== null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
      if (a.key !== null) throw apiInvalidArg(fn, "key", `key in ${fn} must be NULL`);
    } else if (a.type === META_ELEMENT) {
      if (a.uri === null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
      if (a.metadata !== null && a.key === null) {
        throw apiInvalidArg(fn, "key", `key in ${fn} must not be NULL`);
      }
    }
    checkFlags(
      "testDomainSetMetadata",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { live, config } = bothDefs(o, a.flags);
      if (live) setMetadata(live, a.type, a.metadata, a.key, a.uri);
      if (config) setMetadata(config, a.type, a.metadata, a.key, a.uri);
      x.save();
      const dom = wire(x.entry);
      c.emit(
        x.dir,
        "domain",
        METADATA_CHANGE_EVENT,
        x.entry.uuid,
        (callbackID, legacy) =>
          legacy ? null : {
            proc: DOMAIN_EVENT_CALLBACK_PROCS[METADATA_CHANGE_EVENT]!,
            msg: { callbackID, dom, type: a.type, nsuri: a.type === META_ELEMENT ? a.uri : null },
          },
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_METADATA, (c, a) => {
    const fn = "virDomainGetMetadata";
    exclusiveAffect(fn, a.flags);
    if (a.type === META_ELEMENT && a.uri === null) {
      throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
    }
    // Types beyond ELEMENT are left to the driver ("for future expansion").
    if ((a.type === META_DESCRIPTION || a.type === META_TITLE) && a.uri !== null) {
      throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
    }
    checkFlags(
      "testDomainGetMetadata",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      if (a.type > META_ELEMENT) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `unknown metadata type '${a.type}'`,
        );
      }
      const { def } = oneDef(o, a.flags);
      const metadata = getMetadata(def, a.type, a.uri);
      if (o.newDef) x.save();
      return { metadata };
    });
  }),
];

// ---- Everything else ---------------------------------------------------------------------------------

const LIFECYCLE_TYPES = ["poweroff", "reboot", "crash"];
const LIFECYCLE_ACTIONS = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
];

const miscHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_USER_PASSWORD, (
    c,
    a,
  ) => {
    if (a.user === null) {
      throw apiInvalidArg(
        "virDomainSetUserPassword",
        "user",
        "user in virDomainSetUserPassword must not be NULL",
      );
    }
    checkFlags("testDomainSetUserPassword", a.flags, 1);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_INJECT_NMI, (c, a) => {
    checkFlags("testDomainInjectNMI", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SEND_KEY, (
    c,
    a,
  ) => {
    const fn = "virDomainSendKey";
    if (a.keycodes.length === 0) {
      // An empty array arrives as a NULL pointer.
      throw apiInvalidArg(fn, "keycodes", `keycodes in ${fn} must not be NULL`);
    }
    if (a.codeset >= KEYCODE_SETS.length) {
      throw apiInvalidArg(fn, "codeset", `Unsupported codeset '${a.codeset}'`);
    }
    checkFlags("testDomainSendKey", a.flags, 0);
    c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const ranges = KEYCODES[a.codeset]!;
      for (const k of a.keycodes) {
        if (!ranges.some(([lo, hi]) => k >= lo && k <= hi)) {
          throw testError(
            VIR_ERR_INTERNAL_ERROR,
            `invalid keycode ${k} of ${KEYCODE_SETS[a.codeset]} codeset`,
          );
        }
      }
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL, (c, a) => {
    checkFlags("testDomainSendProcessSignal", a.flags, 0);
    if (a.pid_value !== 1n) {
      throw testError(VIR_ERR_INVALID_ARG, "only sending a signal to pid 1 is supported");
    }
    if (a.signum >= 65) {
      throw testError(VIR_ERR_INVALID_ARG, `signum value ${a.signum} is out of range`);
    }
    c.domain(a.dom, () => undefined);
  }),
  on(P.REMOTE_PROC_DOMAIN_MEMORY_PEEK, (c, a) => {
    if (a.size > 4194304) throw rpcLimit("size > maximum buffer size");
    checkFlags("testDomainMemoryPeek", a.flags, 1 | 2);
    if (a.flags !== 1 && a.flags !== 2) {
      throw testError(
        VIR_ERR_INVALID_ARG,
        "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
      );
    }
    return c.domain(a.dom, (o) => {
      if (!isActive(o)) throw notActive();
      const buffer = new Uint8Array(a.size);
      const b = Number(a.offset & 0xffn);
      for (let i = 0; i < a.size; i++) buffer[i] = (b + i) & 0xff;
      return { buffer };
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION, (c, a) => {
    const fn = "virDomainSetLifecycleAction";
    if (a.type >= LIFECYCLE_TYPES.length) {
      throw apiInvalidArg(fn, "type", `invalid lifecycle type '${a.type}'`);
    }
    if (a.action >= LIFECYCLE_ACTIONS.length) {
      throw apiInvalidArg(fn, "action", `invalid lifecycle action '${a.action}'`);
    }
    checkFlags(
      "testDomainSetLifecycleAction",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    const action = LIFECYCLE_ACTIONS[a.action]!;
    if (a.type !== 2 && action.startsWith("coredump")) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_DOMAIN,
        `Lifecycle event '${LIFECYCLE_TYPES[a.type]}' doesn't support '${action}' action`,
      );
    }
    c.domain(a.dom, (o, x) => {
      const { live, config } = bothDefs(o, a.flags);
      for (const def of [live, config]) {
        if (!def) continue;
        if (a.type === 0) def.onPoweroff = action;
        else if (a.type === 1) def.onReboot = action;
        else def.onCrash = action;
      }
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, (c, a) => {
    if (a.period < 0) {
      throw apiInvalidArg(
        "virDomainSetMemoryStatsPeriod",
        "period",
        "period in virDomainSetMemoryStatsPeriod must be greater than or equal to 0",
      );
    }
    checkFlags(
      "testDomainSetMemoryStatsPeriod",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { def } = oneDef(o, a.flags);
      const mb = def.devices.memballoon;
      if (!mb || mb.model === "none") {
        throw testError(
          VIR_ERR_INTERNAL_ERROR,
          "No memory balloon device configured, can not set the collection period",
        );
      }
      mb.statsPeriod = a.period;
      x.save();
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_RENAME, (c, a) => {
    if (a.new_name === null) {
      throw apiInvalidArg(
        "virDomainRename",
        "new_name",
        "new_name in virDomainRename must not be NULL",
      );
    }
    const newName = a.new_name;
    checkFlags("testDomainRename", a.flags, 0);
    c.domain(a.dom, (o, x) => {
      if (isActive(o)) throw testError(VIR_ERR_OPERATION_INVALID, "cannot rename active domain");
      if (!o.persistent) {
        throw testError(VIR_ERR_OPERATION_INVALID, "cannot rename a transient domain");
      }
      if (o.def.name === newName) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          "Can't rename domain to itself",
        );
      }
      if (x.dir.domains.some((e) => e.name === newName)) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_DOMAIN,
          `domain with name '${newName}' already exists`,
        );
      }
      if (newName.includes("/")) {
        throw testError(VIR_ERR_XML_ERROR, `name ${newName} cannot contain '/'`);
      }
      const old = stoppedRef(x.entry);
      c.lifecycle(x.dir, old, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED);
      o.def.name = newName;
      x.entry.name = newName;
      x.save();
      x.saveDir();
      c.lifecycle(
        x.dir,
        stoppedRef(x.entry),
        VIR_DOMAIN_EVENT_DEFINED,
        VIR_DOMAIN_EVENT_DEFINED_RENAMED,
      );
    }, { dir: true });
    return { retcode: 0 };
  }),
  // No descriptors cross a Unix socket here: the same as without files.
  on(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FILES, (c, a) => ({ dom: create(c, a.dom, a.flags) })),
  on(P.REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES, (c, a) => createXML(c, a.xml_desc, a.flags)),
];

/** The procedures of this module, to spread into the driver's handler map. */
export const domainExtraHandlers: HandlerEntry[] = [
  ...snapshotHandlers,
  ...checkpointHandlers,
  ...saveHandlers,
  ...paramHandlers,
  ...statsHandlers,
  ...metadataHandlers,
  ...miscHandlers,
];
