/**
 * A dispatch Worker: sleeps on the job condition, takes the next job under
 * the server lock, marks the client, runs the call holding no lock, and
 * posts the reply through its mailbox. libvirtd's virThreadPoolWorker.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { IoRequester } from "./io.ts";
import {
  C_GEN,
  C_REFS,
  C_STATE,
  CLIENT_CLOSING,
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
  JOB_RUNNING,
  MAIL_CLOSE_AFTER,
  MAIL_CONTROL,
  MAIL_DROPPED,
  MAIL_MESSAGE,
  MAIL_REPLY,
  MAIL_STREAM,
  MAIL_STREAM_END,
  S_ALONE,
  S_FREE_PRIO,
  S_FREE_WORKERS,
  S_N_PRIO,
  S_N_STARTING,
  S_N_WOKEN,
  S_N_WOKEN_PRIO,
  S_N_WORKERS,
  S_QUEUE_DEPTH,
  S_QUEUE_HEAD,
  S_QUEUE_PRIO,
  S_QUEUE_TAIL,
  S_SHUTDOWN,
  W_CALLS,
  W_JOB,
  W_JOB_REF,
  W_OWNER,
  W_RETIRE,
  W_STATE,
  W_WAKE,
  WORKER_BUSY,
  WORKER_EXITED,
  WORKER_IDLE,
  WORKER_PARKED,
} from "./layout.ts";
import { type SharedBuffers, SharedMemory } from "./shared.ts";
import { MailboxWriter } from "./mailbox.ts";
import { Superseded } from "./lock.ts";
import { ClientView, type WorkerEnv } from "../dispatch/context.ts";
import { SharedStore } from "../drivers/shared_store.ts";
import { shareHostFacts } from "../drivers/host_facts.ts";
import type { ProgramService } from "../dispatch/dispatch.ts";
import type { DriverRegistry } from "../drivers/driver.ts";
import type { Dispatcher } from "../dispatch/worker_services.ts";
import { setupLogging } from "../log.ts";
import { readSetting, settingsVersion } from "../server/settings.ts";
import type { LogLevel } from "@logtape/logtape";

/** The one message a Worker receives, at start. */
export interface WorkerStart {
  buffers: SharedBuffers;
  /** Index of this worker's record. */
  index: number;
  /** Thread id for lock words: unique to this isolate (src/pool/lock.ts). */
  threadId: number;
  /** True for a priority worker. */
  prio: boolean;
  /**
   * Started in a parked record the event loop popped for a job: the Worker is
   * counted in the pool already and begins as an idle one just woken.
   */
  resumed: boolean;
  /** How long it stays idle before it parks (ms; 0: never). */
  parkAfterMs: number;
  /** How long a normal Worker watches the queue for its next job before it sleeps (µs; 0: not at all). */
  spinMicros: number;
  /** Modules whose `setup(ext)` adds drivers or programs (tests add their own here). */
  modules: string[];
  /** Milliseconds since the epoch when the pool started (J_START_MS is relative to it). */
  epochMs: number;
  logLevel: LogLevel;
}

/**
 * The one message a Worker sends, when its loop ends: it left the pool
 * (retired or shut down), or it parked (see "Parked Workers" in THREADING.md).
 */
export type WorkerEnd = "exited" | "parked";

/** What an extension module's `setup()` may add to a Worker. */
export interface WorkerExtension {
  drivers: DriverRegistry;
  services: Map<number, ProgramService>;
  shared: WorkerShared;
}

/** The Worker's shared-memory view, made once at start and lent to extensions. */
export interface WorkerShared {
  mem: SharedMemory;
  env: WorkerEnv;
}

interface TakenJob {
  slot: number;
  client: number;
  alive: boolean;
}

class PoolWorker {
  readonly #mem: SharedMemory;
  readonly #ctl: Int32Array;
  readonly #start: WorkerStart;
  readonly #record: number;
  readonly #mail: MailboxWriter;
  readonly #env: WorkerEnv;
  /** The programs this Worker serves, loaded with its first job (see worker_services.ts). */
  #dispatch: Dispatcher | null = null;
  /** Set when #take returned because the Worker parked. */
  #parked = false;
  /** How long an idle wait lasts before the Worker parks (ms). */
  readonly #parkWaitMs: number;
  readonly #spinMs: number;

