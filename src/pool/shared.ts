// The pool's shared memory as both sides see it: the control words (server
// section, job slots, client records, worker records), the call arena and
// the workers' mailboxes, with the locks that guard them.

import {
  C_LOCK,
  CLIENT_WORDS,
  controlWords,
  JOB_WORDS,
  S_LOCK,
  S_LOCK_CHECK,
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
  readonly arena: SharedArrayBuffer;
  readonly arenaBytes: Uint8Array;
  readonly tracker: LockTracker;
  readonly serverLock: SharedMutex;

  constructor(buffers: SharedBuffers, threadId: number) {
    this.capacity = buffers.capacity;
    this.control = buffers.control;
    this.ctl = new Int32Array(buffers.control);
    const { jobBase, clientBase, workerBase } = controlWords(
      this.capacity.jobs,
      this.capacity.clients,
      this.capacity.workers,
    );
    this.jobBase = jobBase;
    this.clientBase = clientBase;
    this.workerBase = workerBase;
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

  /** The lock of client record `index` (rank: after the server lock). */
  clientLock(index: number): SharedMutex {
    return new SharedMutex(
      this.ctl,
      this.client(index) + C_LOCK,
      RANK_CLIENT,
      `#${index}`,
      this.tracker,
    );
  }
}
