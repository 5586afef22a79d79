// Helpers for tests that look into a running pool's shared memory: the
// records of running jobs and live Workers, and the counts that must agree
// with them.

import type { WorkerPool } from "../../src/pool/pool.ts";
import {
  J_STATE,
  J_WORKER,
  JOB_RUNNING,
  S_FREE_PRIO,
  S_FREE_WORKERS,
  S_IDLE_TOP,
  S_LOCK,
  S_MAX_WORKERS,
  S_MIN_WORKERS,
  S_N_PRIO,
  S_N_STARTING,
  S_N_WOKEN,
  S_N_WOKEN_PRIO,
  S_N_WORKERS,
  S_PRIO_IDLE_TOP,
  W_PRIO,
  W_STATE,
  WORKER_BUSY,
  WORKER_FREE,
  WORKER_IDLE,
  WORKER_PARKED,
} from "../../src/pool/layout.ts";
import { eventually } from "../server/_daemon.ts";
import { LockTracker, RANK_SERVER, SharedMutex, THREAD_SLOTS } from "../../src/pool/lock.ts";

/**
 * Takes a pool's server lock as a thread of its own (the last thread slot,
 * which no Worker uses), so that the pool's own tryLock() simply fails while
 * the test holds it: Workers and the event loop's flushes and recoveries
 * then wait, which lets a test arrange an interleaving.
 */
export async function holdServerLock(pool: WorkerPool): Promise<Disposable> {
  const lock = new SharedMutex(
    pool.ctl,
    S_LOCK,
    RANK_SERVER,
    "(test)",
    new LockTracker(THREAD_SLOTS - 1, false),
  );
  let g: Disposable | null = null;
  await eventually(() => (g = lock.tryLock()) !== null, 5000, "the server lock");
  return g!;
}

/** The worker records running a job now, by job slot. */
export function runningJobs(pool: WorkerPool): { slot: number; worker: number }[] {
  const out = [];
  for (let slot = 0; slot < pool.mem.capacity.jobs; slot++) {
    const j = pool.mem.job(slot);
    if (Atomics.load(pool.ctl, j + J_STATE) === JOB_RUNNING) {
      out.push({ slot, worker: Atomics.load(pool.ctl, j + J_WORKER) });
    }
  }
  return out;
}

/** Waits until exactly `n` jobs run, and returns their workers' record indices. */
export async function workersRunning(pool: WorkerPool, n = 1): Promise<number[]> {
  await eventually(() => runningJobs(pool).length === n, 10_000, `${n} running job(s)`);
  return runningJobs(pool).map((r) => r.worker);
}

/** Sets the pool's minimum and maximum as the admin program does, and applies them. */
export function resizeTo(pool: WorkerPool, min: number, max: number): void {
  Atomics.store(pool.ctl, S_MIN_WORKERS, min);
  Atomics.store(pool.ctl, S_MAX_WORKERS, max);
  pool.resize();
}

/** Entries of an idle stack (normal or priority), bottom first. */
export function idleStack(pool: WorkerPool, prio: boolean): number[] {
  const ctl = pool.ctl;
  const n = Atomics.load(ctl, prio ? S_PRIO_IDLE_TOP : S_IDLE_TOP);
  const base = prio ? pool.mem.prioIdleBase : pool.mem.idleBase;
  return Array.from({ length: n }, (_, i) => Atomics.load(ctl, base + i));
}

/**
 * The pool's books balance with its records, once it is quiet (no Worker
 * starting, woken, or being recovered): every record with a live isolate is
 * idle or busy and counted once, every other record is free, and the idle
 * stacks hold exactly the idle Workers. Returns what is wrong, or [].
 */
export function bookProblems(pool: WorkerPool): string[] {
  const ctl = pool.ctl;
  const problems: string[] = [];
  const live = { normal: 0, prio: 0 };
  const idle = { normal: new Set<number>(), prio: new Set<number>() };
  for (let i = 0; i < pool.mem.capacity.workers; i++) {
    const rec = pool.mem.worker(i);
    const state = Atomics.load(ctl, rec + W_STATE);
    const prio = Atomics.load(ctl, rec + W_PRIO) === 1;
    if (state === WORKER_PARKED) {
      // In the pool and idle, with no isolate (one that parked may not be ended yet).
      live[prio ? "prio" : "normal"]++;
      idle[prio ? "prio" : "normal"].add(i);
    } else if (pool.isolateOf(i) >= 0) {
      if (state !== WORKER_IDLE && state !== WORKER_BUSY) {
        problems.push(`worker ${i} has an isolate but state ${state}`);
      }
      live[prio ? "prio" : "normal"]++;
      if (state === WORKER_IDLE) idle[prio ? "prio" : "normal"].add(i);
    } else if (state !== WORKER_FREE) {
      problems.push(`worker ${i} has no isolate but state ${state}`);
    }
  }
  const expect = (word: number, name: string, want: number) => {
    const got = Atomics.load(ctl, word);
    if (got !== want) problems.push(`${name} is ${got}, ${want} expected`);
  };
  expect(S_N_WORKERS, "S_N_WORKERS", live.normal);
  expect(S_N_PRIO, "S_N_PRIO", live.prio);
  expect(S_FREE_WORKERS, "S_FREE_WORKERS", idle.normal.size);
  expect(S_FREE_PRIO, "S_FREE_PRIO", idle.prio.size);
  expect(S_N_STARTING, "S_N_STARTING", 0);
  expect(S_N_WOKEN, "S_N_WOKEN", 0);
  expect(S_N_WOKEN_PRIO, "S_N_WOKEN_PRIO", 0);
  for (const prio of [false, true]) {
    const stack = idleStack(pool, prio).sort((a, b) => a - b).join(",");
    const want = [...idle[prio ? "prio" : "normal"]].sort((a, b) => a - b).join(",");
    if (stack !== want) {
      problems.push(`${prio ? "priority" : "normal"} idle stack [${stack}], [${want}] expected`);
    }
  }
  return problems;
}

/** Waits until the pool is quiet and its books balance (see bookProblems). */
export async function booksBalance(pool: WorkerPool, ms = 10_000): Promise<void> {
  let last: string[] = [];
  await eventually(
    () =>
      (last = pool.recovering === 0 ? bookProblems(pool) : ["a recovery under way"]).length === 0,
    ms,
    "the pool's books to balance",
  ).catch((e) => {
    throw new Error(`${e.message}: ${last.join("; ")}`);
  });
}
