/**
 * The event loop's side of the dispatch pool: starts the Workers, puts calls
 * on the shared job queue, wakes a Worker, and learns of finished jobs
 * through Atomics.waitAsync — it never blocks. libvirtd's virThreadPool.
 *
 * @module
 */

import { allocateAnswerBox, type IoAnswer, writeAnswer } from "./io.ts";
import type { LogLevel } from "@logtape/logtape";
import { CallArena } from "./arena.ts";
import { allocateMailbox, drainMailbox, type MailRecord } from "./mailbox.ts";
import {
  C_FLAGS,
  C_GEN,
  C_LOCK,
  C_REFS,
  C_STATE,
  CLIENT_CLOSING,
  CLIENT_FREE,
  CLIENT_OPEN,
  J_CLIENT,
  J_CLIENT_GEN,
  J_DATA_LEN,
  J_DATA_OFF,
  J_NEXT,
  J_PREV,
  J_PRIO,
  J_RUN_US,
  J_START_MS,
  J_STATE,
  J_WORKER,
  JOB_FREE,
  JOB_QUEUED,
  JOB_RUNNING,
  MAIL_DROPPED,
  MAIL_REPLY,
  S_ALONE,
  S_CROWDED,
  S_DONE_SEQ,
  S_EL_POLLING,
  S_FREE_PRIO,
  S_FREE_WORKERS,
  S_LOCK,
  S_LOCK_CHECK,
  S_MAX_CLIENTS,
  S_MAX_CLIENTS_UNAUTH,
  S_MAX_WORKERS,
  S_MIN_WORKERS,
  S_N_CLIENTS,
  S_N_CLIENTS_UNAUTH,
  S_N_PRIO,
  S_N_STARTING,
  S_N_WOKEN,
  S_N_WOKEN_PRIO,
  S_N_WORKERS,
  S_PRIO_WORKERS,
  S_QUEUE_DEPTH,
  S_QUEUE_HEAD,
  S_QUEUE_PRIO,
  S_QUEUE_TAIL,
  S_SHUTDOWN,
  S_STUCK_WORKERS,
  W_IO_SEQ,
  W_JOB,
  W_JOB_REF,
  W_MAIL_LEN,
  W_MAIL_WAITING,
  W_OWNER,
  W_PRIO,
  W_RETIRE,
  W_STATE,
  W_WAKE,
  WORKER_BUSY,
  WORKER_EXITED,
  WORKER_FREE,
  WORKER_IDLE,
  WORKER_PARKED,
  WORKER_STARTING,
} from "./layout.ts";
import { type PoolCapacity, type ServerBuffers, SharedMemory } from "./shared.ts";
import type { WorkerEnd, WorkerStart } from "./worker.ts";
import assert from "node:assert/strict";
import { DEFAULT_WORKER_PARK_SECONDS } from "../conf/config.ts";
import { log } from "../log.ts";
import { decodeHeader, encodePacket, PAYLOAD_OFFSET } from "../rpc/header.ts";
import { VIR_NET_ERROR, VIR_NET_REPLY } from "../rpc/constants.ts";
import { VirError, writeVirError } from "../rpc/error.ts";
import { VIR_FROM_RPC } from "../rpc/error_codes.ts";
import { releaseStoreLocks } from "../drivers/shared_store.ts";
import { releaseIfOwner, THREAD_SLOTS, threadIdOf } from "./lock.ts";

export interface PoolOptions {
  minWorkers: number;
  maxWorkers: number;
  prioWorkers: number;
  capacity: PoolCapacity;
  /** Extension modules every Worker loads (drivers, test programs). */
  modules: string[];
  /** Check every lock acquisition against the lock order (debug). */
  lockCheck: boolean;
  logLevel: LogLevel;
  /** The server's name as virt-admin shows it ("libvirtd", "admin"). */
  name: string;
  maxClients: number;
  maxAnonymousClients: number;
  /** Shared with the other server(s): the drivers' store and the settings strings. */
  store: SharedArrayBuffer;
  settings: SharedArrayBuffer;
  /** Watchdog limits in seconds (0: off): report and replace, then terminate. */
  stuckWarnSeconds?: number;
  stuckKillSeconds?: number;
  /**
   * The longest the event loop polls for the answer to the only call in
   * flight, in µs (0: never); see "Polling for a short call" in THREADING.md.
   */
  pollMicros?: number;
  /**
   * How long a normal Worker watches the queue for its next job before it
   * sleeps, in µs (default 0: it does not); see "Spinning between calls".
   */
  spinMicros?: number;
  /**
   * The thread slot of this pool's worker record 0 (src/pool/lock.ts): the
   * pools of one daemon share the drivers' store, so their Workers' slots
   * must not overlap. Default 2 (slot 1 is the event loop).
   */
  threadSlotBase?: number;
  /**
   * When the pool's clock starts (ms since the Unix epoch; default: now).
   * Call start times are kept as 32-bit ms since then, so they wrap every
   * 2³¹ ms (24.8 days); tests and the soak set it in the past to cross the wrap.
   */
  epochMs?: number;
  /** The call arena's largest size in bytes (default 1 GiB; tests lower it). */
  arenaMaxBytes?: number;
  /** Workers running short calls at once (default RUNNING_TARGET; see #scheduleLocked). */
  runningTarget?: number;
  /**
   * How long an idle Worker keeps its isolate before it parks (ms; 0: for
   * ever; default `worker_park_seconds`'s). See "Parked Workers" in THREADING.md.
   */
  parkAfterMs?: number;
}

/** A busy worker's call younger than this (ms) counts as running, not blocked (see #scheduleLocked). */
const GROW_AFTER_MS = 10;
/**
 * How many workers running short calls keep the machine busy: one per CPU
 * but the one the event loop needs for all socket I/O (measured on two
 * cores: 8 and 64 AUTH_LIST clients run 15–25 % faster at 15 % less CPU
 * per call with one such worker than with two).
 */
const RUNNING_TARGET = Math.max(1, (navigator.hardwareConcurrency || 1) - 1);

/**
 * How many calls in a row must each come with no other in flight for one
 * client to count as alone (S_ALONE), when the event loop polls for an
 * answer and a Worker spins for the next call. Several clients leave a
 * single call in flight now and then, and a poll then keeps the event loop
 * from their sockets (measured with 8 light clients: 15–25 % fewer calls/s
 * and a third more CPU per call when it polled whenever one call was in flight).
 */
const ALONE_STREAK = 4;

