/**
 * The test driver's state as it lives in the shared store: one directory
 * per driver instance (the index of every object, counters, event
 * registrations) and one blob per object. libvirt's testDriver, made
 * shareable between Workers.
 *
 * @module
 */

import type { DomainDef } from "../../conf/domain_xml.ts";
import type { HandlerEntry } from "../../dispatch/handlers.ts";
import type { CheckpointDef } from "../../conf/snapshot_xml.ts";
import type { SnapshotObj } from "../moments.ts";
import type { EventRegistry } from "../events.ts";

export * from "../domain_constants.ts";

/** One domain: its definition(s) and runtime state. */
export interface DomainObj {
  def: DomainDef;
  /** The persistent definition that takes over at the next shutdown, when defined while running. */
  newDef: DomainDef | null;
  id: number;
  state: number;
  reason: number;
  persistent: boolean;
  autostart: boolean;
  hasManagedSave: boolean;
  /** Scheduler weight (the test driver's only scheduler parameter). */
  schedWeight: number;
  // ---- Optional runtime state of snapshot.ts, checkpoint.ts, stats.ts and vcpu.ts (absent = libvirt's initial value) ----
  /** Snapshots, in creation order (see SnapshotObj). */
  snapshots?: SnapshotObj[];
  /** Names of the root snapshots, in libvirt's child-list order (newest linked first). */
  snapshotRoots?: string[];
  /** Name of the current snapshot, or null. */
  currentSnapshot?: string | null;
  /** The guest time of virDomainGetTime/SetTime: decimal seconds and nanoseconds. */
  guestTime?: { seconds: string; nseconds: number };
  /** Frozen state of the two guest filesystems ("/" and "/boot"). */
  frozen?: [boolean, boolean];
  /** Checkpoints, in creation order (see CheckpointObj). */
  checkpoints?: CheckpointObj[];
  /** Names of the root checkpoints, in libvirt's child-list order (newest linked first). */
  checkpointRoots?: string[];
  /** Name of the current checkpoint, or null. */
  currentCheckpoint?: string | null;
  /** IOThread polling parameters of threads added at run time (testIOThreadInfo). */
  iothreadParams?: { id: number; pollMaxNs: string; pollGrow: number; pollShrink: number }[];
}

/** One checkpoint of a domain (virDomainMomentObj). */
export interface CheckpointObj {
  def: CheckpointDef;
  /** Names of its children, in libvirt's child-list order (newest linked first). */
  children: string[];
  /** The checkpoint it is linked under (null: a root). */
  link: string | null;
}

/** One snapshot of a domain: the shape every driver keeps (src/drivers/moments.ts). */
export type { SnapshotObj };

/** A directory entry: enough to find and list an object without reading it. */
export interface Entry {
  name: string;
  uuid: string;
  handle: number;
}

export interface DomainEntry extends Entry {
  id: number;
  active: boolean;
  persistent: boolean;
}

/** An entry whose object can be active or not (networks, pools, interfaces). */
export interface ActiveEntry extends Entry {
  active: boolean;
  persistent: boolean;
}

/** The index of one test-driver instance (shared by every client of test:///default). */
export interface TestDirectory extends EventRegistry {
  uri: string;
  nextDomId: number;
  domains: DomainEntry[];
  /** Networks; `uuid` as for domains. Objects: see network.ts. */
  networks: ActiveEntry[];
  /** Host interfaces; `uuid` holds the MAC string (interfaces have no UUID). Objects: see interface.ts. */
  interfaces: ActiveEntry[];
  /** Storage pools. Objects (with their volumes): see storage.ts. */
  pools: ActiveEntry[];
  /** Node devices; `uuid` is unused (""). Objects: see nodedev.ts. */
  nodedevs: Entry[];
  /** State of virInterfaceChangeBegin/Commit/Rollback: a saved copy of the interfaces, or null. */
  ifaceTransaction: unknown | null;
}

/** A family of test-driver objects: its procedures and its part of the pristine state. */
export interface TestFamily {
  /** Remote procedures the family implements. */
  handlers: HandlerEntry[];
  /** Adds the family's default objects (test:///default) to a new directory. */
  populate(d: TestDirectory, create: (value: unknown) => number): void;
}
