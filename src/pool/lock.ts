/**
 * Mutexes in shared memory, built on Atomics (a futex mutex whose word
 * holds its owner's thread id), each with a rank in the daemon's one lock
 * order: server → client → driver → object → memo → heap. With checking on, every
 * acquisition is compared with the locks this thread already holds.
 *
 * @module
 */

import { LOCK_STATE } from "./layout.ts";

/** The lock order. A thread may only take a lock of a higher rank than all it holds. */
export const RANK_SERVER = 1;
export const RANK_CLIENT = 2;
export const RANK_DRIVER = 3;
export const RANK_OBJECT = 4;
/** The driver store's memo, held while a Worker works out a host fact for all (host_facts.ts). */
export const RANK_MEMO = 5;
/** The driver store's allocator: a leaf, taken last and held for a few instructions. */
export const RANK_HEAP = 6;

const RANK_NAMES: Record<number, string> = {
  [RANK_SERVER]: "server",
  [RANK_CLIENT]: "client",
  [RANK_DRIVER]: "driver",
  [RANK_OBJECT]: "object",
  [RANK_MEMO]: "memo",
  [RANK_HEAP]: "heap",
};

/** A lock taken against the declared order (a possible deadlock). */
export class LockOrderError extends Error {
  override readonly name = "LockOrderError";
  readonly code = "ERR_LOCK_ORDER";
  constructor(taking: string, held: string) {
    super(
      `Cannot take the ${taking} lock while holding the ${held} lock: the order is server → client → driver → object → memo → heap`,
    );
  }
}

/**
 * The Worker was ended by the event loop (W_OWNER no longer names it) but its
 * thread ran on: it must stop before it touches anything shared again.
 */
export class Superseded extends Error {
  override readonly name = "Superseded";
  readonly code = "ERR_SUPERSEDED";
  constructor() {
    super("Cannot go on: this Worker was ended and its record is no longer its own");
  }
}

/** One thread's view of the locks it holds, for order checking. */
export class LockTracker {
  /** Thread id written into the words of the locks it holds (see `threadIdOf`). */
  readonly threadId: number;
  /** Whether acquisitions are checked (the control word S_LOCK_CHECK, read once). */
  readonly checking: boolean;
  /**
   * True once this thread was ended by the event loop (a Worker sets it; see
   * W_OWNER): every lock it then takes is given back at once and Superseded thrown.
   */
  superseded: () => boolean = () => false;
  readonly #held: { rank: number; name: string }[] = [];

  /** Throws Superseded if this thread was ended (see `superseded`). */
  assertCurrent(): void {
    if (this.superseded()) throw new Superseded();
  }

  constructor(threadId: number, checking: boolean) {
    this.threadId = threadId;
    this.checking = checking;
  }

  /** Names of the locks held, outermost first (for tests and diagnostics). */
  get held(): readonly string[] {
    return this.#held.map((h) => h.name);
  }

  check(rank: number, name: string): void {
    if (!this.checking) return;
    const top = this.#held[this.#held.length - 1];
    if (top && top.rank >= rank) throw new LockOrderError(name, top.name);
  }

  push(rank: number, name: string): void {
    if (this.checking) this.#held.push({ rank, name });
  }

  pop(name: string): void {
    if (!this.checking) return;
    const i = this.#held.findLastIndex((h) => h.name === name);
    if (i >= 0) this.#held.splice(i, 1);
  }
}

/**
 * Thread ids. Each isolate that takes locks has an id unique for the
 * daemon's life: its slot (1 for the event loop, one per worker record of
 * every pool — `THREAD_SLOTS` in all) plus `THREAD_SLOTS` × how many
 * isolates used that slot before it. A lock word holds its owner's id, so a
 * late unlock from an isolate that was terminated and replaced never
 * releases its successor's lock (see "When a Worker dies" in THREADING.md).
 */
export const THREAD_SLOTS = 2048;
/** The event loop's thread id (slot 1, never reused). */
export const EVENT_LOOP_THREAD = 1;
/** A thread id's slot (rows of per-thread bookkeeping are per slot). */
export function threadSlot(threadId: number): number {
  return threadId % THREAD_SLOTS;
}
/** The id of the `incarnation`-th isolate in `slot`; stays below `LOCK_WAITERS`. */
export function threadIdOf(slot: number, incarnation: number): number {
  return slot + THREAD_SLOTS * (incarnation % (LOCK_WAITERS / THREAD_SLOTS));
}

/** Set in a held lock's word when a thread may be sleeping on it (the unlock must notify). */
export const LOCK_WAITERS = 1 << 30;

/**
 * Releases the lock at `at` if thread `threadId` holds it (a dead thread's
 * lock, recovered as a robust mutex would be): one compare-exchange, so it
 * cannot release a lock another thread took meanwhile. True if released.
 */
