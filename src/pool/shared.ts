/**
 * The pool's shared memory as both sides see it: the control words (server
 * section, job slots, client records, worker records), the call arena and
 * the workers' mailboxes, with the locks that guard them.
 *
 * @module
 */

import {
  C_LOCK,
  CLIENT_WORDS,
  controlWords,
  JOB_WORDS,
  S_IDLE_TOP,
  S_LOCK,
  S_LOCK_CHECK,
  S_PRIO_IDLE_TOP,
  W_WAKE,
  WORKER_WORDS,
} from "./layout.ts";
import { LockTracker, RANK_CLIENT, RANK_SERVER, SharedMutex } from "./lock.ts";

/** Capacities fixed when the pool starts. */
export interface PoolCapacity {
  /** Job slots: max_clients × max_client_requests is always enough. */
  jobs: number;
  /** Client records: max_clients of every service together. */
  clients: number;
  /** Worker records: the most workers (normal + priority) ever alive at once. */
  workers: number;
}

/** What a Worker is handed once, when it starts (never per call). */
export interface SharedBuffers {
  capacity: PoolCapacity;
  control: SharedArrayBuffer;
  arena: SharedArrayBuffer;
  mailboxes: SharedArrayBuffer[];
  /** Per worker: the event loop's answer to its pending I/O request (src/pool/io.ts). */
  answers: SharedArrayBuffer[];
  /** Drivers' shared state (src/drivers/shared_store.ts). */
  store: SharedArrayBuffer;
  /** Every server's control buffer, for the admin program (virt-admin sees all servers). */
  servers: ServerBuffers[];
  /** Daemon-wide settings the admin program reads (log filters and outputs). */
  settings: SharedArrayBuffer;
}

/** One server (libvirtd's virNetServer) as the admin program sees it. */
export interface ServerBuffers {
  name: string;
  capacity: PoolCapacity;
  control: SharedArrayBuffer;
}

export class SharedMemory {
  readonly capacity: PoolCapacity;
  readonly control: SharedArrayBuffer;
  readonly ctl: Int32Array;
  readonly jobBase: number;
  readonly clientBase: number;
  readonly workerBase: number;
  /** Idle stacks: normal workers, priority workers (see controlWords). */
  readonly idleBase: number;
  readonly prioIdleBase: number;
  readonly arena: SharedArrayBuffer;
  readonly arenaBytes: Uint8Array;
  readonly tracker: LockTracker;
  readonly serverLock: SharedMutex;

  constructor(buffers: SharedBuffers, threadId: number) {
    this.capacity = buffers.capacity;
    this.control = buffers.control;
    this.ctl = new Int32Array(buffers.control);
    const { jobBase, clientBase, workerBase, idleBase, prioIdleBase } = controlWords(
      this.capacity.jobs,
      this.capacity.clients,
      this.capacity.workers,
    );
    this.jobBase = jobBase;
    this.clientBase = clientBase;
    this.workerBase = workerBase;
    this.idleBase = idleBase;
    this.prioIdleBase = prioIdleBase;
    this.arena = buffers.arena;
    this.arenaBytes = new Uint8Array(buffers.arena);
    this.tracker = new LockTracker(threadId, Atomics.load(this.ctl, S_LOCK_CHECK) === 1);
    this.serverLock = new SharedMutex(this.ctl, S_LOCK, RANK_SERVER, "", this.tracker);
  }

  /** A new, zeroed control buffer for these capacities. */
  static allocateControl(capacity: PoolCapacity): SharedArrayBuffer {
    const { total } = controlWords(capacity.jobs, capacity.clients, capacity.workers);
    return new SharedArrayBuffer(total * 4);
  }

  job(slot: number): number {
    return this.jobBase + slot * JOB_WORDS;
  }

  client(index: number): number {
    return this.clientBase + index * CLIENT_WORDS;
  }

  worker(index: number): number {
    return this.workerBase + index * WORKER_WORDS;
  }

  /** Where an idle stack's depth word and entries are. */
  #idleStack(prio: boolean): { top: number; base: number } {
    return prio
      ? { top: S_PRIO_IDLE_TOP, base: this.prioIdleBase }
      : { top: S_IDLE_TOP, base: this.idleBase };
  }

  /** Where worker `index` is on its idle stack, or -1. Caller holds the server lock. */
  #idlePositionLocked(index: number, prio: boolean): number {
    const { top, base } = this.#idleStack(prio);
    const n = Atomics.load(this.ctl, top);
    for (let i = 0; i < n; i++) if (Atomics.load(this.ctl, base + i) === index) return i;
    return -1;
  }

  /** Pushes worker `index` on its idle stack. Caller holds the server lock. */
  pushIdleLocked(index: number, prio: boolean): void {
    const { top, base } = this.#idleStack(prio);
    const n = Atomics.load(this.ctl, top);
    Atomics.store(this.ctl, base + n, index);
    Atomics.store(this.ctl, top, n + 1);
  }

  /**
   * Puts worker `index` at the bottom of its idle stack, so warm idle workers
   * are popped before it (a parked one). Caller holds the server lock.
   */
  pushIdleBottomLocked(index: number, prio: boolean): void {
    const { top, base } = this.#idleStack(prio);
    const n = Atomics.load(this.ctl, top);
    for (let i = n; i > 0; i--) {
      Atomics.store(this.ctl, base + i, Atomics.load(this.ctl, base + i - 1));
    }
    Atomics.store(this.ctl, base, index);
    Atomics.store(this.ctl, top, n + 1);
  }

  /** Whether worker `index` is on its idle stack. Caller holds the server lock. */
  onIdleStackLocked(index: number, prio: boolean): boolean {
    return this.#idlePositionLocked(index, prio) >= 0;
  }

  /** Pops the most recently idle worker, or -1. Caller holds the server lock. */
  popIdleLocked(prio: boolean): number {
    const { top, base } = this.#idleStack(prio);
    const n = Atomics.load(this.ctl, top);
    if (n === 0) return -1;
    Atomics.store(this.ctl, top, n - 1);
    return Atomics.load(this.ctl, base + n - 1);
  }

  /**
   * Takes worker `index` off its idle stack if it is there; false when it
   * was not (the event loop popped it to wake it). Caller holds the server lock.
   */
  removeIdleLocked(index: number, prio: boolean): boolean {
    const at = this.#idlePositionLocked(index, prio);
    if (at < 0) return false;
    const { top, base } = this.#idleStack(prio);
    const n = Atomics.load(this.ctl, top);
    for (let j = at + 1; j < n; j++) {
      Atomics.store(this.ctl, base + j - 1, Atomics.load(this.ctl, base + j));
    }
    Atomics.store(this.ctl, top, n - 1);
    return true;
  }

  /** Wakes worker `index` (bump, then notify its own word). No lock needed. */
  wakeWorker(index: number): void {
    const w = this.worker(index) + W_WAKE;
    Atomics.add(this.ctl, w, 1);
    Atomics.notify(this.ctl, w, 1);
  }

  /** Client locks made so far, by record index (one object per record, made on first use). */
  readonly #clientLocks: (SharedMutex | undefined)[] = [];

  /** The lock of client record `index` (rank: after the server lock). */
  clientLock(index: number): SharedMutex {
    return this.#clientLocks[index] ??= new SharedMutex(
      this.ctl,
      this.client(index) + C_LOCK,
      RANK_CLIENT,
      `#${index}`,
      this.tracker,
    );
  }
}