/**
 * More calls in flight than this and S_CROWDED is set: Workers stop
 * appending to undrained mailboxes. Measured with 512 light clients: with
 * appending the event loop is saturated and Deno's reactor then reads some
 * sockets far later than others (p99 84–144 ms against 35–41 ms without; a
 * plain Deno echo server at 512 clients shows the same, some connections
 * waiting over a second), while 64 clients (at most 64 in flight) run twice
 * as many calls with it.
 */
const CROWD_INFLIGHT = 128;

/** The event loop's default poll for a short call (µs). */
export const DEFAULT_POLL_MICROS = 100;

/**
 * How long after ending a Worker's isolate the event loop waits before it
 * recovers what the Worker held. `terminate()` only asks V8 to stop the
 * isolate, which may run a few more instructions first (it stops at its
 * next interrupt check; a sleep in Atomics.wait is interrupted at once).
 * Locks are safe regardless (a late unlock cannot release a lock that names
 * another owner); the wait keeps the counts the recovery fixes from being
 * changed after it by an isolate that is on its way out.
 */
const DEATH_GRACE_MS = 20;

/**
 * What #scheduleLocked decided: workers to wake, parked ones to start an
 * isolate in, how many to start, whether to look again.
 */
interface Schedule {
  wake: number[];
  resume: number[];
  /** Workers between two calls counted as running: they take queued jobs before they sleep. */
  returning: number;
  grow: number;
  recheck: boolean;
}

/** A call waiting to be linked onto the shared queue. */
interface Pending {
  slot: number;
}

const logger = log("pool");

export class WorkerPool {
  readonly mem: SharedMemory;
  readonly arena: CallArena;
  /** The drivers' shared state; only Workers read and write it. */
  readonly store: SharedArrayBuffer;
  readonly #opts: PoolOptions;
  readonly #mailboxes: SharedArrayBuffer[] = [];
  readonly #answers: SharedArrayBuffer[] = [];
  readonly #workers: (Worker | null)[];
  readonly #freeJobs: number[] = [];
  readonly #freeClients: number[] = [];
  readonly #pending: Pending[] = [];
  #flushing = false;
  /** Jobs submitted and not yet finished (their mailbox record has not come back). */
  #inflight = 0;
  /** Calls submitted in a row with no other in flight (see ALONE_STREAK). */
  #aloneStreak = 0;
  /** Each job slot's procedure key (program and procedure). */
  readonly #procKey: Float64Array;
  /**
   * Per procedure, its recent run time on a Worker (µs, a moving average of
   * J_RUN_US; a poll that missed counts as a slow run): the poll's guide.
   */
  readonly #runUs = new Map<number, number>();
  readonly #pollUs: number;
  /** Workers woken or started for jobs; polls for a short call, and those the answer ended. */
  readonly #counts = { wakes: 0, polls: 0, answered: 0 };
  /** One past the highest worker record ever used. */
  #highWater = 0;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  /** The second look at jobs left queued (see #scheduleLocked), when armed. */
  #recheck: ReturnType<typeof setTimeout> | null = null;
  /** Workers the watchdog has reported (their call ran past the warning limit). */
  readonly #stuck = new Set<number>();
  #stopped = false;
  readonly #epochMs: number;
  readonly #slotBase: number;
  readonly #runningTarget: number;
  /** How long an idle Worker keeps its isolate (ms; 0: for ever, and Workers start with one). */
  readonly #parkMs: number;
  /** Per worker record: isolates started in it so far (the thread id's incarnation). */
  readonly #incarnation: number[];
  /** Per worker record: the thread id of the isolate in it now. */
  readonly #threadIds: number[];
  /** Records of dead Workers whose recovery has not finished: not reused until it has. */
  readonly #recovering = new Set<number>();
  /** Told of every mailbox record after the pool has done its own bookkeeping. */
  onRecord: (r: MailRecord) => void = () => {};
  /** Every server of the daemon (this one included), filled by the daemon before start. */
  readonly servers: ServerBuffers[] = [];

  constructor(opts: PoolOptions) {
    this.#opts = opts;
    this.#procKey = new Float64Array(opts.capacity.jobs);
    this.#pollUs = opts.pollMicros ?? DEFAULT_POLL_MICROS;
    this.#epochMs = opts.epochMs ?? Date.now();
    this.#slotBase = opts.threadSlotBase ?? 2;
    this.#runningTarget = opts.runningTarget ?? RUNNING_TARGET;
    this.#parkMs = opts.parkAfterMs ?? DEFAULT_WORKER_PARK_SECONDS * 1000;
    if (this.#slotBase + opts.capacity.workers > THREAD_SLOTS) {
      throw new RangeError(
        `Cannot make ${opts.capacity.workers} workers: thread slots end at ${THREAD_SLOTS}`,
      );
    }
    this.#incarnation = new Array(opts.capacity.workers).fill(0);
    this.#threadIds = new Array(opts.capacity.workers).fill(0);
    const control = SharedMemory.allocateControl(opts.capacity);
    const arena = new CallArena(
      Math.min(1 << 20, opts.arenaMaxBytes ?? 1 << 30),
      opts.arenaMaxBytes ?? 1 << 30,
    );
    for (let i = 0; i < opts.capacity.workers; i++) {
      this.#mailboxes.push(allocateMailbox());
      this.#answers.push(allocateAnswerBox());
    }
    const ctl = new Int32Array(control);
    // Initial values, before any Worker can see the buffer.
    Atomics.store(ctl, S_LOCK_CHECK, opts.lockCheck ? 1 : 0);
    Atomics.store(ctl, S_QUEUE_HEAD, -1);
    Atomics.store(ctl, S_QUEUE_TAIL, -1);
    Atomics.store(ctl, S_MIN_WORKERS, opts.minWorkers);
    Atomics.store(ctl, S_MAX_WORKERS, opts.maxWorkers);
    Atomics.store(ctl, S_PRIO_WORKERS, opts.prioWorkers);
    Atomics.store(ctl, S_MAX_CLIENTS, opts.maxClients);
    Atomics.store(ctl, S_MAX_CLIENTS_UNAUTH, opts.maxAnonymousClients);
    this.store = opts.store;
    this.mem = new SharedMemory(
      {
        capacity: opts.capacity,
        control,
        arena: arena.buffer,
        mailboxes: this.#mailboxes,
        answers: this.#answers,
        store: this.store,
        servers: this.servers,
        settings: opts.settings,
      },
      1,
    );
    this.arena = arena;
    this.#workers = new Array(opts.capacity.workers).fill(null);
    for (let i = opts.capacity.jobs - 1; i >= 0; i--) this.#freeJobs.push(i);
    for (let i = opts.capacity.clients - 1; i >= 0; i--) this.#freeClients.push(i);
  }

