/**
 * Facts about the host that every Worker would otherwise work out for
 * itself — what an emulator binary offers (a QEMU run per accelerator), the
 * host's CPU model and the host-model CPU (libvirt's CPU map read and
 * decoded) — worked out once for the whole daemon, as libvirtd works them
 * out once in its one process. A Worker keeps the facts it has used; the
 * first Worker to need one computes it and leaves it in the driver store's
 * memo (SharedStore.memo) for the others. That is the difference between
 * about 20 MiB per Worker that ever answered `virsh capabilities` and one
 * such Worker (issue 16).
 *
 * An isolate without a store (a test calling a driver function directly)
 * keeps the facts to itself.
 *
 * @module
 */

import type { SharedStore } from "./shared_store.ts";

let store: SharedStore | null = null;
const known = new Map<string, unknown>();

/** Makes this isolate share its host facts through `s` (each Worker, at its start). */
export function shareHostFacts(s: SharedStore): void {
  store = s;
}

/**
 * The fact under `key`: this isolate's copy, else the daemon's, else
 * `compute()`'s (an error it throws is not kept: the next call tries again).
 * A fact is plain JSON (no Map, Set or undefined), as the memo stores it.
 */
export function hostFact<T>(key: string, compute: () => T): T {
  if (known.has(key)) return known.get(key) as T;
  const value = (store ? store.memo(key, compute) : compute()) as T;
  known.set(key, value);
  return value;
}