  constructor(start: WorkerStart, mem: SharedMemory) {
    this.#start = start;
    this.#mem = mem;
    this.#ctl = this.#mem.ctl;
    this.#record = this.#mem.worker(start.index);
    this.#parkWaitMs = start.parkAfterMs > 0 ? start.parkAfterMs : Infinity;
    this.#spinMs = start.prio ? 0 : start.spinMicros / 1000;
    const box = start.buffers.mailboxes[start.index];
    if (!box) throw new RangeError(`Cannot start worker ${start.index}: no mailbox`);
    // Ended by the event loop (the watchdog), this thread may run on: it
    // stops at its next lock, mailbox or I/O step (see W_OWNER).
    mem.tracker.superseded = () => !this.#owned();
    const fence = () => mem.tracker.assertCurrent();
    const mail = new MailboxWriter(box, this.#ctl, this.#record, fence);
    this.#mail = mail;
    const answers = start.buffers.answers[start.index]!;
    const io = new IoRequester(answers, this.#ctl, this.#record, start.index, mail, fence);
    const store = new SharedStore(start.buffers.store, mem.tracker);
    // What an emulator offers, the host's CPU: worked out once for all Workers.
    shareHostFacts(store);
    this.#env = {
      store,
      sendMessage: (index, gen, packet) => mail.add(MAIL_MESSAGE, -1, index, gen, packet),
      control: (req) =>
        mail.add(MAIL_CONTROL, -1, -1, 0, new TextEncoder().encode(JSON.stringify(req))),
      io: (req) => io.request(req),
    };
  }

  /** Whether this isolate still owns its record (the event loop has not ended it). */
  #owned(): boolean {
    return Atomics.load(this.#ctl, this.#record + W_OWNER) === this.#start.threadId;
  }

  /** Counts this worker as live and idle-capable; called once under no lock. */
  #join(): void {
    using _ = this.#mem.serverLock.lock();
    // One step under the server lock: the event loop reads both words under
    // it, and the state says which of the two counts this worker is in now.
    Atomics.sub(this.#ctl, S_N_STARTING, 1);
    Atomics.add(this.#ctl, this.#start.prio ? S_N_PRIO : S_N_WORKERS, 1);
    Atomics.store(this.#ctl, this.#record + W_STATE, WORKER_BUSY);
  }

  #leave(): void {
    using _ = this.#mem.serverLock.lock();
    Atomics.sub(this.#ctl, this.#start.prio ? S_N_PRIO : S_N_WORKERS, 1);
    Atomics.store(this.#ctl, this.#record + W_STATE, WORKER_EXITED);
  }

  /**
   * The first queued job this worker may take, or -1. Priority workers serve
   * only high-priority jobs. A normal worker takes the oldest job, except the
   * oldest high-priority ones that priority workers were woken for and have
   * not yet come for (S_N_WOKEN_PRIO): had it taken one, that priority worker
   * would find nothing, and the job the normal worker was woken for would
   * wait for it to finish. Caller holds the server lock.
   */
  #pickLocked(): number {
    const ctl = this.#ctl;
    const prio = this.#start.prio;
    let leave = prio ? 0 : Atomics.load(ctl, S_N_WOKEN_PRIO);
    for (let slot = Atomics.load(ctl, S_QUEUE_HEAD); slot >= 0;) {
      const j = this.#mem.job(slot);
      const high = Atomics.load(ctl, j + J_PRIO) === 1;
      if (high && leave > 0) leave--;
      else if (high || !prio) return slot;
      slot = Atomics.load(ctl, j + J_NEXT);
    }
    return -1;
  }

  /** Unlinks `slot` from the queue. Caller holds the server lock. */
  #unlinkLocked(slot: number): void {
    const ctl = this.#ctl;
    const j = this.#mem.job(slot);
    const next = Atomics.load(ctl, j + J_NEXT);
    const prev = Atomics.load(ctl, j + J_PREV);
    if (prev >= 0) Atomics.store(ctl, this.#mem.job(prev) + J_NEXT, next);
    else Atomics.store(ctl, S_QUEUE_HEAD, next);
    if (next >= 0) Atomics.store(ctl, this.#mem.job(next) + J_PREV, prev);
    else Atomics.store(ctl, S_QUEUE_TAIL, prev);
    Atomics.sub(ctl, S_QUEUE_DEPTH, 1);
    if (Atomics.load(ctl, j + J_PRIO) === 1) Atomics.sub(ctl, S_QUEUE_PRIO, 1);
  }

  /**
   * Waits for a job and takes it: under the server lock, unlinks it and,
   * under the client lock too (server → client), takes a reference on the
   * client if it is still the same open client. Returns null to exit.
   */
  #take(woken: boolean): TakenJob | null {
    const ctl = this.#ctl;
    const freeWord = this.#start.prio ? S_FREE_PRIO : S_FREE_WORKERS;
    const server = this.#mem.serverLock;
    server.lock();
    try {
      if (woken) this.#countWokenLocked(freeWord);
      for (;;) {
        if (
          Atomics.load(ctl, S_SHUTDOWN) === 1 || Atomics.load(ctl, this.#record + W_RETIRE) === 1
        ) {
          return null;
        }
        const slot = this.#pickLocked();
        if (slot >= 0) {
          this.#unlinkLocked(slot);
          const j = this.#mem.job(slot);
          Atomics.store(ctl, j + J_STATE, JOB_RUNNING);
          Atomics.store(ctl, j + J_WORKER, this.#start.index);
          // The pool's clock: 32-bit ms since its epoch (it wraps; see msSince).
          Atomics.store(ctl, j + J_START_MS, (Date.now() - this.#start.epochMs) | 0);
          const client = Atomics.load(ctl, j + J_CLIENT);
          const gen = Atomics.load(ctl, j + J_CLIENT_GEN);
          const c = this.#mem.client(client);
          // A call of a client that has gone (or is closing) is carried out
          // all the same, its reply discarded, as libvirtd runs the calls it
          // has queued; its record is not freed before the call comes back.
          let alive = false;
          {
            using _ = this.#mem.clientLock(client).lock();
            const state = Atomics.load(ctl, c + C_STATE);
            if (
              Atomics.load(ctl, c + C_GEN) === gen &&
              (state === CLIENT_OPEN || state === CLIENT_CLOSING)
            ) {
              // The reference keeps the record from being reused while we run.
              Atomics.add(ctl, c + C_REFS, 1);
              Atomics.store(ctl, this.#record + W_JOB_REF, 1);
              alive = true;
            }
          }
          Atomics.store(ctl, this.#record + W_JOB, slot);
          Atomics.store(ctl, this.#record + W_STATE, WORKER_BUSY);
          return { slot, client, alive };
        }
        // Nothing for us: go on the idle stack and sleep on our own wake word
        // with no lock held. Read the word before unlocking, so a wake after
        // the unlock changes it and the wait returns at once.
        const wakeWord = this.#record + W_WAKE;
        const seen = Atomics.load(ctl, wakeWord);
        this.#mem.pushIdleLocked(this.#start.index, this.#start.prio);
        Atomics.add(ctl, freeWord, 1);
        Atomics.store(ctl, this.#record + W_STATE, WORKER_IDLE);
        server.unlock();
        const slept = Atomics.wait(ctl, wakeWord, seen, this.#parkWaitMs);
        server.lock();
        if (slept === "timed-out" && this.#mayParkLocked()) {
          // Idle for parkAfterMs and not popped: park. The record stays on
          // the stack and in the counts; the event loop ends this isolate.
          Atomics.store(ctl, this.#record + W_STATE, WORKER_PARKED);
          this.#parked = true;
          return null;
        }
        this.#countWokenLocked(freeWord);
      }
    } finally {
      server.unlock();
    }
  }

  /**
   * Whether this idle Worker may park now: still on its idle stack (not
   * popped for a job in the meantime), not retiring, the daemon not
   * stopping. Caller holds the server lock.
   */
  #mayParkLocked(): boolean {
    return Atomics.load(this.#ctl, S_SHUTDOWN) === 0 &&
      Atomics.load(this.#ctl, this.#record + W_RETIRE) === 0 &&
      this.#mem.onIdleStackLocked(this.#start.index, this.#start.prio);
  }

  /**
   * This idle Worker is awake: out of the free count, and off its stack.
   * Woken by the event loop (or started in a parked record it popped), it
   * was popped already and counted as woken; woken for shutdown, retirement
   * or spuriously, it may still be on the stack. Caller holds the server lock.
   */
  #countWokenLocked(freeWord: number): void {
    Atomics.sub(this.#ctl, freeWord, 1);
    if (!this.#mem.removeIdleLocked(this.#start.index, this.#start.prio)) {
      Atomics.sub(this.#ctl, S_N_WOKEN, 1);
      if (this.#start.prio) Atomics.sub(this.#ctl, S_N_WOKEN_PRIO, 1);
    }
  }

  async #run(job: TakenJob): Promise<void> {
    const ctl = this.#ctl;
    const j = this.#mem.job(job.slot);
    const gen = Atomics.load(ctl, j + J_CLIENT_GEN);
    if (!job.alive) {
      // The client went away while the job was queued: abandon it.
      this.#mail.add(MAIL_DROPPED, job.slot, job.client, gen);
      return;
    }
    try {
      const off = Atomics.load(ctl, j + J_DATA_OFF);
      const len = Atomics.load(ctl, j + J_DATA_LEN);
      const packet = this.#mem.arenaBytes.subarray(off, off + len);
      const client = new ClientView(this.#mem, job.client, gen);
      const dispatch = this.#dispatch ??= await this.#loadDispatch();
      const { reply, closeAfter, stream } = await dispatch(packet, client);
      // Close-after comes first so the event loop knows it before the reply is queued.
      if (closeAfter) this.#mail.add(MAIL_CLOSE_AFTER, -1, job.client, gen);
      this.#mail.add(MAIL_REPLY, job.slot, job.client, gen, reply);
      if (stream) {
        stream.forEach((p, i) =>
          this.#mail.add(
            i === stream.length - 1 ? MAIL_STREAM_END : MAIL_STREAM,
            -1,
            job.client,
            gen,
            p,
          )
        );
      }
    } finally {
      using _ = this.#mem.clientLock(job.client).lock();
      Atomics.sub(ctl, this.#mem.client(job.client) + C_REFS, 1);
      Atomics.store(ctl, this.#record + W_JOB_REF, 0);
    }
  }

  /**
   * Between two calls, watches the queue for up to spinMicros before it
   * takes the server lock (and sleeps if the queue is still empty): one
   * client's next call usually comes sooner than a sleeping thread wakes
   * (see "Spinning between calls" in THREADING.md). The event loop counts
   * a Worker here as coming back for a job, so wakes no other for it.
   */
  #spinForJob(): void {
    // With several clients the CPU is better left to the event loop, the
    // clients and the other Workers: the queue is seldom empty long then.
    if (this.#spinMs <= 0 || Atomics.load(this.#ctl, S_ALONE) === 0) return;
    const until = performance.now() + this.#spinMs;
    while (Atomics.load(this.#ctl, S_QUEUE_DEPTH) === 0 && performance.now() < until) {
      // Spin: no lock held, nothing written.
    }
  }

  async #loadDispatch(): Promise<Dispatcher> {
    const { loadDispatcher } = await import("../dispatch/worker_services.ts");
    return loadDispatcher(this.#start, this.shared);
  }

  get shared(): WorkerShared {
    return { mem: this.#mem, env: this.#env };
  }

  #logVersion = -1;

  /** Applies the daemon's log filters and outputs when the admin program has changed them. */
  async #followLogSettings(v: number): Promise<void> {
    const buf = this.#start.buffers.settings;
    this.#logVersion = v;
    await setupLogging(
      this.#start.logLevel,
      readSetting(buf, "log_filters"),
      readSetting(buf, "log_outputs"),
    );
  }

  /**
   * Runs jobs until retired or shut down ("exited": it left the pool), until
   * it has been idle long enough to park ("parked": it stays in the pool
   * with no isolate), or until it finds it was ended while it ran on (null:
   * it leaves without a word, having changed nothing since — its record was
   * recovered and may hold its successor).
   */
  async serve(): Promise<WorkerEnd | null> {
    try {
      // Started in a parked record, it is counted in the pool already.
      if (!this.#start.resumed) this.#join();
      for (let woken = this.#start.resumed;; woken = false) {
        const job = this.#take(woken);
        if (!job) break;
        const took = performance.now();
        const v = settingsVersion(this.#start.buffers.settings);
        if (v !== this.#logVersion) await this.#followLogSettings(v);
        try {
          await this.#run(job);
        } finally {
          if (this.#owned()) {
            if (job.alive) {
              // Read by the event loop with the reply (see "Polling for a short call").
              const us = Math.min(0x7fffffff, Math.round((performance.now() - took) * 1000));
              Atomics.store(this.#ctl, this.#mem.job(job.slot) + J_RUN_US, us);
            }
            Atomics.add(this.#ctl, this.#record + W_CALLS, 1);
            Atomics.store(this.#ctl, this.#record + W_JOB, -1);
            this.#mail.publish();
          }
        }
        this.#spinForJob();
      }
      if (this.#parked) return "parked";
      this.#leave();
      return "exited";
    } catch (e) {
      if (e instanceof Superseded || !this.#owned()) return null;
      throw e;
    }
  }
}

self.onmessage = async (e: MessageEvent<WorkerStart>) => {
  self.onmessage = null;
  const start = e.data;
  await setupLogging(start.logLevel);
  const worker = new PoolWorker(start, new SharedMemory(start.buffers, start.threadId));
  // Tell the event loop we left or parked so it can end this isolate; one
  // it ended already just returns to its event loop, which ends it.
  const end = await worker.serve();
  if (end) self.postMessage(end);
};