  get ctl(): Int32Array {
    return this.mem.ctl;
  }

  get name(): string {
    return this.#opts.name;
  }

  /** This server as the admin program sees it. */
  get buffers(): ServerBuffers {
    return { name: this.#opts.name, capacity: this.#opts.capacity, control: this.mem.control };
  }

  /**
   * Applies the targets in S_MIN/S_MAX/S_PRIO_WORKERS (set by the admin
   * program): adds parked Workers up to the minimum and the priority count,
   * and retires Workers above the maximum — parked ones first, then idle
   * ones, busy ones after their call. No call is lost: a retiring Worker
   * exits only between jobs.
   */
  resize(): void {
    const ctl = this.ctl;
    const state = (i: number) => Atomics.load(ctl, this.mem.worker(i) + W_STATE);
    const retiring = (i: number) => Atomics.load(ctl, this.mem.worker(i) + W_RETIRE) === 1;
    // With parking on, records park and are marked to retire only under the
    // server lock (so none parks marked); with it off, none is ever parked
    // and Workers are marked without it, as before parking existed.
    const needLock = this.#parkMs > 0;
    const g = needLock ? this.mem.serverLock.tryLock() : null;
    if (needLock && !g) return void this.mem.serverLock.whenFree().then(() => this.resize());
    const wake: number[] = [];
    try {
      const min = Atomics.load(ctl, S_MIN_WORKERS);
      const max = Atomics.load(ctl, S_MAX_WORKERS);
      const prioTarget = Atomics.load(ctl, S_PRIO_WORKERS);
      // Which records are Workers of the pool, not leaving: the parked ones,
      // and the others with an isolate that has not exited.
      const member = (i: number) =>
        !retiring(i) &&
        (state(i) === WORKER_PARKED || (this.#workers[i] !== null && state(i) !== WORKER_EXITED));
      const rank = (i: number) => [WORKER_PARKED, WORKER_IDLE].indexOf(state(i)) + 1 || 3;
      for (const prio of [false, true]) {
        const ws = this.#workers.map((_, i) => i).filter((i) =>
          member(i) && Atomics.load(ctl, this.mem.worker(i) + W_PRIO) === (prio ? 1 : 0)
        );
        const target = prio ? prioTarget : Math.max(min, Math.min(ws.length, max));
        for (let n = ws.length; n < target && this.#addLocked(prio); n++);
        if (ws.length <= target) continue;
        // Parked ones first (nothing runs there), then idle ones, so busy calls finish undisturbed.
        for (const i of ws.sort((a, b) => rank(a) - rank(b)).slice(0, ws.length - target)) {
          if (state(i) === WORKER_PARKED) this.#dropParkedLocked(i);
          else {
            Atomics.store(ctl, this.mem.worker(i) + W_RETIRE, 1);
            wake.push(i);
          }
        }
      }
    } finally {
      g?.[Symbol.dispose]();
    }
    // Wake the retiring ones so the idle among them see the flag and leave.
    for (const i of wake) this.mem.wakeWorker(i);
  }

  /**
   * Adds a Worker to the pool: a parked one, or with parking off one with an
   * isolate. False when no record is free. Caller holds the server lock when
   * parking is on.
   */
  #addLocked(prio: boolean): boolean {
    return this.#parkMs > 0 ? this.#addParkedLocked(prio) : this.#spawn(prio);
  }

  /**
   * Makes a free record a parked Worker: counted in the pool and free, at
   * the bottom of its idle stack (warm idle Workers are popped before it).
   * False when no record is free. Caller holds the server lock.
   */
  #addParkedLocked(prio: boolean): boolean {
    const ctl = this.ctl;
    const index = this.#freeRecord();
    if (index < 0) return false;
    const rec = this.mem.worker(index);
    Atomics.store(ctl, rec + W_PRIO, prio ? 1 : 0);
    Atomics.store(ctl, rec + W_JOB, -1);
    Atomics.store(ctl, rec + W_RETIRE, 0);
    Atomics.store(ctl, rec + W_OWNER, 0);
    Atomics.store(ctl, rec + W_STATE, WORKER_PARKED);
    this.mem.pushIdleBottomLocked(index, prio);
    Atomics.add(ctl, prio ? S_N_PRIO : S_N_WORKERS, 1);
    Atomics.add(ctl, prio ? S_FREE_PRIO : S_FREE_WORKERS, 1);
    return true;
  }

  /** Takes a parked Worker out of the pool; its record becomes free. Caller holds the server lock. */
  #dropParkedLocked(index: number): void {
    const ctl = this.ctl;
    const rec = this.mem.worker(index);
    const prio = Atomics.load(ctl, rec + W_PRIO) === 1;
    this.mem.removeIdleLocked(index, prio);
    Atomics.sub(ctl, prio ? S_N_PRIO : S_N_WORKERS, 1);
    Atomics.sub(ctl, prio ? S_FREE_PRIO : S_FREE_WORKERS, 1);
    // The isolate that parked here may not have said so yet: it has left its loop.
    this.#endIsolate(index);
    Atomics.store(ctl, rec + W_STATE, WORKER_FREE);
  }