export function releaseIfOwner(words: Int32Array, at: number, threadId: number): boolean {
  const s = at + LOCK_STATE;
  for (;;) {
    const c = Atomics.load(words, s);
    if (c === 0 || (c & ~LOCK_WAITERS) !== threadId) return false;
    if (Atomics.compareExchange(words, s, c, 0) === c) {
      Atomics.notify(words, s);
      return true;
    }
  }
}

/**
 * A mutex at word `at` of `words` (a view of a SharedArrayBuffer): 0 when
 * free, else the owner's thread id, with `LOCK_WAITERS` set when a thread
 * may sleep on it — so who holds it changes in the same compare-exchange
 * that takes or releases it, and recovery after a death has no gap.
 * `lock()` may sleep in Atomics.wait and so is for Workers only; the event
 * loop uses `tryLock()` and `whenFree()`.
 */
export class SharedMutex {
  readonly #words: Int32Array;
  readonly #state: number;
  readonly #rank: number;
  readonly #name: string;
  readonly #tracker: LockTracker;
  readonly #me: number;

  constructor(words: Int32Array, at: number, rank: number, label: string, tracker: LockTracker) {
    this.#words = words;
    this.#state = at + LOCK_STATE;
    this.#rank = rank;
    this.#name = `${RANK_NAMES[rank] ?? `rank ${rank}`} ${label}`.trim();
    this.#tracker = tracker;
    this.#me = tracker.threadId;
  }

  get name(): string {
    return this.#name;
  }

  /** The thread id that holds the lock, or 0. */
  get owner(): number {
    return Atomics.load(this.#words, this.#state) & ~LOCK_WAITERS;
  }

  #acquired(): Disposable {
    this.#tracker.push(this.#rank, this.#name);
    return { [Symbol.dispose]: () => this.unlock() };
  }

  /** Takes the lock, sleeping while another thread holds it. Workers only. */
  lock(): Disposable {
    this.#tracker.check(this.#rank, this.#name);
    const w = this.#words;
    const s = this.#state;
    const me = this.#me;
    // Uncontended: free → ours in one compareExchange.
    let c = Atomics.compareExchange(w, s, 0, me);
    while (c !== 0) {
      // Held: make sure the holder's unlock will notify, then sleep.
      if (!(c & LOCK_WAITERS)) {
        const seen = Atomics.compareExchange(w, s, c, c | LOCK_WAITERS);
        if (seen !== c) {
          c = seen === 0 ? Atomics.compareExchange(w, s, 0, me | LOCK_WAITERS) : seen;
          continue;
        }
        c |= LOCK_WAITERS;
      }
      Atomics.wait(w, s, c);
      // Take it marked: other sleepers may remain, so our unlock must notify.
      c = Atomics.compareExchange(w, s, 0, me | LOCK_WAITERS);
    }
    this.#fence();
    return this.#acquired();
  }

  /** Takes the lock if it is free; never sleeps. */
  tryLock(): Disposable | null {
    this.#tracker.check(this.#rank, this.#name);
    if (Atomics.compareExchange(this.#words, this.#state, 0, this.#me) !== 0) return null;
    this.#fence();
    return this.#acquired();
  }

  /**
   * An ended Worker that ran on must not enter a critical section: what it
   * held was recovered, and others may hold it now. Every change a Worker
   * makes to shared state is made under some lock, so this is where it stops.
   */
  #fence(): void {
    if (!this.#tracker.superseded()) return;
    this.#release();
    throw new Superseded();
  }

  /**
   * Resolves when the lock looks free, without taking it and without
   * blocking the thread (Atomics.waitAsync); the event loop then retries
   * `tryLock()`. No lock is ever held across an await.
   */
  async whenFree(): Promise<void> {
    const w = this.#words;
    const s = this.#state;
    for (;;) {
      let c = Atomics.load(w, s);
      if (c === 0) return;
      // Mark a waiter so the holder's unlock notifies us.
      if (!(c & LOCK_WAITERS)) {
        if (Atomics.compareExchange(w, s, c, c | LOCK_WAITERS) !== c) continue;
        c |= LOCK_WAITERS;
      }
      const r = Atomics.waitAsync(w, s, c);
      if (r.async) {
        await r.value;
        // An unlock wakes one waiter, and it may have been us, who do not
        // take the lock here: pass the wake on, or a Worker sleeping in
        // lock() could sleep on with the lock free (a lost wake-up).
        Atomics.notify(w, s, 1);
      }
    }
  }

  unlock(): void {
    this.#tracker.pop(this.#name);
    this.#release();
  }

  #release(): void {
    const w = this.#words;
    const s = this.#state;
    const me = this.#me;
    // Ours and unmarked → free, nobody to wake.
    const c = Atomics.compareExchange(w, s, me, 0);
    if (c === me) return;
    // Ours and marked → free, wake one. Anything else is not ours (the lock
    // was recovered from this thread as dead and taken since): leave it.
    if (c === (me | LOCK_WAITERS) && Atomics.compareExchange(w, s, c, 0) === c) {
      Atomics.notify(w, s, 1);
    }
  }
}
