// What the soak reads from a running daemon's shared memory, at its start
// and once the load has stopped: the drivers' store (bytes, instances, each
// instance's directory and event registrations) and each server's records
// (clients, job slots, arena, the pool's books).

import type { NetServer } from "../../src/server/server.ts";
import { MAX_INSTANCES, SharedStore } from "../../src/drivers/shared_store.ts";
import { LockTracker, THREAD_SLOTS } from "../../src/pool/lock.ts";
import {
  C_STATE,
  CLIENT_FREE,
  J_STATE,
  JOB_FREE,
  S_N_CLIENTS,
  S_STUCK_WORKERS,
} from "../../src/pool/layout.ts";
import { bookProblems } from "../../tests/pool/_pool.ts";

/** A view of the drivers' store as a thread of its own (a slot no Worker and no test helper uses). */
export function storeView(sab: SharedArrayBuffer): SharedStore {
  return new SharedStore(sab, new LockTracker(THREAD_SLOTS - 3, false));
}

/** One live driver instance as seen at a moment. */
export interface InstanceView {
  index: number;
  refs: number;
  /** Bytes the directory's block takes in the store (its size class). */
  dirBlock: number;
  /** Event registrations in the directory. */
  callbacks: number;
  /** The directory itself (JSON). */
  dir: Record<string, unknown>;
}

export interface StoreSnapshot {
  bytes: number;
  /** The memo's block (host facts the drivers keep for the daemon's life). */
  memo: number;
  instances: number;
  live: InstanceView[];
  registrations: number;
}

/**
 * The block the store gives a blob of `jsonBytes` bytes: a class word and a
 * length word before the bytes, rounded up to a power of two, 32 at least
 * (shared_store.ts #writeBlob and #allocLocked).
 */
export function blobBlock(jsonBytes: number): number {
  return 2 ** Math.max(5, Math.ceil(Math.log2(jsonBytes + 8)));
}

/** Takes an instance lock from the event loop without waiting in Atomics.wait: polls tryLock. */
async function withInstanceLock<T>(
  store: SharedStore,
  index: number,
  fn: () => T,
): Promise<T> {
  const lock = store.instanceLock(index);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const g = lock.tryLock();
    if (g) {
      try {
        return fn();
      } finally {
        g[Symbol.dispose]();
      }
    }
    if (Date.now() > deadline) throw new Error(`instance ${index}'s lock stayed taken for 10 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The store now: bytes in use, instances, and every live instance's directory. */
export async function storeSnapshot(store: SharedStore): Promise<StoreSnapshot> {
  const live: InstanceView[] = [];
  for (let i = 1; i < MAX_INSTANCES; i++) {
    const refs = store.instanceRefs(i);
    if (refs <= 0) continue;
    const dir = await withInstanceLock(
      store,
      i,
      () => store.directoryLocked<Record<string, unknown>>(i),
    );
    const json = JSON.stringify(dir);
    live.push({
      index: i,
      refs,
      dirBlock: blobBlock(new TextEncoder().encode(json).length),
      callbacks: Array.isArray(dir.callbacks) ? dir.callbacks.length : 0,
      dir: JSON.parse(json),
    });
  }
  return {
    bytes: store.bytesInUse,
    memo: store.memoBytes,
    instances: store.instancesInUse,
    live,
    registrations: live.reduce((n, v) => n + v.callbacks, 0),
  };
}

/**
 * Store bytes that are neither the baseline's nor explained by the live
 * directories changing size: a directory is rewritten whole, so counters in
 * it (next domain id, next callback id, a monitor slot list) may move it to
 * another size class; the memo grows once per host fact a driver first
 * needs; every other byte must be back. Positive: leaked.
 */
export function storeLeak(base: StoreSnapshot, end: StoreSnapshot): number {
  const dirs = (s: StoreSnapshot) => s.live.reduce((n, v) => n + v.dirBlock, s.memo);
  return (end.bytes - dirs(end)) - (base.bytes - dirs(base));
}

/** What is wrong with a quiet server's records; [] when everything is back. */
export function serverProblems(server: NetServer, ownClients: number): string[] {
  const pool = server.pool;
  const ctl = pool.ctl;
  const out: string[] = [];
  const say = (ok: boolean, text: string) => ok || out.push(`${server.name}: ${text}`);
  say(server.clientCount === 0, `${server.clientCount} client(s) still connected`);
  say(Atomics.load(ctl, S_N_CLIENTS) === 0, `S_N_CLIENTS is ${Atomics.load(ctl, S_N_CLIENTS)}`);
  let records = 0;
  for (let i = 0; i < pool.mem.capacity.clients; i++) {
    if (Atomics.load(ctl, pool.mem.client(i) + C_STATE) !== CLIENT_FREE) records++;
  }
  say(
    records === ownClients,
    `${records} client record(s) in use, ${ownClients} expected (the daemon's own)`,
  );
  let slots = 0;
  for (let s = 0; s < pool.mem.capacity.jobs; s++) {
    if (Atomics.load(ctl, pool.mem.job(s) + J_STATE) !== JOB_FREE) slots++;
  }
  say(slots === 0, `${slots} job slot(s) not free`);
  say(pool.inflight === 0, `${pool.inflight} call(s) in flight`);
  say(pool.queueDepth === 0, `queue depth ${pool.queueDepth}`);
  say(pool.arena.inUse === 0, `${pool.arena.inUse} arena byte(s) in use`);
  say(pool.recovering === 0, `${pool.recovering} dead Worker(s) still being recovered`);
  say(
    Atomics.load(ctl, S_STUCK_WORKERS) === 0,
    `${Atomics.load(ctl, S_STUCK_WORKERS)} Worker(s) reported stuck`,
  );
  for (const p of bookProblems(pool)) out.push(`${server.name}: ${p}`);
  return out;
}