  /** A record no isolate, recovery or Worker of the pool holds, or -1. */
  #freeRecord(): number {
    return this.#workers.findIndex((w, i) =>
      w === null && !this.#recovering.has(i) &&
      Atomics.load(this.ctl, this.mem.worker(i) + W_STATE) === WORKER_FREE
    );
  }

  /**
   * Ends the isolate in worker record `index` — a Worker that died (an
   * uncaught error ended it) or one the watchdog kills — and recovers what it
   * held (see #recover). False when no isolate runs there.
   */
  kill(index: number): boolean {
    if (!this.#endIsolate(index)) return false;
    this.#recovering.add(index);
    setTimeout(() => this.#recover(index, this.#threadIds[index]!), DEATH_GRACE_MS);
    return true;
  }

  /**
   * Takes record `index` from the isolate in it and ends that isolate; false
   * when none runs there. terminate() does not stop a
   * thread blocked in Atomics.wait or running synchronous code (Deno 2.9:
   * it ends the isolate only when it returns to its event loop, which a
   * Worker's job loop does not), so an ended Worker may run on when its call
   * unblocks: with W_OWNER no longer naming it, it stops at its next lock,
   * mailbox or I/O step, before it changes anything. It is woken from the
   * waits it may be in (its idle word, its I/O answer, its mailbox) so it
   * does not sleep on there for ever.
   */
  #endIsolate(index: number): boolean {
    const w = this.#workers[index];
    if (!w) return false;
    const rec = this.mem.worker(index);
    Atomics.store(this.ctl, rec + W_OWNER, 0);
    for (const word of [W_WAKE, W_IO_SEQ, W_MAIL_LEN]) Atomics.notify(this.ctl, rec + word);
    w.terminate();
    this.#workers[index] = null;
    return true;
  }

  /**
   * Recovers a dead Worker's record as a robust mutex would: locks whose word
   * names its thread are released, its counts fixed under the server lock,
   * what it published drained, its call answered with an error and its
   * client reference dropped; then the pool is brought back to its targets.
   * The record is not reused until all of that is done.
   */
  #recover(index: number, tid: number): void {
    const ctl = this.ctl;
    const rec = this.mem.worker(index);
    // One compare-exchange each: a lock the dead thread no longer holds is left alone.
    releaseIfOwner(ctl, S_LOCK, tid);
    for (let i = 0; i < this.#opts.capacity.clients; i++) {
      releaseIfOwner(ctl, this.mem.client(i) + C_LOCK, tid);
    }
    releaseStoreLocks(this.store, tid);
    const g = this.mem.serverLock.tryLock();
    if (!g) return void this.mem.serverLock.whenFree().then(() => this.#recover(index, tid));
    // It parked before it died: the record stays a parked Worker.
    let parked = false;
    try {
      const state = Atomics.load(ctl, rec + W_STATE);
      const prio = Atomics.load(ctl, rec + W_PRIO) === 1;
      parked = state === WORKER_PARKED;
      if (state === WORKER_STARTING) Atomics.sub(ctl, S_N_STARTING, 1);
      if (state === WORKER_IDLE) {
        // Not on its stack: popped and woken, and gone before it counted itself awake.
        if (!this.mem.removeIdleLocked(index, prio)) this.#unwokenLocked(prio);
        Atomics.sub(ctl, prio ? S_FREE_PRIO : S_FREE_WORKERS, 1);
      }
      if (state === WORKER_IDLE || state === WORKER_BUSY) {
        Atomics.sub(ctl, prio ? S_N_PRIO : S_N_WORKERS, 1);
      }
      if (!parked) Atomics.store(ctl, rec + W_STATE, WORKER_FREE);
    } finally {
      g[Symbol.dispose]();
    }
    if (parked) return this.#recovered(index);
    // What it published before it died is delivered as usual (a reply
    // finishes its job); a job of its still running is answered with an error.
    this.#drain(index);
    const heldRef = Atomics.load(ctl, rec + W_JOB_REF) === 1;
    for (let slot = 0; slot < this.#opts.capacity.jobs; slot++) {
      const j = this.mem.job(slot);
      if (
        Atomics.load(ctl, j + J_STATE) === JOB_RUNNING && Atomics.load(ctl, j + J_WORKER) === index
      ) {
        this.#abandonJob(slot, heldRef);
      }
    }
    Atomics.store(ctl, rec + W_JOB, -1);
    Atomics.store(ctl, rec + W_JOB_REF, 0);
    Atomics.store(ctl, rec + W_MAIL_WAITING, 0);
    this.#recovered(index);
  }

  /** A dead Worker's recovery is done: its record may be used again, and the pool is made whole. */
  #recovered(index: number): void {
    this.#recovering.delete(index);
    if (!this.#stopped) {
      this.resize();
      this.#flush();
    }
  }

  /**
   * A popped-and-woken Worker will never count itself awake (it died or was
   * never woken): take it off the woken counts. Caller holds the server lock.
   */
  #unwokenLocked(prio: boolean): void {
    Atomics.sub(this.ctl, S_N_WOKEN, 1);
    if (prio) Atomics.sub(this.ctl, S_N_WOKEN_PRIO, 1);
  }

  /**
   * Answers a dead Worker's call with an error and frees its slot; drops the
   * client reference it held (an atomic add: only the event loop frees
   * records, after C_REFS reaches 0, so no lock is needed to lower it).
   */
  #abandonJob(slot: number, heldRef: boolean): void {
    const ctl = this.ctl;
    const j = this.mem.job(slot);
    const client = Atomics.load(ctl, j + J_CLIENT);
    const gen = Atomics.load(ctl, j + J_CLIENT_GEN);
    if (heldRef) Atomics.sub(ctl, this.mem.client(client) + C_REFS, 1);
    const off = Atomics.load(ctl, j + J_DATA_OFF);
    const h = decodeHeader(this.arena.bytes.subarray(off, off + PAYLOAD_OFFSET));
    const reply = encodePacket(
      { ...h, type: VIR_NET_REPLY, status: VIR_NET_ERROR },
      (w) => writeVirError(w, VirError.internal(VIR_FROM_RPC, "the worker running this call died")),
    );
    this.#finishJob(slot);
    this.onRecord({ kind: MAIL_REPLY, slot, client, clientGen: gen, bytes: reply });
  }

  /** A Worker said it has left its loop: end its isolate and free its record. */
  #exited(index: number): void {
    if (!this.#endIsolate(index)) return;
    const rec = this.mem.worker(index);
    Atomics.store(this.ctl, rec + W_RETIRE, 0);
    Atomics.store(this.ctl, rec + W_STATE, WORKER_FREE);
    // Its mailbox may still hold its last batch.
    this.#drain(index);
    // It may have been woken for a job it then left for retirement: look
    // again at what is queued, so no job waits for an unrelated submit.
    if (!this.#stopped) this.#flush();
  }

  /**
   * The Worker in record `index` parked: it left its loop and stays in the
   * pool's counts and on its idle stack with no isolate. End the isolate,
   * unless the record has since been given a new one or left the pool.
   */
  #parked(index: number, w: Worker): void {
    if (this.#workers[index] !== w) return;
    this.#endIsolate(index);
    this.#drain(index);
  }

  /** Counts a connected client in S_N_CLIENTS (seen by the admin program). */
  countClient(delta: number): void {
    Atomics.add(this.ctl, S_N_CLIENTS, delta);
  }

  /** The client limit now in force (the admin program may lower it at any time). */
  get maxClients(): number {
    return Atomics.load(this.ctl, S_MAX_CLIENTS);
  }

  /**
   * Makes min_workers normal and prio_workers priority Workers, parked (an
   * isolate starts in one when a call first needs it), and starts the
   * completion loop.
   */
  start(): void {
    {
      // No isolate runs yet: the server lock is free.
      using _ = this.mem.serverLock.tryLock() ?? assert.fail("the server lock is taken at start");
      for (let i = 0; i < this.#opts.minWorkers; i++) this.#addLocked(false);
      for (let i = 0; i < this.#opts.prioWorkers; i++) this.#addLocked(true);
    }
    this.#completionLoop();
    if (this.#opts.stuckWarnSeconds || this.#opts.stuckKillSeconds) {
      this.#watchdog = setInterval(() => this.#watch(), 250);
    }
  }

  /** Workers whose call has run past the warning limit (reported by the admin program). */
  get stuckWorkers(): number {
    return this.#stuck.size;
  }

  /**
   * The stuck-call watchdog. A call running longer than the warning limit is
   * logged, its Worker is marked to retire after the call, and a replacement
   * is started so the pool keeps its capacity; past the kill limit the
   * Worker is terminated and its call answered with an error (its locks are
   * recovered as for a Worker that died).
   */
  #watch(): void {
    const ctl = this.ctl;
    const now = this.#clock();
    const warn = (this.#opts.stuckWarnSeconds ?? 0) * 1000;
    const kill = (this.#opts.stuckKillSeconds ?? 0) * 1000;
    for (let i = 0; i < this.#highWater; i++) {
      const rec = this.mem.worker(i);
      const slot = Atomics.load(ctl, rec + W_JOB);
      if (!this.#workers[i] || slot < 0 || Atomics.load(ctl, rec + W_STATE) !== WORKER_BUSY) {
        this.#stuck.delete(i);
        Atomics.store(ctl, S_STUCK_WORKERS, this.#stuck.size);
        continue;
      }
      const ran = msSince(now, Atomics.load(ctl, this.mem.job(slot) + J_START_MS));
      if (warn > 0 && ran > warn && !this.#stuck.has(i)) {
        this.#stuck.add(i);
        Atomics.store(ctl, S_STUCK_WORKERS, this.#stuck.size);
        const prio = Atomics.load(ctl, rec + W_PRIO) === 1;
        logger.warn("worker {index} has run one call for {ms} ms: starting a replacement", {
          index: i,
          ms: ran,
        });
        Atomics.store(ctl, rec + W_RETIRE, 1);
        this.#spawn(prio);
      }
      if (kill > 0 && ran > kill) {
        logger.error("worker {index} has run one call for {ms} ms: terminating it", {
          index: i,
          ms: ran,
        });
        this.#stuck.delete(i);
        Atomics.store(ctl, S_STUCK_WORKERS, this.#stuck.size);
        this.kill(i);
      }
    }
  }

  /**
   * Which isolate runs in worker record `index` now (its incarnation), or -1
   * when none does: a request answered later goes only to the isolate that
   * asked (see answerIo).
   */
  isolateOf(index: number): number {
    return this.#workers[index] ? this.#incarnation[index]! : -1;
  }

  /** The thread id of the isolate in worker record `index` now, or of its last one. */
  threadIdOf(index: number): number {
    return this.#threadIds[index] ?? 0;
  }

  /** Live Workers (normal, priority), counting ones still starting. */
  get workerCounts(): { normal: number; prio: number; starting: number } {
    return {
      normal: Atomics.load(this.ctl, S_N_WORKERS),
      prio: Atomics.load(this.ctl, S_N_PRIO),
      starting: Atomics.load(this.ctl, S_N_STARTING),
    };
  }

  /** Starts a Worker in a free record (growth, a replacement); false when none is free. */
  #spawn(prio: boolean): boolean {
    const index = this.#freeRecord();
    if (index < 0) return false;
    const rec = this.mem.worker(index);
    Atomics.store(this.ctl, rec + W_STATE, WORKER_STARTING);
    Atomics.store(this.ctl, rec + W_PRIO, prio ? 1 : 0);
    Atomics.store(this.ctl, rec + W_JOB, -1);
    Atomics.store(this.ctl, rec + W_RETIRE, 0);
    // The worker moves itself from "starting" to "live" when it joins.
    Atomics.add(this.ctl, S_N_STARTING, 1);
    this.#startIsolate(index, prio, false);
    return true;
  }

  /**
   * Starts an isolate in parked record `index`, which #scheduleLocked popped
   * for a job, counted as woken and set idle: the new Worker begins as an
   * idle one just woken. An isolate that parked there and has not yet said
   * so has left its loop: it is ended first.
   */
  #resume(index: number): void {
    this.#endIsolate(index);
    // What it published before it parked is delivered first.
    this.#drain(index);
    this.#startIsolate(index, Atomics.load(this.ctl, this.mem.worker(index) + W_PRIO) === 1, true);
  }

  /** Starts an isolate for record `index`, which the caller has set up. */
  #startIsolate(index: number, prio: boolean, resumed: boolean): void {
    const threadId = threadIdOf(this.#slotBase + index, ++this.#incarnation[index]!);
    this.#threadIds[index] = threadId;
    const rec = this.mem.worker(index);
    // The record is this isolate's from now until it leaves, parks or is ended.
    Atomics.store(this.ctl, rec + W_OWNER, threadId);
    this.#highWater = Math.max(this.#highWater, index + 1);
    let w: Worker;
    try {
      w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    } catch (e) {
      // No thread could be made (a resource limit): recover the record as a
      // Worker that died at once, so its counts come right.
      logger.error("worker {index} could not start: {message}", {
        index,
        message: e instanceof Error ? e.message : String(e),
      });
      Atomics.store(this.ctl, rec + W_OWNER, 0);
      this.#recovering.add(index);
      setTimeout(() => this.#recover(index, threadId), DEATH_GRACE_MS);
      return;
    }
    this.#workers[index] = w;
    // Not on the per-call path: the one message a Worker sends, when it
    // leaves or parks. Both handlers check the record still holds this isolate.
    w.onmessage = (e: MessageEvent<WorkerEnd>) => {
      if (e.data === "parked") this.#parked(index, w);
      else if (this.#workers[index] === w) this.#exited(index);
    };
    w.addEventListener("error", (e) => {
      e.preventDefault();
      logger.error("worker {index} died: {message}", { index, message: e.message });
      if (this.#workers[index] === w) this.kill(index);
    });
    const start: WorkerStart = {
      buffers: {
        capacity: this.#opts.capacity,
        control: this.mem.control,
        arena: this.arena.buffer,
        mailboxes: this.#mailboxes,
        answers: this.#answers,
        store: this.store,
        servers: this.servers,
        settings: this.#opts.settings,
      },
      index,
      threadId,
      prio,
      resumed,
      parkAfterMs: this.#parkMs,
      spinMicros: this.#opts.spinMicros ?? 0,
      modules: this.#opts.modules,
      epochMs: this.#epochMs,
      logLevel: this.#opts.logLevel,
    };
    // The one structured-clone message a Worker gets: its shared buffers, at start.
    w.postMessage(start);
  }

  // ---- Client records -----------------------------------------------------------------------

  /** Takes a client record for a new connection; null when all are in use. */
  openClient(init: (base: number) => void): { index: number; gen: number } | null {
    const index = this.#freeClients.pop();
    if (index === undefined) return null;
    const base = this.mem.client(index);
    const ctl = this.ctl;
    // The record is not reachable from any job yet: no lock needed to fill it.
    const gen = Atomics.add(ctl, base + C_GEN, 1) + 1;
    init(base);
    Atomics.store(ctl, base + C_STATE, CLIENT_OPEN);
    return { index, gen };
  }

  /**
   * Marks a client closing so queued jobs are abandoned. Returns false if a
   * worker holds the client lock this instant (try again soon).
   */
  markClosing(index: number, gen: number): boolean {
    const g = this.mem.clientLock(index).tryLock();
    if (!g) return false;
    try {
      // Only the record's current client: a late retry must not touch a reused record.
      if (Atomics.load(this.ctl, this.mem.client(index) + C_GEN) === gen) {
        Atomics.store(this.ctl, this.mem.client(index) + C_STATE, CLIENT_CLOSING);
      }
    } finally {
      g[Symbol.dispose]();
    }
    return true;
  }

  /**
   * Clears `flags` in a client's C_FLAGS under its client lock (Workers
   * change the word under that lock). Returns false if a worker holds the
   * lock this instant (try again soon).
   */
  clearClientFlags(index: number, gen: number, flags: number): boolean {
    const g = this.mem.clientLock(index).tryLock();
    if (!g) return false;
    try {
      const base = this.mem.client(index);
      if (Atomics.load(this.ctl, base + C_GEN) === gen) {
        Atomics.and(this.ctl, base + C_FLAGS, ~flags);
      }
    } finally {
      g[Symbol.dispose]();
    }
    return true;
  }

  /** Counts a client waiting for authentication in S_N_CLIENTS_UNAUTH (seen by the admin program). */
  countUnauthClient(delta: number): void {
    Atomics.add(this.ctl, S_N_CLIENTS_UNAUTH, delta);
  }

  /** Whether the unauthenticated clients are at the limit (0: no limit), as libvirtd decides. */
  get unauthFull(): boolean {
    const max = Atomics.load(this.ctl, S_MAX_CLIENTS_UNAUTH);
    return max > 0 && Atomics.load(this.ctl, S_N_CLIENTS_UNAUTH) >= max;
  }

  /** Whether workers still hold references on the client. */
  clientRefs(index: number): number {
    return Atomics.load(this.ctl, this.mem.client(index) + C_REFS);
  }

  /** Returns a closing client's record once no job of it is queued or running. */
  freeClient(index: number): void {
    Atomics.store(this.ctl, this.mem.client(index) + C_STATE, CLIENT_FREE);
    this.#freeClients.push(index);
  }

  // ---- Jobs -----------------------------------------------------------------------------------

  /** Queues a call; false when every job slot is taken (the caller stops reading). */
  submit(
    client: number,
    gen: number,
    packet: Uint8Array,
    prio: boolean,
  ): boolean {
    if (this.#freeJobs.length === 0) return false;
    // The packet's block first: with the arena full nothing has been taken yet.
    let off: number;
    try {
      off = this.arena.store(packet);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      logger.warn("call arena full ({bytes} bytes in use): refusing a call", {
        bytes: this.arena.inUse,
      });
      return false;
    }
    const slot = this.#freeJobs.pop()!;
    const ctl = this.ctl;
    const j = this.mem.job(slot);
    // Filled before the slot is linked; the link under the server lock publishes it.
    Atomics.store(ctl, j + J_CLIENT, client);
    Atomics.store(ctl, j + J_CLIENT_GEN, gen);
    Atomics.store(ctl, j + J_PRIO, prio ? 1 : 0);
    Atomics.store(ctl, j + J_DATA_OFF, off);
    Atomics.store(ctl, j + J_DATA_LEN, packet.length);
    Atomics.store(ctl, j + J_WORKER, -1);
    Atomics.store(ctl, j + J_RUN_US, -1);
    // The procedure, for its run time: program and procedure of the header.
    const key = procedureKey(packet);
    this.#procKey[slot] = key;
    if (++this.#inflight === CROWD_INFLIGHT + 1) Atomics.store(ctl, S_CROWDED, 1);
    const wasAlone = this.#aloneStreak >= ALONE_STREAK;
    this.#aloneStreak = this.#inflight === 1 ? this.#aloneStreak + 1 : 0;
    const alone = this.#aloneStreak >= ALONE_STREAK;
    if (alone !== wasAlone) Atomics.store(ctl, S_ALONE, alone ? 1 : 0);
    this.#pending.push({ slot });
    const seen = Atomics.load(ctl, S_DONE_SEQ);
    const woke = this.#flush();
    if (woke && alone) this.#pollForAnswer(key, seen);
    return true;
  }

  /**
   * The only call in flight went to an idle Worker and its procedure
   * usually runs within the poll: rather than let the event loop sleep and
   * be woken for the answer (two thread wake-ups, each dearer than the
   * call), poll the completion word for at most the poll time, then drain.
   * Nothing else is waiting on the event loop then (no other call is in
   * flight), and the bound keeps a new client's wait below it.
   */
  #pollForAnswer(key: number, seen: number): void {
    const limit = this.#pollUs;
    if (limit <= 0 || !((this.#runUs.get(key) ?? Infinity) < limit)) return;
    const ctl = this.ctl;
    // While the flag is set a Worker publishing skips its notify; we look at
    // the sequence again after clearing it, so one of us sees the other.
    Atomics.store(ctl, S_EL_POLLING, 1);
    const until = performance.now() + limit / 1000;
    while (Atomics.load(ctl, S_DONE_SEQ) === seen && performance.now() < until) {
      // Poll: the Worker is running the call.
    }
    Atomics.store(ctl, S_EL_POLLING, 0);
    this.#counts.polls++;
    if (Atomics.load(ctl, S_DONE_SEQ) !== seen) {
      this.#counts.answered++;
      this.#drainAll();
    } else {
      // The Worker was slow to wake or to run: polling costs CPU for nothing
      // while that lasts, so the miss counts as a slow run.
      this.#countRun(key, 2 * limit);
    }
  }

  /**
   * So far: Workers woken or started in a parked record for a job, polls
   * for a short call's answer (see #pollForAnswer) and those the answer ended.
   */
  get dispatchCounts(): {
    readonly wakes: number;
    readonly polls: number;
    readonly answered: number;
  } {
    return { ...this.#counts };
  }

  /**
   * Adds a run time (µs) to a procedure's moving average. A sample counts
   * at most twice the poll limit, so a slow first call (a fresh isolate
   * loading its driver) does not keep a short procedure from polling long.
   */
  #countRun(key: number, us: number): void {
    const x = Math.min(us, 2 * this.#pollUs);
    const avg = this.#runUs.get(key);
    this.#runUs.set(key, avg === undefined ? x : avg + (x - avg) / 8);
  }

  /**
   * Links pending jobs (if any) onto the shared queue, in arrival order,
   * and wakes or starts workers for the queued ones (see #scheduleLocked).
   * True when a worker was woken, or one between two calls will take a job.
   */
  #flush(): boolean {
    if (this.#flushing) return false;
    const g = this.mem.serverLock.tryLock();
    if (!g) {
      // A worker holds the server lock for a few instructions: retry when it is free.
      this.#flushing = true;
      this.mem.serverLock.whenFree().then(() => {
        this.#flushing = false;
        this.#flush();
      });
      return false;
    }
    let plan: Schedule;
    try {
      this.#linkPendingLocked();
      plan = this.#scheduleLocked();
    } finally {
      g[Symbol.dispose]();
    }
    this.#carryOut(plan);
    return plan.wake.length > 0 || plan.returning > 0;
  }

  /**
   * Decides who serves the queued jobs that no woken or starting worker is
   * coming for. libvirtd wakes a free worker for every job and grows the
   * pool when none is free, so that calls blocked in a driver do not hold
   * up the rest. denovirt does the same while fewer workers than
   * RUNNING_TARGET (the CPUs but the event loop's) are running; a worker
   * counts as running when it is woken, starting, or busy with a call that
   * began less than GROW_AFTER_MS ago (a short call: it comes back to the
   * queue when done). Once that many run, the queue is served as fast as
   * the machine allows, and more awake isolates would only add switching
   * (measured on two cores: 64 clients of AUTH_LIST spend about half again
   * the CPU per call with 20 workers awake as with 2, and less with 1). Jobs left queued then are looked at again
   * after GROW_AFTER_MS, when the calls that were to cover them, if they
   * are still running, count as blocked. Caller holds the server lock.
   */
  #scheduleLocked(): Schedule {
    const ctl = this.ctl;
    const woken = Atomics.load(ctl, S_N_WOKEN);
    const starting = Atomics.load(ctl, S_N_STARTING);
    // Jobs no woken worker is coming for, and of those, the ones no starting
    // worker will take either (a starting worker may be a priority one).
    let waiting = Atomics.load(ctl, S_QUEUE_DEPTH) - woken;
    let uncovered = waiting - starting;
    const plan: Schedule = { wake: [], resume: [], returning: 0, grow: 0, recheck: false };
    if (waiting <= 0) return plan;
    const short = this.#shortCallsLocked(this.#runningTarget);
    plan.returning = short.returning;
    let running = woken + starting + short.running;
    let live = Atomics.load(ctl, S_N_WORKERS) + starting;
    const max = Atomics.load(ctl, S_MAX_WORKERS);
    // High-priority jobs may also go to the priority workers, which serve
    // nothing else — when no normal worker is idle, before the pool grows.
    // Those a woken priority worker is coming for are covered already.
    let prio = Math.max(
      0,
      Math.min(Atomics.load(ctl, S_QUEUE_PRIO) - Atomics.load(ctl, S_N_WOKEN_PRIO), waiting),
    );
    // The most recently idle worker first: its isolate is the warmest.
    while (waiting > 0 && running < this.#runningTarget) {
      let w = this.mem.popIdleLocked(false);
      let forPrio = false;
      if (w < 0 && prio > 0) {
        w = this.mem.popIdleLocked(true);
        forPrio = w >= 0;
        if (forPrio) prio--;
      }
      if (w >= 0) {
        const rec = this.mem.worker(w);
        if (Atomics.load(ctl, rec + W_STATE) === WORKER_PARKED) {
          // Its isolate starts after the unlock and counts itself awake as a woken one does.
          Atomics.store(ctl, rec + W_STATE, WORKER_IDLE);
          plan.resume.push(w);
        } else plan.wake.push(w);
        Atomics.add(ctl, S_N_WOKEN, 1);
        // A normal worker woken with it must not take the job it is woken for.
        if (forPrio) Atomics.add(ctl, S_N_WOKEN_PRIO, 1);
      } else if (uncovered > 0 && live < max) {
        plan.grow++;
        live++;
      } else break;
      waiting--;
      uncovered--;
      running++;
    }
    plan.recheck = waiting > 0;
    return plan;
  }

  /**
   * Busy workers (normal or priority) whose call began less than GROW_AFTER_MS ago,
   * or normal ones between calls on their way back to the queue (busy with
   * no job and not retiring: they look at the queue before they sleep),
   * counting up to `cap`. Caller holds the server lock.
   */
  #shortCallsLocked(cap: number): { running: number; returning: number } {
    const ctl = this.ctl;
    const now = this.#clock();
    let running = 0;
    let returning = 0;
    for (let i = 0; i < this.#highWater && running < cap; i++) {
      const rec = this.mem.worker(i);
      if (Atomics.load(ctl, rec + W_STATE) !== WORKER_BUSY) continue;
      const slot = Atomics.load(ctl, rec + W_JOB);
      // Only a normal Worker takes any job: a priority one between calls is not counted.
      if (
        slot < 0 && Atomics.load(ctl, rec + W_RETIRE) === 0 && Atomics.load(ctl, rec + W_PRIO) === 0
      ) {
        returning++;
        running++;
      } else if (
        slot >= 0 &&
        msSince(now, Atomics.load(ctl, this.mem.job(slot) + J_START_MS)) < GROW_AFTER_MS
      ) {
        running++;
      }
    }
    return { running, returning };
  }

  /** Wakes and starts the workers a schedule names, with no lock held. */
  #carryOut(plan: Schedule): void {
    // Wake after unlocking, so the woken worker does not sleep again on the lock.
    this.#counts.wakes += plan.wake.length + plan.resume.length;
    for (const w of plan.wake) this.mem.wakeWorker(w);
    for (const w of plan.resume) this.#resume(w);
    for (let n = plan.grow; n > 0 && this.#spawn(false); n--);
    if (plan.recheck && this.#recheck === null && !this.#stopped) {
      // A second look at the jobs left queued, nothing new to link.
      this.#recheck = setTimeout(() => {
        this.#recheck = null;
        if (!this.#stopped) this.#flush();
      }, GROW_AFTER_MS + 1);
    }
  }

  /** Links the pending jobs at the queue's tail. Caller holds the server lock. */
  #linkPendingLocked(): void {
    const ctl = this.ctl;
    for (const { slot } of this.#pending) {
      const j = this.mem.job(slot);
      const tail = Atomics.load(ctl, S_QUEUE_TAIL);
      Atomics.store(ctl, j + J_NEXT, -1);
      Atomics.store(ctl, j + J_PREV, tail);
      Atomics.store(ctl, j + J_STATE, JOB_QUEUED);
      if (tail >= 0) Atomics.store(ctl, this.mem.job(tail) + J_NEXT, slot);
      else Atomics.store(ctl, S_QUEUE_HEAD, slot);
      Atomics.store(ctl, S_QUEUE_TAIL, slot);
      Atomics.add(ctl, S_QUEUE_DEPTH, 1);
      if (Atomics.load(ctl, j + J_PRIO) === 1) Atomics.add(ctl, S_QUEUE_PRIO, 1);
    }
    this.#pending.length = 0;
  }

  #finishJob(slot: number): void {
    const j = this.mem.job(slot);
    if (this.#inflight-- === CROWD_INFLIGHT + 1) Atomics.store(this.ctl, S_CROWDED, 0);
    // A call abandoned (its Worker died, or its client left) has no run time.
    const ran = Atomics.load(this.ctl, j + J_RUN_US);
    if (ran >= 0) this.#countRun(this.#procKey[slot]!, ran);
    this.arena.free(Atomics.load(this.ctl, j + J_DATA_OFF), Atomics.load(this.ctl, j + J_DATA_LEN));
    Atomics.store(this.ctl, j + J_STATE, JOB_FREE);
    this.#freeJobs.push(slot);
  }

  /** The pool's clock: ms since its epoch, as the 32-bit word J_START_MS holds it. */
  #clock(): number {
    return (Date.now() - this.#epochMs) | 0;
  }

  #drainAll(): void {
    // Only records that ever had a Worker can hold mail.
    const n = this.#highWater;
    for (let i = 0; i < n; i++) this.#drain(i);
  }

  #drain(index: number): void {
    drainMailbox(this.#mailboxes[index]!, this.ctl, this.mem.worker(index), (r) => {
      if (r.kind === MAIL_REPLY || r.kind === MAIL_DROPPED) this.#finishJob(r.slot);
      this.onRecord(r);
    });
  }

  async #completionLoop(): Promise<void> {
    const ctl = this.ctl;
    while (!this.#stopped) {
      // Read the sequence before draining: a publish after the drain changes it.
      const seen = Atomics.load(ctl, S_DONE_SEQ);
      this.#drainAll();
      const r = Atomics.waitAsync(ctl, S_DONE_SEQ, seen);
      if (r.async) await r.value;
    }
  }

  /** Stops every Worker: idle ones exit at once, busy ones after their call. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
    if (this.#recheck !== null) clearTimeout(this.#recheck);
    this.#recheck = null;
    Atomics.store(this.ctl, S_SHUTDOWN, 1);
    for (let i = 0; i < this.#workers.length; i++) if (this.#workers[i]) this.mem.wakeWorker(i);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      const busy = this.#workers.some((w, i) =>
        w !== null && Atomics.load(this.ctl, this.mem.worker(i) + W_STATE) !== WORKER_EXITED
      );
      if (!busy) break;
      this.#drainAll();
      await new Promise((r) => setTimeout(r, 10));
    }
    this.#drainAll();
    this.#stopped = true;
    Atomics.add(this.ctl, S_DONE_SEQ, 1);
    Atomics.notify(this.ctl, S_DONE_SEQ);
    for (let i = 0; i < this.#workers.length; i++) {
      this.#endIsolate(i);
      Atomics.store(this.ctl, this.mem.worker(i) + W_STATE, WORKER_FREE);
    }
  }

  /**
   * Answers the I/O request (MAIL_IO) that isolate `isolate` of worker
   * record `worker` made, and wakes it. False, writing nothing, when that
   * isolate is gone: the answer box then belongs to its successor, whose own
   * answer must not be overwritten.
   */
  answerIo(worker: number, isolate: number, answer: IoAnswer): boolean {
    const box = this.#answers[worker];
    if (!box || isolate < 0 || this.isolateOf(worker) !== isolate) return false;
    writeAnswer(box, this.ctl, this.mem.worker(worker), answer);
    return true;
  }

  /** Idle normal and priority workers right now (for tests and the admin program). */
  get free(): { normal: number; prio: number } {
    return {
      normal: Atomics.load(this.ctl, S_FREE_WORKERS),
      prio: Atomics.load(this.ctl, S_FREE_PRIO),
    };
  }

  /** Calls submitted whose answer has not come back (queued, pending a link, or running). */
  get inflight(): number {
    return this.#inflight;
  }

  /** Records of dead Workers whose recovery is still under way. */
  get recovering(): number {
    return this.#recovering.size;
  }

  get queueDepth(): number {
    return Atomics.load(this.ctl, S_QUEUE_DEPTH);
  }
}

/**
 * A number naming a call's program and procedure: the program word (bytes
 * 4–7, after the length) and the procedure's low 16 bits (bytes 14–15).
 */
function procedureKey(p: Uint8Array): number {
  const prog = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
  return prog * 65536 + ((p[14]! << 8) | p[15]!);
}

/**
 * Milliseconds from `start` to `now`, both 32-bit readings of a pool's
 * clock: right across the clock's wrap, for spans under 2³¹ ms (24.8 days).
 */
export function msSince(now: number, start: number): number {
  return (now - start) | 0;
}
