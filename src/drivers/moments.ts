/**
 * The tree of a domain's snapshots or checkpoints (libvirt's
 * virDomainMomentObjList): parents, children, the current one, listing
 * filters and the redefinition checks both families share, for every driver
 * that keeps them (test, QEMU).
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import { VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN } from "../rpc/error_codes.ts";
import type { SnapshotDef } from "../conf/snapshot_xml.ts";
import { snapshotIsExternal } from "../conf/snapshot_xml.ts";

export interface MomentObj {
  def: { name: string; parent: string | null };
  children: string[];
  link: string | null;
}

/** virDomainMomentObjList over a domain's snapshots or checkpoints. */
export class Moments<M extends MomentObj> {
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

/** virDomainMomentCheckCycles (errors in VIR_FROM_DOMAIN). */
export function checkCycles<M extends MomentObj>(
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

/** One snapshot of a domain (virDomainMomentObj). */
export interface SnapshotObj {
  def: SnapshotDef;
  /** Names of its children, in libvirt's child-list order (newest linked first). */
  children: string[];
  /** The snapshot it is linked under (null: a root), which may differ from def.parent mid-operation. */
  link: string | null;
}

/** Where a domain object keeps its snapshots (each driver's object has these fields). */
export interface SnapshotHolder {
  /** Snapshots, in creation order. */
  snapshots?: SnapshotObj[];
  /** Names of the root snapshots, in libvirt's child-list order (newest linked first). */
  snapshotRoots?: string[];
  /** Name of the current snapshot, or null. */
  currentSnapshot?: string | null;
}

export class Snapshots extends Moments<SnapshotObj> {
  constructor(o: SnapshotHolder) {
    super(
      o.snapshots ??= [],
      o.snapshotRoots ??= [],
      () => o.currentSnapshot ?? null,
      (n) => (o.currentSnapshot = n),
    );
  }
}

export const SNAP_LIST_ROOTS = 1 << 0; // also DESCENDANTS for children listings
const SNAP_LIST_METADATA = 1 << 1;
const SNAP_LIST_LEAVES = 1 << 2;
const SNAP_LIST_NO_LEAVES = 1 << 3;
const SNAP_LIST_NO_METADATA = 1 << 4;
const SNAP_LIST_INACTIVE = 1 << 5;
const SNAP_LIST_ACTIVE = 1 << 6;
const SNAP_LIST_DISK_ONLY = 1 << 7;
const SNAP_LIST_INTERNAL = 1 << 8;
const SNAP_LIST_EXTERNAL = 1 << 9;
export const SNAP_LIST_TOPOLOGICAL = 1 << 10;
const SNAP_FILTERS_LEAVES = SNAP_LIST_LEAVES | SNAP_LIST_NO_LEAVES;
const SNAP_FILTERS_METADATA = SNAP_LIST_METADATA | SNAP_LIST_NO_METADATA;
const SNAP_FILTERS_STATUS = SNAP_LIST_INACTIVE | SNAP_LIST_ACTIVE | SNAP_LIST_DISK_ONLY;
const SNAP_FILTERS_LOCATION = SNAP_LIST_INTERNAL | SNAP_LIST_EXTERNAL;
/** Every VIR_DOMAIN_SNAPSHOT_LIST_* flag. */
export const SNAP_LIST_ALLOWED = SNAP_LIST_ROOTS | SNAP_LIST_TOPOLOGICAL | SNAP_FILTERS_LEAVES |
  SNAP_FILTERS_METADATA | SNAP_FILTERS_STATUS | SNAP_FILTERS_LOCATION;

/** virDomainSnapshotObjListGetNames: the names `flags` select, from the meta-root or a snapshot. */
export function snapshotNames(
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
